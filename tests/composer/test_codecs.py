"""The codec base class and its table: today's melody+harmony codec is one row."""

from __future__ import annotations

import pytest

from engine.composer import tokens
from engine.composer.bar_codec import BarCodec
from engine.composer.codecs import CODECS, codec_named
from engine.music.notes import PPQ, Bar, Chord, Meter, Note


def test_the_melody_harmony_codec_is_the_table_row_of_the_tokenizer():
    codec = codec_named("melody_harmony")
    assert isinstance(codec, BarCodec) and CODECS == {"melody_harmony": codec}
    assert codec.vocab == tokens.VOCAB and codec.vocab_size == tokens.VOCAB_SIZE
    with pytest.raises(ValueError, match="not known"):
        codec_named("bass")


def test_codec_round_trips_real_bars(fixture_tunes):
    codec = codec_named("melody_harmony")
    for bars, minor, _ in fixture_tunes[:3]:
        for bar in bars:
            ids = codec.encode(bar)
            assert ids == tokens.encode_bar(bar) and codec.ends_bar(ids[0])
            assert codec.decode(ids, bar.mode) == bar


def test_other_voices_pass_a_melody_codec_untouched():
    codec = codec_named("melody_harmony")
    plain = Bar(Meter(2, 4), (Note(72, 0, PPQ),), (Chord(0, "maj", 0, 2 * PPQ),))
    with_bass = Bar(plain.meter, plain.melody, plain.harmony, other_voices=(("bass", (Note(36, 0, 2 * PPQ),)),))
    assert codec.encode(with_bass) == codec.encode(plain)


def test_grammar_hooks_report_the_pending_pitch_and_the_melody_so_far():
    codec = codec_named("melody_harmony")
    grammar = codec.grammar(Meter(2, 4))
    pitch = codec.pitch_tokens()[64]
    for token in (tokens.POS0, tokens.chord_token(0, "maj"), pitch):
        grammar.advance(token)
    assert grammar.pending_melody_pitch() == 64 and grammar.melody_so_far() == []
    grammar.advance(tokens.DUR0 + 5)
    assert grammar.pending_melody_pitch() is None and grammar.melody_so_far() == [(64, 6 * tokens.GRID_TICKS)]
    assert codec.duration_ticks(tokens.DUR0 + 5) == 6 * tokens.GRID_TICKS
    with pytest.raises(ValueError, match="no 'bass' voice"):
        codec.pitch_tokens("bass")
