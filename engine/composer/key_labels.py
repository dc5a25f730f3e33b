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
3. **final + thirds**: no key information at all: the final note is the tonic, and the
   mode is minor when the minor third (and sixth) above it sound longer than the major.

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

SOURCES = ("notated", "signature+final", "final+thirds")


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
    """The final note as tonic; minor when the minor 3rd (and half the 6th) above it outweighs the major."""
    weights = np.roll(np.asarray(pc_weights, dtype=float), -final_pc)
    minor = weights[3] + 0.5 * weights[8] > weights[4] + 0.5 * weights[9]
    return KeyLabel(final_pc % 12, "minor" if minor else "major", "final+thirds")


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
