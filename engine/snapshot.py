"""What ``MusicEngine.snapshot()`` returns: where the music is, as heard (a HUD's data)."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.playback.plan import Pending


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """Where the music is, for a HUD: at the frame being heard now."""

    state: str
    mood: str
    intensity: float
    parameters: dict[str, float]
    bar: int
    beat: int
    tempo_bpm: float
    meter: str
    key: str
    frame: int
    time_s: float
    latency_ms: float
    underruns: int
    counters: dict[str, int] = field(default_factory=dict)
    pending: Pending | None = None
    """A transition requested and not heard yet: its target ``state``, ``mood`` and landing ``frame``."""
