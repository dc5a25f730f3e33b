"""Intent: what the music should be now. The score produces it; composer and arranger read it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.music.keys import Key
from engine.music.notes import Meter

LAYERS = ("pad", "bass", "melody", "counter", "percussion")
"""The arranger's layers, from the ground up. Intensity brings them in in this order."""

DEFAULT_PROGRAMS = {"pad": 48, "bass": 32, "melody": 73, "counter": 46, "percussion": 0}
"""General MIDI programs per layer (0-based): strings, acoustic bass, flute, harp, standard kit."""


def check_unit(name: str, value: float) -> None:
    """Raise unless ``value`` is a finite number in 0..1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{name}: {value} is outside 0..1")


@dataclass(frozen=True, slots=True)
class Instrumentation:
    """A mood's instruments: a General MIDI program (0..127) for each layer it uses."""

    programs: tuple[tuple[str, int], ...] = tuple(DEFAULT_PROGRAMS.items())

    def __post_init__(self) -> None:
        for layer, program in self.programs:
            if layer not in LAYERS:
                raise ValueError(f"instrumentation layer {layer!r} is not one of {LAYERS}")
            if isinstance(program, bool) or not isinstance(program, int) or not 0 <= program <= 127:
                raise ValueError(f"instrumentation {layer}: program {program!r} is outside 0..127")

    def program(self, layer: str) -> int | None:
        return dict(self.programs).get(layer)


@dataclass(frozen=True, slots=True)
class Intent:
    """Musical intent in force from some frame on.

    ``valence`` (0 dark .. 1 bright) and ``arousal`` (0 calm .. 1 excited) place the
    mood on Russell's circumplex; ``intensity`` (0..1) drives layers, velocity and
    register; ``key`` carries the mode the composer writes in; ``tempo_bpm`` counts
    quarter notes per minute. ``layers`` are those the state allows (intensity picks
    among them).
    """

    mood: str = "calm"
    valence: float = 0.6
    arousal: float = 0.3
    intensity: float = 0.5
    key: Key = field(default_factory=Key)
    tempo_bpm: float = 100.0
    meter: Meter = field(default_factory=Meter)
    layers: tuple[str, ...] = LAYERS
    instrumentation: Instrumentation = field(default_factory=Instrumentation)

    def __post_init__(self) -> None:
        check_unit("intent valence", self.valence)
        check_unit("intent arousal", self.arousal)
        check_unit("intent intensity", self.intensity)
        if not 20.0 <= self.tempo_bpm <= 300.0:
            raise ValueError(f"intent tempo_bpm: {self.tempo_bpm} is outside 20..300")
        for layer in self.layers:
            if layer not in LAYERS:
                raise ValueError(f"intent layer {layer!r} is not one of {LAYERS}")
