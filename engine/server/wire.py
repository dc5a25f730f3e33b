"""How calls and cues cross between the game and the engine process: fixed-size records.

A call (an ``engine.calls`` value) is one record (``CALL_FORMAT``): when it was sent
(``perf_counter_ns``, the same clock in both processes), its kind, the sync point, the
name as an id interned from the score (the tables travel to the engine process when it
starts, so both sides agree), and the value (a parameter's, a stop's fade). A name the score does not know travels as its UTF-8 bytes (cut
to ``NAME_BYTES``) so the engine can still count and log it. A cue is one record
(``CUE_FORMAT``): its frame, bar, beat, meter, tempo, kind and name; the kind travels
as text, so a kind the player learns later ("start" came after this module) needs no
table here.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.calls import CALLS, Call, SetParameter, SetState, Stop
from engine.music.notes import Meter
from engine.playback.cues import Cue
from engine.score.format import SYNC_POINTS

NAME_BYTES = 48
UNKNOWN_NAME = 0xFFFF

CALL_FORMAT = f"<qBBHd{NAME_BYTES}s"      # sent_ns, call, sync, name id, value, unknown name
KIND_BYTES = 16
CUE_FORMAT = f"<qiHBBd{KIND_BYTES}s{NAME_BYTES}s"   # frame, bar, beat, meter numerator, denominator, tempo, kind, name

KINDS = tuple(CALLS)
NAME_TABLES = tuple(cls.names for cls in CALLS.values() if cls.names is not None)
_SYNCS = (None, *SYNC_POINTS)


def name_tables(score) -> dict[str, list[str]]:
    """The names each call may carry, from ``score``: plain lists, sent to the engine process."""
    return {table: list(getattr(score, table)) for table in NAME_TABLES}


def _name_bytes(name: str, size: int = NAME_BYTES) -> bytes:
    return name.encode("utf-8")[:size]


def _name_text(raw: bytes) -> str:
    return raw.rstrip(b"\0").decode("utf-8", errors="ignore")


@dataclass(frozen=True)
class CallCodec:
    """Encodes a game call into a ``CALL_FORMAT`` record and back, with ``tables`` of names."""

    tables: dict[str, list[str]]

    def __post_init__(self) -> None:
        ids = {table: {name: i for i, name in enumerate(names)} for table, names in self.tables.items()}
        object.__setattr__(self, "_ids", ids)

    def encode(self, call: Call, sent_ns: int) -> tuple:
        """The record's values for ``call``."""
        name_id, raw = 0, b""
        if call.names is not None:
            name_id = self._ids[call.names].get(call.name, UNKNOWN_NAME)
            raw = _name_bytes(call.name) if name_id == UNKNOWN_NAME else b""
        value = call.value if isinstance(call, SetParameter) else call.fade_s if isinstance(call, Stop) else 0.0
        sync = _SYNCS.index(call.sync) if isinstance(call, SetState) else 0
        return sent_ns, KINDS.index(call.kind), sync, name_id, value, raw

    def decode(self, record: tuple) -> tuple[Call, int]:
        """``(call, sent_ns)`` from a record's values."""
        sent_ns, kind, sync, name_id, value, raw = record
        cls = CALLS[KINDS[kind]]
        if cls is Stop:
            return Stop(value), sent_ns
        if cls.names is None:   # Start: nothing to carry
            return cls(), sent_ns
        table = self.tables[cls.names]
        name = table[name_id] if name_id < len(table) else _name_text(raw)
        if cls is SetParameter:
            return SetParameter(name, value), sent_ns
        if issubclass(cls, SetState):   # and ResumeState
            return cls(name, _SYNCS[sync]), sent_ns
        return cls(name), sent_ns


def encode_cue(cue: Cue) -> tuple:
    """A ``CUE_FORMAT`` record's values for ``cue``."""
    return (cue.frame, cue.bar, cue.beat, cue.meter.numerator, cue.meter.denominator, cue.tempo_bpm,
            _name_bytes(cue.kind, KIND_BYTES), _name_bytes(cue.name))


def decode_cue(record: tuple, sample_rate_hz: int) -> Cue:
    """The ``Cue`` a record carries."""
    frame, bar, beat, numerator, denominator, tempo_bpm, kind, name = record
    return Cue(_name_text(kind), bar, beat, tempo_bpm, Meter(numerator, denominator), frame,
               frame / sample_rate_hz, _name_text(name))
