"""Phrase ends and harmonic rhythm as decoding constraints on the harmony tokens.

A phrase's last bar cadences (see ``form``): **authentic** — dominant then tonic, the
melody landing on a tonic chord tone (the tonic itself preferred) held to the bar
line; **half** — the phrase stops on the dominant, its melody held on a dominant
tone. In meters of two harmony slots per bar both chords fall in the last bar; in
meters of one, the dominant takes the bar before. The dominant is the major triad on
the fifth degree in major and minor alike (the leading tone of harmonic minor), and
the decoded bar writes it as V7 (``dom7``) where it resolves: the vocabulary's
chords are triads, the bar's may be richer.

Harmonic rhythm: real tunes (the test split, harmony derived as in training) change
chord 0.91 times a bar and hold one chord at most 3 bars in a typical tune (5 at the
90th percentile); the network alone held one for 4.5 (10 at the 90th, up to 24).
Phrase-end cadences already break the long holds; ``hold_bias`` then lowers the
logit of a chord that has sounded ``held`` harmony slots in a row, gently from
``FREE_HOLD_SLOTS`` on and never past ``MAX_HOLD_SLOTS`` (measured with forms on:
0.99 changes a bar, holds of 2.8 bars typical, 4 at the 90th percentile).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.composer import tokens
from engine.music.notes import Meter

DOMINANT = (7, "maj")
TONIC = {False: (0, "maj"), True: (0, "min")}
TONIC_PREFERENCE = 1.5
"""Added to the tonic's pitch logits on the cadence's final note (chord tones only are allowed)."""

FREE_HOLD_SLOTS = 4
HOLD_PENALTY = 1.5
MAX_HOLD_SLOTS = 8


@dataclass(frozen=True)
class BarConstraints:
    """What a bar must do: chords forced at harmony slots (slot index, chord token), a
    final note at slot ``hold_slot`` on one of ``hold_pcs`` held to the bar's end, and
    the slot whose chord the bar writes as a dominant seventh."""

    chords: tuple[tuple[int, int], ...] = ()
    hold_slot: int | None = None
    hold_pcs: tuple[int, ...] = ()
    prefer_pc: int | None = None
    seventh_slot: int | None = None

    def chord_at(self, slot: int) -> int | None:
        return next((token for index, token in self.chords if index == slot), None)


NONE = BarConstraints()


def _triad_pcs(chord: tuple[int, str]) -> tuple[int, ...]:
    from engine.music.keys import CHORD_QUALITIES

    root, quality = chord
    return tuple((root + step) % 12 for step in CHORD_QUALITIES[quality])


def cadence_constraints(cadence: str | None, bar_in_phrase: int, phrase_bars: int, meter: Meter, minor: bool) -> BarConstraints:
    """The constraints on bar ``bar_in_phrase`` of a phrase closing with ``cadence``."""
    last = bar_in_phrase == phrase_bars - 1
    slots = len(tokens.harmony_slots(meter))
    dominant, tonic = tokens.chord_token(*DOMINANT), tokens.chord_token(*TONIC[minor])
    if cadence == "authentic":
        if last and slots >= 2:
            return BarConstraints(((slots - 2, dominant), (slots - 1, tonic)), slots - 1, _triad_pcs(TONIC[minor]), 0, slots - 2)
        if last:
            return BarConstraints(((0, tonic),), 0, _triad_pcs(TONIC[minor]), 0)
        if slots == 1 and bar_in_phrase == phrase_bars - 2:
            return BarConstraints(((0, dominant),), seventh_slot=0)
    if cadence == "half" and last:
        return BarConstraints(((slots - 1, dominant),), slots - 1, _triad_pcs(DOMINANT), 7)
    return NONE


def hold_bias(vocab_size: int, last_chord: int, held: int) -> np.ndarray | None:
    """Additive logits on chord tokens that push the harmony off a chord held ``held`` slots."""
    if last_chord < 0 or held < FREE_HOLD_SLOTS:
        return None
    bias = np.zeros(vocab_size)
    bias[last_chord] = -np.inf if held >= MAX_HOLD_SLOTS else -HOLD_PENALTY * (held - FREE_HOLD_SLOTS + 1)
    return bias


def pitch_class_bias(vocab_size: int, pitch_tokens: dict[int, int], allowed_pcs: tuple[int, ...], prefer_pc: int | None) -> np.ndarray:
    """-inf on melody pitches outside ``allowed_pcs``, a bonus on ``prefer_pc``."""
    bias = np.zeros(vocab_size)
    for pitch, token in pitch_tokens.items():
        if pitch % 12 not in allowed_pcs:
            bias[token] = -np.inf
        elif pitch % 12 == prefer_pc:
            bias[token] = TONIC_PREFERENCE
    return bias


def chord_runs(chords: list[int], last_chord: int, held: int) -> tuple[int, int]:
    """(last chord token, slots it has now sounded in a row) after a bar's ``chords``."""
    for chord in chords:
        held = held + 1 if chord == last_chord else 1
        last_chord = chord
    return last_chord, held
