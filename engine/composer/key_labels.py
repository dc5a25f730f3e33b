"""The key and mode a tune is labelled with: the source's own notation first, the final note as evidence otherwise.

music21's ``analyze('key')`` (Krumhansl-Schmuckler) mislabels about a fifth of folk
tunes, mostly as the relative major/minor, while the tune ends on its notated tonic.
So, in order:

1. **notated**: the source names tonic and mode (ABC ``K:Ador``, MusicXML ``<mode>``):
   take them as they are;
2. **signature + final**: the source gives only a key signature (Essen's ``K:``, a
   DCML ``keysig``, a MIDI key-signature event, which sequencers often write blindly):
   the tonic is the melody's (or the bass's) final note when that note is a degree of
   the signature's scale, and the mode is that degree's church mode (final on the
   signature's 1st, 4th or 5th degree: major modes; on the 2nd or 6th: minor). A final
   on the 3rd degree is read as a Phrygian half cadence (E in a tune with no sharps
   or flats closing on the E major chord, as Bach's chorales do): the tonic is the
   signature's 6th degree, minor;
3. **final + profile**: no usable key information (a MIDI file; its key event is too
   often a sequencer's default C major to trust): of the 24 major and minor keys, the
   one whose Krumhansl-Kessler profile best matches the tune's pitch-class durations,
   with a bonus of ``FINAL_BONUS`` (in correlation) for the key whose tonic is the
   final note: the ending is evidence, the whole tune is too.

The label is binary, as the network's conditioning is: ionian, lydian, mixolydian are
major; dorian, phrygian, aeolian, locrian are minor. ``disagreement`` compares a label
with an analysis for the corpus report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAJOR_MODES = ("major", "ionian", "lydian", "mixolydian")
MINOR_MODES = ("minor", "aeolian", "dorian", "phrygian", "locrian")
DEGREE_MODES = {0: "ionian", 2: "dorian", 4: "phrygian", 5: "lydian", 7: "mixolydian", 9: "aeolian", 11: "locrian"}
"""Semitones above the signature's major tonic -> the church mode whose final that is."""

PHRYGIAN_DEGREE = 4

SOURCES = ("notated", "signature+final", "final+profile")
FINAL_BONUS = 0.15
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
"""Krumhansl & Kessler's key profiles (tonic C), the ones music21's analyze('key') uses by default."""


@dataclass(frozen=True)
class KeyLabel:
    """Tonic pitch class, the mode's name, and which rule decided it (one of ``SOURCES``)."""

    tonic_pc: int
    mode: str
    source: str

    @property
    def minor(self) -> bool:
        return self.mode in MINOR_MODES


def is_minor_mode(mode: str) -> bool:
    """True for the minor church modes; ValueError for a name that is neither."""
    name = mode.lower()
    if name not in MAJOR_MODES + MINOR_MODES:
        raise ValueError(f"mode {mode!r} is not one of {', '.join(MAJOR_MODES + MINOR_MODES)}")
    return name in MINOR_MODES


def signature_tonic(sharps: int) -> int:
    """Pitch class of the major tonic of a key signature of ``sharps`` (negative: flats)."""
    return (7 * sharps) % 12


def from_notation(tonic_pc: int, mode: str) -> KeyLabel:
    is_minor_mode(mode)
    return KeyLabel(tonic_pc % 12, mode.lower(), "notated")


def from_signature(sharps: int, final_pc: int, pc_weights: np.ndarray) -> KeyLabel:
    """The final note's church mode within the signature (a Phrygian final: the half cadence of the aeolian key); falls back to the thirds when the final is not in the scale."""
    degree = (final_pc - signature_tonic(sharps)) % 12
    if degree == PHRYGIAN_DEGREE:
        return KeyLabel((signature_tonic(sharps) + 9) % 12, "aeolian", "signature+final")
    if degree in DEGREE_MODES:
        return KeyLabel(final_pc % 12, DEGREE_MODES[degree], "signature+final")
    return from_final(final_pc, pc_weights)


def from_final(final_pc: int, pc_weights: np.ndarray) -> KeyLabel:
    """The best-matching major or minor key, the final note's key favoured by ``FINAL_BONUS``."""
    weights = np.asarray(pc_weights, dtype=float)
    best = (-np.inf, 0, "major")
    for tonic in range(12):
        for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
            rotated = np.roll(profile, tonic)
            score = float(np.corrcoef(rotated, weights)[0, 1]) if weights.std() > 0 else 0.0
            score += FINAL_BONUS if tonic == final_pc % 12 else 0.0
            best = max(best, (score, tonic, mode), key=lambda c: c[0])
    return KeyLabel(best[1], best[2], "final+profile")


def disagreement(label: KeyLabel, analysed_tonic_pc: int, analysed_minor: bool) -> str:
    """'' when label and analysis agree on tonic and major/minor; else 'relative', 'parallel' or 'other'."""
    if label.tonic_pc == analysed_tonic_pc % 12 and label.minor == analysed_minor:
        return ""
    relative = (label.tonic_pc + (3 if label.minor else -3)) % 12
    if analysed_minor != label.minor and analysed_tonic_pc % 12 == relative:
        return "relative"
    if label.tonic_pc == analysed_tonic_pc % 12:
        return "parallel"
    return "other"
