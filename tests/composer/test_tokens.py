"""Tokenizer: exact round trips on real corpus bars, and the grammar."""

from __future__ import annotations

import pytest

from engine.composer import tokens
from engine.music.notes import Bar, Chord, Meter, Note


def test_round_trip_on_real_bars(fixture_tunes):
    count = 0
    for bars, minor, _ in fixture_tunes:
        for bar in bars:
            encoded = tokens.encode_bar(bar)
            decoded = tokens.decode_bar(encoded, bar.mode)
            assert decoded == bar
            assert tokens.encode_bar(decoded) == encoded
            count += 1
    assert count > 50


def test_fixture_covers_meters_and_modes(fixture_tunes):
    meters = {str(bar.meter) for bars, _, _ in fixture_tunes for bar in bars}
    assert {"6/8", "2/4", "3/4", "4/4", "2/2"} <= meters
    assert {minor for _, minor, _ in fixture_tunes} == {True, False}


def test_encoding_of_a_hand_written_bar():
    bar = Bar(Meter(4, 4), (Note(72, 0, 960, 90), Note(74, 1200, 240, 90)), (Chord(0, "maj", 0, 960), Chord(7, "maj", 960, 960)))
    names = [tokens.VOCAB[t] for t in tokens.encode_bar(bar)]
    assert names == ["BAR_4/4", "POS_0", "CHORD_0_maj", "PITCH_72", "DUR_24", "POS_24", "CHORD_7_maj", "POS_30", "PITCH_74", "DUR_6"]


def test_grammar_rejects_out_of_order_and_overlong():
    grammar = tokens.BarGrammar(Meter(3, 4))
    with pytest.raises(ValueError):
        grammar.advance(tokens.TOKEN_ID["POS_5"])  # must start at POS_0
    grammar.advance(tokens.TOKEN_ID["POS_0"])
    grammar.advance(tokens.TOKEN_ID["CHORD_0_maj"])
    grammar.advance(tokens.TOKEN_ID["PITCH_72"])
    with pytest.raises(ValueError):
        grammar.advance(tokens.TOKEN_ID["DUR_37"])  # 3/4 holds 36 grid steps
    grammar.advance(tokens.TOKEN_ID["DUR_12"])
    with pytest.raises(ValueError):
        grammar.advance(tokens.TOKEN_ID["POS_6"])  # the note is still sounding
    assert grammar.can_end()


def test_harmony_slots_per_meter():
    assert tokens.harmony_slots(Meter(4, 4)) == (0, 24)
    assert tokens.harmony_slots(Meter(6, 8)) == (0, 18)
    assert tokens.harmony_slots(Meter(3, 4)) == (0,)
    assert tokens.harmony_slots(Meter(2, 4)) == (0, 12)


def test_unsupported_meter_is_a_clear_error():
    with pytest.raises(ValueError, match="7/8"):
        tokens.bar_token(Meter(7, 8))
    assert tokens.bar_token(Meter(5, 4)) == tokens.EXTRA_BAR0 + 2  # 3/2, 6/4, 5/4 follow the base vocabulary
