"""Per-bar and per-phrase features on hand-made phrases with known answers."""

import numpy as np
import pytest

from engine.composer.evaluation import features as F
from engine.music.notes import PPQ, Bar, Meter, Note

BAR = 4 * PPQ
C_MAJOR = [60, 62, 64, 65, 67, 69, 71, 72]


def _quarters(pitches, first_bar=0):
    """Consecutive quarter notes as (pitch, start, duration) triples."""
    return [(p, (first_bar * 4 + i) * PPQ, PPQ) for i, p in enumerate(pitches)]


def test_scale_consistency_of_c_major_scale_is_one():
    table = F.table_from_triples(_quarters(C_MAJOR), BAR)
    assert F.scale_consistency(table) == 1.0


def test_scale_consistency_of_chromatic_scale():
    table = F.table_from_triples(_quarters(range(60, 72)), BAR)
    assert F.scale_consistency(table) == pytest.approx(7 / 12)


def test_pitch_class_entropy_of_uniform_chromatic_set_is_log2_12():
    table = F.table_from_triples(_quarters(range(48, 72)), BAR)
    assert F.pitch_class_entropy_bits(table) == pytest.approx(np.log2(12))
    assert F.pitch_class_entropy_bits(F.table_from_triples(_quarters([60] * 4), BAR)) == 0.0


def test_groove_consistency_of_identical_bars_is_one():
    rhythm = [(60, 0, 240), (62, 240, 240), (64, 960, 960)]
    notes = [(p, bar * BAR + s, d) for bar in range(4) for p, s, d in rhythm]
    assert F.groove_consistency(F.table_from_triples(notes, BAR)) == 1.0


def test_groove_consistency_counts_differing_positions():
    # bar 0 onsets on beats 1 and 3, bar 1 on beats 1 and 2: two of 96 positions differ
    notes = [(60, 0, 480), (60, 960, 480), (60, BAR, 480), (60, BAR + 480, 480)]
    table = F.table_from_triples(notes, BAR)
    assert F.groove_consistency(table, steps_per_quarter=24) == pytest.approx(1 - 2 / 96)
    assert np.isnan(F.groove_consistency(F.table_from_triples(notes[:2], BAR)))


def test_phrase_features_of_a_scale():
    table = F.table_from_triples(_quarters(C_MAJOR), BAR)
    feats = F.phrase_features(table)
    assert feats["pitch_range_semitones"] == 12
    assert feats["pitch_count"] == 8
    assert feats["abs_interval_semitones"] == pytest.approx(12 / 7)
    assert feats["inter_onset_interval_ticks"] == PPQ
    assert feats["note_length_histogram"][2] == 1.0  # all quarters
    hist = feats["pitch_class_histogram"]
    assert hist.sum() == pytest.approx(1.0) and hist[0] == pytest.approx(2 / 8)


def test_bar_features_vectorised_per_bar():
    notes = _quarters([60, 64, 67, 72]) + [(62, BAR + 0, 2 * PPQ), (62, BAR + 960, 960)]
    table = F.table_from_triples(notes, BAR, n_bars=3)  # the third bar is empty
    feats = F.bar_features(table)
    np.testing.assert_array_equal(feats["note_count"], [4, 2, 0])
    np.testing.assert_array_equal(feats["pitch_count"], [4, 1, 0])
    np.testing.assert_array_equal(feats["pitch_range_semitones"][:2], [12, 0])
    assert np.isnan(feats["pitch_range_semitones"][2])
    np.testing.assert_allclose(feats["abs_interval_semitones"][:2], [4.0, 0.0])
    np.testing.assert_allclose(feats["inter_onset_interval_ticks"][:2], [PPQ, 2 * PPQ])


def test_note_length_classes():
    durations = [4 * PPQ, PPQ, PPQ * 3 // 4, PPQ // 3, PPQ * 3 // 2, PPQ + 10]
    np.testing.assert_array_equal(F.note_length_classes(np.array(durations)), [0, 2, 7, 11, 6, 2])


def test_table_from_bars_matches_triples_and_handles_meters():
    three_four, four_four = Meter(3, 4), Meter(4, 4)
    bars = [Bar(three_four, (Note(60, 0, PPQ), Note(62, PPQ, 2 * PPQ))),
            Bar(four_four, (Note(64, 0, BAR),))]
    table = F.table_from_bars(bars)
    np.testing.assert_array_equal(table.start_ticks, [0, PPQ, 3 * PPQ])
    np.testing.assert_array_equal(table.bar_index, [0, 0, 1])
    np.testing.assert_array_equal(table.bar_length_ticks, [3 * PPQ, BAR])
    assert F.groove_consistency(table) == pytest.approx(1 - 1 / 96)  # only beat 2 differs


def test_empty_phrase_is_harmless():
    table = F.table_from_bars([])
    assert len(table) == 0 and np.isnan(F.scale_consistency(table))
    assert F.pitch_class_entropy_bits(table) == 0.0


def test_notes_outside_the_bars_are_rejected():
    with pytest.raises(ValueError, match="outside"):
        F.table_from_triples([(60, 5 * BAR, PPQ)], BAR, n_bars=2)
