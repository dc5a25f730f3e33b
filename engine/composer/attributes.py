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
tune's mode and the bar's meter; ``position_vector`` appends where the bar sits in the
form (``form_labels.BarForm``: bar in phrase, closing bars, phrase, section, pass), so
the network learns where phrases close as it learns moods. A model's conditioning
spec (``train.conditioning_spec``) says whether it was trained with the position part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.composer.form_labels import BarForm
from engine.music.notes import PPQ, Bar, Meter

MAJOR_WEIGHTS = {4: 1.0, 9: 0.5}
MINOR_WEIGHTS = {3: 1.0, 8: 0.5}
CHORD_TONE_WEIGHT = 0.5
MIN_EVIDENCE_QUARTERS = 0.25
REGISTER_LOW, REGISTER_HIGH = 48.0, 84.0
CONDITIONING_METERS = ("4/4", "3/4", "2/4", "2/2", "6/8", "9/8", "12/8", "3/8", "3/2", "6/4", "5/4")
"""The meters of the one-hot, in training order (``tokens.ALL_METERS``); a model's spec lists the ones it knows."""
CONDITIONING_SIZE = 4 + len(CONDITIONING_METERS)
"""The mood-and-meter part of the conditioning; a position-conditioned model appends ``POSITION_SIZE`` more."""
POSITION_FIELDS = ("bar_in_phrase_0", "bar_in_phrase_1", "bar_in_phrase_2", "bar_in_phrase_3+", "closes_phrase", "closes_section",
                   "first_phrase_of_section", "last_phrase_of_section", "section_A", "section_B", "section_C+", "repeat_pass")
POSITION_SIZE = len(POSITION_FIELDS)


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


def position_vector(form: BarForm) -> np.ndarray:
    """(POSITION_SIZE,) float32 one-hots and flags of ``POSITION_FIELDS``; all zero for a pickup bar."""
    vector = np.zeros(POSITION_SIZE, dtype=np.float32)
    if form.pickup:
        return vector
    vector[min(max(form.bar_in_phrase, 0), 3)] = 1.0
    vector[4] = float(form.closes_phrase)
    vector[5] = float(form.closes_section)
    vector[6] = float(form.phrase_in_section == 0)
    vector[7] = float(form.phrase_in_section == form.section_phrases - 1)
    vector[8 + min(form.section, 2)] = 1.0
    vector[11] = float(form.section_pass > 1)
    return vector


def default_form(bar_index: int, phrase_bars: int = 4, phrases_per_section: int = 2, sections: str = "AABB") -> BarForm:
    """The form position of bar ``bar_index`` in a plain song form (4-bar phrases, 2 per section, AABB, looping):
    what a composer without a form planner asks of a position-conditioned network."""
    section_bars = phrase_bars * phrases_per_section
    section_index = (bar_index // section_bars) % len(sections)
    letter = sections[section_index]
    within = bar_index % section_bars
    phrase, bar = divmod(within, phrase_bars)
    closes = bar == phrase_bars - 1
    return BarForm(ord(letter) - ord("A"), sections[:section_index].count(letter) + 1, phrase, phrases_per_section, bar, phrase_bars,
                   closes, closes and phrase == phrases_per_section - 1)
