"""Game calls as values: each checks its arguments and survives a session line's round trip."""

from __future__ import annotations

import json

import pytest

from engine.calls import (CALLS, PostEvent, SetParameter, SetState, Start, Stop, TriggerStinger, call_from_record,
                          call_record)

EXAMPLES = [PostEvent("combat_start"), SetParameter("danger", 0.25), SetState("combat", "next_beat"),
            SetState("explore"), TriggerStinger("item"), Stop(1.5), Start()]


@pytest.mark.parametrize("call", EXAMPLES, ids=lambda c: c.kind)
def test_a_call_round_trips_through_a_session_line(call):
    kind, args = call_record(call)
    line = json.loads(json.dumps({"call": kind, "args": args}))
    assert call_from_record(line["call"], line["args"]) == call


def test_the_table_names_every_kind_once():
    assert set(CALLS) == {"post_event", "set_parameter", "set_state", "resume_state", "trigger_stinger", "stop",
                          "start", "reload_score"}
    assert all(cls.kind == kind for kind, cls in CALLS.items())


def test_record_args_are_those_sessions_have_always_held():
    assert call_record(SetState("combat", None)) == ("set_state", ["combat", None])
    assert call_record(SetParameter("danger", 0.5)) == ("set_parameter", ["danger", 0.5])
    assert call_record(Stop(1.0)) == ("stop", [1.0])


@pytest.mark.parametrize("kind, args, message", [
    ("dance", [], "unknown call 'dance'"),
    ("post_event", [], "do not fit PostEvent"),
    ("set_parameter", ["danger", 0.1, 7], "do not fit SetParameter"),
    ("set_state", ["combat", "next_century"], "sync 'next_century'"),
    ("stop", [-1.0], "fade_s"),
])
def test_a_bad_record_is_a_value_error_saying_what(kind, args, message):
    with pytest.raises(ValueError, match=message):
        call_from_record(kind, args)


@pytest.mark.parametrize("fade_s", [-0.1, float("nan"), float("inf")])
def test_stop_rejects_a_fade_that_is_not_a_finite_duration(fade_s):
    with pytest.raises(ValueError, match="fade_s"):
        Stop(fade_s)
