"""The ``moodscore`` command's one error path, its exit codes and the help of every option."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import cli
from engine.cli_types import UsageError

ROOT = Path(__file__).resolve().parents[1]
DUNGEON = ROOT / "demo" / "scores" / "dungeon.yaml"


def _options(command: str):
    parser = cli.build_parser(command)
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return [a for a in sub._actions if a.option_strings and a.dest != "help"] + \
        [a for a in sub._actions if not a.option_strings]


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_option_has_help_and_its_range(command):
    for action in _options(command):
        assert action.help, f"{command} {action.option_strings or action.dest} has no help text"
        span = getattr(action.type, "span", "")
        assert span in action.help, f"{command} {action.option_strings}: help does not say {span!r}"
        if action.choices and action.dest != "action":
            assert all(str(choice) in action.help for choice in action.choices), action.option_strings


def test_mode_help_names_every_mode(capsys):
    from engine.music.keys import MODES

    with pytest.raises(SystemExit):
        cli.main(["compose", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert all(mode in help_text for mode in MODES) and "1..1024" in help_text


def test_a_user_error_is_one_line_and_exit_1(capsys, tmp_path):
    assert cli.main(["check", str(tmp_path / "nope.yaml")]) == 1  # check reports on stdout
    assert cli.main(["replay", str(tmp_path), "-o", str(tmp_path / "x.wav")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"moodscore replay: {tmp_path}: is a directory, not a session file"]


def test_verbose_shows_the_traceback(capsys, tmp_path):
    assert cli.main(["-v", "replay", str(tmp_path), "-o", str(tmp_path / "x.wav")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("is a directory, not a session file")


def test_usage_errors_are_one_line(capsys):
    assert cli.main(["compose", "-o", "x.mid", "--bars", "0"]) == 1
    assert capsys.readouterr().err == ("moodscore compose: argument --bars: 0 is outside 1..1024 "
                                      "(see moodscore compose --help)\n")
    with pytest.raises(UsageError):
        cli.build_parser("check").parse_args(["check"])


def test_a_bug_keeps_its_traceback(monkeypatch):
    from engine.score import check

    monkeypatch.setattr(check, "run", lambda args: [][1])
    with pytest.raises(IndexError):
        cli.main(["check", "x.yaml"])


def test_ctrl_c_exits_130_quietly_in_process(monkeypatch, capsys):
    from engine.score import check

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "run", interrupted)
    assert cli.main(["check", "x.yaml"]) == 130
    assert capsys.readouterr() == ("", "")


def _interrupt(argv: list[str], ready: str | None, wait_s: float) -> subprocess.CompletedProcess:
    """Run ``moodscore argv`` in a real process, send SIGINT once ``ready`` was printed
    (or after ``wait_s``), and collect what it printed."""
    process = subprocess.Popen([sys.executable, "-m", "engine", *argv], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if ready is not None:
        assert ready in process.stdout.readline()
    time.sleep(wait_s)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def test_ctrl_c_while_playing_exits_130():
    done = _interrupt(["play", str(DUNGEON), "--output", "null"], ready="playing", wait_s=0.5)
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr


def test_ctrl_c_in_the_demo_exits_130(tmp_path):
    done = _interrupt(["demo", "--seconds", "3600", "--record", str(tmp_path / "d.wav")], ready=None, wait_s=5.0)
    assert done.returncode == 130 and "Traceback" not in done.stderr, done.stderr


def test_a_broken_score_in_a_real_process_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"version: 1\nname: \xff\n")
    done = subprocess.run([sys.executable, "-m", "engine", "play", str(bad)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == f"moodscore play: {bad}:2: not UTF-8 text: byte 0xff at offset 17\n"
