"""OscServer: OSC over UDP in, ``MusicEngine`` calls out, cues and answers back.

A receiver thread reads datagrams from one UDP socket (by default on 127.0.0.1, so only
programs on this machine can drive the music), parses them with python-osc (messages
and bundles; a bundle's time tag is not waited for: its messages are applied at once),
checks each message against the address table (``addresses.ADDRESSES``) and makes the
engine call. Engine calls never block (they queue for the next control frame), so one
thread keeps up with thousands of messages a second. ``/moodscore/snapshot`` and
``/moodscore/counters`` are answered to the sender. A second thread (``CuePump``)
sends cues to subscribers as they are heard.

Bad input never stops the server: a datagram that is not OSC, an unknown address,
arguments of the wrong number or type, NaN or infinity, a name or sync the engine
refuses: each is counted (``counters``, also in the ``/moodscore/counters`` answer)
and logged, as a warning the 1st, 2nd, 4th, 8th... time for each reason (``lograte``).
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Protocol

from pythonosc.osc_packet import OscPacket, ParseError

from engine.lograte import worth_logging
from engine.osc.addresses import PREFIX, BadMessage, check_message
from engine.osc.replies import CuePump, Subscribers, build, parse_target

log = logging.getLogger(__name__)

RECV_TIMEOUT_S = 0.2
"""The receiver wakes this often when idle, to notice ``close``."""

MAX_DATAGRAM_BYTES = 65536
RECEIVE_BUFFER_BYTES = 4 << 20
"""Asked of the OS for the socket: a burst or a stall of this process is absorbed, not
dropped (UDP drops what does not fit). The OS caps it (Linux: ``net.core.rmem_max``)."""
COUNTERS = ("packets", "messages", "accepted", "not_osc", "unknown_address", "bad_arguments", "errors",
            "answers_sent", "answer_errors", "replies_sent", "reply_errors")


class Engine(Protocol):
    """What the server needs of a ``MusicEngine``."""

    def post_event(self, name: str) -> None: ...
    def set_parameter(self, name: str, value: float) -> None: ...
    def set_state(self, name: str, sync: str | None = None, resume: bool = False) -> None: ...
    def trigger_stinger(self, name: str) -> None: ...
    def stop(self, fade_s: float = 0.5) -> None: ...
    def snapshot(self): ...
    def poll(self) -> list: ...


class OscServer:
    """Serve ``engine`` on ``host:port`` (port 0: any free port; ``address`` says which).
    ``reply_to`` lists (host, port) subscribers from the start."""

    def __init__(self, engine: Engine, host: str = "127.0.0.1", port: int = 9000,
                 reply_to: tuple[tuple[str, int], ...] = ()):
        self.engine = engine
        self.counters = dict.fromkeys(COUNTERS, 0)
        self.subscribers = Subscribers()
        for target in reply_to:
            self.subscribers.add(target)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        except OSError:
            log.debug("the OS refused a %d-byte receive buffer; its default stays", RECEIVE_BUFFER_BYTES)
        try:
            self._sock.bind((host, port))
        except OSError as exc:
            self._sock.close()
            raise OSError(f"cannot listen for OSC on {host}:{port}: {exc.strerror or exc}") from exc
        self._sock.settimeout(RECV_TIMEOUT_S)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self._pump = CuePump(engine, self._sock, self.subscribers, self.counters)
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self) -> OscServer:
        """Start receiving and sending cues."""
        if self._thread is None:
            self._running = True
            self._thread = threading.Thread(target=self._receive, name="moodscore-osc", daemon=True)
            self._thread.start()
            self._pump.start()
        return self

    def close(self) -> None:
        """Stop both threads and close the socket. Idempotent."""
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self._pump.stop()
        self._sock.close()

    def __enter__(self) -> OscServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ receiving

    def _receive(self) -> None:
        while self._running:
            try:
                data, sender = self._sock.recvfrom(MAX_DATAGRAM_BYTES)
            except (socket.timeout, ConnectionResetError):   # idle; Windows reports an unreachable subscriber here
                continue
            except OSError as exc:
                if self._running:
                    self.counters["errors"] += 1
                    log.warning("OSC socket: %s", exc)
                continue
            try:
                self.handle_datagram(data, sender)
            except Exception:  # noqa: BLE001 - one datagram must never stop the server
                self.counters["errors"] += 1
                log.exception("OSC datagram from %s failed", sender)

    def handle_datagram(self, data: bytes, sender: tuple[str, int]) -> None:
        """Carry out every message of one datagram (a message or a bundle)."""
        self.counters["packets"] += 1
        try:
            messages = [timed.message for timed in OscPacket(data).messages]
        except (ParseError, ValueError, IndexError) as exc:
            self._bad("not_osc", f"{len(data)} bytes from {sender[0]}:{sender[1]} are not OSC ({exc})")
            return
        for message in messages:
            self.handle_message(message.address, message.params, sender)

    def handle_message(self, address: str, args, sender: tuple[str, int]) -> None:
        """Check one message against the address table and carry it out; an answer goes
        back to ``sender``. Bad messages are counted and logged, never raised."""
        self.counters["messages"] += 1
        try:
            spec, values = check_message(address, args)
            answer = getattr(self, f"_on_{spec.handler}")(sender, *values)
        except BadMessage as exc:
            self._bad(exc.reason, str(exc))
            return
        except ValueError as exc:   # the engine refused an argument (a sync point, a fade)
            self._bad("bad_arguments", f"{address}: {exc}")
            return
        self.counters["accepted"] += 1
        if answer is not None:
            self._answer(answer, sender)

    def _bad(self, reason: str, text: str) -> None:
        self.counters[reason] += 1
        count = self.counters[reason]
        level = logging.WARNING if worth_logging(count) else logging.DEBUG
        log.log(level, "bad OSC message (%s #%d): %s", reason, count, text)

    def _answer(self, message: bytes, target: tuple[str, int]) -> None:
        try:
            self._sock.sendto(message, target)
            self.counters["answers_sent"] += 1
        except OSError as exc:
            self.counters["answer_errors"] += 1
            log.debug("answer to %s:%d failed: %s", *target, exc)

    # ------------------------------------------------------------ handlers (see addresses.ADDRESSES)

    def _on_event(self, sender, name: str) -> None:
        self.engine.post_event(name)

    def _on_param(self, sender, name: str, value: float) -> None:
        self.engine.set_parameter(name, value)

    def _on_state(self, sender, name: str, sync: str | None = None) -> None:
        self.engine.set_state(name, sync)

    def _on_resume(self, sender, name: str, sync: str | None = None) -> None:
        self.engine.set_state(name, sync, resume=True)

    def _on_stinger(self, sender, name: str) -> None:
        self.engine.trigger_stinger(name)

    def _on_stop(self, sender, fade_s: float | None = None) -> None:
        if fade_s is None:
            self.engine.stop()
        else:
            self.engine.stop(fade_s)

    def _on_snapshot(self, sender) -> bytes:
        snap = self.engine.snapshot()
        pairs = [x for name, value in snap.parameters.items() for x in (name, float(value))]
        return build(f"{PREFIX}/snapshot", snap.state, snap.mood, float(snap.intensity), snap.bar, snap.beat,
                     float(snap.tempo_bpm), snap.meter, snap.key, float(snap.time_s), int(snap.underruns), *pairs)

    def _on_counters(self, sender) -> bytes:
        engine_counters = self.engine.snapshot().counters
        pairs = [*((f"osc_{k}", v) for k, v in self.counters.items()), *engine_counters.items()]
        return build(f"{PREFIX}/counters", *(x for name, value in pairs for x in (name, int(value))))

    def _on_subscribe(self, sender, *args) -> None:
        self.subscribers.add(parse_target(sender, args))

    def _on_unsubscribe(self, sender, *args) -> None:
        self.subscribers.remove(parse_target(sender, args))

