"""Session files: written while an engine runs, read back for replay."""

from __future__ import annotations

import json

import pytest

from engine.calls import PostEvent, SetParameter, SetState, Stop
from engine.config import EngineConfig
from engine.session import SessionHeader, SessionWriter, read_session


def test_a_written_session_reads_back(tmp_path):
    path = tmp_path / "s.jsonl"
    header = SessionHeader(EngineConfig(sample_rate_hz=22050, seed=5, strict=True), score="/abs/score.yaml",
                           soundfont="/abs/font.sf2")
    writer = SessionWriter(path, header)
    calls = [(0, PostEvent("go")), (256, SetParameter("danger", 0.5)), (256, SetState("combat", "next_bar")),
             (1024, Stop(0.5))]
    for frame, call in calls:
        writer.write(frame, call)
    writer.close(4096)
    session = read_session(path)
    # strict is not recorded: a replay never raises for a name the live engine counted
    assert session.header == SessionHeader(EngineConfig(sample_rate_hz=22050, seed=5), "/abs/score.yaml", None,
                                           "/abs/font.sf2")
    assert [(c.frame, c.call) for c in session.calls] == calls
    assert session.end_frame == 4096


def test_the_header_keys_are_those_sessions_have_always_had(tmp_path):
    path = tmp_path / "s.jsonl"
    SessionWriter(path, SessionHeader(EngineConfig())).close(0)
    first = json.loads(path.read_text().splitlines()[0])
    assert set(first) == {"moodscore_session", "score", "model", "soundfont", "sample_rate_hz", "block_frames",
                          "latency_blocks", "lookahead_bars", "seed", "temperature", "top_p"}


def test_a_bad_call_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"moodscore_session": 1}) + "\n"
                    + json.dumps({"frame": 0, "call": "dance", "args": []}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: unknown call 'dance'"):
        read_session(path)
