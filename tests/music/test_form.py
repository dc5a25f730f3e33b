"""The form grammar: labels, the cadence closing each phrase, the moods' default forms."""

import pytest

from engine.music import form
from engine.music.form import DANCE_FORM, SONG_FORM, Form


def test_parse_and_validate_labels():
    assert Form.parse("A A' B A").labels == ("A", "A'", "B", "A")
    assert Form.parse("A,A',B") == Form.parse(["A", "A'", "B"])
    for bad in ([], ["a"], ["AB"], ["A''''"], ["A"] * 17, "A 1"):
        with pytest.raises(ValueError):
            Form.parse(bad)


def test_cadences_open_then_close():
    assert [SONG_FORM.cadence(i) for i in range(4)] == ["half", "authentic", "half", "authentic"]
    assert [DANCE_FORM.cadence(i) for i in range(8)] == ["half", "authentic"] * 4
    assert [Form.parse("A B A").cadence(i) for i in range(3)] == ["authentic", "half", "authentic"]


def test_default_forms_follow_the_mood_then_arousal():
    assert form.default_form("calm", 0.9) is SONG_FORM and form.default_form("action", 0.1) is DANCE_FORM
    assert form.default_form("my_mood", 0.7) is DANCE_FORM and form.default_form("my_mood", 0.2) is SONG_FORM
