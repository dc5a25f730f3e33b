"""Cadence constraints per meter and the push off a held chord."""

import numpy as np

from engine.composer import cadences, tokens
from engine.music.notes import Meter

V, I_MAJ, I_MIN = tokens.chord_token(7, "maj"), tokens.chord_token(0, "maj"), tokens.chord_token(0, "min")


def test_authentic_cadence_in_two_slot_and_one_slot_meters():
    two = cadences.cadence_constraints("authentic", 3, 4, Meter(4, 4), minor=True)
    assert two.chords == ((0, V), (1, I_MIN)) and two.hold_slot == 1 and two.hold_pcs == (0, 3, 7) and two.seventh_slot == 0
    assert cadences.cadence_constraints("authentic", 2, 4, Meter(4, 4), minor=True) is cadences.NONE
    one_before = cadences.cadence_constraints("authentic", 2, 4, Meter(3, 4), minor=False)
    one_last = cadences.cadence_constraints("authentic", 3, 4, Meter(3, 4), minor=False)
    assert one_before.chords == ((0, V),) and one_before.hold_slot is None
    assert one_last.chords == ((0, I_MAJ),) and one_last.hold_slot == 0 and one_last.prefer_pc == 0


def test_half_cadence_holds_a_dominant_tone():
    half = cadences.cadence_constraints("half", 3, 4, Meter(6, 8), minor=False)
    assert half.chords == ((1, V),) and half.hold_pcs == (7, 11, 2) and half.seventh_slot is None
    assert cadences.cadence_constraints(None, 3, 4, Meter(6, 8), minor=False) is cadences.NONE


def test_hold_bias_grows_then_forbids():
    free, most = cadences.FREE_HOLD_SLOTS, cadences.MAX_HOLD_SLOTS
    assert cadences.hold_bias(tokens.VOCAB_SIZE, I_MAJ, free - 1) is None
    soft, hard = cadences.hold_bias(tokens.VOCAB_SIZE, I_MAJ, free + 1), cadences.hold_bias(tokens.VOCAB_SIZE, I_MAJ, most)
    assert soft[I_MAJ] == -2 * cadences.HOLD_PENALTY and np.count_nonzero(soft) == 1 and hard[I_MAJ] == -np.inf
    assert cadences.chord_runs([I_MAJ, I_MAJ, V], I_MAJ, 2) == (V, 1)
    assert cadences.chord_runs([I_MAJ], I_MAJ, 2) == (I_MAJ, 3)
