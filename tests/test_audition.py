"""``moodscore play``: headless audition from a script into a WAV file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.cli import main
from engine.playback.wav import read_wav

SCORE_PATH = Path(__file__).resolve().parents[1] / "demo" / "scores" / "dungeon.yaml"


def _play(tmp_path, script: str, capsys) -> tuple[str, np.ndarray]:
    commands = tmp_path / "cmds.txt"
    commands.write_text(script)
    out = tmp_path / "out.wav"
    code = main(["play", str(SCORE_PATH), "--output", f"wav:{out}", "--script", str(commands), "--tail", "0.5"])
    assert code == 0
    audio, rate = read_wav(out)
    assert rate == 48000
    return capsys.readouterr().out, audio


def test_play_renders_a_script_and_prints_the_transitions(tmp_path, capsys):
    printed, audio = _play(tmp_path, """\
# explore, then a fight
wait 2
param danger 0.6
event enemy_spotted      # lands on the next beat
wait 2
stinger item
event combat_start
wait 3
status
state victory next_bar
wait 2
""", capsys)
    assert "-> tense" in printed and "-> action" in printed and "-> triumphant" in printed
    assert "stinger item" in printed and "stinger hurt" in printed
    assert "combat / action" in printed  # status
    assert f"wrote {tmp_path / 'out.wav'}" in printed
    assert len(audio) >= 9 * 48000
    assert np.sqrt(np.mean(audio ** 2)) > 1e-3


def test_unknown_commands_print_help_and_bad_values_a_message(tmp_path, capsys):
    printed, audio = _play(tmp_path, """\
dance wildly
event
help
param danger loud
wait forever
wait inf
state combat whenever
event nope
wait 1
""", capsys)
    assert printed.count("event NAME") == 3  # dance, a bare event, help
    assert "could not convert string to float: 'loud'" in printed
    assert "wait: inf is not a number of seconds" in printed
    assert "sync 'whenever' is not one of" in printed
    assert np.abs(audio).max() > 0.01


def test_offline_play_needs_a_script(tmp_path, capsys):
    assert main(["play", str(SCORE_PATH), "--output", f"wav:{tmp_path / 'x.wav'}"]) == 1
    assert "needs --script" in capsys.readouterr().err
