"""Themes in the composer: re-barred, moved between modes, developed."""

from __future__ import annotations

import pytest

from engine.composer import themes, tokens
from engine.music.notes import Meter
from engine.music.theme import Theme


def _pitches(bar_tokens):
    return [t - tokens.PITCH0 + tokens.PITCH_LOW for t in bar_tokens if tokens.kind_of(t) == "pitch"]


def test_rebarring_keeps_onsets_and_harmonises():
    theme = Theme("t", ((60, 0, 480), (64, 480, 480), (67, 960, 960)), 1920, False, Meter(4, 4))
    bars = themes.theme_tokens(theme, Meter(3, 4), "major")
    assert len(bars) == 2 and _pitches(bars[0]) == [60, 64, 67] and _pitches(bars[1]) == [67]  # G tied over: struck again
    for bar_tokens in bars:
        assert tokens.decode_bar(list(bar_tokens), "major").harmony  # every slot has a chord


def test_modes_move_by_degree_with_the_leading_tone_over_the_dominant():
    bar = (tokens.bar_token(Meter(2, 4)), tokens.POS0, tokens.chord_token(7, "maj"), tokens.PITCH0 + 71 - tokens.PITCH_LOW,
           tokens.DUR0 + 11, tokens.POS0 + 12, tokens.chord_token(9, "min"), tokens.PITCH0 + 69 - tokens.PITCH_LOW, tokens.DUR0 + 11)
    minor = themes.to_mode(bar, "major", "minor")
    assert _pitches(minor) == [71, 68]  # B stays the leading tone over V; A -> Ab
    assert [tokens.chord_of_token(t) for t in minor if tokens.kind_of(t) == "chord"] == [(7, "maj"), (8, "maj")]
    assert themes.to_mode(bar, "major", "major") == bar


def test_developments_sequence_and_invert():
    theme = Theme("t", ((60, 0, 480), (62, 480, 480), (64, 960, 960)), 1920, False, Meter(4, 4))
    (bar,) = themes.theme_tokens(theme, Meter(4, 4), "major")
    assert _pitches(themes.develop(bar, "sequence+1", "major")) == [62, 64, 65]
    assert _pitches(themes.develop(bar, "sequence-1", "major")) == [59, 60, 62]
    assert _pitches(themes.develop(bar, "inversion", "major")) == [60, 59, 57]
    with pytest.raises(ValueError, match="unknown development"):
        themes.develop(bar, "retrograde", "major")
