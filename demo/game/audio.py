"""Headless audio: pull the engine's output in lockstep with the game's fixed 60 fps clock.

Each game frame renders ``sample_rate_hz // fps`` frames with the remainder carried,
so after N seconds exactly N * sample_rate_hz frames have been rendered whatever
the rate, and the music heard at game frame k is the same on every run.
"""

from __future__ import annotations

import math
import time

import numpy as np


class FrameClock:
    """How many audio frames belong to each game frame, with the remainder carried."""

    def __init__(self, sample_rate_hz: int, fps: int):
        self.sample_rate_hz = sample_rate_hz
        self.fps = fps
        self.game_frames = 0
        self.audio_frames = 0

    def next_block_frames(self) -> int:
        self.game_frames += 1
        due = self.game_frames * self.sample_rate_hz // self.fps
        frames, self.audio_frames = due - self.audio_frames, due
        return frames


class PullRecorder:
    """Renders the engine inline each game frame and writes the audio to a WAV file (or drops it).

    Keeps the peak and RMS of what it heard and how long rendering took, so the
    caller can say whether the music was silent and what it cost the frame.
    """

    def __init__(self, engine, sample_rate_hz: int, fps: int, wav_path: str | None):
        self.engine = engine
        self.clock = FrameClock(sample_rate_hz, fps)
        self.writer = None
        if wav_path:
            from engine.playback.wav import WavWriter

            self.writer = WavWriter(wav_path, sample_rate_hz)
        self.peak = 0.0
        self.sum_squares = 0.0
        self.render_ms: list[float] = []

    def pull(self) -> None:
        frames = self.clock.next_block_frames()
        started = time.perf_counter()
        block = np.asarray(self.engine.render(frames), dtype=np.float32)
        self.render_ms.append((time.perf_counter() - started) * 1000.0)
        assert block.shape == (frames, 2), f"engine.render({frames}) returned shape {block.shape}"
        if frames:
            self.peak = max(self.peak, float(np.max(np.abs(block))))
            self.sum_squares += float(np.sum(block.astype(np.float64) ** 2))
        if self.writer is not None:
            self.writer.write(block)

    @property
    def rms_dbfs(self) -> float:
        samples = 2 * self.clock.audio_frames
        rms = math.sqrt(self.sum_squares / samples) if samples else 0.0
        return 20.0 * math.log10(rms) if rms > 0.0 else -math.inf

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
