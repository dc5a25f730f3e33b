"""Session files: every game call with the frame the engine applied it at, as JSON lines.

A session is a header (``SessionHeader``: the files the engine was built from and its
``EngineConfig``), one line per applied call (``{"frame", "call", "args"}``, see
``engine.calls``) and ``{"end_frame": N}`` lines: one every ``MARK_EVERY_S`` of music
while it runs and one at ``close``, so that a session whose process was killed still
ends where its music did. Every line is strict JSON (no NaN or Infinity).

``SessionWriter`` never blocks or fails the engine: lines are queued (at most
``MAX_QUEUED_LINES``) and written by a thread of their own; a write error (a full
disk) closes the file and counts every line not written in ``lines_lost``. The file
then ends at the last whole line written, which ``read_session`` accepts.

``read_session`` reads the file through ``engine.input_files`` (a regular file, at most
64 MiB, UTF-8), checks every line and raises ValueError naming ``file:line`` for the
first bad one; it accepts with a warning a last line cut short (the recording
process died mid-line) and trailing blank lines. This module knows the file format
only: it builds no engine.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.calls import Call, call_from_record, call_record
from engine.config import EngineConfig

log = logging.getLogger(__name__)

SESSION_VERSION = 1
MARK_EVERY_S = 1.0
"""How often (seconds of music) the engine writes the frame it has reached."""
MAX_QUEUED_LINES = 65536
"""Lines waiting for the writer thread beyond which new ones are dropped (and counted)."""
_SOURCES = ("score", "model", "soundfont")


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
        """The header of a session's first line; ValueError naming a bad field."""
        for name in _SOURCES:
            if obj.get(name) is not None and not isinstance(obj[name], str):
                raise ValueError(f"{name}: {str(obj[name])[:80]!r} is not a file path")
        return cls(EngineConfig.from_session(obj), obj.get("score"), obj.get("model"), obj.get("soundfont"))


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One game call and the frame it was applied at."""

    frame: int
    call: Call


@dataclass(frozen=True, slots=True)
class Session:
    """A session file read back: its header, its calls in file (and frame) order, and
    the frame it ended at (the last end frame written, or the last call's)."""

    header: SessionHeader
    calls: list[RecordedCall]
    end_frame: int
    path: Path | None = None


def _dumps(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=False) + "\n"


class SessionWriter:
    """Writes a session as JSON lines from a thread of its own; see the module docstring.
    Opening the file may raise OSError; nothing after that raises."""

    def __init__(self, path: str | os.PathLike, header: SessionHeader, max_queued_lines: int = MAX_QUEUED_LINES):
        self.path = Path(path)
        self._file = open(self.path, "w", encoding="utf-8")
        self._max_queued = max_queued_lines
        self._queue: collections.deque = collections.deque()
        self._wake = threading.Event()
        self._broken = False
        self._closed = False
        self._lost_queued = 0          # counted by the caller's thread: a full queue, after close
        self._lost_written = 0         # counted by the writer thread: write errors
        self._queue.append(header.to_json())
        self._thread = threading.Thread(target=self._run, name="moodscore-session", daemon=True)
        self._thread.start()

    @property
    def lines_lost(self) -> int:
        """Lines not written: write errors and a full queue."""
        return self._lost_queued + self._lost_written

    def write(self, frame: int, call: Call) -> None:
        """Queue the line of ``call`` applied at ``frame``."""
        kind, args = call_record(call)
        self._put({"frame": int(frame), "call": kind, "args": args})

    def mark(self, frame: int) -> None:
        """Queue an end-frame line: the music has reached ``frame``."""
        self._put({"end_frame": int(frame)})

    def detach(self) -> None:
        """Write what is queued and close the file without an end line: another writer
        (an engine process) takes the session over from here."""
        if self._closed:
            return
        self._closed = True
        self._queue.append(None)
        self._wake.set()
        self._thread.join()

    def close(self, end_frame: int) -> None:
        """Write the end frame, wait for every queued line and close the file. Idempotent."""
        if self._closed:
            return
        self.mark(end_frame)
        self._closed = True
        self._queue.append(None)
        self._wake.set()
        self._thread.join()

    def _put(self, obj: dict) -> None:
        if self._closed or self._broken or len(self._queue) >= self._max_queued:
            self._lost_queued += 1
            return
        self._queue.append(obj)
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._queue:
                obj = self._queue.popleft()
                if obj is None:
                    self._finish()
                    return
                self._write(obj)
            self._flush()

    def _write(self, obj: dict) -> None:
        if self._broken:
            self._lost_written += 1
            return
        try:
            self._file.write(_dumps(obj))
        except (OSError, ValueError) as exc:
            self._fail(exc)

    def _flush(self) -> None:
        if not self._broken:
            try:
                self._file.flush()
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        """Stop writing: the file keeps its whole lines; every line from here is lost."""
        self._lost_written += 1
        self._broken = True
        log.warning("session %s: writing failed (%s); the record stops here, the music goes on", self.path, exc)
        try:
            self._file.close()
        except OSError:
            pass

    def _finish(self) -> None:
        self._flush()
        if not self._broken:
            try:
                self._file.close()
            except OSError as exc:
                self._fail(exc)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _line_error(path: Path, number: int, message: str) -> ValueError:
    return ValueError(f"{path}:{number}: {message}")


def _parse(path: Path, lines: list[str], cut_short: bool) -> list[tuple[int, dict]]:
    """(line number, object) of each line; trailing blank lines and a cut-short last line
    are dropped with a warning, anything else unreadable is a ValueError."""
    last = len(lines)
    while last and not lines[last - 1].strip():
        last -= 1
    if last < len(lines) - 1:
        log.warning("%s: %d blank line(s) at the end ignored", path, len(lines) - 1 - last)
    records = []
    for number, line in enumerate(lines[:last], 1):
        try:
            obj = json.loads(line, parse_constant=_reject_constant)
        except ValueError as exc:
            if number == last and cut_short and number > 1:
                log.warning("%s:%d: the last line is cut short (the recording stopped mid-line); ignored",
                            path, number)
                break
            raise _line_error(path, number, f"not a JSON line ({getattr(exc, 'msg', exc)})") from None
        if not isinstance(obj, dict):
            raise _line_error(path, number, "not a JSON object")
        records.append((number, obj))
    return records


def _frame(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} {repr(value)[:80]} is not a frame (a whole number >= 0)")
    return value


def _read_line(obj: dict, last_frame: int) -> RecordedCall | int:
    """A call line as a RecordedCall, an end line as its frame; ValueError saying what is wrong."""
    if "call" in obj:
        frame = _frame(obj.get("frame"), "frame")
        if frame < last_frame:
            raise ValueError(f"frame {frame} is before the previous line's {last_frame}")
        return RecordedCall(frame, call_from_record(obj["call"], obj.get("args")))
    if "end_frame" in obj:
        return _frame(obj["end_frame"], "end_frame")
    raise ValueError(f"neither a call nor an end frame (keys: {', '.join(sorted(obj))[:80]})")


def read_session(path: str | os.PathLike) -> Session:
    """The session at ``path``; ValueError naming ``file:line`` of the first bad line."""
    from engine.input_files import read_text

    path = Path(path)
    text = read_text(path, "session")  # a regular file of at most 64 MiB, UTF-8
    records = _parse(path, text.split("\n"), cut_short=not text.endswith("\n"))
    if not records or records[0][1].get("moodscore_session") != SESSION_VERSION:
        raise _line_error(path, 1, "not a moodscore session (no header line)")
    try:
        header = SessionHeader.from_json(records[0][1])
    except ValueError as exc:
        raise _line_error(path, 1, str(exc)) from None
    calls, end, last_frame = [], 0, 0
    for number, obj in records[1:]:
        try:
            item = _read_line(obj, last_frame)
        except ValueError as exc:
            raise _line_error(path, number, str(exc)) from None
        if isinstance(item, RecordedCall):
            calls.append(item)
            last_frame = item.frame
        else:
            end = max(end, item)
    return Session(header, calls, max(end, last_frame), path)
