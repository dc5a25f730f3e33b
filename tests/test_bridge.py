"""ScoreBridge: game calls into the score's machine, its requests into the player (fakes, no FluidSynth)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bridge import ScoreBridge
from engine.calls import PostEvent, SetParameter, SetState, Stop, TriggerStinger
from engine.music.intent import Intent
from engine.playback.player import Player, PlayerConfig
from engine.score.load import load_score
from engine.score.machine import ScoreMachine
from tests.playback.fakes import FakeComposer, RecordingSynth

SCORE = load_score(Path(__file__).resolve().parents[1] / "demo" / "scores" / "dungeon.yaml")
RATE = 22050


def make_bridge() -> tuple[ScoreBridge, Player, dict]:
    machine = ScoreMachine(SCORE, RATE)
    player = Player(FakeComposer(), RecordingSynth(), machine.intent_at(0), PlayerConfig(RATE, 1, SCORE.phrase_bars))
    counters = {"unknown_stingers": 0, "stingers_suppressed": 0}
    return ScoreBridge(SCORE, machine, player, counters), player, counters


def apply(bridge: ScoreBridge, call, frame: int = 0) -> None:
    bridge.apply(call, frame)
    bridge.take_requests(frame)


def test_a_score_stinger_becomes_a_playback_stinger():
    bridge, _, _ = make_bridge()
    spec = SCORE.stingers["item"]
    stinger = bridge.stinger("item")
    assert (stinger.name, stinger.sync.value, stinger.min_interval_s) == ("item", spec.sync, spec.min_interval_s)
    assert stinger.duck_gain == pytest.approx(1.0 - spec.duck)
    assert stinger.program == SCORE.moods[spec.mood].instrumentation.program("melody")


def test_an_event_lands_a_transition_and_its_stinger():
    bridge, player, _ = make_bridge()
    player.render(RATE)
    apply(bridge, PostEvent("combat_start"), player.head_frame)
    player.render(4 * RATE)
    cues = player.poll()
    kinds = [c.kind for c in cues if c.kind in ("transition", "stinger")]
    assert kinds == ["transition", "stinger"] or kinds == ["stinger", "transition"]
    assert player.intent_at(player.head_frame).mood == SCORE.states["combat"].mood
    assert bridge.machine.state == "combat"


def test_set_state_and_stop_reach_the_player():
    bridge, player, _ = make_bridge()
    apply(bridge, SetState("victory", "immediate"))
    assert player.intent_at(0).mood == SCORE.states["victory"].mood
    apply(bridge, Stop(0.0), 512)
    player.render(RATE)
    assert player.stopped


def test_an_unknown_stinger_is_counted_not_raised():
    bridge, player, counters = make_bridge()
    apply(bridge, TriggerStinger("nope"))
    player.render(RATE)
    assert counters["unknown_stingers"] == 1
    assert not [c for c in player.poll() if c.kind == "stinger"]


def test_the_bridge_refuses_what_is_not_a_call():
    bridge, _, _ = make_bridge()
    with pytest.raises(TypeError, match="not a game call"):
        bridge.apply(("post_event", "combat_start"), 0)


def test_intensity_follows_the_smoothed_parameter_in_steps():
    bridge, player, _ = make_bridge()
    start = bridge.machine.intensity_at(0)
    apply(bridge, SetParameter("danger", 1.0))
    for frame in range(0, 10 * RATE, 4096):
        bridge.control(frame)
    later = player.intent_at(12 * RATE)
    assert isinstance(later, Intent) and later.intensity > start + 0.2
