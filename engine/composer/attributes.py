"""Per-bar musical attributes: valence (major-ness), arousal (rhythmic activity), register.

The same functions label the training corpus and measure generated music, so what
the network is conditioned on is what the control measurement checks.

- **valence** 0..1: the major-ness of the bar in tonic-C space, from the thirds and
  sixths above the tonic that sound in its melody and chords (E, A against Eb, Ab;
  B and Bb are left out because harmonic minor and mixolydian use both). 0.5 when
  the bar has no such evidence.
- **arousal** 0..1: ``0.7 * density + 0.3 * offbeat`` where density is onsets per
  quarter note on a log scale (one per whole bar of 4/4 -> 0, four per quarter -> 1)
  and offbeat is the share of onsets that fall off the beat. Reels and hornpipes sit
  high, airs in the middle, chorales low: the corpus varies in it.
- **register** 0..1: the melody's mean MIDI pitch mapped from 48..84.

``conditioning_vector`` builds the network's conditioning input from these plus the
tune's mode and the bar's meter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.music.notes import PPQ, Bar, Meter

MAJOR_WEIGHTS = {4: 1.0, 9: 0.5}
MINOR_WEIGHTS = {3: 1.0, 8: 0.5}
CHORD_TONE_WEIGHT = 0.5
MIN_EVIDENCE_QUARTERS = 0.25
REGISTER_LOW, REGISTER_HIGH = 48.0, 84.0
CONDITIONING_METERS = ("4/4", "3/4", "2/4", "2/2", "6/8", "9/8", "12/8", "3/8")
CONDITIONING_SIZE = 4 + len(CONDITIONING_METERS)


@dataclass(frozen=True, slots=True)
class BarAttributes:
    valence: float
    arousal: float
    register: float


def pitch_class_weights(bar: Bar) -> np.ndarray:
    """(12,) quarter notes each pitch class sounds, melody full weight, chord tones half."""
    weights = np.zeros(12)
    for note in bar.melody:
        weights[note.pitch % 12] += note.duration_ticks / PPQ
    for chord in bar.harmony:
        for pc in chord.pitch_classes():
            weights[pc] += CHORD_TONE_WEIGHT * chord.duration_ticks / PPQ
    return weights


def valence(bar: Bar) -> float:
    """Major-ness 0..1 of a bar in tonic-C space; 0.5 without evidence either way."""
    weights = pitch_class_weights(bar)
    major = sum(w * weights[pc] for pc, w in MAJOR_WEIGHTS.items())
    minor = sum(w * weights[pc] for pc, w in MINOR_WEIGHTS.items())
    if major + minor < MIN_EVIDENCE_QUARTERS:
        return 0.5
    return major / (major + minor)


def realised_mode(bar: Bar) -> str | None:
    """'major', 'minor', or None when the bar is ambiguous (valence exactly 0.5)."""
    value = valence(bar)
    return None if value == 0.5 else ("major" if value > 0.5 else "minor")


def onsets_per_quarter(bar: Bar) -> float:
    return len(bar.melody) / bar.meter.quarters_per_bar


def arousal(bar: Bar) -> float:
    """Rhythmic activity 0..1: log onset density (70%) and share of off-beat onsets (30%)."""
    if not bar.melody:
        return 0.0
    density = min(1.0, max(0.0, (math.log2(onsets_per_quarter(bar)) + 2.0) / 4.0))
    beat_ticks = bar.meter.ticks_per_beat
    offbeat = sum(1 for note in bar.melody if note.start_ticks % beat_ticks) / len(bar.melody)
    return 0.7 * density + 0.3 * offbeat


def register(bar: Bar) -> float:
    """Mean melody pitch mapped 48..84 -> 0..1 (0.5 for a bar without melody)."""
    if not bar.melody:
        return 0.5
    mean_pitch = sum(note.pitch for note in bar.melody) / len(bar.melody)
    return min(1.0, max(0.0, (mean_pitch - REGISTER_LOW) / (REGISTER_HIGH - REGISTER_LOW)))


def bar_attributes(bar: Bar) -> BarAttributes:
    return BarAttributes(valence(bar), arousal(bar), register(bar))


def conditioning_vector(attrs: BarAttributes, minor: bool, meter: Meter) -> np.ndarray:
    """(CONDITIONING_SIZE,) float32: valence, arousal, register, minor flag, meter one-hot."""
    vector = np.zeros(CONDITIONING_SIZE, dtype=np.float32)
    vector[:4] = (attrs.valence, attrs.arousal, attrs.register, 1.0 if minor else 0.0)
    name = str(meter)
    if name in CONDITIONING_METERS:
        vector[4 + CONDITIONING_METERS.index(name)] = 1.0
    return vector
