import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.score.load import load_score
from engine.score.machine import ScoreMachine

DUNGEON = load_score(Path(__file__).parents[2] / "demo" / "scores" / "dungeon.yaml")
SR = 48000
BAR = 2 * SR  # a 4/4 bar at 120 bpm, frames


def test_event_becomes_request():
    m = ScoreMachine(DUNGEON, SR)
    m.post_event("enemy_spotted", 100)
    [r] = m.take_requests()
    assert (r.received_frame, r.from_state, r.to_state, r.sync, r.fade_s) == (100, "explore", "danger", "next_beat", 1.0)
    assert r.changes_state and r.reason == "event enemy_spotted" and m.state == "danger"
    assert m.take_requests() == []


def test_event_from_wrong_state_is_ignored_and_counted():
    m = ScoreMachine(DUNGEON, SR)
    m.post_event("combat_end", 10)
    assert m.take_requests() == [] and m.state == "explore"
    assert m.counters["ignored_events"] == 1


def test_stinger_only_event_and_min_interval():
    m = ScoreMachine(DUNGEON, SR)
    m.post_event("item_pickup", 0)
    m.post_event("item_pickup", SR // 2)        # within min_interval_s = 1.0
    m.post_event("item_pickup", SR + 1)
    requests = m.take_requests()
    assert [r.stinger for r in requests] == ["item", "item"]
    assert not requests[0].changes_state and requests[0].sync == "next_beat"
    assert m.counters["stingers_suppressed"] == 1


def test_timed_state_requests_follow_on_at_its_last_bar():
    m = ScoreMachine(DUNGEON, SR)
    m.post_event("level_won", 10)
    for bar in range(8):
        m.on_bar(bar, bar * BAR)
    requests = m.take_requests()
    assert [(r.from_state, r.to_state) for r in requests] == [("explore", "victory"), ("victory", "explore")]
    # victory lands on bar 1 (the first bar line at or after frame 10): bars 1..4 are
    # its 4 bars, and explore is requested on bar 5's line to land right there
    assert requests[1].received_frame == 5 * BAR and requests[1].sync == "next_bar"
    assert m.state == "explore"


def test_a_timed_state_counts_from_its_landing_even_when_that_bar_line_was_told_before():
    """The engine tells the machine of the next bar line before it sounds; a state asked
    for after that must still count its bars from that line (the landing), not the next."""
    m = ScoreMachine(DUNGEON, SR)
    m.on_bar(0, 0)
    m.on_bar(1, BAR)                        # told ahead, while bar 0 plays
    m.post_event("level_won", BAR // 2)     # next_bar: lands on bar 1's line
    for bar in range(2, 8):
        m.on_bar(bar, bar * BAR)
    requests = m.take_requests()
    assert requests[1].received_frame == 5 * BAR      # bars 1..4 are victory's 4 bars


def test_parameter_smoothing_exponential_and_linear():
    m = ScoreMachine(DUNGEON, SR)
    m.set_parameter("danger", 1.0, 0)               # exponential, smoothing_s 2.0
    assert m.parameter_at("danger", 0) == 0.0
    assert m.parameter_at("danger", 2 * SR) == pytest.approx(1 - math.exp(-3))
    m.set_parameter("health", 0.0, SR)               # linear, smoothing_s 0.5
    assert m.parameter_at("health", SR + SR // 4) == pytest.approx(0.5)
    assert m.parameter_at("health", 2 * SR) == 0.0


def test_intent_follows_smoothed_parameter():
    m = ScoreMachine(DUNGEON, SR)
    assert m.intent_at(0).intensity == pytest.approx(0.15)
    m.set_parameter("danger", 1.0, 0)
    later = m.intent_at(10 * SR)
    assert later.intensity == pytest.approx(0.7, abs=1e-6)
    assert later.mood == "mysterious" and str(later.key) == "D dorian"
    assert later.tempo_bpm == pytest.approx(80 + 20 * 0.7, abs=1e-4)


def test_out_of_range_parameter_is_clamped_and_counted():
    m = ScoreMachine(DUNGEON, SR)
    m.set_parameter("danger", 5.0, 0)
    assert m.parameter_at("danger", 100 * SR) == pytest.approx(1.0)
    assert m.counters["clamped_parameters"] == 1


def test_unknown_inputs_counted_and_strict_raises():
    m = ScoreMachine(DUNGEON, SR)
    m.post_event("nope", 0)
    m.set_parameter("nope", 1.0, 0)
    m.set_state("nope", 0)
    assert (m.counters["unknown_events"], m.counters["unknown_parameters"], m.counters["unknown_states"]) == (1, 1, 1)
    strict = ScoreMachine(DUNGEON, SR, strict=True)
    with pytest.raises(ValueError, match="unknown event 'nope'"):
        strict.post_event("nope", 0)


def test_set_state():
    m = ScoreMachine(DUNGEON, SR)
    m.set_state("combat", 5, sync="immediate")
    [r] = m.take_requests()
    assert (r.to_state, r.sync, r.reason) == ("combat", "immediate", "set_state")
    with pytest.raises(ValueError):
        m.set_state("explore", 6, sync="whenever")


CALLS = st.lists(st.one_of(
    st.tuples(st.just("event"), st.sampled_from([*DUNGEON.events, "bogus"])),
    st.tuples(st.just("param"), st.sampled_from([*DUNGEON.parameters, "bogus"]),
              st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just("state"), st.sampled_from([*DUNGEON.states, "bogus"])),
    st.tuples(st.just("bar")),
), max_size=40)


def _run(calls, steps):
    m = ScoreMachine(DUNGEON, SR)
    log, bar = [], 0
    for call, step in zip(calls, steps):
        frame = step * 997
        if call[0] == "event":
            m.post_event(call[1], frame)
        elif call[0] == "param":
            m.set_parameter(call[1], call[2], frame)
        elif call[0] == "state":
            m.set_state(call[1], frame)
        else:
            m.on_bar(bar, frame)
            bar += 1
        assert m.state in DUNGEON.states
        log.append((m.intent_at(frame + 1000), tuple(m.take_requests())))
    return log, m.counters


@settings(max_examples=60, deadline=None)
@given(CALLS, st.lists(st.integers(0, 10_000), min_size=40, max_size=40))
def test_fuzz_no_exception_valid_state_deterministic(calls, steps):
    steps = sorted(steps)
    assert _run(calls, steps) == _run(calls, steps)
