"""AudioStream: a ring buffer a render thread keeps filled, and the pull API for hosts.

The callback contract (``read_into`` / ``read``), for any host audio callback:

* it fills the caller's buffer in place and only copies from the ring: no allocation
  of buffers (they are made once, when the stream is built), no import, no model,
  no lock that the render thread holds while it renders;
* it never blocks and never raises: on underrun (the renderer is late) the missing
  frames are silence and ``underruns`` counts the call; any unexpected error gives
  silence and counts in ``read_errors``;
* after copying it wakes the render thread when ``refill`` blocks are free, and that
  renders them; or as soon as one block is free when the source's
  ``render_wanted()`` says so (a call waits to be applied at the next block).

The render thread keeps ``latency_frames = latency_blocks x block_frames`` frames
rendered ahead of the reader, then sleeps until the reader wakes it. The source (an
``engine.roles.Source``, e.g. a Player) composes ahead in ``pump``, on a composer
thread woken by the render thread whenever ``source.compose_due()`` says a bar has
entered the lookahead: the network never runs on the render thread (it would only
compose a bar that a transition has just rolled back and that the next block needs at
once); a source that composes nothing returns 0 from ``pump``. Only the
render thread touches the source's render path; the reader and writer share two
integer counters (single producer, single consumer, each written by one side only).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from engine.playback.realtime import ask_realtime_priority
from engine.roles import Source

log = logging.getLogger(__name__)

_COMPOSE_POLL_S = 0.1
"""The composer thread looks for work at least this often, even when not woken."""


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Block size and how many blocks are kept rendered ahead of the reader."""

    sample_rate_hz: int = 48000
    block_frames: int = 256
    latency_blocks: int = 3
    refill_blocks: int | None = None  # wake the render thread when this many blocks are free (None: see refill)
    max_read_frames: int = 16384
    realtime_priority: bool = True   # ask the OS for real-time scheduling of the render thread

    def __post_init__(self) -> None:
        if not 16 <= self.block_frames <= 16384:
            raise ValueError(f"stream block_frames: {self.block_frames} is outside 16..16384")
        if not 1 <= self.latency_blocks <= 64:
            raise ValueError(f"stream latency_blocks: {self.latency_blocks} is outside 1..64")
        if self.refill_blocks is not None and not 1 <= self.refill_blocks <= self.latency_blocks:
            raise ValueError(f"stream refill_blocks: {self.refill_blocks} is outside 1..latency_blocks")

    @property
    def latency_frames(self) -> int:
        return self.block_frames * self.latency_blocks

    @property
    def refill(self) -> int:
        """Blocks free in the ring when the reader wakes the render thread: by default
        ``latency_blocks - 1`` (at least 1), so the render thread, woken with one block
        left to play, has two block periods (10.7 ms at 256 frames, 48 kHz) to render.
        Each wake has a fixed cost (50-80 us of CPU on a 2-core VM, and Python run right
        after a sleep is 5-7x slower than hot), so rendering two blocks per wake instead
        of one used about 20% less CPU in ``bench/realtime.py`` (rtf 0.050 vs 0.062),
        and the underruns seen over 5-minute runs were no more frequent (1+1 vs 1+3):
        they came from stalls longer than either deadline."""
        return self.refill_blocks if self.refill_blocks is not None else max(1, self.latency_blocks - 1)


class AudioStream:
    """Pull float32 stereo from ``source`` (an ``engine.roles.Source``, e.g. a Player)
    through a ring filled by a render thread."""

    def __init__(self, source: Source, config: StreamConfig = StreamConfig()):
        self.source = source
        self.config = config
        self._capacity = config.latency_frames
        self._low_water = config.latency_frames - config.refill * config.block_frames
        self._ring = np.zeros((self._capacity, 2), dtype=np.float32)
        self._read_buf = np.zeros((config.max_read_frames, 2), dtype=np.float32)
        self._written = 0        # frames rendered into the ring (render thread writes)
        self._read = 0           # frames handed to the host (reader writes)
        self.underruns = 0
        self.read_errors = 0
        self.render_errors = 0
        self.block_render_s: list[float] | None = None   # set to [] to record block times (wall)
        self.compose_errors = 0
        self._wake = _Signal()
        self._compose_wake = _Signal()
        self._running = False
        self._thread: threading.Thread | None = None
        self._composer: threading.Thread | None = None

    # ------------------------------------------------------------ reader side

    @property
    def frames_read(self) -> int:
        """Frames handed to the host so far: the frame being heard now."""
        return self._read

    @property
    def buffered_frames(self) -> int:
        """Frames rendered and waiting in the ring."""
        return max(0, self._written - self._read)

    def read_into(self, out: np.ndarray) -> None:
        """Fill ``out`` (float32, (frames, 2)) from the ring; see the module contract."""
        try:
            n = len(out)
            available = self._written - self._read
            take = n if available >= n else max(0, available)
            pos = self._read % self._capacity
            first = min(take, self._capacity - pos)
            out[:first] = self._ring[pos:pos + first]
            out[first:take] = self._ring[:take - first]
            if take < n:
                out[take:] = 0.0
                self.underruns += 1
            self._read += take
        except Exception:  # noqa: BLE001 - the contract: never raise into a host callback
            self.read_errors += 1
            try:
                out[:] = 0.0
            except Exception:  # noqa: BLE001
                pass
        buffered = self._written - self._read
        if buffered <= self._low_water or (buffered <= self._capacity - self.config.block_frames
                                           and self._wants_render()):
            self._wake.set()

    def _wants_render(self) -> bool:
        try:
            return bool(self.source.render_wanted())
        except Exception:  # noqa: BLE001 - the contract: never raise into a host callback
            self.read_errors += 1
            return False

    def read(self, frames: int) -> np.ndarray:
        """Return the next ``frames`` frames as a view of a buffer reused by the next
        call (copy it to keep it); at most ``config.max_read_frames`` frames."""
        out = self._read_buf[:max(0, min(int(frames), len(self._read_buf)))]
        self.read_into(out)
        return out

    def count_underrun(self) -> None:
        """Count an underflow the device itself reported (call it from the reader's
        thread, the audio callback: ``underruns`` has one writer)."""
        self.underruns += 1

    def poll(self) -> list:
        """Cues the host has heard by now (``source.poll`` up to ``frames_read``)."""
        return self.source.poll(until_frame=self._read)

    # ------------------------------------------------------------ render side

    def fill(self) -> int:
        """Render blocks until the ring holds ``latency_frames``; returns how many
        blocks. The render thread calls it; tests call it to render by hand."""
        blocks, block = 0, self.config.block_frames
        while self._written + block - self._read <= self._capacity:
            pos = self._written % self._capacity
            target = self._ring[pos:pos + block]
            try:
                if self.block_render_s is not None:
                    t0 = time.perf_counter()
                    self.source.render_into(target)
                    self.block_render_s.append(time.perf_counter() - t0)
                else:
                    self.source.render_into(target)
            except Exception:  # noqa: BLE001 - keep the stream alive; log and play silence
                self.render_errors += 1
                log.exception("render failed; a block of silence instead")
                target[:] = 0.0
            self._written += block
            blocks += 1
        return blocks

    def _run(self) -> None:
        backstop_s = self.config.latency_frames / self.config.sample_rate_hz   # the reader wakes us
        due = self.source.compose_due
        if self.config.realtime_priority:
            ask_realtime_priority()
        while self._running:
            if self.fill() and due():
                self._compose_wake.set()
                continue
            self._wake.wait(backstop_s)

    def _compose(self) -> None:
        pump = self.source.pump
        if self.config.realtime_priority:   # below the render thread, above everything else: a
            ask_realtime_priority(5)       # bar the render thread may wait for is never preempted
        while self._running:
            try:
                if pump(1):
                    continue
            except Exception:  # noqa: BLE001 - keep composing later; the render path composes what it needs
                self.compose_errors += 1
                log.exception("composing ahead failed")
            self._compose_wake.wait(_COMPOSE_POLL_S)

    def start(self) -> AudioStream:
        """Start the render thread (after filling the ring once) and the composer thread."""
        if self._thread is None:
            self.fill()
            self._running = True

            self._thread = threading.Thread(target=self._run, name="moodscore-render", daemon=True)
            self._composer = threading.Thread(target=self._compose, name="moodscore-composer", daemon=True)
            self._composer.start()
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the threads and wait for them."""
        self._running = False
        self._wake.set()
        self._compose_wake.set()
        for thread in (self._thread, self._composer):
            if thread is not None:
                thread.join(timeout=5.0)
        self._thread = self._composer = None

    def __enter__(self) -> AudioStream:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Signal:
    """Wakes one waiting thread: ``set`` from any thread never blocks; ``wait`` returns
    once set (or after ``timeout_s``) and clears it. A bare lock, held while not set:
    ``threading.Event`` does the same through a Condition written in Python, and on the
    render thread's path, 190 times a second, every instruction counts."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        try:
            self._lock.release()
        except RuntimeError:   # already set
            pass

    def is_set(self) -> bool:
        return not self._lock.locked()

    def wait(self, timeout_s: float) -> None:
        self._lock.acquire(timeout=timeout_s)

