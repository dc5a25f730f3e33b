"""The OSC address space of ``moodscore serve``, as a table.

Each address lists the argument forms it accepts, one letter per argument: ``s`` a
string (a name), ``n`` a finite number (OSC int, float or double), ``i`` an integer
(OSC int, or a float with no fraction: some senders have only floats). The server
calls the handler named in the table with the checked arguments. Where the first
argument is a name, the name may instead end the address (``/moodscore/param/danger
0.8``): some senders (OscJack in Unity) send arguments of one type only, and control
surfaces (TouchOSC) name their controls by address. ``check_message``
says in one line what is wrong with a message; the server counts that and logs it,
it never raises out of the server. ``docs/osc.md`` is the same table for people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

PREFIX = "/moodscore"
MAX_NAME_CHARS = 256
"""Longer strings are not names of anything in a score; refusing them keeps logs short."""


@dataclass(frozen=True, slots=True)
class Address:
    """One OSC address: the argument ``forms`` it accepts and the server ``handler`` for it."""

    path: str
    forms: tuple[str, ...]
    handler: str
    summary: str


ADDRESSES: dict[str, Address] = {a.path: a for a in (
    Address(f"{PREFIX}/event", ("s",), "event", "name: post a game event"),
    Address(f"{PREFIX}/param", ("sn",), "param", "name value: set a game parameter"),
    Address(f"{PREFIX}/state", ("s", "ss"), "state", "name [sync]: go to a state"),
    Address(f"{PREFIX}/resume", ("s", "ss"), "resume", "name [sync]: go back to a state, its music where it was left"),
    Address(f"{PREFIX}/stinger", ("s",), "stinger", "name: play a stinger"),
    Address(f"{PREFIX}/stop", ("", "n"), "stop", "[fade_s]: fade the music out"),
    Address(f"{PREFIX}/snapshot", ("",), "snapshot", "answered with /moodscore/snapshot"),
    Address(f"{PREFIX}/counters", ("",), "counters", "answered with /moodscore/counters"),
    Address(f"{PREFIX}/subscribe", ("", "i", "si"), "subscribe", "[[host] port]: send cues there"),
    Address(f"{PREFIX}/unsubscribe", ("", "i", "si"), "unsubscribe", "[[host] port]: stop sending cues"),
)}


class BadMessage(ValueError):
    """A message the server cannot carry out; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def check_message(address: str, args: Sequence) -> tuple[Address, tuple]:
    """The table entry for ``address`` and the checked arguments; BadMessage (reason
    ``unknown_address`` or ``bad_arguments``) naming the address when they do not fit."""
    spec, given = ADDRESSES.get(address), args
    if spec is None:
        spec, args = _name_in_address(address, args)
    for form in spec.forms:
        if len(form) == len(args):
            return spec, tuple(_check(kind, value, address, i) for i, (kind, value) in enumerate(zip(form, args)))
    forms = " or ".join(f"({_describe(form)})" for form in spec.forms)
    named = " after the name in the address" if given is not args else ""
    raise BadMessage("bad_arguments", f"{address}: got {len(given)} arguments ({_types(given)}){named}; "
                                      f"{spec.path} takes {forms}")


def _name_in_address(address: str, args: Sequence) -> tuple[Address, list]:
    """``/moodscore/param/danger [0.8]`` -> the ``/moodscore/param`` entry and ``["danger", 0.8]``."""
    head, _, name = address.rpartition("/")
    spec = ADDRESSES.get(head)
    if spec is None or not name or not all(form.startswith("s") for form in spec.forms):
        raise BadMessage("unknown_address", f"{address!r}: unknown address (see docs/osc.md)")
    return spec, [name, *args]


def _check(kind: str, value, address: str, index: int):
    if kind == "s":
        if isinstance(value, str) and len(value) <= MAX_NAME_CHARS:
            return value
        raise BadMessage("bad_arguments", f"{address}: argument {index + 1} must be a string of at most "
                                          f"{MAX_NAME_CHARS} characters, got {_short(value)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadMessage("bad_arguments", f"{address}: argument {index + 1} must be a number, got {_short(value)}")
    if not math.isfinite(value):
        raise BadMessage("bad_arguments", f"{address}: argument {index + 1} must be finite, got {value!r}")
    if kind == "i":
        if value != int(value):
            raise BadMessage("bad_arguments", f"{address}: argument {index + 1} must be an integer, got {value!r}")
        return int(value)
    return float(value)


def _describe(form: str) -> str:
    return " ".join({"s": "string", "n": "number", "i": "int"}[kind] for kind in form) or "no arguments"


def _types(args: Sequence) -> str:
    return ", ".join(type(value).__name__ for value in args) or "none"


def _short(value) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'...' if len(text) > 40 else ''}"
