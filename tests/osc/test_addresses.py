"""The OSC address table: forms, types, NaN, lengths; every refusal names the address."""

from __future__ import annotations

import math

import pytest

from engine.osc.addresses import ADDRESSES, MAX_NAME_CHARS, BadMessage, check_message


def test_each_form_is_accepted_and_converted():
    assert check_message("/moodscore/event", ["combat_start"])[1] == ("combat_start",)
    assert check_message("/moodscore/param", ["danger", 1])[1] == ("danger", 1.0)
    assert isinstance(check_message("/moodscore/param", ["danger", 1])[1][1], float)
    assert check_message("/moodscore/state", ["combat"])[1] == ("combat",)
    assert check_message("/moodscore/state", ["combat", "next_beat"])[1] == ("combat", "next_beat")
    assert check_message("/moodscore/stop", [])[1] == ()
    assert check_message("/moodscore/stop", [0.25])[1] == (0.25,)
    assert check_message("/moodscore/subscribe", [9001.0])[1] == (9001,)   # a float sender's port
    assert check_message("/moodscore/subscribe", ["127.0.0.1", 9001])[1] == ("127.0.0.1", 9001)


def test_a_name_may_end_the_address():
    assert check_message("/moodscore/param/danger", [0.8])[1] == ("danger", 0.8)
    assert check_message("/moodscore/state/combat", ["next_beat"])[1] == ("combat", "next_beat")
    assert check_message("/moodscore/event/combat_start", [])[0].handler == "event"
    with pytest.raises(BadMessage, match="got 2 arguments"):
        check_message("/moodscore/param/danger", ["danger", 0.8])


def test_every_address_names_a_handler_and_has_the_prefix():
    for path, address in ADDRESSES.items():
        assert path == address.path and path.startswith("/moodscore/")
        assert all(set(form) <= set("sni") for form in address.forms)


@pytest.mark.parametrize("address, args, words", [
    ("/moodscore/nope", [], "unknown address"),
    ("/moodscore", ["x"], "unknown address"),
    ("/moodscore/stop/now", [], "unknown address"),          # stop takes no name
    ("/moodscore/param/", [0.5], "unknown address"),
    ("/moodscore/nope/danger", [0.5], "unknown address"),
    ("/moodscore/event", [], "got 0 arguments"),
    ("/moodscore/event", ["a", "b"], "got 2 arguments"),
    ("/moodscore/event", [3], "must be a string"),
    ("/moodscore/event", ["x" * (MAX_NAME_CHARS + 1)], "at most"),
    ("/moodscore/param", ["danger", "high"], "must be a number"),
    ("/moodscore/param", ["danger", True], "must be a number"),
    ("/moodscore/param", ["danger", math.nan], "must be finite"),
    ("/moodscore/param", ["danger", -math.inf], "must be finite"),
    ("/moodscore/param", [1.0, "danger"], "must be a string"),
    ("/moodscore/stop", [b"blob"], "must be a number"),
    ("/moodscore/subscribe", [9001.5], "must be an integer"),
])
def test_bad_messages_are_refused_with_the_address(address, args, words):
    with pytest.raises(BadMessage, match=words) as info:
        check_message(address, args)
    assert address in str(info.value)
    assert info.value.reason == ("unknown_address" if "unknown" in words else "bad_arguments")
