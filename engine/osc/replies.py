"""What ``moodscore serve`` sends back: cues to subscribers, as they sound.

A thread polls the engine every ``REPLY_PERIOD_S``: ``MusicEngine.poll`` hands over
the cues whose frame the output has taken (what is being heard), and each becomes one
message to every subscriber:

    /moodscore/beat        bar beat tempo_bpm time_s
    /moodscore/bar         bar tempo_bpm meter time_s
    /moodscore/transition  from_state to_state mood bar beat time_s
    /moodscore/stinger     name bar beat time_s
    /moodscore/stop        time_s

``bar`` and ``beat`` count from 0, ``time_s`` is the cue's place in the music (seconds
of audio since the engine started), ``meter`` a string such as "4/4". Cues are sent
when heard rather than when composed because until the output takes a block, a
transition may still cancel the beats and bars planned in it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading

from pythonosc.osc_message_builder import OscMessageBuilder

from engine.osc.addresses import PREFIX, BadMessage

log = logging.getLogger(__name__)

REPLY_PERIOD_S = 0.002
"""How often cues are looked for: a cue leaves at most this long after it is heard."""

MAX_SUBSCRIBERS = 16


def build(address: str, *args) -> bytes:
    """One OSC message: ints as ``i``, floats as ``f``, strings as ``s``."""
    builder = OscMessageBuilder(address)
    for value in args:
        kind = "s" if isinstance(value, str) else "i" if isinstance(value, int) else "f"
        builder.add_arg(value, kind)
    return builder.build().dgram


def cue_message(cue, from_state: str, to_state: str) -> bytes | None:
    """The message for one cue (None for a kind that is not sent); the two states
    are used by transitions only."""
    if cue.kind == "beat":
        return build(f"{PREFIX}/beat", cue.bar, cue.beat, float(cue.tempo_bpm), float(cue.seconds))
    if cue.kind == "bar":
        return build(f"{PREFIX}/bar", cue.bar, float(cue.tempo_bpm), str(cue.meter), float(cue.seconds))
    if cue.kind == "transition":
        return build(f"{PREFIX}/transition", from_state, to_state, cue.name, cue.bar, cue.beat, float(cue.seconds))
    if cue.kind == "stinger":
        return build(f"{PREFIX}/stinger", cue.name, cue.bar, cue.beat, float(cue.seconds))
    if cue.kind == "stop":
        return build(f"{PREFIX}/stop", float(cue.seconds))
    return None


def parse_target(sender: tuple[str, int], args: tuple) -> tuple[str, int]:
    """(host, port) from subscribe's arguments: none (the sender itself), a port (the
    sender's host) or host and port. The host must be an IP address or "localhost":
    resolving a name could block the server."""
    host, port = sender[0], sender[1]
    if len(args) == 1:
        port = args[0]
    elif len(args) == 2:
        host, port = ("127.0.0.1" if args[0] == "localhost" else args[0]), args[1]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise BadMessage("bad_arguments", f"{PREFIX}/subscribe: host {host!r} is not an IP address") from None
    if not 1 <= port <= 65535:
        raise BadMessage("bad_arguments", f"{PREFIX}/subscribe: port {port} is outside 1..65535")
    return host, port


class Subscribers:
    """Where cues go: at most ``MAX_SUBSCRIBERS`` (host, port) pairs; safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._targets: tuple[tuple[str, int], ...] = ()

    def add(self, target: tuple[str, int]) -> None:
        with self._lock:
            if target in self._targets:
                return
            if len(self._targets) >= MAX_SUBSCRIBERS:
                raise BadMessage("bad_arguments", f"{PREFIX}/subscribe: already {MAX_SUBSCRIBERS} subscribers")
            self._targets += (target,)

    def remove(self, target: tuple[str, int]) -> None:
        with self._lock:
            self._targets = tuple(t for t in self._targets if t != target)

    def __iter__(self):
        return iter(self._targets)   # a tuple, replaced whole: iterating needs no lock

    def __len__(self) -> int:
        return len(self._targets)


class CuePump:
    """The reply thread: polls ``engine`` for heard cues and sends them through ``sock``
    to ``subscribers``. The only caller of ``engine.poll``."""

    def __init__(self, engine, sock: socket.socket, subscribers: Subscribers, counters: dict[str, int]):
        self._engine = engine
        self._sock = sock
        self._subscribers = subscribers
        self._counters = counters
        self._state = engine.snapshot().state
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="moodscore-osc-replies", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def _run(self) -> None:
        stop = threading.Event()   # only for its wait(): an interruptible, accurate sleep
        while self._running:
            try:
                self.pump()
            except Exception:  # noqa: BLE001 - the reply thread must outlive any one cue
                self._counters["reply_errors"] += 1
                log.exception("sending cues failed")
            stop.wait(REPLY_PERIOD_S)

    def pump(self) -> int:
        """Send the cues heard since the last call; returns how many messages were sent."""
        sent = 0
        for cue in self._engine.poll():
            message = self._message(cue)
            if message is None:
                continue
            for target in self._subscribers:
                sent += self._send(message, target)
        return sent

    def _message(self, cue) -> bytes | None:
        from_state = self._state
        if cue.kind == "transition":
            # the cue is heard, so the snapshot (the state heard now) is the one it landed in
            self._state = self._engine.snapshot().state
        return cue_message(cue, from_state, self._state)

    def _send(self, message: bytes, target: tuple[str, int]) -> int:
        try:
            self._sock.sendto(message, target)
        except OSError as exc:   # a full buffer, an unreachable host: the next cue tries again
            self._counters["reply_errors"] += 1
            log.debug("reply to %s:%d failed: %s", *target, exc)
            return 0
        self._counters["replies_sent"] += 1
        return 1
