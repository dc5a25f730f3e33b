"""The WAV output: offline rendering into a WAV file as ``advance`` is called."""

from __future__ import annotations

import os

from engine.playback.outputs.null import NullOutput
from engine.playback.stream import StreamConfig
from engine.playback.wav import WavWriter
from engine.roles import Source


class WavOutput(NullOutput):
    """Offline rendering into the WAV file ``path`` (``"wav:PATH"``)."""

    def __init__(self, source: Source, config: StreamConfig = StreamConfig(), *, path: str | os.PathLike):
        self.writer = WavWriter(path, config.sample_rate_hz)
        super().__init__(source, config, sink=self.writer.write)

    def close(self) -> None:
        self.writer.close()
