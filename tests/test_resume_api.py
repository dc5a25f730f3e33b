"""Resume through the API and the score, on the real engine: the state left is kept,
going back composes from it, and a session with resumes replays bit-identically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.api import MusicEngine
from engine.calls import ResumeState
from engine.replay import replay
from engine.session import read_session

DUNGEON = Path(__file__).resolve().parents[1] / "demo" / "scores" / "dungeon.yaml"
RATE = 22050


def test_set_state_with_resume_continues_the_state_and_replays(tmp_path):
    score = tmp_path / "dungeon.yaml"        # combat_end resumes danger where the fight interrupted it
    old = "combat_end:      {from: combat, to: danger, sync: next_bar,"
    score.write_text(DUNGEON.read_text().replace(old, old.replace("sync:", "resume: true, sync:")))
    assert "resume: true" in score.read_text()
    session = tmp_path / "session.jsonl"
    chunks = []
    with MusicEngine.load(score, seed=4, sample_rate_hz=RATE, record=session) as engine:
        engine.post_event("enemy_spotted")
        chunks.append(engine.render(3 * RATE))
        engine.post_event("combat_start")
        chunks.append(engine.render(4 * RATE))
        memory = engine._player._resume
        assert "danger" in memory.kept                            # kept when combat took over
        left_danger = memory.kept["danger"]
        engine.post_event("combat_end")                           # the score's resume
        chunks.append(engine.render(3 * RATE))
        engine.set_state("explore", "next_bar", resume=True)      # explore was left at the start
        chunks.append(engine.render(3 * RATE))
        assert engine.snapshot().state == "explore"
        assert memory.kept["combat"] is not None and left_danger is not None
    assert [c.call for c in read_session(session).calls][-1] == ResumeState("explore", "next_bar")
    live = np.concatenate(chunks)
    blocks = []
    replay(session, sink=lambda block: blocks.append(block.copy()))
    assert np.abs(live).max() > 0.01 and np.array_equal(live, np.concatenate(blocks)[:len(live)])
