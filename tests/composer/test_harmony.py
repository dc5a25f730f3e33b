"""Harmony derivation: best-fit chords with a transition prior."""

from __future__ import annotations

from engine.composer import harmony


def test_obvious_chords_are_found():
    slots = [(0, 960), (960, 1920), (1920, 2880), (2880, 3840)]
    notes = [(60, 0, 320), (64, 320, 320), (67, 640, 320),  # C E G
             (65, 960, 320), (69, 1280, 320), (72, 1600, 320),  # F A C
             (67, 1920, 480), (71, 2400, 480),  # G B
             (60, 2880, 960)]
    weights = harmony.slot_weights(notes, slots)
    assert harmony.derive_harmony(weights, minor=False) == [(0, "maj"), (5, "maj"), (7, "maj"), (0, "maj")]


def test_minor_candidates_include_the_major_dominant():
    chords = harmony.candidates(minor=True)
    assert (0, "min") in chords and (7, "maj") in chords
    assert harmony.derive_harmony(harmony.slot_weights([], [(0, 960)]), minor=True) == [(0, "min")]
