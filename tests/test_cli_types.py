import argparse

import pytest

from engine.cli_types import (
    SEED, CommandParser, UsageError, bounded_float, bounded_int, existing_file, output_spec, pitch_class, unit_float,
)


def test_bounded_int():
    bars = bounded_int(1, 1024)
    assert bars("16") == 16 and bars.span == "1..1024"
    for text, message in (("0", "0 is outside 1..1024"), ("1025", "outside"), ("x", "'x' is not a whole number"),
                          ("1.5", "not a whole number")):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            bars(text)


def test_bounded_float_and_unit_float():
    assert unit_float("0") == 0.0 and unit_float("1") == 1.0 and unit_float.span == "0..1"
    for text in ("-0.1", "1.5", "nan", "inf", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            unit_float(text)
    top_p = bounded_float(0.0, 1.0, lo_open=True)
    assert top_p("1") == 1.0 and top_p.span == "above 0, at most 1"
    with pytest.raises(argparse.ArgumentTypeError, match="0 must be above 0 and at most 1"):
        top_p("0")


def test_seed_pitch_class_and_output():
    assert SEED("4294967295") == 2**32 - 1
    with pytest.raises(argparse.ArgumentTypeError):
        SEED("-1")
    assert pitch_class("F#") == "F#" and pitch_class("Bb") == "Bb"
    with pytest.raises(argparse.ArgumentTypeError, match="'H' is not a note name"):
        pitch_class("H")
    assert [output_spec(s) for s in ("pygame", "null", "wav:x.wav")] == ["pygame", "null", "wav:x.wav"]
    for bad in ("wav:", "speakers"):
        with pytest.raises(argparse.ArgumentTypeError, match="not an output"):
            output_spec(bad)


def test_existing_file(tmp_path):
    soundfont = existing_file("SoundFont")
    (tmp_path / "a.sf2").write_bytes(b"x")
    assert soundfont(str(tmp_path / "a.sf2")) == str(tmp_path / "a.sf2")
    with pytest.raises(argparse.ArgumentTypeError, match="is a directory, not a file"):
        soundfont(str(tmp_path))
    with pytest.raises(argparse.ArgumentTypeError, match="No such file or directory"):
        soundfont(str(tmp_path / "none.sf2"))


def test_command_parser_errors_are_usage_errors():
    parser = CommandParser(prog="moodscore x")
    parser.add_argument("--bars", type=bounded_int(1, 4))
    with pytest.raises(UsageError, match=r"^argument --bars: 9 is outside 1\.\.4 \(see moodscore x --help\)$"):
        parser.parse_args(["--bars", "9"])
