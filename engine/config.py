"""How an engine runs, as one frozen value: ``EngineConfig``.

Every setting a game, a recorded session and a replay share is a field here, spelled
once: ``MusicEngine.load(**settings)`` builds it, the session header stores it
(``session_fields``, i.e. ``dataclasses.asdict`` less the fields marked
``recorded=False``) and a replay rebuilds it with ``EngineConfig(**fields)``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field

from engine.playback.stream import StreamConfig

AUDIO_RATES_HZ = (22050, 32000, 44100, 48000, 88200, 96000)
_TYPES = {"int": numbers.Integral, "float": numbers.Real, "bool": bool}     # annotations are strings (PEP 563)
_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false"}


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """How the engine runs. ``seed`` fixes every random choice of the composer;
    ``temperature`` and ``top_p`` are the composer's sampling; ``strict`` raises on
    unknown names instead of counting them (a development switch: it changes no
    audio, so a session does not record it and a replay never raises for it)."""

    sample_rate_hz: int = 48000
    block_frames: int = 256
    latency_blocks: int = 3
    lookahead_bars: int = 1
    seed: int = 0
    temperature: float = 1.0
    top_p: float = 0.95
    strict: bool = field(default=False, metadata={"recorded": False})

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, _TYPES[f.type]) or (f.type != "bool" and isinstance(value, bool)):
                raise ValueError(f"{f.name}: {str(value)[:80]!r} is not {_TYPE_WORDS[f.type]}")
        if self.sample_rate_hz not in AUDIO_RATES_HZ:
            raise ValueError(f"sample_rate_hz: {self.sample_rate_hz} is not a usual audio rate (44100, 48000, ...)")
        if not 64 <= self.block_frames <= 8192 or self.block_frames % 64:
            raise ValueError(f"block_frames: {self.block_frames} must be a multiple of 64 in 64..8192")
        if not 1 <= self.latency_blocks <= 64:
            raise ValueError(f"latency_blocks: {self.latency_blocks} is outside 1..64")
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError(f"temperature: {self.temperature} must be > 0")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p: {self.top_p} must be in (0, 1]")

    def stream(self) -> StreamConfig:
        return StreamConfig(self.sample_rate_hz, self.block_frames, self.latency_blocks)

    def session_fields(self) -> dict:
        """The fields a session header records: ``asdict`` less those marked ``recorded=False``."""
        recorded = {f.name for f in dataclasses.fields(self) if f.metadata.get("recorded", True)}
        return {name: value for name, value in dataclasses.asdict(self).items() if name in recorded}

    @classmethod
    def from_session(cls, header: dict) -> EngineConfig:
        """The config a session header recorded; fields it lacks take their defaults.
        ValueError naming the field when one has the wrong type or is out of range."""
        names = {f.name for f in dataclasses.fields(cls) if f.metadata.get("recorded", True)}
        return cls(**{name: header[name] for name in names if name in header})
