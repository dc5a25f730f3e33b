"""The null output: renders with no device, as fast as the caller asks (offline, tests).

``advance(seconds)`` pulls ``source.render_into`` block by block in the caller's
thread (the same objects the live path uses) and hands each block to ``sink``, if any.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from engine.playback.cues import Cue
from engine.playback.stream import StreamConfig
from engine.roles import Source


class NullOutput:
    """Render with no device (offline, tests, cutscenes); ``sink(block)`` sees each block
    (a buffer reused by the next one)."""

    live = False

    def __init__(self, source: Source, config: StreamConfig = StreamConfig(),
                 sink: Callable[[np.ndarray], None] | None = None):
        self.source = source
        self.config = config
        self._sink = sink
        self._block = np.zeros((config.block_frames, 2), dtype=np.float32)
        self.frames_rendered = 0

    def start(self) -> NullOutput:
        return self

    def advance(self, seconds: float) -> int:
        """Render ``seconds`` more of music (whole blocks); returns the frames rendered."""
        blocks = max(0, round(seconds * self.config.sample_rate_hz / self.config.block_frames))
        for _ in range(blocks):
            self.source.render_into(self._block)
            if self._sink is not None:
                self._sink(self._block)
        self.frames_rendered += blocks * self.config.block_frames
        return blocks * self.config.block_frames

    @property
    def heard_frame(self) -> int:
        """Offline, what is rendered counts as heard."""
        return self.frames_rendered

    @property
    def underruns(self) -> int:
        return 0    # nothing waits for an offline render

    def latency_ms(self) -> float:
        return 0.0

    def poll(self) -> list[Cue]:
        return self.source.poll()

    def close(self) -> None:
        pass

    def __enter__(self) -> NullOutput:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
