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


@st.composite
def long_maps(draw):
    """A map of many points (some ramps), like a long session's, and a quarter inside it."""
    count = draw(st.integers(2, 40))
    gaps = draw(st.lists(st.floats(0.25, 32.0), min_size=count - 1, max_size=count - 1))
    tempos = draw(st.lists(st.floats(40.0, 240.0), min_size=count, max_size=count))
    ramps = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    starts = [0.0]
    for gap in gaps:
        starts.append(starts[-1] + gap)
    segments = [TempoSegment(q, bpm, ramp and i < count - 1) for i, (q, bpm, ramp) in enumerate(zip(starts, tempos, ramps))]
    return TempoMap(segments), draw(st.floats(0.0, starts[-1] + 8.0))


@settings(max_examples=60, deadline=None)
@given(long_maps(), st.lists(st.floats(0.0, 64.0), min_size=1, max_size=8), st.floats(40.0, 240.0))
def test_a_map_since_a_quarter_converts_bit_for_bit_from_there(case, offsets, bpm):
    whole, cut = case
    pruned = whole.since(cut)
    assert len(pruned.segments) <= len(whole.segments) and pruned.segments[-1] == whole.segments[-1]
    for q in [cut, *(cut + o for o in offsets)]:
        assert pruned.seconds_at(q) == whole.seconds_at(q)
        assert pruned.bpm_at(q) == whole.bpm_at(q)
        assert pruned.frame_at(q, 48000) == whole.frame_at(q, 48000)
        assert pruned.quarter_at(whole.seconds_at(q)) == whole.quarter_at(whole.seconds_at(q))
    # strictly after the cut: a point on the first kept segment's start would retarget the
    # dropped ramp into it, rewriting music already played (the pruned map rightly keeps it)
    later = [TempoSegment(cut + offsets[0] + 0.5, bpm, True), TempoSegment(cut + offsets[0] + 4.5, 100.0)]
    a, b = whole.with_points(later), pruned.with_points(later)
    for q in [cut, *(cut + o for o in offsets), cut + offsets[0] + 10.0]:
        assert a.seconds_at(q) == b.seconds_at(q)


def test_a_point_before_a_pruned_map_is_refused():
    whole = TempoMap([TempoSegment(0.0, 120), TempoSegment(8.0, 90), TempoSegment(16.0, 140)])
    pruned = whole.since(17.0)
    assert pruned.segments == (TempoSegment(16.0, 140),) and pruned.start_seconds == whole.seconds_at(16.0)
    with pytest.raises(ValueError, match="dropped"):
        pruned.with_point(TempoSegment(12.0, 100))
    assert whole.since(3.0) is whole
