import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cutscene.fit import FitSettings, Hit, TempoZone, fit_tempo
from engine.cutscene.fit_errors import CHANGE, RANGE, FitError
from engine.cutscene.ramps import StretchPlan, plan_stretch, ramp_seconds
from engine.music.notes import Meter
from engine.music.tempo import TempoMap, TempoSegment

SR = 48_000
METERS = [Meter(4, 4), Meter(3, 4), Meter(6, 8), Meter(2, 2)]


def zone(lo=60.0, hi=160.0, pref=None, meter=Meter(4, 4), start_s=0.0, state="s", jump_in=True):
    return TempoZone(start_s, state, meter, lo, hi, pref or math.sqrt(lo * hi), jump_in)


@st.composite
def feasible_scenes(draw):
    """A random tempo path inside the range, gentle per bar, and hits on its bar lines (or beats)."""
    meter = draw(st.sampled_from(METERS))
    lo = draw(st.floats(50, 120))
    hi = lo * draw(st.floats(1.3, 2.5))
    qpb, bpb = meter.quarters_per_bar, meter.beats_per_bar
    bars = 40
    bpm = draw(st.floats(lo * 1.05, hi / 1.05))
    points = []
    for bar in range(bars):
        points.append(TempoSegment(bar * qpb, bpm, ramp=True))
        step = draw(st.floats(-1, 1)) * math.log1p(0.02)  # a quarter of the 8 % allowed
        bpm = min(hi / 1.03, max(lo * 1.03, bpm * math.exp(step)))
    points.append(TempoSegment(bars * qpb, bpm))
    path = TempoMap(points)
    hit_bars = sorted(draw(st.sets(st.integers(1, bars // 2), min_size=1, max_size=8)))
    hit_bars = [b for i, b in enumerate(hit_bars) if i == 0 or b - hit_bars[i - 1] >= 2]
    hits = []
    for i, bar in enumerate(hit_bars):
        beat = draw(st.integers(0, bpb - 1)) if draw(st.booleans()) else 0
        quarter = bar * qpb + beat * qpb / bpb
        hits.append(Hit(path.seconds_at(quarter), f"h{i}", on_beat=beat > 0))
    return zone(lo, hi, meter=meter), hits


def bar_ratio_ok(tempo_map, meter, end_quarter, change=0.08):
    qpb = meter.quarters_per_bar
    quarter = 0.0
    while quarter < end_quarter:
        ratio = tempo_map.bpm_at(quarter + qpb) / tempo_map.bpm_at(quarter)
        if not 1 / (1 + change) - 1e-9 <= ratio <= 1 + change + 1e-9:
            return False
        quarter += qpb / 8
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_scenes())
def test_feasible_hits_land_within_a_frame(scene):
    tempo_zone, hits = scene
    fit = fit_tempo([tempo_zone], hits, hits[-1].time_s + 4.0)
    for hit, landing in zip(hits, fit.landings):
        assert abs(fit.tempo_map.frame_at(landing.quarter, SR) - round(hit.time_s * SR)) <= 1
        bar, beat = fit.bar_and_beat(landing.quarter)
        assert (bar, beat) == (landing.bar_index, landing.beat_index)
        if not hit.on_beat:
            assert landing.beat_index == 0
            assert landing.quarter == pytest.approx(fit.bar_quarter(landing.bar_index), abs=1e-9)
    end_q = fit.tempo_map.quarter_at(hits[-1].time_s + 4.0)
    steps = [i * end_q / 400 for i in range(401)]
    assert all(tempo_zone.min_bpm - 1e-6 <= fit.tempo_map.bpm_at(q) <= tempo_zone.max_bpm + 1e-6 for q in steps)
    assert bar_ratio_ok(fit.tempo_map, tempo_zone.meter, end_q)


def test_constant_tempo_hits_keep_the_preferred_tempo():
    hits = [Hit(2.0 * k, f"h{k}") for k in (1, 3, 4, 7)]  # 120 bpm, a bar every 2 s
    fit = fit_tempo([zone(100, 140, 120)], hits, 16.0)
    assert [s.bpm for s in fit.tempo_map.segments] == pytest.approx([120.0])
    assert [lan.bar_index for lan in fit.landings] == [1, 3, 4, 7]


def test_infeasible_hits_name_both_hits_and_the_tempo():
    hits = [Hit(41 + 5 / 24, "door", timecode="00:00:41:05"), Hit(41 + 20 / 24, "scream", timecode="00:00:41:20")]
    with pytest.raises(ValueError) as info:
        fit_tempo([zone(60, 160, state="combat")], hits, 50.0, source="scene.yaml")
    message = str(info.value)
    assert message.startswith("scene.yaml: hits 'door' (00:00:41:05) and 'scream' (00:00:41:20) are 0.62 s apart")
    assert "one bar of 4/4 there needs 384 bpm" in message and "60..160" in message and "'combat'" in message


def test_gap_between_counts_is_reported():
    with pytest.raises(ValueError, match="2 bars of 4/4 there need 96.0 bpm and 3 need 144.0 bpm"):
        fit_tempo([zone(100, 140, 120)], [Hit(5.0, "a")], 10.0)


def test_too_sudden_a_change_is_refused_naming_the_binding_limit():
    # 1 bar at 60 bpm then 1 bar at 150: inside the range, far beyond 8 % per bar.
    hits = [Hit(4.0, "slow"), Hit(4.0 + 1.6, "fast")]
    with pytest.raises(FitError) as info:
        fit_tempo([zone(55, 160, 100, jump_in=False)], hits, 10.0)
    assert info.value.limit == CHANGE and info.value.hit is hits[1]
    assert "fits the 55..160 bpm" in str(info.value) and "a glide at ≤ 8% per bar moves at most" in str(info.value)
    assert str(info.value).endswith("(the binding limit: tempo.max_change_per_bar)")


def test_a_range_failure_names_the_range():
    with pytest.raises(FitError) as info:
        fit_tempo([zone(100, 140, 120)], [Hit(5.0, "a")], 10.0)
    assert info.value.limit == RANGE and "(the binding limit: that tempo range)" in str(info.value)


def test_in_six_eight_beats_are_dotted_quarters_and_both_tempi_are_given():
    jig = zone(84, 96, 90, meter=Meter(6, 8), state="jig")
    with pytest.raises(ValueError, match=r"one bar of 6/8 there needs 300 bpm \(200 dotted quarters a minute\)"):
        fit_tempo([jig], [Hit(2.0, "a"), Hit(2.6, "b")], 20.0)
    slow = zone(55, 160, 100, meter=Meter(6, 8), jump_in=False)
    with pytest.raises(ValueError, match=r"the tempo before is 135.0 bpm \(90.0 dotted quarters a minute\)"):
        fit_tempo([slow], [Hit(4.0, "slow"), Hit(5.6, "fast")], 10.0)
    with pytest.raises(ValueError, match=r"one dotted-quarter beat of 6/8 there needs 60.0 bpm "
                                         r"\(40.0 dotted quarters a minute\) and 2 need 120.0 bpm"):
        fit_tempo([jig], [Hit(1.5, "a", on_beat=True)], 20.0)


def test_state_change_at_a_hit_may_jump_tempo():
    zones = [zone(80, 100, 90, state="explore"), zone(130, 160, 144, start_s=8.0, state="combat")]
    hits = [Hit(8.0, "ambush"), Hit(8.0 + 3 * 240 / 144, "blow")]  # 3 bars of 144 after 3 of 90
    fit = fit_tempo(zones, hits, 20.0)
    assert fit.tempo_map.bpm_at(fit.landings[0].quarter - 0.01) == pytest.approx(90.0)
    assert fit.tempo_map.bpm_at(fit.landings[0].quarter + 0.01) == pytest.approx(144.0)


def test_meter_changes_at_a_bar_hit():
    zones = [zone(100, 140, 120), zone(100, 140, 120, meter=Meter(3, 4), start_s=6.0, state="waltz")]
    hits = [Hit(6.0, "turn"), Hit(6.0 + 4 * 1.5, "twirl")]  # 3 bars of 4/4 at 120; 4 of 3/4 at 120
    fit = fit_tempo(zones, hits, 14.0)
    assert [s.meter for s in fit.meters] == [Meter(4, 4), Meter(3, 4)]
    assert fit.meters[1].bar_index == 3 and fit.landings[1].bar_index == 7


def test_tail_glides_to_the_next_state_within_the_bound():
    zones = [zone(100, 140, 120), zone(60, 90, 72, start_s=10.0, state="calm", jump_in=False)]
    fit = fit_tempo(zones, [Hit(8.0, "hit")], 60.0)
    assert fit.tempo_map.bpm_at(fit.tempo_map.quarter_at(59.0)) == pytest.approx(72.0)
    assert bar_ratio_ok(fit.tempo_map, Meter(4, 4), fit.tempo_map.quarter_at(60.0))


def test_no_hits_holds_the_preferred_tempo():
    fit = fit_tempo([zone(80, 100, 90)], [], 30.0)
    assert fit.tempo_map.bpm_at(10.0) == 90.0 and fit.landings == ()


@given(a=st.floats(40, 200), b=st.floats(40, 200), length_q=st.floats(1, 64))
def test_ramp_seconds_matches_the_tempo_map(a, b, length_q):
    tempo_map = TempoMap([TempoSegment(0.0, a, ramp=True), TempoSegment(length_q, b)])
    assert ramp_seconds(a, b, length_q) == pytest.approx(tempo_map.seconds_at(length_q), rel=1e-9)


def test_plan_stretch_is_exact_and_bounded():
    plan = plan_stretch(90.0, 110.0, 32.0, 19.0, 0.07, 4.0)
    assert isinstance(plan, StretchPlan)
    assert plan.seconds() == pytest.approx(19.0, abs=1e-9)
    assert plan.glide_in_q + plan.glide_out_q <= 32.0
    assert plan_stretch(60.0, 60.0, 4.0, 1.0, 0.07, 4.0) is None  # 240 bpm cannot be reached in one bar
