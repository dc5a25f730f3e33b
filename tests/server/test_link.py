"""The shared region and the link laid out in it, between two mappings as between two processes."""

from __future__ import annotations

import os

import pytest

from engine.server.link import EngineLink, LinkLayout
from engine.server.region import SharedRegion


def test_two_mappings_of_a_link_see_each_other():
    layout = LinkLayout(call_capacity=8, cue_capacity=8)
    game = EngineLink.create(layout)
    engine = EngineLink.attach(game.path, layout)
    try:
        game.calls.push(1, 2, 3, 4, 0.5, b"x")
        assert engine.calls.pop_all() == [(1, 2, 3, 4, 0.5, b"x" + bytes(47))]
        engine.counters.set("heard_frame", 4096)
        assert game.counters.get("heard_frame") == 4096
        engine.snapshots.publish(b"{}")
        assert game.snapshots.read() == b"{}"
    finally:
        engine.close()
        game.close()
    assert not os.path.exists(game.path)


def test_unlinking_keeps_both_mappings_and_leaves_no_file():
    region = SharedRegion.create(4096)
    other = SharedRegion.attach(region.path, 4096)
    region.unlink()
    assert not os.path.exists(region.path)
    region.buf[10] = 42
    assert other.buf[10] == 42
    other.close()
    region.close()
    region.close()   # idempotent


def test_attaching_to_something_else_is_a_clear_error(tmp_path):
    path = tmp_path / "not-a-link"
    path.write_bytes(bytes(LinkLayout().size_bytes))
    with pytest.raises(ValueError, match="not a moodscore engine link"):
        EngineLink.attach(str(path), LinkLayout())
