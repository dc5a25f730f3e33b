"""The cutscene format: frozen dataclasses that a validated cutscene YAML becomes.

A cutscene names a score, a seed, a length and the picture's frame rate, and lists
cues in time order: a ``state`` to enter, an ``event`` or ``parameter`` to send the
score as a game would, a ``stinger`` to lay over the music, a ``hit`` the music must
accent on a bar line (or beat), and one ``end``. ``docs/cutscene-format.md`` shows
the YAML; ``load.py`` reads it. Times are seconds from the start of the picture,
which is also the downbeat of the music's first bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.cutscene.timecode import FrameRate

CUE_KINDS = ("state", "event", "parameter", "stinger", "hit", "end")
"""The key that names a cue's kind; each cue has exactly one."""

END_STYLES = ("fade", "cadence")
HIT_TARGETS = ("bar", "beat")

DEFAULT_MAX_CHANGE_PER_BAR = 0.08
DEFAULT_TEMPO_LEEWAY = 0.10
DEFAULT_FADE_S = 2.0
DEFAULT_SEED = 0
"""The seed of a cutscene that names none (the engine's default too)."""
DEFAULT_MAX_TAIL_S = 30.0
"""How far a hand-written ``length`` may run past the end cue (and its fade)."""
MAX_LENGTH_S = 3 * 3600.0
"""No cutscene is longer: three hours of 48 kHz stereo is about 2 GB of 16-bit WAV."""


@dataclass(frozen=True, slots=True)
class CutsceneCue:
    """Something that happens at ``time_s``; ``timecode`` is how the file's author wrote
    it, or its SMPTE form, for messages."""

    time_s: float
    timecode: str


@dataclass(frozen=True, slots=True)
class StateCue(CutsceneCue):
    """Enter a state of the score."""

    state: str


@dataclass(frozen=True, slots=True)
class EventCue(CutsceneCue):
    """Post an event of the score, as the game would."""

    event: str


@dataclass(frozen=True, slots=True)
class ParameterCue(CutsceneCue):
    """Move a parameter of the score to ``value`` over ``ramp_s`` seconds."""

    parameter: str
    value: float
    ramp_s: float = 0.0


@dataclass(frozen=True, slots=True)
class StingerCue(CutsceneCue):
    """Play a stinger of the score."""

    stinger: str


@dataclass(frozen=True, slots=True)
class HitCue(CutsceneCue):
    """An accent that must land exactly on a downbeat, or on a beat when ``on_beat``.

    ``stinger`` names a stinger of the score to play on it; ``accent`` (0..1) is how
    strongly the music itself marks it (0: only the landing).
    """

    name: str
    on_beat: bool = False
    stinger: str | None = None
    accent: float = 0.0


@dataclass(frozen=True, slots=True)
class EndCue(CutsceneCue):
    """How the music ends: fading out over ``fade_s`` from ``time_s``, or with a
    cadence whose final chord lands on a downbeat at ``time_s`` (an implicit hit)."""

    fade_s: float | None = None
    cadence: bool = False


@dataclass(frozen=True)
class Cutscene:
    """A whole cutscene, validated; cues are in time order and end with one EndCue."""

    score_path: Path
    seed: int
    length_s: float
    frame_rate: FrameRate
    cues: tuple[CutsceneCue, ...]
    title: str = ""
    max_change_per_bar: float = DEFAULT_MAX_CHANGE_PER_BAR
    tempo_leeway: float = DEFAULT_TEMPO_LEEWAY
    file: Path | None = None
    timeline_file: Path | None = None   # the editorial timeline the cues came from, if any

    def of_kind(self, kind: type) -> tuple:
        return tuple(cue for cue in self.cues if isinstance(cue, kind))

    @property
    def hits(self) -> tuple[HitCue, ...]:
        return self.of_kind(HitCue)

    @property
    def end(self) -> EndCue:
        return self.of_kind(EndCue)[-1]

    @property
    def source(self) -> str:
        """The file's name, as messages start with it."""
        return self.file.name if self.file else "cutscene"

    def summary(self) -> str:
        return (f"{self.title or self.source}: {self.length_s:.2f} s at {self.frame_rate} fps, "
                f"{len(self.cues)} cues, {len(self.hits)} hits, score {self.score_path.name}")
