"""A long session forgets what lies behind the playhead, and that changes no byte.

The same scripted session (state changes over every sync point, so tempo points and
meter changes pile up; parameters, stingers) is rendered twice on the real path: with
the player keeping its whole history, and forgetting everything older than half a
second. The audio and the cues must be identical, and the forgetful player's lists
short.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import engine.playback.player as player_module
from engine.api import MusicEngine
from engine.score.format import SYNC_POINTS

SCORE = Path(__file__).resolve().parents[2] / "demo" / "scores" / "dungeon.yaml"
RATE = 22050


def _session(monkeypatch, history_s: float, seconds: int = 90):
    monkeypatch.setattr(player_module, "HISTORY_S", history_s)
    rng = random.Random(4)
    chunks, cues, heard = [], [], []
    with MusicEngine.load(SCORE, seed=4, sample_rate_hz=RATE) as engine:
        states, events = sorted(engine.score.states), sorted(engine.score.events)
        for step in range(seconds * 2):
            if step % 9 == 0:
                engine.set_state(rng.choice(states), rng.choice(SYNC_POINTS))
            elif step % 4 == 0:
                engine.post_event(rng.choice(events))
            engine.set_parameter("danger", rng.random())
            if step % 7 == 0:
                engine.trigger_stinger("item")
            chunks.append(engine.render(RATE // 2))
            cues += engine.poll()
            heard.append(engine.snapshot().state)       # reads the heard frame's bar and intent
        sizes = engine.offline().plan_sizes()
    return np.concatenate(chunks), cues + heard, sizes


def test_forgetting_the_history_changes_no_byte(monkeypatch):
    whole, whole_cues, whole_sizes = _session(monkeypatch, 1e9)
    short, short_cues, short_sizes = _session(monkeypatch, 0.5)
    assert np.abs(whole).max() > 0.01
    assert np.array_equal(whole, short)
    assert whole_cues == short_cues            # and the states heard: a forgotten landing keeps its state
    assert whole_sizes["tempo_points"] > 10 and whole_sizes["bar_grid"] > 30, whole_sizes
    assert short_sizes["changes"] <= 8 and short_sizes["tempo_points"] <= 4 and short_sizes["bar_grid"] <= 6, short_sizes


def test_a_forgotten_bar_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(player_module, "HISTORY_S", 0.5)
    with MusicEngine.load(SCORE, seed=1, sample_rate_hz=RATE) as engine:
        engine.render(40 * RATE)
        clock = engine.offline().clock
        with pytest.raises(LookupError, match="forgotten"):
            clock.bar_start_frame(0)
        assert clock.bar_start_frame(clock.bar_at_frame(39 * RATE)) <= 39 * RATE
