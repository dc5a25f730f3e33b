"""The score format: frozen dataclasses that a validated score YAML becomes.

A score names moods (points in valence/arousal with instruments), parameters (game
values with smoothing, like RTPCs), states (what the music is while the game is in
some situation), events (what moves the music between states) and stingers (short
phrases laid over the music). ``docs/score-format.md`` shows the YAML; ``load.py``
reads it. Everything here is checked once at load and immutable after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from engine.music.intent import Instrumentation
from engine.music.keys import Key
from engine.music.notes import Meter
from engine.music.sync import STINGER_SYNC_POINTS, SYNC_POINTS  # noqa: F401 - read from here by validate

FORMAT_VERSION = 1
"""The score format version this engine reads."""

SMOOTHING_SHAPES = ("exponential", "linear")

CURVES = ("linear", "exp", "points")

ANY_STATE = "*"

_EXP_SETTLE = 3.0  # exponential smoothing is within exp(-3) ≈ 5 % of its target after smoothing_s


@dataclass(frozen=True, slots=True)
class Mood:
    """A named point on the valence (dark..bright) / arousal (calm..excited) plane."""

    name: str
    valence: float
    arousal: float
    instrumentation: Instrumentation = field(default_factory=Instrumentation)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A game value (an RTPC): its range, default and how fast the music follows it.

    ``smoothing_s`` is the time the music takes to follow a change: ``linear`` gets
    there in exactly ``smoothing_s``; ``exponential`` is within 5 % by then.
    """

    name: str
    min_value: float = 0.0
    max_value: float = 1.0
    default: float = 0.0
    smoothing_s: float = 0.0
    smoothing: str = "exponential"

    def clamp(self, value: float) -> float:
        return min(self.max_value, max(self.min_value, value))

    def normalized(self, value: float) -> float:
        """``value`` mapped from the parameter's range onto 0..1 (clamped)."""
        span = self.max_value - self.min_value
        return (self.clamp(value) - self.min_value) / span

    def smoothed(self, start: float, target: float, elapsed_s: float) -> float:
        """The value ``elapsed_s`` after a change from ``start`` towards ``target``."""
        if elapsed_s <= 0:
            return start
        if self.smoothing_s <= 0:
            return target
        if self.smoothing == "linear":
            frac = min(1.0, elapsed_s / self.smoothing_s)
            return start + (target - start) * frac
        return target + (start - target) * math.exp(-_EXP_SETTLE * elapsed_s / self.smoothing_s)


@dataclass(frozen=True, slots=True)
class Intensity:
    """A state's intensity: a constant, or a curve of one parameter.

    ``linear`` maps the parameter's range onto ``low..high``; ``exp`` bends it with
    ``steepness`` (> 0 slow start, < 0 fast start); ``points`` interpolates
    (parameter value, intensity) pairs and holds the end values beyond them.
    """

    constant: float = 0.5
    parameter: str | None = None
    curve: str = "linear"
    low: float = 0.0
    high: float = 1.0
    steepness: float = 3.0
    points: tuple[tuple[float, float], ...] = ()

    def value(self, parameter: Parameter | None, parameter_value: float) -> float:
        """The intensity (0..1) when the bound parameter is at ``parameter_value``."""
        if self.parameter is None or parameter is None:
            return self.constant
        if self.curve == "points":
            return _interpolate(self.points, parameter_value)
        x = parameter.normalized(parameter_value)
        if self.curve == "exp" and abs(self.steepness) > 1e-9:
            x = math.expm1(self.steepness * x) / math.expm1(self.steepness)
        return min(1.0, max(0.0, self.low + (self.high - self.low) * x))


def _interpolate(points: tuple[tuple[float, float], ...], x: float) -> float:
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


@dataclass(frozen=True, slots=True)
class Segments:
    """Authored MIDI for a state: played once on entry, looped, played once on exit."""

    intro: Path | None = None
    loop: Path | None = None
    outro: Path | None = None


@dataclass(frozen=True, slots=True)
class ThemeRef:
    """A state's theme: an authored MIDI motif (``file``, its ``key`` if the score names one)
    or, with ``file`` None, one the composer writes at first use and keeps for the session."""

    file: Path | None = None
    key: Key | None = None


@dataclass(frozen=True, slots=True)
class State:
    """What the music is while the game is in one situation.

    With ``tempo_range_bpm`` the tempo follows intensity across the range. A state
    with ``duration_bars`` lasts that many bars and then moves to ``then_state``.
    ``tempo_ramp_bars`` glides into this state's tempo instead of jumping (0: jump).
    ``theme`` names the motif its music states and brings back (shared by states that
    name the same one); ``form`` its phrase labels (``A A' B A``), empty for the mood's default.
    """

    name: str
    mood: str
    intensity: Intensity = field(default_factory=Intensity)
    key: Key = field(default_factory=Key)
    tempo_bpm: float = 100.0
    tempo_range_bpm: tuple[float, float] | None = None
    meter: Meter = field(default_factory=Meter)
    layers: tuple[str, ...] = ()
    segments: Segments = field(default_factory=Segments)
    duration_bars: int | None = None
    then_state: str | None = None
    tempo_ramp_bars: float = 0.0
    theme: ThemeRef | None = None
    form: tuple[str, ...] = ()

    def tempo_at(self, intensity: float) -> float:
        """Tempo in bpm at ``intensity`` (0..1)."""
        if self.tempo_range_bpm is None:
            return self.tempo_bpm
        lo, hi = self.tempo_range_bpm
        return lo + (hi - lo) * intensity


@dataclass(frozen=True, slots=True)
class Transition:
    """One way an event moves the music: from any of ``from_states`` (or ``*``) to ``to_state``."""

    from_states: tuple[str, ...]
    to_state: str
    sync: str = "next_bar"
    fade_s: float = 1.0
    segment: Path | None = None
    stinger: str | None = None
    resume: bool = False       # going back to ``to_state`` continues its music where it was left

    def applies_from(self, state: str) -> bool:
        return ANY_STATE in self.from_states or state in self.from_states


@dataclass(frozen=True, slots=True)
class Event:
    """A named game event: transitions (the first that applies wins), a stinger, parameter sets.

    With transitions, the event is ignored from a state none of them applies to;
    without, its ``stinger`` and ``set_parameters`` always take effect.
    """

    name: str
    transitions: tuple[Transition, ...] = ()
    stinger: str | None = None
    set_parameters: tuple[tuple[str, float], ...] = ()

    def transition_from(self, state: str) -> Transition | None:
        """The transition taken from ``state``: an exact ``from`` first, then ``*``."""
        exact = [t for t in self.transitions if state in t.from_states]
        if exact:
            return exact[0]
        wild = [t for t in self.transitions if ANY_STATE in t.from_states]
        return wild[0] if wild else None


@dataclass(frozen=True, slots=True)
class StingerSpec:
    """A short phrase over the music: generated in ``mood`` or read from ``file``.

    ``duck`` (0..1) is how far the music's gain drops under it; a stinger asked for
    again within ``min_interval_s`` of the last time is dropped.
    """

    name: str
    mood: str | None = None
    file: Path | None = None
    length_beats: float = 2.0
    sync: str = "next_beat"
    duck: float = 0.3
    min_interval_s: float = 0.5


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Score:
    """A whole score. Mappings are read-only and keyed by name, in file order."""

    name: str
    initial_state: str
    states: Mapping[str, State]
    moods: Mapping[str, Mood]
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    events: Mapping[str, Event] = field(default_factory=dict)
    stingers: Mapping[str, StingerSpec] = field(default_factory=dict)
    phrase_bars: int = 4
    version: int = FORMAT_VERSION
    file: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("states", "moods", "parameters", "events", "stingers"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        assert self.initial_state in self.states, self.initial_state

    def summary(self) -> str:
        """One line: how many states, events, parameters and stingers."""
        return (f"{self.name}: {len(self.states)} states, {len(self.events)} events, "
                f"{len(self.parameters)} parameters, {len(self.stingers)} stingers")
