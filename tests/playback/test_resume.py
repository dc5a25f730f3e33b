"""Resume: going back to a state composes its first bar from the composer snapshot kept
when the state was left, whether the landings are within the bars composed or beyond."""

from __future__ import annotations

import numpy as np

from engine.music.intent import Intent
from engine.music.keys import Key
from engine.playback.player import Player, PlayerConfig
from engine.playback.resume import ResumeMemory

from tests.playback.fakes import FakeComposer, RecordingSynth

BLOCK, BAR = 256, 96000      # 4/4 at 120 bpm, 48 kHz
CALM = Intent(tempo_bpm=120.0, intensity=0.5, arousal=0.3)
TENSE = Intent(mood="tense", tempo_bpm=120.0, intensity=0.9, arousal=0.8, key=Key(2, "minor"))


def _advance(p: Player, to_frame: int) -> None:
    out = np.zeros((BLOCK, 2), dtype=np.float32)
    while p.head_frame < to_frame:
        p.render_into(out)


def _state_composing(composer: FakeComposer, bar: int, mood: str):
    """The composer state the last composition of ``bar`` in ``mood`` started from."""
    return [state for k, state, intent in composer.calls if k == bar and intent.mood == mood][-1]


def _round_trip(sync: str, resume: bool):
    """calm -> tense (leaving calm) -> calm again, each asked a little after a bar line;
    returns (composer, the frame the music came back to calm at, the frame it left calm)."""
    composer = FakeComposer()
    p = Player(composer, RecordingSynth(), CALM, PlayerConfig())
    _advance(p, BAR // 8)
    there = p.transition(TENSE, sync, leaving="calm")
    _advance(p, (there // BAR + 2) * BAR + BAR // 8)
    back = p.transition(CALM, sync, leaving="tense", resume="calm" if resume else None)
    _advance(p, back + 2 * BAR)
    return composer, back, there


def test_going_back_with_resume_continues_from_where_the_state_was_left():
    composer, back, there = _round_trip("next_bar", resume=True)
    back_bar, left_bar = back // BAR, there // BAR
    left = _state_composing(composer, left_bar, "tense")          # calm's state when tense took over
    assert _state_composing(composer, back_bar, "calm") == left
    assert _state_composing(composer, back_bar + 1, "calm").bars == left.bars + 1   # and goes on from there


def test_without_resume_the_state_comes_back_from_where_the_music_is():
    composer, back, there = _round_trip("next_bar", resume=False)
    back_bar, left_bar = back // BAR, there // BAR
    assert _state_composing(composer, back_bar, "calm").bars == back_bar   # every bar since counted
    assert _state_composing(composer, back_bar, "calm") != _state_composing(composer, left_bar, "tense")


def test_a_landing_inside_a_bar_resumes_at_the_next_bar_line():
    composer, back, there = _round_trip("next_beat", resume=True)
    assert back % BAR and there % BAR                               # both inside bars
    left = _state_composing(composer, there // BAR, "tense")       # calm's state at the start of that bar
    assert _state_composing(composer, back // BAR + 1, "calm") == left
    assert _state_composing(composer, back // BAR, "calm") != left  # the rest of the bar goes on as it was


def test_landings_beyond_the_composed_bars_are_kept_and_replaced_when_reached():
    composer, back, there = _round_trip("next_phrase", resume=True)
    back_bar, left_bar = back // BAR, there // BAR
    assert (left_bar, back_bar) == (4, 8)                          # both beyond the one-bar lookahead
    assert _state_composing(composer, back_bar, "calm") == _state_composing(composer, left_bar, "tense")


def test_a_later_landing_cancels_what_was_due_from_its_bar():
    memory, snapshots = ResumeMemory(), {0: "s0", 1: "s1"}
    memory.land(4, True, snapshots, 1, leaving="calm", resume=None)      # capture due at bar 4
    memory.land(3, True, snapshots, 1, leaving="tense", resume="calm")   # replaced by a landing at bar 3
    snapshots[3] = "s3"
    memory.reached(3, snapshots)
    snapshots[4] = "s4"
    memory.reached(4, snapshots)
    assert memory.kept == {"tense": "s3"} and snapshots[3] == "s3"   # calm was never left: nothing to resume
    memory.land(1, True, snapshots, 1, leaving="calm", resume="tense")
    assert memory.kept["calm"] == "s1" and snapshots[1] == "s3"
    memory.land(1, False, snapshots, 1, leaving="tense", resume="calm")  # inside bar 1: resumes at bar 2
    assert snapshots[1] == "s3" and memory.kept["tense"] == "s3"
    snapshots[2] = "s2"
    memory.reached(2, snapshots)
    assert snapshots[2] == "s1"
