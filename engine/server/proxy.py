"""RemoteEngine: the game's side of an engine process, behind ``MusicEngine``.

A call is one record written into the shared call ring (a few microseconds, no system
call, no lock the engine holds): it never blocks the game; when the ring is full (the
engine process has stopped reading) the call is dropped and counted
(``calls_dropped``). The rings have one producer and one consumer each, so game threads
take turns through a lock of this process only (held for one record). ``poll()`` moves the cues the engine process has written into a
local queue and delivers those whose frame the device has played. ``snapshot()``
reads the latest snapshot from shared memory. Every call first checks that the engine
process lives (a non-blocking ``waitpid``); when it has died they raise EngineError.
After ``close()`` calls do nothing, ``poll()`` returns nothing and ``snapshot()`` the
last one.
"""

from __future__ import annotations

import atexit
import collections
import dataclasses
import json
import logging
import threading
import time

from engine.snapshot import EngineSnapshot
from engine.calls import Call
from engine.playback.cues import Cue
from engine.playback.plan import Pending
from engine.server.link import EngineLink
from engine.server.spawn import EngineProcess
from engine.server.spec import EngineSpec
from engine.server.wire import CallCodec, decode_cue

log = logging.getLogger(__name__)


class RemoteEngine:
    """The engine process for ``spec`` (without its link path: this fills it in)."""

    def __init__(self, spec: EngineSpec, sample_rate_hz: int):
        self._link = EngineLink.create(spec.layout)
        self.spec = dataclasses.replace(spec, link_path=self._link.path)
        self.sample_rate_hz = sample_rate_hz
        self._codec = CallCodec(self.spec.names)
        self._process = EngineProcess(self.spec)
        self._cues: collections.deque[Cue] = collections.deque()
        self._send_lock = threading.Lock()    # one producer of calls at a time
        self._poll_lock = threading.Lock()    # one consumer of cues at a time
        self._close_lock = threading.Lock()
        self.calls_dropped = 0
        self.final_stats: dict | None = None      # set by close(): the link is gone then
        self._last_fields: dict | None = None
        self._last_heard = 0

    def start(self) -> RemoteEngine:
        """Start the engine process; EngineError when it cannot play."""
        try:
            self._process.start()
        except BaseException:
            self._link.close()
            raise
        self._link.region.unlink()   # both sides have it mapped: nothing is left behind from here
        atexit.register(self.close)
        return self

    @property
    def process(self) -> EngineProcess:
        return self._process

    # ------------------------------------------------------------ game side

    def send(self, call: Call) -> None:
        """Write one call for the engine's next control frame; never blocks."""
        record = self._codec.encode(call, time.perf_counter_ns())
        with self._send_lock:
            if self.final_stats is not None:
                return
            self._process.check_alive()
            pushed = self._link.calls.push(*record)
            self.calls_dropped += not pushed
        if not pushed:
            log.warning("%r dropped: the engine process has not read its calls (%d dropped)", call, self.calls_dropped)

    @property
    def heard_frame(self) -> int:
        """The frame the device has played, as the engine process last published it."""
        try:
            return self._link.counters.get("heard_frame")
        except ValueError:   # closed: the link's memory is gone
            return self._last_heard

    def poll(self) -> list[Cue]:
        """The cues heard since the last call, in order."""
        with self._poll_lock:
            if self.final_stats is not None:
                return []
            self._process.check_alive()
            heard = self.heard_frame
            cues = self._cues
            cues.extend(decode_cue(record, self.sample_rate_hz) for record in self._link.cues.pop_all())
            out = []
            while cues and cues[0].frame < heard:
                out.append(cues.popleft())
        return out

    def snapshot(self) -> EngineSnapshot:
        """The latest snapshot the engine process published (its ``calls_dropped`` plus
        the calls this side dropped)."""
        with self._poll_lock:
            if self.final_stats is None:
                self._process.check_alive()
                self._last_fields = json.loads(self._link.snapshots.read())
            fields = dict(self._last_fields)
        counters = fields["counters"] = dict(fields["counters"])
        counters["calls_dropped"] = counters.get("calls_dropped", 0) + self.calls_dropped
        if fields.get("pending") is not None:
            fields["pending"] = Pending(**fields["pending"])
        return EngineSnapshot(**fields)

    def stats(self) -> dict:
        """The engine process's counters, its call latency (p50, p99, max, ms) and start time
        (after ``close()``: as they were when it ended)."""
        if self.final_stats is not None:
            return self.final_stats
        counters = self._link.counters.as_dict()
        latency = self._link.latency
        return {**counters, "calls_dropped": self.calls_dropped, "start_s": self._process.start_s,
                "call_latency_ms_p50": latency.percentile_ms(50), "call_latency_ms_p99": latency.percentile_ms(99),
                "call_latency_ms_max": latency.percentile_ms(100)}

    def close(self) -> None:
        """End the engine process (waits for it, kills it if it must) and unmap the link. Idempotent."""
        with self._close_lock:
            if self.final_stats is not None:
                return
            atexit.unregister(self.close)
            self._process.close()
            with self._send_lock, self._poll_lock:   # no call or poll is inside the link as it goes
                self._last_heard = self.heard_frame
                self._last_fields = json.loads(self._link.snapshots.read())
                stats = self.stats()
                self._link.close()
                self.final_stats = stats
