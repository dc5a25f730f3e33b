"""Calls and cues as fixed-size records: every call and cue survives the round trip."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from engine.calls import PostEvent, ResumeState, SetParameter, SetState, Start, Stop, TriggerStinger
from engine.music.notes import Meter
from engine.playback.cues import Cue
from engine.score.format import SYNC_POINTS
from engine.score.load import load_score
from engine.server.ring import RecordRing
from engine.server.wire import CALL_FORMAT, CUE_FORMAT, NAME_BYTES, CallCodec, decode_cue, encode_cue, name_tables

SCORE = load_score(Path(__file__).resolve().parents[2] / "demo" / "scores" / "dungeon.yaml")
CODEC = CallCodec(name_tables(SCORE))


def through_ring(fmt: str, values: tuple) -> tuple:
    ring = RecordRing(memoryview(bytearray(RecordRing.size_bytes(fmt, 2))), 0, fmt, 2)
    assert ring.push(*values)
    (record,) = ring.pop_all()
    return record


@pytest.mark.parametrize("call", [
    PostEvent("enemy_spotted"), PostEvent("no such event"), PostEvent(""),
    SetParameter("danger", 0.25), SetParameter("health", -1e308), SetParameter("nope", 2.0),
    *[SetState("combat", sync) for sync in (None, *SYNC_POINTS)], SetState("Combat", "next_bar"),
    *[ResumeState("explore", sync) for sync in (None, *SYNC_POINTS)],
    TriggerStinger("item"), TriggerStinger("ünïcode ✓"), Stop(0.5), Stop(0.0), Start(),
])
def test_every_call_comes_back_as_it_was_sent(call):
    record = through_ring(CALL_FORMAT, CODEC.encode(call, sent_ns=123456789))
    assert CODEC.decode(record) == (call, 123456789)


def test_a_nan_value_stays_nan():
    call, _ = CODEC.decode(through_ring(CALL_FORMAT, CODEC.encode(SetParameter("danger", math.nan), 0)))
    assert call.name == "danger" and math.isnan(call.value)


def test_known_names_travel_as_ids_and_unknown_ones_as_cut_bytes():
    known = CODEC.encode(PostEvent("combat_start"), 0)
    assert known[3] == list(SCORE.events).index("combat_start") and known[5] == b""
    long_name = "x" * (NAME_BYTES + 10)
    call, _ = CODEC.decode(through_ring(CALL_FORMAT, CODEC.encode(PostEvent(long_name), 0)))
    assert call == PostEvent("x" * NAME_BYTES)


@pytest.mark.parametrize("cue", [
    Cue("beat", 3, 2, 120.0, Meter(4, 4), 96000, 2.0),
    Cue("transition", 12, 0, 143.99, Meter(6, 8), 10**9, 10**9 / 48000, "tense"),
    Cue("stinger", 0, 1, 83.0, Meter(3, 4), 34699, 34699 / 48000, "item"),
    Cue("stop", 7, 0, 90.5, Meter(2, 2), 480000, 10.0, ""),
    Cue("start", 9, 0, 90.5, Meter(12, 8), 576000, 12.0, ""),
    Cue("kind_from_later", 1, 0, 60.0, Meter(4, 4), 1, 1 / 48000, "x"),
])
def test_every_cue_comes_back_as_it_was_sent(cue):
    assert decode_cue(through_ring(CUE_FORMAT, encode_cue(cue)), 48000) == cue
