"""The engine process's side of the link: a MusicEngine whose render thread reads the
game's calls from the call ring and writes the cues to the cue ring.

Before each block, ``ServedEngine.render_served`` takes every call the game has
written, counts each one's latency (sent -> taken), and puts them in the engine's call
queue, so the engine applies them at this block's first frame, its control frame
(coalesced and at most 16 a block, as in-process), and records them there when
recording; after the block it moves the cues the block emitted to the cue ring
(the game delivers them once the device has played their frame), publishes the
heard frame and, every ``publish_period_s``, the snapshot. No extra thread and no
wake-up: the render thread, which wakes every block anyway, does it all, right after
the block, and never waits for the game. (Measured: a thread of its own that woke every
5 ms to publish cost 4% of a core; on the render thread a publish costs 150-270 us, so
publishing at 60 Hz cost 1.7% of a core in ``bench/realtime.py``, at 30 Hz about half.)
The CPU-time counters, for ``stats()`` only, are refreshed twice a second.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time

import numpy as np

from engine.api import EngineSnapshot, MusicEngine
from engine.playback.outputs import open_output
from engine.server.link import EngineLink
from engine.server.wire import CallCodec, encode_cue

log = logging.getLogger(__name__)

_CPU_PERIOD_NS = 500_000_000   # the CPU-time counters are refreshed this often


class ServedEngine(MusicEngine):
    """A MusicEngine served to a game process through an ``EngineLink``."""

    def serve(self, output: str, link: EngineLink, codec: CallCodec, refill_blocks: int | None = None,
              publish_period_s: float = 1 / 30, options: dict | None = None) -> ServedEngine:
        """Open the live ``output`` (with its ``options``) on this engine, fed through the
        link, and start it."""
        if self._output is not None:
            raise RuntimeError("the served engine is already playing")
        self._link, self._codec = link, codec
        self._publish_period_ns, self._published_ns, self._cpu_published_ns = round(publish_period_s * 1e9), 0, 0
        if refill_blocks is not None:
            refill_blocks = min(refill_blocks, self.config.latency_blocks)
        config = dataclasses.replace(self.config.stream(), refill_blocks=refill_blocks)
        self._output = open_output(output, ServedSource(self, self._player, link), config, **(options or {}))
        self.publish()   # before the render thread runs: the board's one writer from then on
        self._output.start()
        return self

    def render_served(self, out: np.ndarray) -> None:
        """One block on the render thread: the game's calls in, the block, the cues out."""
        link = self._link
        records = link.calls.pop_all()
        if records:
            self._queue_calls(records)
        self._render_block_safely(out)
        player = self._player
        for cue in player.poll(until_frame=player.head_frame):
            if not link.cues.push(*encode_cue(cue)):
                link.counters.add("cues_dropped")
        stream = getattr(self._output, "stream", None)
        if stream is not None:
            link.counters.set("heard_frame", stream.frames_read)
            now_ns = time.perf_counter_ns()
            if now_ns - self._published_ns >= self._publish_period_ns:
                self._published_ns = now_ns
                self._publish_safely(now_ns)

    def _queue_calls(self, records: list[tuple]) -> None:
        now_ns = time.perf_counter_ns()
        latency, calls = self._link.latency, []
        for record in records:
            try:
                call, sent_ns = self._codec.decode(record)
            except (IndexError, KeyError, ValueError):   # not a record the game writes: log, never raise
                log.warning("a call record from the game could not be read: %r", record)
                continue
            latency.add(now_ns - sent_ns)
            calls.append(call)
        for call in calls:
            self._queue.put(call)
        self._link.counters.add("calls_applied", len(calls))

    def _publish_safely(self, now_ns: int) -> None:
        try:
            self.publish()
            if now_ns - self._cpu_published_ns >= _CPU_PERIOD_NS:
                self._cpu_published_ns = now_ns
                self.publish_cpu_times()
        except Exception:  # noqa: BLE001 - on the render thread: the snapshot waits, the music plays on
            self._counters["render_errors"] += 1
            log.exception("publishing the snapshot failed")

    def publish(self) -> None:
        """Write the snapshot and the counters for the game to read (the render thread's
        job once the output plays: the snapshot board has one writer)."""
        snap = self.snapshot()
        snapshot = {name: getattr(snap, name) for name in _SNAPSHOT_FIELDS}   # asdict: 5x slower
        if snap.pending is not None:
            snapshot["pending"] = dataclasses.asdict(snap.pending)
        self._link.snapshots.publish(json.dumps(snapshot).encode("utf-8"))
        counters = self._link.counters
        counters.set("underruns", snap.underruns)
        counters.set("late_reads", snap.counters.get("late_reads", 0))
        counters.set("late_read_worst_us", snap.counters.get("late_read_worst_us", 0))

    def publish_cpu_times(self) -> None:
        """Write the CPU time of this process, its render and composer threads and its device thread."""
        counters, output = self._link.counters, self._output
        counters.set("cpu_ns", time.process_time_ns())
        counters.set("device_cpu_ns", round(getattr(output, "device_cpu_s", 0.0) * 1e9))
        stream = output.stream
        for name, thread in (("render_cpu_ns", stream._thread), ("composer_cpu_ns", stream._composer)):
            counters.set(name, _thread_cpu_ns(thread))


_SNAPSHOT_FIELDS = tuple(f.name for f in dataclasses.fields(EngineSnapshot))


def _thread_cpu_ns(thread) -> int:
    """CPU time of a running ``thread`` (this process), where the OS tells it (0 elsewhere)."""
    if thread is None:
        return 0
    try:
        return time.clock_gettime_ns(time.pthread_getcpuclockid(thread.ident))
    except (AttributeError, OSError, TypeError):
        return 0


class ServedSource:
    """The live output's source in the engine process: blocks through ``render_served``."""

    def __init__(self, engine: ServedEngine, player, link: EngineLink):
        self._engine = engine
        self._player = player
        self._calls = link.calls

    def render_into(self, out: np.ndarray) -> None:
        self._engine.render_served(out)

    def pump(self, max_bars: int = 1) -> int:
        return self._player.pump(max_bars)

    def compose_due(self) -> bool:
        return self._player.compose_due()

    def render_wanted(self) -> bool:
        """Calls wait in the ring: the stream wakes the render thread at the next free
        block instead of every ``refill`` blocks, so a call waits at most one block period."""
        return len(self._calls) > 0

    def poll(self, until_frame: int | None = None) -> list:
        return []   # the cues go to the game through the link
