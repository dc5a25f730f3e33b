"""The calls a game makes, as values: what is queued, applied, recorded and replayed.

Each game-facing method of ``MusicEngine`` builds one of these frozen dataclasses
(which checks its own arguments, so a bad one is a ValueError on the game's thread),
queues it, and the render side applies it at a control frame with
``MusicEngine.apply(call, frame)``. ``CALLS`` names each kind as a session file spells
it; ``call_record`` and ``call_from_record`` turn a call into a session line's
``(call, args)`` and back.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar, Union

from engine.score.format import SYNC_POINTS


@dataclass(frozen=True, slots=True)
class PostEvent:
    """The game says event ``name`` happened."""

    name: str
    kind: ClassVar[str] = "post_event"
    names: ClassVar[str] = "events"          # the score table its name must be in


@dataclass(frozen=True, slots=True)
class SetParameter:
    """Game parameter ``name`` is now ``value`` (the score smooths and clamps it)."""

    name: str
    value: float
    kind: ClassVar[str] = "set_parameter"
    names: ClassVar[str] = "parameters"


@dataclass(frozen=True, slots=True)
class SetState:
    """Go to state ``name`` at ``sync`` (None: the score's default, ``next_bar``)."""

    name: str
    sync: str | None = None
    kind: ClassVar[str] = "set_state"
    names: ClassVar[str] = "states"

    def __post_init__(self) -> None:
        if self.sync is not None and self.sync not in SYNC_POINTS:
            raise ValueError(f"set_state({self.name!r}): sync {self.sync!r} is not one of {SYNC_POINTS}")


@dataclass(frozen=True, slots=True)
class TriggerStinger:
    """Play stinger ``name`` over the music at its sync point."""

    name: str
    kind: ClassVar[str] = "trigger_stinger"
    names: ClassVar[str] = "stingers"


@dataclass(frozen=True, slots=True)
class Stop:
    """Fade the music out over ``fade_s`` seconds, then release every note."""

    fade_s: float = 0.5
    kind: ClassVar[str] = "stop"
    names: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        if not (isinstance(self.fade_s, (int, float)) and math.isfinite(self.fade_s) and self.fade_s >= 0.0):
            raise ValueError(f"stop: fade_s {self.fade_s!r} must be a finite number of seconds >= 0")


Call = Union[PostEvent, SetParameter, SetState, TriggerStinger, Stop]

CALLS: dict[str, type] = {cls.kind: cls for cls in (PostEvent, SetParameter, SetState, TriggerStinger, Stop)}
"""Each kind of call by the name a session file gives it."""


def call_record(call: Call) -> tuple[str, list]:
    """``(kind, args)`` of ``call`` as a session line stores them."""
    return call.kind, [getattr(call, f.name) for f in dataclasses.fields(call)]


def call_from_record(kind: str, args: list) -> Call:
    """The call a session line stores; ValueError naming what is wrong."""
    cls = CALLS.get(kind)
    if cls is None:
        raise ValueError(f"unknown call {kind!r} (known: {', '.join(CALLS)})")
    try:
        return cls(*args)
    except TypeError:
        raise ValueError(f"{kind}: arguments {args!r} do not fit {cls.__name__}") from None
