"""The codec base class and its table: today's melody+harmony codec is one row."""

from __future__ import annotations

import pytest

from engine.composer import tokens
from engine.composer.bar_codec import BarCodec
from engine.composer.codecs import CODECS, codec_named
from engine.music.notes import PPQ, Bar, Chord, Meter, Note


def test_the_melody_harmony_codec_is_the_table_row_of_the_tokenizer():
    codec = codec_named("melody_harmony")
    assert isinstance(codec, BarCodec) and CODECS == {"melody_harmony": codec, "melody_harmony_v2": codec_named("melody_harmony_v2")}
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


def test_the_v2_codec_adds_three_meters_after_the_base_vocabulary():
    base, wide = codec_named("melody_harmony"), codec_named("melody_harmony_v2")
    assert wide.vocab[: base.vocab_size] == base.vocab and wide.vocab[base.vocab_size:] == ("BAR_3/2", "BAR_6/4", "BAR_5/4")
    for text, slots in (("3/2", 1), ("6/4", 2), ("5/4", 1)):
        meter = Meter.parse(text)
        with pytest.raises(ValueError, match="melody_harmony codec"):
            base.bar_token(meter)
        bar = Bar(meter, (Note(67, 0, meter.ticks_per_bar - PPQ), Note(72, meter.ticks_per_bar - PPQ, PPQ)),
                  tuple(Chord(0, "maj", i * meter.ticks_per_bar // slots, meter.ticks_per_bar // slots) for i in range(slots)))
        ids = wide.encode(bar)
        assert ids[0] >= base.vocab_size and wide.ends_bar(ids[0]) and not base.ends_bar(ids[0])
        assert tokens.kind_of(ids[0]) == "bar" and wide.decode(ids) == bar
        grammar = wide.grammar(meter)
        for token in ids[1:]:
            grammar.advance(token)
        assert any(a <= ids[0] < b for a, b in grammar.allowed_ranges())  # another bar of this meter may follow
