"""The OSC server over real UDP on 127.0.0.1, driving a real engine: the music changes
(state in the snapshot, cues received) and bad messages are counted, never fatal."""

from __future__ import annotations

import random
import struct
import time

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from engine.osc.client import MoodscoreClient


def _synced(client, timeout_s: float = 2.0) -> dict:
    """The counters, once the server has read everything sent before (UDP on one host
    keeps order; the answer comes after the messages before it)."""
    return client.counters(timeout_s)


def test_an_event_changes_state_and_the_transition_and_beats_come_back(served):
    server, client = served
    client.subscribe()
    assert client.snapshot()["state"] == "explore"
    client.event("combat_start")
    client.wait_snapshot(lambda snap: snap["state"] == "combat")
    transition = client.wait_for("/moodscore/transition", timeout_s=5.0)
    assert transition.args[:3] == ("explore", "combat", "action")
    beat = client.wait_for("/moodscore/beat", timeout_s=5.0, where=lambda m: m.args[3] > transition.args[5])
    assert beat.args[2] == 144.0                 # combat's tempo
    stinger = [m for m in client.drain() if m.address == "/moodscore/stinger"]
    assert not stinger or stinger[0].args[0] == "hurt"


def test_parameters_states_stingers_and_stop(served):
    server, client = served
    client.subscribe()
    client.param("danger", 1.0)
    client.state("victory", "immediate")
    client.stinger("item")
    assert client.wait_for("/moodscore/stinger", timeout_s=5.0).args[0] == "item"
    snap = client.wait_snapshot(lambda snap: snap["tempo_bpm"] == 120.0)
    assert snap["state"] == "victory"
    assert 0.0 < snap["parameters"]["danger"] <= 1.0     # smoothed towards 1 over 2 s
    client.stop(0.1)
    assert client.wait_for("/moodscore/stop", timeout_s=5.0).args[0] > 0.0
    assert _synced(client)["osc_bad_arguments"] == 0


def test_resume_goes_back_to_a_state(served):
    server, client = served
    client.state("combat", "immediate")
    client.wait_snapshot(lambda snap: snap["state"] == "combat")
    client.resume("explore", "next_beat")
    client.send("/moodscore/resume/danger")                 # the name in the address works too
    client.wait_snapshot(lambda snap: snap["state"] == "danger")
    assert client.counters()["osc_bad_arguments"] == 0


def test_subscribe_elsewhere_and_unsubscribe(served):
    server, client = served
    with MoodscoreClient(port=server.address[1]) as listener:
        client.send("/moodscore/subscribe", "127.0.0.1", listener.local_port)
        listener.wait_for("/moodscore/beat", timeout_s=5.0)
        client.send("/moodscore/unsubscribe", "127.0.0.1", listener.local_port)
        _synced(client)
        listener.drain()
        time.sleep(1.0)                          # more than a beat at SPEED times real time
        assert not [m for m in listener.drain() if m.address == "/moodscore/beat"]


def test_a_bundle_is_applied_message_by_message(served):
    server, client = served
    bundle = OscBundleBuilder(IMMEDIATELY)
    for address, args in (("/moodscore/param", ["danger", 0.5]), ("/moodscore/event", ["enemy_spotted"])):
        message = OscMessageBuilder(address)
        for arg in args:
            message.add_arg(arg)
        bundle.add_content(message.build())
    client.send_raw(bundle.build().dgram)
    client.wait_snapshot(lambda snap: snap["state"] == "danger")
    assert _synced(client)["osc_accepted"] >= 2


def test_bad_messages_are_counted_logged_and_the_server_carries_on(served, caplog):
    server, client = served
    rng = random.Random(3)
    sent = {"not_osc": 0, "unknown_address": 0, "bad_arguments": 0}
    for _ in range(40):
        client.send_raw(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))).replace(b"#bundle", b"x"))
        sent["not_osc"] += 1
    for address in ("/moodscore/nope", "/other/app", "/moodscore/EVENT", "/moodscore/stop/x"):
        client.send(address, "x")
        sent["unknown_address"] += 1
    bad = [("/moodscore/param", ("danger", float("nan")), "sf"), ("/moodscore/param", ("danger", float("inf")), "sd"),
           ("/moodscore/param", ("danger",), None), ("/moodscore/param", (1.0, 2.0), None),
           ("/moodscore/event", (7,), None), ("/moodscore/state", ("combat", "next_century"), None),
           ("/moodscore/stop", (-1.0,), None), ("/moodscore/subscribe", ("example.com", 9), None),
           ("/moodscore/stinger", (b"\x00\x01",), None)]
    for address, args, types in bad:
        client.send(address, *args, types=types)
        sent["bad_arguments"] += 1
    client.send_raw(struct.pack(">8s", b"/mood\x00\x00\x00"))     # an address and no type tags
    client.event("no_such_event")            # a well-formed message: the engine counts the name
    counters = _synced(client)
    refused = counters["osc_not_osc"] + counters["osc_unknown_address"] + counters["osc_bad_arguments"]
    assert refused >= sum(sent.values())
    assert counters["osc_unknown_address"] >= sent["unknown_address"]
    assert counters["osc_bad_arguments"] == sent["bad_arguments"]
    assert counters["osc_errors"] == 0
    assert client.snapshot()["state"] == "explore"
    deadline = time.monotonic() + 2.0               # the engine counts the name when it applies the call
    while client.counters()["unknown_events"] != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.counters()["unknown_events"] == 1
    assert any("must be finite" in r.message for r in caplog.records)
