"""A python-osc client for ``moodscore serve``: what the tests and ``bench/osc.py`` drive
the server with, and a starting point for Python tools.

One UDP socket sends and receives, as a game's would: answers to ``snapshot`` and
``counters`` come back to it, and after ``subscribe()`` so do the cues. A receiver
thread stamps every message with ``time.perf_counter()`` on arrival and queues it.

    with MoodscoreClient(port=9000) as music:
        music.subscribe()
        music.event("combat_start")
        print(music.snapshot()["state"])
        beat = music.wait_for("/moodscore/beat", timeout_s=2.0)
"""

from __future__ import annotations

import collections
import queue
import socket
import threading
import time
from dataclasses import dataclass

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

PREFIX = "/moodscore"
BACKLOG = 10000
"""Messages kept that no ``wait_for`` has taken yet (the oldest are dropped past this)."""
SNAPSHOT_FIELDS = ("state", "mood", "intensity", "bar", "beat", "tempo_bpm", "meter", "key", "time_s", "underruns")


@dataclass(frozen=True, slots=True)
class Received:
    """One message from the server, stamped (perf_counter seconds) when it arrived."""

    address: str
    args: tuple
    arrived_s: float


class MoodscoreClient:
    """Talk to ``moodscore serve`` at ``host:port``; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9000):
        self.target = (host, port)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self._sock.settimeout(0.1)
        self.local_port: int = self._sock.getsockname()[1]
        self._inbox: queue.Queue[Received] = queue.Queue()
        self._backlog: collections.deque[Received] = collections.deque(maxlen=BACKLOG)   # read, not yet taken
        self._running = True
        self._thread = threading.Thread(target=self._receive, name="moodscore-osc-client", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ sending

    def send(self, address: str, *args, types: str | None = None) -> None:
        """Send one message; ``types`` (e.g. "sf") forces the OSC type of each argument."""
        builder = OscMessageBuilder(address)
        for i, value in enumerate(args):
            builder.add_arg(value, types[i] if types else None)
        self.send_raw(builder.build().dgram)

    def send_raw(self, data: bytes) -> None:
        self._sock.sendto(data, self.target)

    def event(self, name: str) -> None:
        self.send(f"{PREFIX}/event", name)

    def param(self, name: str, value: float) -> None:
        self.send(f"{PREFIX}/param", name, float(value), types="sf")

    def state(self, name: str, sync: str | None = None) -> None:
        self.send(f"{PREFIX}/state", name, *([sync] if sync else []))

    def resume(self, name: str, sync: str | None = None) -> None:
        self.send(f"{PREFIX}/resume", name, *([sync] if sync else []))

    def stinger(self, name: str) -> None:
        self.send(f"{PREFIX}/stinger", name)

    def stop(self, fade_s: float | None = None) -> None:
        self.send(f"{PREFIX}/stop", *([float(fade_s)] if fade_s is not None else []))

    def subscribe(self) -> None:
        """Ask for cues on this client's own socket."""
        self.send(f"{PREFIX}/subscribe")

    # ------------------------------------------------------------ receiving

    def snapshot(self, timeout_s: float = 2.0) -> dict:
        """Ask for a snapshot and wait for it: the fields of ``SNAPSHOT_FIELDS`` and
        ``parameters`` (a dict). TimeoutError when no answer comes."""
        args = self._ask(f"{PREFIX}/snapshot", timeout_s)
        fields = dict(zip(SNAPSHOT_FIELDS, args))
        rest = args[len(SNAPSHOT_FIELDS):]
        fields["parameters"] = dict(zip(rest[0::2], rest[1::2]))
        return fields

    def wait_snapshot(self, where, timeout_s: float = 2.0) -> dict:
        """Ask for snapshots until ``where(snapshot)`` is true (a call is applied at the
        engine's next control frame, a block after it arrives); TimeoutError otherwise."""
        end = time.monotonic() + timeout_s
        while True:
            snap = self.snapshot(max(0.05, end - time.monotonic()))
            if where(snap):
                return snap
            if time.monotonic() > end:
                raise TimeoutError(f"no snapshot as wanted within {timeout_s} s; the last: {snap}")
            time.sleep(0.002)

    def counters(self, timeout_s: float = 2.0) -> dict[str, int]:
        """The server's and the engine's counters (``osc_*`` are the server's)."""
        args = self._ask(f"{PREFIX}/counters", timeout_s)
        return dict(zip(args[0::2], args[1::2]))

    def _ask(self, address: str, timeout_s: float) -> tuple:
        self.send(address)
        return self.wait_for(address, timeout_s).args

    def wait_for(self, address: str, timeout_s: float = 2.0, where=None) -> Received:
        """The oldest message to ``address`` not taken yet (and for which
        ``where(received)`` is true); others stay for later calls and ``drain``.
        TimeoutError after ``timeout_s``."""
        for received in list(self._backlog):
            if received.address == address and (where is None or where(received)):
                self._backlog.remove(received)
                return received
        end = time.monotonic() + timeout_s
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {address} from {self.target[0]}:{self.target[1]} within {timeout_s} s")
            try:
                received = self._inbox.get(timeout=left)
            except queue.Empty:
                continue
            if received.address == address and (where is None or where(received)):
                return received
            self._backlog.append(received)

    def drain(self) -> list[Received]:
        """Every message received and not yet taken, oldest first."""
        out = list(self._backlog)
        self._backlog.clear()
        while True:
            try:
                out.append(self._inbox.get_nowait())
            except queue.Empty:
                return out

    def _receive(self) -> None:
        while self._running:
            try:
                data = self._sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                continue
            except OSError:
                return
            arrived = time.perf_counter()
            try:
                message = OscMessage(data)
            except Exception:  # noqa: BLE001 - not ours; a client ignores what it cannot read
                continue
            self._inbox.put(Received(message.address, tuple(message.params), arrived))

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=1.0)
        self._sock.close()

    def __enter__(self) -> MoodscoreClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
