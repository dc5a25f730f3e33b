"""Phrase plans: the role of every phrase as the form cycles."""

from engine.composer import form
from engine.music.form import DANCE_FORM, SONG_FORM, Form


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


def test_every_pass_brings_a_fresh_contrast_and_passes_carry_over():
    keys = [key for _, key, _ in _roles(SONG_FORM, 12)]
    assert keys[2::4] == ["B", "B~2", "B~3"] and keys[0::4] == ["A"] * 3
    later = form.phrase_at(SONG_FORM, 2, frozenset({"A", "A'", "B"}), 4, 8, passes_before=1)
    assert (later.role, later.key, later.cycle) == ("contrast", "B~2", 1)
