"""Cue messages, subscribe targets and the subscriber list."""

from __future__ import annotations

import pytest
from pythonosc.osc_message import OscMessage

from engine.music.notes import Meter
from engine.osc.addresses import BadMessage
from engine.osc.replies import MAX_SUBSCRIBERS, Subscribers, cue_message, parse_target
from engine.playback.cues import Cue


def _cue(kind: str, name: str = "") -> Cue:
    return Cue(kind, 3, 2, 144.0, Meter(4, 4), 48000 * 5, 5.0, name)


def _decode(data: bytes) -> tuple[str, list]:
    message = OscMessage(data)
    return message.address, message.params


def test_each_cue_kind_becomes_its_message():
    assert _decode(cue_message(_cue("beat"), "a", "a")) == ("/moodscore/beat", [3, 2, 144.0, 5.0])
    assert _decode(cue_message(_cue("bar"), "a", "a")) == ("/moodscore/bar", [3, 144.0, "4/4", 5.0])
    assert _decode(cue_message(_cue("transition", "action"), "explore", "combat")) == (
        "/moodscore/transition", ["explore", "combat", "action", 3, 2, 5.0])
    assert _decode(cue_message(_cue("stinger", "item"), "a", "a")) == ("/moodscore/stinger", ["item", 3, 2, 5.0])
    assert _decode(cue_message(_cue("stop"), "a", "a")) == ("/moodscore/stop", [5.0])
    assert cue_message(_cue("something_new"), "a", "a") is None


def test_subscribe_targets():
    sender = ("127.0.0.5", 40000)
    assert parse_target(sender, ()) == sender
    assert parse_target(sender, (9001,)) == ("127.0.0.5", 9001)
    assert parse_target(sender, ("localhost", 9001)) == ("127.0.0.1", 9001)
    assert parse_target(sender, ("::1", 9001)) == ("::1", 9001)
    with pytest.raises(BadMessage, match="not an IP address"):
        parse_target(sender, ("example.com", 9001))   # resolving could block the server
    with pytest.raises(BadMessage, match="outside 1..65535"):
        parse_target(sender, (70000,))


def test_subscribers_are_a_set_with_a_limit():
    subscribers = Subscribers()
    for port in range(MAX_SUBSCRIBERS):
        subscribers.add(("127.0.0.1", 1000 + port))
    subscribers.add(("127.0.0.1", 1000))     # again: no change
    assert len(subscribers) == MAX_SUBSCRIBERS
    with pytest.raises(BadMessage, match="already"):
        subscribers.add(("127.0.0.1", 9))
    subscribers.remove(("127.0.0.1", 1000))
    assert ("127.0.0.1", 1000) not in list(subscribers)
    subscribers.add(("127.0.0.1", 9))
