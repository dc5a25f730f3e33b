"""The calls a game makes, as values: what is queued, applied, recorded and replayed.

Each game-facing method of ``MusicEngine`` builds one of these frozen dataclasses
(which checks its own arguments, so a bad one is a ValueError on the game's thread),
queues it, and the render side applies it at a control frame with
``MusicEngine.apply(call, frame)``. ``CALLS`` names each kind as a session file spells
it; ``call_record`` and ``call_from_record`` turn a call into a session line's
``(call, args)`` and back. Session lines are strict JSON, so a parameter value that is
not finite is stored as JSON can hold it and read back to the same effect: NaN (the
parameter's default) as ``null``, ±infinity (clamped to the range's end) as ±the
largest float.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
from dataclasses import dataclass
from typing import ClassVar, Union

from engine.score.format import SYNC_POINTS, Score
from engine.score.load import load_score


def _check_name(kind: str, name: object) -> None:
    if not isinstance(name, str):
        raise ValueError(f"{kind}: the name must be a string, not {type(name).__name__}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class PostEvent:
    """The game says event ``name`` happened."""

    name: str
    kind: ClassVar[str] = "post_event"
    names: ClassVar[str] = "events"          # the score table its name must be in

    def __post_init__(self) -> None:
        _check_name(self.kind, self.name)


@dataclass(frozen=True, slots=True)
class SetParameter:
    """Game parameter ``name`` is now ``value`` (the score smooths and clamps it)."""

    name: str
    value: float
    kind: ClassVar[str] = "set_parameter"
    names: ClassVar[str] = "parameters"

    def __post_init__(self) -> None:
        _check_name(self.kind, self.name)
        if not _is_number(self.value):
            raise ValueError(f"set_parameter({self.name[:80]!r}): value must be a number, "
                             f"not {type(self.value).__name__}")


@dataclass(frozen=True, slots=True)
class SetState:
    """Go to state ``name`` at ``sync`` (None: the score's default, ``next_bar``)."""

    name: str
    sync: str | None = None
    kind: ClassVar[str] = "set_state"
    names: ClassVar[str] = "states"

    def __post_init__(self) -> None:
        _check_name(self.kind, self.name)
        if self.sync is not None and self.sync not in SYNC_POINTS:
            raise ValueError(f"set_state({self.name[:80]!r}): sync {str(self.sync)[:80]!r} is not one of {SYNC_POINTS}")


@dataclass(frozen=True, slots=True)
class ResumeState(SetState):
    """Go back to state ``name`` at ``sync``, its music continuing where it was left."""

    kind: ClassVar[str] = "resume_state"


@dataclass(frozen=True, slots=True)
class TriggerStinger:
    """Play stinger ``name`` over the music at its sync point."""

    name: str
    kind: ClassVar[str] = "trigger_stinger"
    names: ClassVar[str] = "stingers"

    def __post_init__(self) -> None:
        _check_name(self.kind, self.name)


@dataclass(frozen=True, slots=True)
class Stop:
    """Fade the music out over ``fade_s`` seconds, then release every note."""

    fade_s: float = 0.5
    kind: ClassVar[str] = "stop"
    names: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        if not (_is_number(self.fade_s) and math.isfinite(self.fade_s) and self.fade_s >= 0.0):
            raise ValueError(f"stop: fade_s {self.fade_s!r} must be a finite number of seconds >= 0")


@dataclass(frozen=True, slots=True)
class Start:
    """Play again after a stop: the music comes back at the next bar line."""

    kind: ClassVar[str] = "start"
    names: ClassVar[str | None] = None


@dataclass(frozen=True, slots=True)
class ReloadScore:
    """Swap in the score ``text`` (the contents of ``file``) at the next bar line. The
    text is the call's argument, so a recorded session replays the edit exactly; it is
    parsed and validated here, on the caller's thread (a ``SourceError``, a ValueError,
    naming file and line), with the theme files it names, and never on the render side,
    which reads ``score`` and ``form``."""

    file: str
    text: str
    kind: ClassVar[str] = "reload_score"
    names: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        _form_of.cache_clear()   # read the theme files it names now, though the text be unchanged
        self.form  # noqa: B018 - parse and validate now, here on the caller's thread

    @property
    def score(self) -> Score:
        return _parse_score(self.file, self.text)

    @property
    def form(self):
        """The composer's form settings (``engine.composer.planner.FormConfig``) for ``score``."""
        return _form_of(self.file, self.text)


@functools.lru_cache(maxsize=4)
def _parse_score(file: str, text: str) -> Score:
    return load_score(file, text)


@functools.lru_cache(maxsize=4)
def _form_of(file: str, text: str):
    from engine.composer.planner import form_config_for_score

    return form_config_for_score(_parse_score(file, text))


Call = Union[PostEvent, SetParameter, SetState, ResumeState, TriggerStinger, Stop, Start, ReloadScore]

CALLS: dict[str, type] = {cls.kind: cls for cls in (PostEvent, SetParameter, SetState, ResumeState, TriggerStinger,
                                                    Stop, Start, ReloadScore)}
"""Each kind of call by the name a session file gives it."""


def _to_json(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else math.copysign(sys.float_info.max, value)
    return value


def call_record(call: Call) -> tuple[str, list]:
    """``(kind, args)`` of ``call`` as a strict-JSON session line stores them."""
    return call.kind, [_to_json(getattr(call, f.name)) for f in dataclasses.fields(call)]


def call_from_record(kind: object, args: object) -> Call:
    """The call a session line stores; ValueError saying what is wrong (values cut short)."""
    cls = CALLS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown call {str(kind)[:80]!r} (known: {', '.join(CALLS)})")
    if not isinstance(args, list) or len(args) > len(dataclasses.fields(cls)):
        raise ValueError(f"{kind}: arguments {str(args)[:80]} do not fit {cls.__name__}")
    if cls is SetParameter and len(args) == 2 and args[1] is None:
        args = [args[0], math.nan]
    try:
        return cls(*args)
    except TypeError:
        raise ValueError(f"{kind}: arguments {str(args)[:80]} do not fit {cls.__name__}") from None
