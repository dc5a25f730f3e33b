import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.music.tempo import TempoMap, TempoSegment

bpms = st.floats(20.0, 300.0)


@st.composite
def tempo_maps(draw):
    count = draw(st.integers(1, 5))
    gaps = draw(st.lists(st.floats(0.25, 16.0), min_size=count - 1, max_size=count - 1))
    starts = [0.0]
    for gap in gaps:
        starts.append(starts[-1] + gap)
    ramps = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    ramps[-1] = False
    return TempoMap([TempoSegment(s, draw(bpms), r) for s, r in zip(starts, ramps)])


@settings(max_examples=60, deadline=None)
@given(tempo_maps(), st.integers(0, 48000 * 120), st.sampled_from([44100, 48000]))
def test_frame_quarter_frame_is_identity(tempo_map, frame, rate):
    assert tempo_map.frame_at(tempo_map.quarter_at_frame(frame, rate), rate) == frame


@settings(max_examples=60, deadline=None)
@given(tempo_maps(), st.lists(st.floats(0.0, 80.0), min_size=2, max_size=10))
def test_time_is_monotonic_in_position(tempo_map, quarters):
    quarters.sort()
    seconds = [tempo_map.seconds_at(q) for q in quarters]
    assert all(b >= a for a, b in zip(seconds, seconds[1:]))


@settings(max_examples=30, deadline=None)
@given(bpms, bpms, st.floats(0.5, 16.0), st.floats(0.0, 1.0))
def test_ramp_matches_numerical_integration(b0, b1, length, fraction):
    tempo_map = TempoMap([TempoSegment(0.0, b0, True), TempoSegment(length, b1)])
    x = fraction * length
    steps = 2000  # Simpson's rule on dt/dq = 60 / bpm(q)
    h = x / steps
    f = [60.0 / tempo_map.bpm_at(i * h) for i in range(steps + 1)]
    numeric = h / 3 * (f[0] + f[-1] + 4 * sum(f[1:-1:2]) + 2 * sum(f[2:-1:2]))
    assert math.isclose(tempo_map.seconds_at(x), numeric, rel_tol=1e-9, abs_tol=1e-12)


def test_constant_tempo_arithmetic():
    tempo_map = TempoMap.constant(120)
    assert tempo_map.seconds_at(4.0) == 2.0
    assert tempo_map.frame_at(1.0, 48000) == 24000
    assert tempo_map.quarter_at(1.5) == 3.0


def test_bad_tempo_maps():
    with pytest.raises(ValueError, match="quarter 0"):
        TempoMap([TempoSegment(1.0, 120)])
    with pytest.raises(ValueError, match="increasing"):
        TempoMap([TempoSegment(0.0, 120), TempoSegment(0.0, 90)])
    with pytest.raises(ValueError, match="last tempo point"):
        TempoMap([TempoSegment(0.0, 120, True)])
    with pytest.raises(ValueError, match="bpm"):
        TempoSegment(0.0, 0.5)
    with pytest.raises(ValueError):
        TempoMap.constant(120).seconds_at(-1.0)
