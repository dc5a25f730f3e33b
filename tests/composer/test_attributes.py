"""Attribute functions on hand-written bars."""

from __future__ import annotations

import pytest

from engine.composer import attributes
from engine.music.notes import Bar, Chord, Meter, Note

FOUR = Meter(4, 4)


def quarters(pitches, meter=FOUR, step=480):
    return tuple(Note(p, i * step, step) for i, p in enumerate(pitches))


def test_valence_major_minor_and_neutral():
    major = Bar(FOUR, quarters([60, 64, 67, 64]), (Chord(0, "maj", 0, 1920),))
    minor = Bar(FOUR, quarters([60, 63, 67, 63]), (Chord(0, "min", 0, 1920),), "minor")
    neutral = Bar(FOUR, quarters([60, 62, 67, 62]))
    assert attributes.valence(major) == 1.0 and attributes.realised_mode(major) == "major"
    assert attributes.valence(minor) == 0.0 and attributes.realised_mode(minor) == "minor"
    assert attributes.valence(neutral) == 0.5 and attributes.realised_mode(neutral) is None


def test_arousal_grows_with_density_and_offbeats():
    whole = Bar(FOUR, (Note(60, 0, 1920),))
    crotchets = Bar(FOUR, quarters([60, 62, 64, 65]))
    semiquavers = Bar(FOUR, quarters([60, 62] * 8, step=120))
    values = [attributes.arousal(b) for b in (whole, crotchets, semiquavers)]
    assert values[0] == pytest.approx(0.0)
    assert values[1] == pytest.approx(0.35)  # one onset per quarter, all on the beat
    assert values[2] == pytest.approx(0.7 + 0.3 * 0.75)
    assert attributes.arousal(Bar(FOUR)) == 0.0


def test_register_and_conditioning_vector():
    low = Bar(FOUR, quarters([48, 48]))
    high = Bar(FOUR, quarters([84, 84]))
    assert attributes.register(low) == 0.0 and attributes.register(high) == 1.0
    vector = attributes.conditioning_vector(attributes.bar_attributes(high), True, Meter(6, 8))
    assert vector.shape == (attributes.CONDITIONING_SIZE,)
    assert vector[3] == 1.0 and vector[4 + attributes.CONDITIONING_METERS.index("6/8")] == 1.0


def test_position_vector_and_the_default_song_form():
    from engine.composer.form_labels import PICKUP_FORM

    forms = [attributes.default_form(i) for i in range(32)]
    assert [f.bar_in_phrase for f in forms[:8]] == [0, 1, 2, 3] * 2
    assert "".join("AB"[f.section] for f in forms) == "A" * 16 + "B" * 16
    assert [f.section_pass for f in forms[::8]] == [1, 2, 1, 2]
    assert [i for i, f in enumerate(forms) if f.closes_section] == [7, 15, 23, 31]
    vector = attributes.position_vector(forms[15])  # A, second pass, last bar of the second phrase
    names = {name for name, value in zip(attributes.POSITION_FIELDS, vector) if value}
    assert names == {"bar_in_phrase_3+", "closes_phrase", "closes_section", "last_phrase_of_section", "section_A", "repeat_pass"}
    assert not attributes.position_vector(PICKUP_FORM).any()
