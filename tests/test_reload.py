"""Hot reload through the API: an edited score takes over at the next bar line with the
state, parameters and composer memory carried on; a broken one changes nothing; a
session with a reload replays bit-identically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.api import MusicEngine
from engine.replay import replay
from engine.score.source import SourceError

DUNGEON = Path(__file__).resolve().parents[1] / "demo" / "scores" / "dungeon.yaml"
RATE = 22050
EXPLORE_OLD = "    key: D dorian\n    tempo: [80, 100]\n"
EXPLORE_NEW = "    key: E minor\n    tempo: 60\n"


@pytest.fixture
def score(tmp_path) -> Path:
    path = tmp_path / "dungeon.yaml"
    path.write_text(DUNGEON.read_text())
    assert EXPLORE_OLD in path.read_text()
    return path


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new, 1))


def _render_until(engine: MusicEngine, seconds: float, cues: list) -> None:
    for _ in range(round(seconds * RATE / 1024)):
        engine.render(1024)
        cues.extend(engine.poll())


def test_an_edit_takes_over_at_the_next_bar_line_keeping_state_and_parameters(score):
    with MusicEngine.load(score, seed=5, sample_rate_hz=RATE) as engine:
        cues: list = []
        engine.set_parameter("danger", 0.6)
        _render_until(engine, 2.0, cues)
        before = engine.snapshot()
        assert (before.state, before.key) == ("explore", "D dorian") and before.tempo_bpm > 80
        _edit(score, EXPLORE_OLD, EXPLORE_NEW)
        engine.reload()
        asked_at = engine.heard_frame
        cues.clear()
        _render_until(engine, 5.0, cues)
        landing = [c for c in cues if c.kind == "transition"]
        bars = {c.frame for c in cues if c.kind == "bar"}
        assert len(landing) == 1 and landing[0].frame in bars           # on a bar line...
        first_bar = min(f for f in bars if f >= asked_at)
        assert landing[0].frame == first_bar                             # ...the next one
        after = engine.snapshot()
        assert (after.state, after.key, after.tempo_bpm) == ("explore", "E minor", 60.0)
        assert after.parameters["danger"] == pytest.approx(0.6, abs=0.05)   # kept, still smoothed towards 0.6
        assert after.counters["rejected_calls"] == 0 and after.counters["render_errors"] == 0
        assert engine.score.states["explore"].tempo_bpm == 60.0


def test_a_broken_edit_raises_with_file_and_line_and_the_old_score_plays_on(score):
    with MusicEngine.load(score, seed=5, sample_rate_hz=RATE) as engine:
        engine.render(RATE)
        _edit(score, "    tempo: [80, 100]\n", "    tempo: [80, 1000]\n")
        line = score.read_text().splitlines().index("    tempo: [80, 1000]") + 1
        with pytest.raises(SourceError, match=rf"{score.name}:{line}: states.explore.tempo"):
            engine.reload()
        audio = engine.render(2 * RATE)
        snap = engine.snapshot()
        assert (snap.state, snap.key) == ("explore", "D dorian") and 80 <= snap.tempo_bpm <= 100
        assert np.abs(audio).max() > 0.01


SMALL = """\
version: 1
name: Small
initial_state: calm
states:
  calm: {mood: calm, tempo: 90}
  storm: {mood: tense, tempo: 130}
"""


def test_a_state_gone_from_the_score_gives_way_to_the_initial_state(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    with MusicEngine.load(path, seed=5, sample_rate_hz=RATE) as engine:
        engine.set_state("storm", "immediate")
        engine.render(RATE)
        assert engine.snapshot().tempo_bpm == 130.0
        path.write_text(SMALL.replace("  storm: {mood: tense, tempo: 130}\n", ""))
        engine.reload()
        engine.render(4 * RATE)
        assert (engine.snapshot().state, engine.snapshot().tempo_bpm) == ("calm", 90.0)
        assert "storm" not in engine.score.states


def test_a_session_with_a_reload_replays_bit_identically(score, tmp_path):
    session = tmp_path / "session.jsonl"
    chunks = []
    with MusicEngine.load(score, seed=9, sample_rate_hz=RATE, record=session) as engine:
        chunks.append(engine.render(RATE + 111))
        _edit(score, EXPLORE_OLD, EXPLORE_NEW)
        _edit(score, "phrase_bars: 4", "phrase_bars: 2")   # the form too
        engine.reload()
        chunks.append(engine.render(8 * RATE))
    _edit(score, EXPLORE_NEW, EXPLORE_OLD)       # the file changes again: the session holds the text
    live = np.concatenate(chunks)
    blocks = []
    replay(session, sink=lambda block: blocks.append(block.copy()))
    again = np.concatenate(blocks)[:len(live)]
    assert np.abs(live).max() > 0.01 and np.array_equal(live, again)


def test_an_edited_form_is_composed_from_the_landing_bar(score):
    """Form and phrase length are part of the edit: bars from the bar line where the edit
    lands follow the new ones, the bars before keep the old."""
    with MusicEngine.load(score, seed=5, sample_rate_hz=RATE) as engine:
        composer, labels = engine._player.composer, {}
        compose_bar = composer.compose_bar

        def labelled(intent, bar_index):
            bar = compose_bar(intent, bar_index)
            labels[bar_index] = bar.source
            return bar

        composer.compose_bar = labelled
        cues: list = []
        _render_until(engine, 1.0, cues)
        _edit(score, "phrase_bars: 4", "phrase_bars: 2")
        _edit(score, "    form: [A, A', B, A']\n", "    form: [A, B]\n")
        engine.reload()
        _render_until(engine, 14.0, cues)
        landing = next(c for c in cues if c.kind == "transition")
        first = next(c.bar for c in cues if c.kind == "bar" and c.frame == landing.frame)
    assert first >= 1 and all(labels[k].endswith("/4") for k in range(first))
    after = [labels[k] for k in sorted(labels) if k >= first]
    assert len(after) >= 4 and all(label.split()[2].endswith("/2") for label in after)
    assert any(label.startswith("contrast B") for label in after)
