"""The sequencer: pending timed events, fed to the synth block by block, with no hanging notes.

Events wait in one list sorted by (frame, kind), so within a frame note-offs go first.
Each event belongs to a *lane* (music, stinger, ...) so that a transition can cancel
the music from a frame on while a stinger keeps playing over it.

Note bookkeeping. The sequencer tracks every sounding (channel, pitch). A note-on for
a pitch already sounding first sends that pitch's note-off (a re-strike); a note-off
for a pitch not sounding is dropped. ``cancel_from(frame)`` drops pending events at
or after ``frame`` and schedules a note-off at ``frame`` for every note that would
still be sounding there, so every note-on sent gets its note-off.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from typing import Iterable

from engine.music.events import Kind, TimedEvent, note_off

log = logging.getLogger(__name__)

MUSIC_LANE = 0
STINGER_LANE = 1
_COMPACT_AT = 4096


class Sequencer:
    """Pending events and sounding notes, rendered through ``synth.render_block``.

    Not thread-safe: the player calls it under its lock. ``frame`` is the next frame
    to render (the render head); events can only be scheduled at or after it.
    """

    def __init__(self) -> None:
        self.frame = 0
        self._pending: list[tuple] = []   # (frame, kind, seq, lane, TimedEvent), sorted
        self._head = 0                    # index of the first pending entry not yet sent
        self._seq = itertools.count()
        self._sounding: dict[tuple[int, int], int] = {}  # (channel, pitch) -> lane
        self._struck: dict[tuple[int, int], int] = {}    # (channel, pitch) -> frame of its last note-on
        self.notes_on_sent = 0
        self.notes_off_sent = 0

    @property
    def sounding(self) -> frozenset[tuple[int, int]]:
        """(channel, pitch) of every note sent on and not yet off."""
        return frozenset(self._sounding)

    @property
    def pending_count(self) -> int:
        return len(self._pending) - self._head

    def last_frame(self) -> int:
        """The frame of the last pending event (or the render head when none)."""
        return self._pending[-1][0] if self.pending_count else self.frame

    def schedule(self, events: Iterable[TimedEvent], lane: int = MUSIC_LANE) -> None:
        """Add events; each must sound at or after the render head."""
        pending = self._pending
        for timed in events:
            if timed.frame < self.frame:
                raise ValueError(f"cannot schedule {timed} before the render head {self.frame}")
            entry = (timed.frame, int(timed.event.kind), next(self._seq), lane, timed)
            if len(pending) == self._head or entry >= pending[-1]:
                pending.append(entry)
            else:
                bisect.insort(pending, entry, lo=self._head)

    def cancel_from(self, frame: int, lanes: Iterable[int] | None = None) -> int:
        """Drop pending events at or after ``frame`` (in ``lanes``, all when None) and
        schedule note-offs at ``frame`` for their notes that would sound across it.
        Returns how many note-offs were added. ``frame`` before the head means the head."""
        frame = max(frame, self.frame)
        lanes = None if lanes is None else frozenset(lanes)
        sounding = dict(self._sounding)
        cut = bisect.bisect_left(self._pending, (frame,), lo=self._head)
        for entry in self._pending[self._head:cut]:
            _apply_note(sounding, entry[4], entry[3])
        kept = [e for e in self._pending[cut:] if lanes is not None and e[3] not in lanes]
        del self._pending[cut:]
        self._pending.extend(kept)
        offs = [TimedEvent(frame, note_off(ch, pitch)) for (ch, pitch), lane in sorted(sounding.items())
                if lanes is None or lane in lanes]
        for timed in offs:
            entry = (frame, int(Kind.NOTE_OFF), next(self._seq), sounding[(timed.event.channel, timed.event.a)], timed)
            bisect.insort(self._pending, entry, lo=self._head)
        return len(offs)

    def take(self, end_frame: int) -> list[TimedEvent]:
        """Pop the events before ``end_frame`` as they must reach the synth (re-strikes
        get their note-off, stray note-offs are dropped) and advance the head."""
        out: list[TimedEvent] = []
        pending, i, n = self._pending, self._head, len(self._pending)
        while i < n and pending[i][0] < end_frame:
            _, kind, _, lane, timed = pending[i]
            i += 1
            if kind == Kind.NOTE_ON:
                key = (timed.event.channel, timed.event.a)
                if key in self._sounding:
                    if self._struck.get(key) == timed.frame:
                        continue        # struck twice at one frame (two stingers): once is the sound
                    out.append(TimedEvent(timed.frame, note_off(*key)))
                    self.notes_off_sent += 1
                self._sounding[key] = lane
                self._struck[key] = timed.frame
                self.notes_on_sent += 1
            elif kind == Kind.NOTE_OFF:
                if self._sounding.pop((timed.event.channel, timed.event.a), None) is None:
                    continue
                self.notes_off_sent += 1
            out.append(timed)
        self._head = i
        if i >= _COMPACT_AT:
            del pending[:i]
            self._head = 0
        self.frame = max(self.frame, end_frame)
        return out

    def block_events(self, frames: int, extra: list[TimedEvent] | None = None) -> list[TimedEvent]:
        """The events of the next ``frames`` frames from the head, sorted, merged with
        ``extra`` (gain automation, already inside the block); advances the head."""
        events = self.take(self.frame + frames)
        if extra:
            events.extend(extra)
            events.sort(key=_order)
        return events

    def render(self, synth, out, extra: list[TimedEvent] | None = None) -> None:
        """Render ``len(out)`` frames from the head through ``synth.render_block``."""
        start = self.frame
        synth.render_block(out, start, self.block_events(len(out), extra))


def _order(timed: TimedEvent) -> tuple[int, int]:
    return timed.frame, int(timed.event.kind)


def _apply_note(sounding: dict, timed: TimedEvent, lane: int) -> None:
    kind = timed.event.kind
    if kind == Kind.NOTE_ON:
        sounding[(timed.event.channel, timed.event.a)] = lane
    elif kind == Kind.NOTE_OFF:
        sounding.pop((timed.event.channel, timed.event.a), None)
