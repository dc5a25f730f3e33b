"""The virtual output: a live output with no sound card, for servers, CI and the benches.

A device thread takes one block from the stream per block period of wall time, on an
absolute schedule, as a sound card's callback would, and counts what a real device
would have made audible: underruns (the ring was empty when a block was due: the
stream's ``underruns``) and late reads (the thread woke more than one block period
after a block was due, so a real device would already have played past it; a block
taken to catch up after a stall counts too). With ``wav_path`` it also writes the
frames it took to a 16-bit WAV (underrun silence left out; ``"virtual:PATH"``), so a
test can compare what was played with a replay. It asks for real-time priority above the render
thread, as audio callback threads have.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from engine.playback.outputs.live import LiveOutput
from engine.playback.realtime import ask_realtime_priority
from engine.playback.stream import StreamConfig
from engine.roles import Source

log = logging.getLogger(__name__)

_DEVICE_PRIORITY = 15   # above the render thread (10) and the composer thread (5)
_CPU_EVERY_READS = 64   # the device thread refreshes its CPU time this often


class VirtualOutput(LiveOutput):
    """A device thread that reads the stream in real time; see the module docstring."""

    def __init__(self, source: Source, config: StreamConfig = StreamConfig(), *, wav_path: str | None = None):
        super().__init__(source, config)
        self.late_reads = 0
        self.late_read_worst_s = 0.0
        self.device_cpu_s = 0.0
        self._writer = None
        if wav_path:
            from engine.playback.wav import WavWriter

            self._writer = WavWriter(wav_path, config.sample_rate_hz)
        self._running = False
        self._thread: threading.Thread | None = None

    def counters(self) -> dict[str, int]:
        """Late reads and the worst lateness (microseconds), for the engine's snapshot."""
        return {"late_reads": self.late_reads, "late_read_worst_us": round(self.late_read_worst_s * 1e6)}

    def start(self) -> VirtualOutput:
        self.stream.start()
        self._running = True
        self._thread = threading.Thread(target=self._device, name="moodscore-virtual-device", daemon=True)
        self._thread.start()
        return self

    def _device(self) -> None:
        if self.config.realtime_priority:
            ask_realtime_priority(_DEVICE_PRIORITY)
        period_s = self.config.block_frames / self.config.sample_rate_hz
        out = np.zeros((self.config.block_frames, 2), dtype=np.float32)
        due = time.perf_counter()
        reads = 0
        while self._running:
            delay_s = due - time.perf_counter()
            if delay_s > 0:
                time.sleep(delay_s)
            self._read_block(out, time.perf_counter() - due, period_s)
            due += period_s
            reads += 1
            if reads % _CPU_EVERY_READS == 0:
                self.device_cpu_s = time.thread_time()
        self.device_cpu_s = time.thread_time()

    def _read_block(self, out: np.ndarray, late_s: float, period_s: float) -> None:
        if late_s > period_s:
            self.late_reads += 1
            self.late_read_worst_s = max(self.late_read_worst_s, late_s)
        before = self.stream.frames_read
        self.stream.read_into(out)
        if self._writer is not None:
            try:
                self._writer.write(out[:self.stream.frames_read - before])
            except Exception:  # noqa: BLE001 - the device thread never dies; the capture stops
                log.exception("virtual output: writing %s failed; capture stopped", self._writer.path)
                self._writer = None

    def close(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self.stream.stop()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
