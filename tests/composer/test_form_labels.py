"""Repeats expanded, pickups joined, sections lettered and phrases cut, on hand-made measure lists."""

from __future__ import annotations

from engine.composer import form_labels
from engine.composer.form_labels import Measure

FULL = 1920  # a 4/4 bar


def bars(n: int, **marks) -> list[Measure]:
    return [Measure(FULL, FULL) for _ in range(n - 1)] + [Measure(FULL, FULL, **marks)]


def letters(played) -> str:
    return "".join("p" if b.form.pickup else "ABCD"[b.form.section] for b in played)


def test_aabb_with_voltas_expands_as_played():
    # |: A1 A2 A3 A4 :| |: B1 B2 B3 [1 B4 :| [2 B4' |]
    measures = bars(4, repeat_end=True) + [Measure(FULL, FULL, repeat_start=True)] + bars(2) + [
        Measure(FULL, FULL, repeat_end=True, ending=(1,)), Measure(FULL, FULL, ending=(2,), section_end=True)]
    order = [index for index, _ in form_labels.expand_repeats(measures)]
    assert order == [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 8]
    played = form_labels.label_form(measures)
    assert letters(played) == "AAAAAAAABBBBBBBB"
    assert [b.form.section_pass for b in played] == [1] * 4 + [2] * 4 + [1] * 4 + [2] * 4
    assert [b.form.closes_phrase for b in played].count(True) == 4 and all(b.form.phrase_bars == 4 for b in played)


def test_a_strain_end_and_the_next_pickup_make_one_bar():
    # pickup | 7 full | 3/4 short :|: 1/4 pickup | 7 full | 3/4 short :|
    measures = ([Measure(480, FULL)] + bars(7) + [Measure(1440, FULL, repeat_end=True)]
                + [Measure(480, FULL, repeat_start=True)] + bars(7) + [Measure(1440, FULL, repeat_end=True)])
    played = form_labels.label_form(measures)
    assert played[0].form.pickup and played[0].pieces == ((0, FULL - 480),)  # right-aligned opening pickup
    assert letters(played) == "p" + "A" * 16 + "B" * 16
    assert played[8].pieces == ((8, 0), (0, 1440))  # A's last bar + the opening pickup, heard on the repeat
    assert played[16].pieces == ((8, 0), (9, 1440))  # A's last bar + B's pickup
    assert played[-1].pieces == ((17, 0),)  # the tune's last short bar stays short
    assert all(b.form.closes_section == (i in (8, 16, 24, 32)) for i, b in enumerate(played))


def test_an_opening_pickup_is_not_replayed_after_a_full_bar():
    measures = [Measure(480, FULL)] + bars(4, repeat_end=True)
    assert [b.pieces[0][0] for b in form_labels.label_form(measures)] == [0, 1, 2, 3, 4, 1, 2, 3, 4]


def test_double_bars_start_sections_and_fermatas_end_phrases():
    measures = bars(3, section_end=True) + [Measure(FULL, FULL, fermata=i == 1) for i in range(5)]
    played = form_labels.label_form(measures)
    assert letters(played) == "AAABBBBB"
    assert [b.form.phrase_bars for b in played] == [3, 3, 3, 2, 2, 3, 3, 3]
    assert [b.form.bar_in_phrase for b in played] == [0, 1, 2, 0, 1, 0, 1, 2]


def test_phrase_lengths():
    assert form_labels.phrase_lengths(8, []) == [4, 4]
    assert form_labels.phrase_lengths(6, []) == [3, 3]
    assert form_labels.phrase_lengths(9, []) == [3, 3, 3]
    assert form_labels.phrase_lengths(10, []) == [4, 4, 2]
    assert form_labels.phrase_lengths(13, []) == [4, 4, 5]
    assert form_labels.phrase_lengths(7, [1, 6]) == [2, 5]
    assert form_labels.phrase_lengths(0, []) == []
