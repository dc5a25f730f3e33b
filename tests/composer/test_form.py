"""Forms: labels, cadences per phrase, and the role of every phrase as the form cycles."""

import pytest

from engine.composer import form
from engine.composer.form import DANCE_FORM, SONG_FORM, Form


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


def _roles(shape: Form, phrases: int) -> list[tuple[str, str, str | None]]:
    heard, out = set(), []
    for number in range(phrases):
        plan = form.phrase_at(shape, number, frozenset(heard), 4, 4 * number)
        out.append((plan.role, plan.key, plan.source_key))
        if plan.role != "return":
            heard.add(plan.key)
    return out


def test_roles_through_two_cycles_of_song_form():
    assert _roles(SONG_FORM, 8) == [
        ("statement", "A", None), ("answer", "A'", "A"), ("contrast", "B", None), ("return", "A'", "A'"),
        ("return", "A", "A"), ("return", "A'", "A'"), ("contrast", "B~2", None), ("return", "A'", "A'")]


def test_roles_of_the_dance_form_and_its_second_strain():
    roles = _roles(DANCE_FORM, 16)
    assert [r for r, _, _ in roles[:8]] == ["statement", "answer", "return", "return", "contrast", "answer", "return", "return"]
    assert roles[13] == ("answer", "B'~2", "B~2") and roles[12] == ("contrast", "B~2", None)


def test_default_forms_follow_the_mood_then_arousal():
    assert form.default_form("calm", 0.9) is SONG_FORM and form.default_form("action", 0.1) is DANCE_FORM
    assert form.default_form("my_mood", 0.7) is DANCE_FORM and form.default_form("my_mood", 0.2) is SONG_FORM


def test_every_pass_brings_a_fresh_contrast_and_passes_carry_over():
    keys = [key for _, key, _ in _roles(SONG_FORM, 12)]
    assert keys[2::4] == ["B", "B~2", "B~3"] and keys[0::4] == ["A"] * 3
    later = form.phrase_at(SONG_FORM, 2, frozenset({"A", "A'", "B"}), 4, 8, passes_before=1)
    assert (later.role, later.key, later.cycle) == ("contrast", "B~2", 1)
