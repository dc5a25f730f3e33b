"""MoodscoreSource on pyglet's silent driver: the engine's bytes, cues by the player's
clock, underruns counted, the example game loop headless for 10 s, pyglet optional."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyglet

pyglet.options["audio"] = ("silent",)     # before pyglet.media is imported
pyglet.options["shadow_window"] = False   # no display, no GL context: audio only

from engine.api import MusicEngine  # noqa: E402
from engine.hosts.pyglet import MoodscoreSource  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCORE = ROOT / "demo" / "scores" / "dungeon.yaml"
RATE = 22050


class _Clock:
    """Stands for a pyglet Player: only its clock."""

    time = 0.0


def _engine() -> MusicEngine:
    return MusicEngine.load(SCORE, seed=3, sample_rate_hz=RATE)


def test_the_source_hands_over_the_engines_audio_as_16_bit():
    with _engine() as music, _engine() as reference:
        source = MoodscoreSource(music)
        assert source.audio_format.sample_rate == RATE and source.audio_format.channels == 2
        data = b"".join(source.get_audio_data(4096 * 4 + 3).data for _ in range(5))   # +3: whole frames only
        expected = np.clip(reference.render(5 * 4096), -1.0, 1.0)
        pcm = np.frombuffer(data, dtype="<i2").reshape(-1, 2)
        assert pcm.shape == expected.shape and source.frames_delivered == 5 * 4096
        assert np.array_equal(pcm, (expected * 32767.0).astype(np.int16))
        assert np.abs(pcm).max() > 1000


def test_cues_are_delivered_by_the_players_clock_and_dry_pulls_are_underruns():
    with _engine() as music:
        source = MoodscoreSource(music)
        source.player = _Clock()
        source.get_audio_data(RATE * 4 * 2)           # 2 s rendered, nothing played yet
        assert source.poll() == []
        source.player.time = 1.0
        cues = source.poll()
        assert cues and all(cue.frame < RATE for cue in cues)
        assert source.underruns == 0
        source.player.time = 2.5                       # the driver played past what it had
        source.get_audio_data(4096)
        assert source.underruns == 1


def test_the_example_game_plays_headless_for_10_s_with_no_underrun():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISPLAY": ""}
    result = subprocess.run([sys.executable, "docs/examples/pyglet_game.py", "--seconds", "10"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["underruns"] == 0
    assert report["played_s"] >= 9.5
    assert report["cues"] >= 10                       # beats and bars heard at 80-144 bpm


def test_pyglet_stays_optional():
    code = ("import sys, engine, engine.api, engine.cli, engine.osc.serve, engine.osc.server, engine.hosts; "
            "assert 'pyglet' not in sys.modules, 'pyglet imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
