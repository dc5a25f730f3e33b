import pytest

from engine.music.sync import (STINGER_SYNC_POINTS, SYNC_POINTS, SYNC_RULES, Grid, SyncPoint, landing_bar)


def test_every_sync_point_has_one_rule_and_the_lists_come_from_the_table():
    assert set(SYNC_RULES) == set(SyncPoint)
    assert SYNC_POINTS == ("immediate", "next_beat", "next_bar", "next_phrase", "end_of_segment")
    assert STINGER_SYNC_POINTS == ("immediate", "next_beat", "next_bar")
    assert [s.value for s in SyncPoint if s.rule.mid_bar] == ["immediate", "next_beat"]
    assert SyncPoint.END_OF_SEGMENT.rule.after_segment and not SyncPoint.NEXT_PHRASE.rule.after_segment


@pytest.mark.parametrize("sync, bar, expected", [
    ("immediate", 5, 5), ("next_beat", 5, 5), ("next_bar", 5, 5),
    ("next_phrase", 5, 8), ("next_phrase", 8, 8), ("next_phrase", 0, 0), ("end_of_segment", 1, 4),
])
def test_landing_bar_is_the_first_bar_line_the_grid_allows(sync, bar, expected):
    assert landing_bar(sync, bar, phrase_bars=4) == expected


def test_parse_names_the_bad_value():
    assert SyncPoint.parse("NEXT_BAR") is SyncPoint.NEXT_BAR
    assert SyncPoint.parse(SyncPoint.IMMEDIATE) is SyncPoint.IMMEDIATE
    with pytest.raises(ValueError, match="'whenever'"):
        SyncPoint.parse("whenever")
    assert SyncPoint.NEXT_BEAT.rule.grid is Grid.BEAT
