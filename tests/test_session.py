"""Session files: written while an engine runs, read back for replay."""

from __future__ import annotations

import json
import math
import sys

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


# ------------------------------------------------------------ strict JSON, faults, damaged files


def _header_line() -> str:
    return json.dumps(SessionHeader(EngineConfig()).to_json()) + "\n"


def _call_line(frame, kind="post_event", args=("go",)) -> str:
    return json.dumps({"frame": frame, "call": kind, "args": list(args)}) + "\n"


def test_non_finite_values_are_strict_json_and_read_back_to_the_same_effect(tmp_path):
    path = tmp_path / "s.jsonl"
    writer = SessionWriter(path, SessionHeader(EngineConfig()))
    for value in (math.nan, math.inf, -math.inf, 0.5):
        writer.write(0, SetParameter("danger", value))
    writer.close(256)
    for line in path.read_text().splitlines():
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in a session line"))
    values = [c.call.value for c in read_session(path).calls]
    assert math.isnan(values[0]) and values[1:] == [sys.float_info.max, -sys.float_info.max, 0.5]


def test_a_full_disk_loses_lines_but_never_raises():
    writer = SessionWriter("/dev/full", SessionHeader(EngineConfig()))   # every flush fails with ENOSPC
    for frame in range(0, 256 * 100, 256):
        writer.write(frame, PostEvent("go"))
    writer.close(256 * 100)
    writer.close(256 * 100)
    assert writer.lines_lost >= 1
    writer.write(0, PostEvent("after close"))   # counted, not raised
    assert writer.lines_lost >= 2


def test_a_full_queue_drops_lines_and_counts_them(tmp_path):
    writer = SessionWriter(tmp_path / "s.jsonl", SessionHeader(EngineConfig()), max_queued_lines=0)
    writer.write(0, PostEvent("go"))
    writer.close(0)
    assert writer.lines_lost == 2                  # the call and the end line


def test_a_cut_short_last_line_and_trailing_blank_lines_are_accepted_with_a_warning(tmp_path, caplog):
    path = tmp_path / "killed.jsonl"
    path.write_text(_header_line() + _call_line(0) + _call_line(512) + '{"end_frame": 48000}\n{"frame": 96')
    session = read_session(path)
    assert [c.frame for c in session.calls] == [0, 512] and session.end_frame == 48000
    assert "killed.jsonl:5: the last line is cut short" in caplog.text
    path.write_text(_header_line() + _call_line(1024) + "\n\n")
    assert read_session(path).end_frame == 1024       # no end line: the last call's frame
    assert "blank line(s) at the end ignored" in caplog.text


@pytest.mark.parametrize("line, message", [
    ('{"frame": NaN, "call": "post_event", "args": ["go"]}', "not a JSON line"),
    ('{"frame": 10, "call": "set_parameter", "args": ["danger", Infinity]}', "not a JSON line"),
    ('{"frame": 2.5, "call": "post_event", "args": ["go"]}', "frame 2.5 is not a frame"),
    ('{"frame": -256, "call": "post_event", "args": ["go"]}', "is not a frame"),
    ('{"frame": 0, "call": "post_event", "args": [7]}', "name must be a string"),
    ('{"frame": 0, "call": "set_parameter", "args": ["danger", "high"]}', "value must be a number"),
    ('{"frame": 0, "call": "post_event", "args": "go"}', "do not fit PostEvent"),
    ('{"frame": 0, "call": "stop", "args": [-1]}', "fade_s"),
    ('{"end_frame": "soon"}', "end_frame 'soon' is not a frame"),
    ('{"hello": 1}', "neither a call nor an end frame"),
    ("[1, 2]", "not a JSON object"),
    ("", "not a JSON line"),
])
def test_every_line_is_checked_and_the_bad_one_named(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(_header_line() + _call_line(0) + line + "\n" + _call_line(100000))
    with pytest.raises(ValueError, match=rf"bad.jsonl:3: .*{message}"):
        read_session(path)


def test_frames_going_back_are_refused(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(_header_line() + _call_line(512) + _call_line(256))
    with pytest.raises(ValueError, match=r"bad.jsonl:3: frame 256 is before the previous line's 512"):
        read_session(path)


@pytest.mark.parametrize("field, value", [("block_frames", "256"), ("seed", 1.5), ("sample_rate_hz", 12345),
                                          ("score", 7)])
def test_a_bad_header_field_is_named_on_line_1(tmp_path, field, value):
    path = tmp_path / "bad.jsonl"
    header = {**SessionHeader(EngineConfig()).to_json(), field: value}
    path.write_text(json.dumps(header) + "\n")
    with pytest.raises(ValueError, match=rf"bad.jsonl:1: {field}"):
        read_session(path)
