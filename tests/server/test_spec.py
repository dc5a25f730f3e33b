"""EngineSpec: plain data, one JSON line, from which the engine process loads the engine."""

from __future__ import annotations

import pytest

from engine.config import EngineConfig
from engine.server.link import LinkLayout
from engine.server.spec import EngineSpec
from engine.session import SessionHeader

HEADER = SessionHeader(EngineConfig(sample_rate_hz=22050, seed=3, top_p=0.9), score="/s.yaml", model=None,
                       soundfont="/sf.sf2").to_json()


def test_the_spec_travels_as_one_json_line():
    spec = EngineSpec(header=HEADER, output="virtual", link_path="/dev/shm/x", names={"events": ["a"]},
                      strict=True, record="/r.jsonl", layout=LinkLayout(16, 32))
    line = spec.to_json()
    assert "\n" not in line
    assert EngineSpec.from_json(line) == spec


def test_the_engine_process_loads_what_the_session_header_says():
    spec = EngineSpec(header=HEADER, output="virtual", link_path="", names={}, strict=True, record="/r.jsonl")
    assert spec.load_arguments() == {
        "score": "/s.yaml", "soundfont": "/sf.sf2", "model": None, "record": "/r.jsonl",
        "config": EngineConfig(sample_rate_hz=22050, seed=3, top_p=0.9, strict=True)}


@pytest.mark.parametrize("line", ['{"output": "virtual"}', "not json", '{"layout": {"nope": 1}}'])
def test_a_broken_start_line_is_a_clear_error(line):
    with pytest.raises(ValueError, match="not an engine spec"):
        EngineSpec.from_json(line)
