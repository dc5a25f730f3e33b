"""``resume: true`` on a transition: read, checked, and carried by the machine's request."""

from __future__ import annotations

import pytest

from engine.score.load import load_score
from engine.score.machine import ScoreMachine
from engine.score.source import SourceError

from .conftest import MINIMAL

BACK = MINIMAL + "  back: {from: b, to: a, resume: true}\n"


def test_a_transition_that_resumes_says_so_in_its_request(write_score):
    machine = ScoreMachine(load_score(write_score(BACK)), 48000)
    machine.post_event("go", 0)
    machine.post_event("back", 1000)
    there, back = machine.take_requests()
    assert not there.resume and back.resume and (back.from_state, back.to_state) == ("b", "a")


def test_set_state_can_resume(write_score):
    machine = ScoreMachine(load_score(write_score(MINIMAL)), 48000)
    machine.set_state("b", 0, resume=True)
    [request] = machine.take_requests()
    assert request.resume and request.to_state == "b"


def test_resume_must_be_true_or_false(write_score):
    path = write_score(MINIMAL + "  back: {from: b, to: a, resume: 1}\n")
    line = len(MINIMAL.splitlines()) + 1
    with pytest.raises(SourceError, match=rf"{path.name}:{line}: events.back.resume: expected true or false, got 1"):
        load_score(path)
