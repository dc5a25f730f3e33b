"""The base of live outputs: an ``AudioStream`` whose render thread stays
``latency_blocks`` blocks ahead of the device, which pulls through ``read_into``."""

from __future__ import annotations

import time

from engine.playback.cues import Cue
from engine.playback.stream import AudioStream, StreamConfig
from engine.roles import Source


class LiveOutput:
    """Plays in real time; a backend opens its device in ``__init__`` and says how many
    frames the device itself buffers (``device_buffer_frames``), for ``latency_ms``."""

    live = True
    device_buffer_frames = 0

    def __init__(self, source: Source, config: StreamConfig):
        self.source = source
        self.config = config
        self.stream = AudioStream(source, config)

    @property
    def heard_frame(self) -> int:
        return self.stream.frames_read

    @property
    def underruns(self) -> int:
        """Late blocks: the ring ran dry, or the device reported an underflow."""
        return self.stream.underruns

    def latency_ms(self) -> float:
        """Measured now: audio rendered but not yet heard (the ring's fill plus the
        device's own buffer), in milliseconds."""
        return 1000.0 * (self.stream.buffered_frames + self.device_buffer_frames) / self.config.sample_rate_hz

    def advance(self, seconds: float) -> int:
        """Wait ``seconds`` of wall time while the device plays."""
        time.sleep(max(0.0, seconds))
        return round(seconds * self.config.sample_rate_hz)

    def poll(self) -> list[Cue]:
        return self.stream.poll()

    def start(self) -> LiveOutput:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> LiveOutput:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
