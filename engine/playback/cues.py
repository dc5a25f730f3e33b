"""Cues to the game: beats, bars, transitions, stingers and stops, at the frame where they sound.

The render side calls ``CueTrack.emit(start, end)`` for each block it renders: the
beats and bars of the clock in that block, and the cues scheduled there (a transition's
landing, a stinger, a stop), in frame order. The game side calls ``poll(until_frame)``
with the frame its host has heard; it takes no lock (one deque, appended at one end and
popped at the other), so a cue arrives when it is heard, not when it was computed.
"""

from __future__ import annotations

import bisect
import collections
from dataclasses import dataclass

from engine.music.notes import Meter


MAX_UNPOLLED_CUES = 4096
"""Cues kept for ``poll``; a game that stops polling loses the oldest (about half an hour of beats)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """A musical moment, reported at the frame (and second) at which it *sounds*.

    ``kind``: "beat", "bar", "transition", "stinger", "stop" or "start"; ``bar`` and ``beat``
    are 0-based indices; ``name`` names the stinger or segment when there is one.
    """

    kind: str
    bar: int
    beat: int
    tempo_bpm: float
    meter: Meter
    frame: int
    seconds: float
    name: str = ""


class CueTrack:
    """Beat and bar cues from ``clock`` (a Conductor) and scheduled ones. ``emit`` and
    ``schedule`` run under the player's lock; ``poll`` needs none."""

    def __init__(self, clock, sample_rate_hz: int):
        self.clock = clock
        self.sample_rate_hz = sample_rate_hz
        self._scheduled: list[tuple[int, int, Cue]] = []   # (frame, tie-break, cue), sorted
        # bounded: a game that never polls loses the oldest cues, not memory
        self._heard: collections.deque[Cue] = collections.deque(maxlen=MAX_UNPOLLED_CUES)
        self._beat_cursor = (0, 0)          # (bar, beat) of the next beat cue
        self._next_beat_frame = 0           # and its frame

    def cue(self, kind: str, frame: int, name: str = "", bar: int | None = None, beat: int = 0) -> Cue:
        """The cue of ``kind`` at ``frame``, with the bar and beat the clock has there."""
        clock = self.clock
        if bar is None:
            bar = clock.bar_at_frame(frame)
            beat = max(0, bisect.bisect_right(clock.beat_frames(bar), frame) - 1)
        return Cue(kind, bar, beat, clock.bpm_at_frame(frame), clock.bar_meter(bar), frame,
                   frame / self.sample_rate_hz, name)

    def schedule(self, kind: str, frame: int, name: str) -> None:
        cue = self.cue(kind, frame, name)
        bisect.insort(self._scheduled, (frame, id(cue), cue), key=lambda s: s[0])

    def drop_from(self, frame: int, kind: str) -> None:
        """Forget scheduled cues of ``kind`` at or after ``frame`` (a transition replaced)."""
        self._scheduled = [s for s in self._scheduled if not (s[0] >= frame and s[2].kind == kind)]

    def reset(self, head_frame: int) -> None:
        """Find the next beat from ``head_frame`` again (the clock changed after it)."""
        clock = self.clock
        k = clock.bar_at_frame(head_frame)
        frames = clock.beat_frames(k)
        beat = bisect.bisect_left(frames, head_frame)
        self._beat_cursor = (k, beat) if beat < len(frames) else (k + 1, 0)
        self._next_beat_frame = frames[beat] if beat < len(frames) else clock.bar_start_frame(k + 1)

    def emit(self, start: int, end: int) -> None:
        """Queue the cues of frames ``start..end-1`` for ``poll``."""
        scheduled = self._scheduled
        if self._next_beat_frame >= end and not (scheduled and scheduled[0][0] < end):
            return   # most blocks: no beat and no cue in them
        block: list[Cue] = []
        k, beat = self._beat_cursor
        while True:
            frames = self.clock.beat_frames(k)
            if beat >= len(frames):
                k, beat = k + 1, 0
                continue
            frame = frames[beat]
            if frame >= end:
                break
            if frame >= start:
                if beat == 0:
                    block.append(self.cue("bar", frame, bar=k))
                block.append(self.cue("beat", frame, bar=k, beat=beat))
            beat += 1
        self._beat_cursor = (k, beat)
        self._next_beat_frame = frame
        if scheduled and scheduled[0][0] < end:
            while scheduled and scheduled[0][0] < end:
                block.append(scheduled.pop(0)[2])
            block.sort(key=lambda c: c.frame)
        self._heard.extend(block)   # one append per cue; poll pops from the other end

    def poll(self, until_frame: int) -> list[Cue]:
        """The queued cues before ``until_frame``, in order; no lock, never blocks."""
        out: list[Cue] = []
        heard = self._heard
        while heard and heard[0].frame < until_frame:
            out.append(heard.popleft())
        return out
