"""Session files: every game call with the frame the engine applied it at, as JSON lines.

A session is a header (``SessionHeader``: the files the engine was built from and its
``EngineConfig``), one line per applied call (``{"frame", "call", "args"}``, see
``engine.calls``) and the frame at which it ended. ``SessionWriter`` writes one while
an engine runs (``MusicEngine(record=...)``); ``read_session`` reads one back for
``moodscore replay``. This module knows the file format only: it builds no engine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from engine.calls import Call, call_from_record, call_record
from engine.config import EngineConfig

SESSION_VERSION = 1


@dataclass(frozen=True, slots=True)
class SessionHeader:
    """What a session was rendered from: ``config`` and the score, model and SoundFont
    files (absolute paths; None where the engine was built from objects)."""

    config: EngineConfig
    score: str | None = None
    model: str | None = None
    soundfont: str | None = None

    def to_json(self) -> dict:
        return {"moodscore_session": SESSION_VERSION, "score": self.score, **self.config.session_fields(),
                "model": self.model, "soundfont": self.soundfont}

    @classmethod
    def from_json(cls, obj: dict) -> SessionHeader:
        return cls(EngineConfig.from_session(obj), obj.get("score"), obj.get("model"), obj.get("soundfont"))


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One game call and the frame it was applied at."""

    frame: int
    call: Call


@dataclass(frozen=True, slots=True)
class Session:
    """A session file read back: its header, its calls in file order, its end frame."""

    header: SessionHeader
    calls: list[RecordedCall]
    end_frame: int


class SessionWriter:
    """Writes a session as JSON lines: a header, one line per applied call, the end frame."""

    def __init__(self, path: str | os.PathLike, header: SessionHeader):
        self._file = open(path, "w", encoding="utf-8")
        self._write(header.to_json())

    def _write(self, obj: dict) -> None:
        self._file.write(json.dumps(obj, sort_keys=True) + "\n")
        self._file.flush()

    def write(self, frame: int, call: Call) -> None:
        kind, args = call_record(call)
        self._write({"frame": int(frame), "call": kind, "args": args})

    def close(self, end_frame: int) -> None:
        self._write({"end_frame": int(end_frame)})
        self._file.close()


def read_session(path: str | os.PathLike) -> Session:
    """The session at ``path``; ValueError naming the file and line when it is broken."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
    if not records or records[0].get("moodscore_session") != SESSION_VERSION:
        raise ValueError(f"{path}:1: not a moodscore session (no header line)")
    calls = []
    for number, record in enumerate(records[1:], 2):
        if "call" in record:
            try:
                calls.append(RecordedCall(int(record["frame"]), call_from_record(record["call"], record["args"])))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
    ends = [r["end_frame"] for r in records[1:] if "end_frame" in r]
    end = ends[-1] if ends else max((c.frame for c in calls), default=0)
    return Session(SessionHeader.from_json(records[0]), calls, int(end))
