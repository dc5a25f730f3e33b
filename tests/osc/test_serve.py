"""``moodscore serve`` as a real process, driven over UDP by the python-osc client."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from engine.osc.client import MoodscoreClient
from engine.osc.serve import parse_host_port

ROOT = Path(__file__).resolve().parents[2]
SCORE = ROOT / "demo" / "scores" / "dungeon.yaml"


def _serve(*args: str, score: Path = SCORE) -> tuple[subprocess.Popen, int]:
    """Start ``moodscore serve`` on a free port; (process, port) once it listens."""
    process = subprocess.Popen([sys.executable, "-m", "engine", "serve", str(score), "--osc-port", "0", *args],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"OSC on 127\.0\.0\.1:(\d+)", line)
    if match is None:
        process.kill()
        pytest.fail(f"serve did not start: {line!r} {process.stderr.read()}")
    return process, int(match.group(1))


def _free_udp_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    return sock


def test_serve_changes_state_sends_beats_and_ends_on_sigterm(tmp_path):
    wav = tmp_path / "served.wav"
    listener = _free_udp_port()
    process, port = _serve("--output", f"virtual:{wav}", "--reply", f"127.0.0.1:{listener.getsockname()[1]}")
    try:
        assert listener.recv(1024).startswith(b"/moodscore/b")      # a beat or bar from --reply
        with MoodscoreClient(port=port) as client:
            client.subscribe()
            client.event("combat_start")
            client.wait_snapshot(lambda snap: snap["state"] == "combat", timeout_s=5.0)
            transition = client.wait_for("/moodscore/transition", timeout_s=5.0)
            assert transition.args[:2] == ("explore", "combat")
            client.wait_for("/moodscore/beat", timeout_s=5.0, where=lambda m: m.args[2] == 144.0)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        listener.close()
        if process.poll() is None:
            process.kill()
    with wave.open(str(wav)) as f:
        audio = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16)
    assert f.getnframes() > 4800 and np.abs(audio).max() > 1000


def test_serve_watch_reloads_an_edit_and_reports_a_broken_one(tmp_path):
    score = tmp_path / "dungeon.yaml"
    score.write_text(SCORE.read_text())
    process, port = _serve("--output", f"wav:{tmp_path / 'out.wav'}", "--watch", score=score)
    try:
        with MoodscoreClient(port=port) as client:
            client.subscribe()
            client.wait_for("/moodscore/bar", timeout_s=5.0)
            score.write_text(score.read_text().replace("    key: D dorian\n    tempo: [80, 100]\n",
                                                       "    key: E minor\n    tempo: 60\n"))
            transition = client.wait_for("/moodscore/transition", timeout_s=10.0)
            assert transition.args[:2] == ("explore", "explore")        # the same state, re-scored
            client.wait_snapshot(lambda snap: (snap["key"], snap["tempo_bpm"]) == ("E minor", 60.0), timeout_s=5.0)
            score.write_text(score.read_text().replace("    tempo: 60\n", "    tempo: 6000\n"))
            line = score.read_text().splitlines().index("    tempo: 6000") + 1
            time.sleep(1.5)                                                # the watcher looks, settles, reports
            snap = client.snapshot()
            assert (snap["state"], snap["tempo_bpm"]) == ("explore", 60.0)
            client.wait_for("/moodscore/beat", timeout_s=5.0)              # still playing
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert f"{score}:{line}: states.explore.tempo" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_serve_refuses_a_bad_reply_target():
    result = subprocess.run([sys.executable, "-m", "engine", "serve", str(SCORE), "--reply", "nowhere"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["moodscore serve: argument --reply: 'nowhere': expected HOST:PORT, "
                                          "e.g. 127.0.0.1:9001 (see moodscore serve --help)"]


def test_a_port_in_use_is_one_line():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "engine", "serve", str(SCORE), "--osc-port", str(port),
                                 "--output", "null"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(f"cannot listen for OSC on 127.0.0.1:{port}: Address already in use")


def test_parse_host_port():
    assert parse_host_port("127.0.0.1:9001") == ("127.0.0.1", 9001)
    assert parse_host_port("localhost:9001") == ("127.0.0.1", 9001)
    for bad in ("9001", ":9001", "host:", "host:0", "host:70000", "host:x"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            parse_host_port(bad)
