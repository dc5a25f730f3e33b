from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cutscene.timecode import (FrameRate, fields_from_frame, format_timecode, parse_frame_rate,
                                      parse_time, parse_timecode, timecode_seconds)

FPS24, FPS25, FPS30 = FrameRate(24), FrameRate(25), FrameRate(30)
DF = parse_frame_rate(29.97)
NDF = parse_frame_rate(29.97, drop_frame=False)


@pytest.mark.parametrize("text, rate, frame", [
    ("00:00:01:00", FPS24, 24),
    ("00:00:41:05", FPS24, 41 * 24 + 5),
    ("01:00:00:00", FPS24, 86400),
    ("00:00:01:24", FPS25, 49),
    ("00:10:00:00", FPS25, 15000),
    ("00:01:00:00", FPS30, 1800),
    ("00:00:59;29", DF, 1799),
    ("00:01:00;02", DF, 1800),
    ("00:02:00;02", DF, 3598),
    ("00:10:00;00", DF, 17982),
    ("00:10:00;01", DF, 17983),
    ("01:00:00;00", DF, 107892),
    ("00:01:00:00", NDF, 1800),
])
def test_known_frames(text, rate, frame):
    assert parse_timecode(text, rate) == frame


def test_seconds_are_exact():
    assert timecode_seconds("00:00:41:05", FPS24) == Fraction(989, 24)
    assert timecode_seconds("00:10:00;00", DF) == Fraction(17982 * 1001, 30000)
    assert timecode_seconds("01:00:00;00", DF) == Fraction(107892 * 1001, 30000)  # 3600 - 0.0036 s
    assert parse_time("12.5s", FPS24) == Fraction(25, 2)
    assert parse_time(0.1, FPS24) == Fraction(1, 10)
    assert parse_time(3, FPS24) == 3


@pytest.mark.parametrize("text, rate, words", [
    ("00:00:00:24", FPS24, "frame 24 does not exist"),
    ("00:00:00:25", FPS25, "frame 25 does not exist"),
    ("00:00:00:30", DF, "frame 30 does not exist"),
    ("00:01:00;00", DF, "dropped"),
    ("00:01:00;01", DF, "dropped"),
    ("00:00:60:00", FPS24, "00..59"),
    ("00:61:00:00", FPS24, "00..59"),
    ("1:2:3", FPS24, "HH:MM:SS:FF"),
    ("00:00:01;00", FPS30, "drop-frame"),
])
def test_impossible_timecodes(text, rate, words):
    with pytest.raises(ValueError, match=words):
        parse_timecode(text, rate)


def test_bad_times_and_rates():
    for bad in (-1, float("nan"), "soon", "12.5 m"):
        with pytest.raises(ValueError):
            parse_time(bad, FPS24)
    with pytest.raises(TypeError):
        parse_time([1], FPS24)
    for bad in (23.5, 60, "50"):
        with pytest.raises(ValueError):
            parse_frame_rate(bad)
    with pytest.raises(ValueError, match="drop-frame"):
        parse_frame_rate(25, drop_frame=True)
    assert parse_frame_rate("29.97df") == DF and parse_frame_rate("29.97ndf") == NDF


def test_format_timecode():
    assert format_timecode(Fraction(989, 24), FPS24) == "00:00:41:05"
    assert format_timecode(41.208333333, FPS24) == "00:00:41:05"  # a float a hair short of the frame
    assert format_timecode(Fraction(17982 * 1001, 30000), DF) == "00:10:00;00"
    assert format_timecode(60.06, DF) == "00:01:00;02"


@settings(max_examples=200, deadline=None)
@given(frame=st.integers(0, 24 * 3600 * 30), rate=st.sampled_from([FPS24, FPS25, FPS30, DF, NDF]))
def test_round_trip(frame, rate):
    hours, minutes, seconds, frames = fields_from_frame(frame, rate)
    sep = ";" if rate.drop_frame else ":"
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{frames:02d}"
    assert parse_timecode(text, rate) == frame
    assert format_timecode(frame / rate.fps, rate) == text


def test_ntsc_film_rate_and_rates_as_other_programs_write_them():
    from engine.cutscene.timecode import frame_rate_of

    film = parse_frame_rate("23.976")
    assert film.fps == Fraction(24000, 1001) and str(film) == "23.976" and not film.drop_frame
    assert timecode_seconds("00:00:01:00", film) == Fraction(1001, 1000)
    assert frame_rate_of(30000 / 1001) == DF and frame_rate_of(29.97, drop_frame=False) == NDF
    assert frame_rate_of(23.976) == film and frame_rate_of(24.0) == FPS24
    with pytest.raises(ValueError, match="50 fps is not one of"):
        frame_rate_of(50.0)
