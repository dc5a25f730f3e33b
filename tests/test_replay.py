"""Recorded sessions re-render bit-identically: ``replay()`` and ``moodscore replay``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.api import MusicEngine
from engine.cli import main
from engine.playback.wav import read_wav
from engine.replay import replay
from engine.session import read_session

SCORE_PATH = Path(__file__).resolve().parents[1] / "demo" / "scores" / "dungeon.yaml"
RATE = 22050

# (host slice size, call made after it); the host never asks for whole blocks
SCRIPT = [
    (300, None), (1000, ("set_parameter", "danger", 0.4)), (77, None), (5000, ("post_event", "enemy_spotted")),
    (12345, ("trigger_stinger", "item")), (999, ("set_parameter", "danger", float("nan"))), (20000, None),
    (3, ("post_event", "combat_start")), (30000, ("post_event", "player_hurt")), (4444, ("post_event", "nope")),
    (25000, ("set_state", "victory", "next_beat")), (40000, ("stop", 0.5)), (30000, None),
]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A session recorded in pull mode with irregular slices, and the audio it made."""
    session = tmp_path_factory.mktemp("replay") / "session.jsonl"
    engine = MusicEngine.load(SCORE_PATH, seed=42, sample_rate_hz=RATE, record=session)
    chunks = []
    for frames, call in SCRIPT:
        chunks.append(engine.render(frames))
        if call is not None:
            getattr(engine, call[0])(*call[1:])
    engine.close()
    return session, np.concatenate(chunks)


def _replayed(session) -> np.ndarray:
    blocks = []
    frames = replay(session, sink=lambda block: blocks.append(block.copy()))
    audio = np.concatenate(blocks)
    assert len(audio) == frames
    return audio


def test_the_session_holds_every_call_at_block_frames(recorded):
    session, _ = recorded
    recorded_session = read_session(session)
    config, calls, end_frame = recorded_session.header.config, recorded_session.calls, recorded_session.end_frame
    assert config.seed == 42 and config.sample_rate_hz == RATE
    assert [c.call.kind for c in calls] == [call[0] for _, call in SCRIPT if call is not None]
    assert all(c.frame % config.block_frames == 0 for c in calls)
    assert [c.frame for c in calls] == sorted(c.frame for c in calls)
    assert end_frame % config.block_frames == 0 and end_frame >= sum(f for f, _ in SCRIPT)


def test_replay_is_bit_identical_to_the_live_run(recorded):
    session, live = recorded
    again = _replayed(session)
    n = min(len(live), len(again))
    assert n == len(live)
    assert np.abs(live).max() > 0.01
    assert np.array_equal(live, again[:n])
    assert np.array_equal(_replayed(session), again)


def test_moodscore_replay_writes_the_wav(recorded, tmp_path, capsys, monkeypatch):
    session, live = recorded
    monkeypatch.chdir(tmp_path)  # the session names its files by absolute path
    out = tmp_path / "out.wav"
    assert main(["replay", str(session), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    audio, rate = read_wav(out)
    assert rate == RATE and len(audio) >= len(live)
    assert np.abs(audio).max() > 0.01


def test_a_broken_session_names_its_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps({"moodscore_session": 1}) + "\n{not json\n")
    with pytest.raises(ValueError, match=r"broken.jsonl:2"):
        read_session(path)
    path.write_text(json.dumps({"frame": 0, "call": "stop", "args": [0.1]}) + "\n")
    with pytest.raises(ValueError, match="not a moodscore session"):
        read_session(path)


# ------------------------------------------------------------ faults


KILLED_SCRIPT = """
import sys, time
from engine.api import MusicEngine
session, audio_path, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = MusicEngine.load(sys.argv[4], seed=3, sample_rate_hz=rate, record=session)
with open(audio_path, "wb") as audio:
    for step in range(10**6):
        if step == 20:
            engine.post_event("combat_start")
        audio.write(engine.render(2048).tobytes())
        audio.flush()
        if step == 40:
            print("ready", flush=True)
        if step > 40:
            time.sleep(0.01)
"""


def test_a_killed_session_replays_to_where_its_music_was(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    session, audio_path = tmp_path / "killed.jsonl", tmp_path / "live.f32"
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SCRIPT, str(session), str(audio_path), str(RATE),
                             str(SCORE_PATH)], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 30
        while '"end_frame": ' + str(3 * RATE) not in session.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)     # wait for a periodic end line past 3 s
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    recorded = read_session(session)
    assert recorded.end_frame >= 3 * RATE and [c.call.kind for c in recorded.calls] == ["post_event"]
    replayed = _replayed(session)
    live = np.frombuffer(audio_path.read_bytes(), dtype=np.float32).reshape(-1, 2)
    assert len(replayed) == recorded.end_frame <= len(live)
    assert np.array_equal(replayed, live[:len(replayed)])


def test_a_broken_session_leaves_no_wav(tmp_path, recorded, capsys):
    session, _ = recorded
    lines = session.read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines[:3] + ['{"frame": NaN, "call": "stop", "args": [0.5]}'] + lines[3:]) + "\n")
    out = tmp_path / "out.wav"
    try:   # the CLI's one error path (issue 14) turns the ValueError into one line and exit 1
        assert main(["replay", str(broken), "-o", str(out)]) == 1
        assert "broken.jsonl:4" in capsys.readouterr().err
    except ValueError as exc:
        assert "broken.jsonl:4" in str(exc)
    assert list(tmp_path.glob("*.wav*")) == []


def test_a_failure_while_rendering_leaves_no_partial_wav(tmp_path, recorded, monkeypatch):
    from engine.playback.player import Player

    session, _ = recorded
    out = tmp_path / "out.wav"
    calls = []

    def failing(self, out_block):
        calls.append(1)
        if len(calls) > 50:
            raise OSError("disk gone")
        out_block[:] = 0.0

    monkeypatch.setattr(Player, "render_into", failing)
    try:   # raised, or one line and exit 1 once the CLI's error path (issue 14) handles it
        assert main(["replay", str(session), "-o", str(out)]) == 1
    except OSError as exc:
        assert "disk gone" in str(exc)
    assert len(calls) > 50 and list(tmp_path.iterdir()) == []
