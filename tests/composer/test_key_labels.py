"""Key labels: notated keys win; a signature and the final note decide otherwise; disagreement kinds."""

from __future__ import annotations

import numpy as np
import pytest

from engine.composer import key_labels


def weights(pcs) -> np.ndarray:
    out = np.zeros(12)
    for pc in pcs:
        out[pc] += 1.0
    return out


def test_notated_keys_and_church_modes():
    assert key_labels.from_notation(9, "Dorian") == key_labels.KeyLabel(9, "dorian", "notated")
    assert key_labels.from_notation(9, "dorian").minor and not key_labels.from_notation(7, "mixolydian").minor
    with pytest.raises(ValueError, match="blues"):
        key_labels.from_notation(0, "blues")


def test_a_signature_and_the_final_note():
    assert key_labels.from_signature(1, 4, weights([])) == key_labels.KeyLabel(4, "aeolian", "signature+final")  # 1 sharp, ends on E
    assert key_labels.from_signature(0, 2, weights([])).mode == "dorian"  # D on no sharps: old-style D minor
    assert key_labels.from_signature(0, 4, weights([])) == key_labels.KeyLabel(9, "aeolian", "signature+final")  # Phrygian half cadence -> A minor
    assert key_labels.from_signature(-1, 5, weights([])).mode == "ionian"
    chromatic = key_labels.from_signature(0, 6, weights([6, 9, 9, 1]))  # F# is not in C's scale: the evidence decides
    assert chromatic.source == "final+profile"


D_MAJOR_TUNE = [2, 4, 6, 7, 9, 11, 1, 2, 2, 9, 6, 2]
D_MINOR_TUNE = [2, 4, 5, 7, 9, 10, 1, 2, 2, 9, 5, 2]


def test_the_profile_and_the_final_note():
    assert key_labels.from_final(2, weights(D_MAJOR_TUNE)) == key_labels.KeyLabel(2, "major", "final+profile")
    assert key_labels.from_final(2, weights(D_MINOR_TUNE)) == key_labels.KeyLabel(2, "minor", "final+profile")
    assert key_labels.from_final(9, weights(D_MAJOR_TUNE * 3)).tonic_pc == 2  # ending on the fifth does not make it A major
    ambiguous = [0, 4, 7, 9] * 2  # C major or A minor: the final note decides
    assert key_labels.from_final(9, weights(ambiguous)) == key_labels.KeyLabel(9, "minor", "final+profile")
    assert key_labels.from_final(0, weights(ambiguous)) == key_labels.KeyLabel(0, "major", "final+profile")


def test_disagreement_kinds():
    g_major = key_labels.KeyLabel(7, "major", "notated")
    assert key_labels.disagreement(g_major, 7, False) == ""
    assert key_labels.disagreement(g_major, 4, True) == "relative"
    assert key_labels.disagreement(key_labels.KeyLabel(4, "minor", "notated"), 7, False) == "relative"
    assert key_labels.disagreement(g_major, 7, True) == "parallel"
    assert key_labels.disagreement(g_major, 2, False) == "other"
