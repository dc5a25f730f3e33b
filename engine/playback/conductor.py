"""The conductor: the musical clock in sample frames, and where transitions land.

The clock is a tempo map (quarter notes <-> seconds <-> frames, exact ramps) plus a
bar grid: bar ``k`` starts at a quarter-note position and has a meter. Meters change
only at bar lines; the grid past the last explicitly set bar repeats the tail meter.
Frames are derived from quarters through the tempo map, so a tempo change at quarter
``q`` moves only what lies after ``q``.

A clock can be *locked* to a given tempo map and bar grid (``lock``): a cutscene's
fitted click track, which transitions may recolour but never re-time.

``sync_frame(received_frame, sync, clock)`` is the pure function the player uses to
place a transition: the first grid point of the requested kind at or after the frame
at which the request was received. Landing is exact to the sample: it is the frame
the tempo map gives for that grid point, the same one the arranger uses for notes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from engine.music.notes import PPQ, Meter
from engine.music.sync import Grid, SyncPoint, landing_bar
from engine.music.tempo import TempoMap, TempoSegment

_JUMP_QUARTERS = 1e-6  # far below one frame at any tempo


@dataclass(frozen=True, slots=True)
class ClockConfig:
    """The clock's fixed settings: sample rate and how many bars make a phrase."""

    sample_rate_hz: int = 48000
    phrase_bars: int = 4

    def __post_init__(self) -> None:
        if not 8000 <= self.sample_rate_hz <= 192000:
            raise ValueError(f"clock sample_rate_hz: {self.sample_rate_hz} is outside 8000..192000")
        if not 1 <= self.phrase_bars <= 64:
            raise ValueError(f"clock phrase_bars: {self.phrase_bars} is outside 1..64")


class Conductor:
    """Bar grid and tempo map in sample frames. Not thread-safe: the player guards it.

    ``bar_start_frame(k)`` grows the grid on demand. ``set_meter_from(k, meter)`` and
    ``set_tempo(...)`` change the future only (the player never calls them for the
    past: transitions land at or after the render head). ``forget_before(frame)`` drops
    the bars and tempo points behind ``frame`` (a long session's grid stays short); a
    bar forgotten is a LookupError to ask for.
    """

    def __init__(self, config: ClockConfig = ClockConfig(), *, tempo_bpm: float = 100.0, meter: Meter = Meter()):
        self.config = config
        self.sample_rate_hz = config.sample_rate_hz
        self.tempo_map = TempoMap.constant(float(tempo_bpm))
        self._quarters: list[float] = [0.0]   # start quarter of bar k
        self._meters: list[Meter] = [meter]   # meter of bar k
        self._frames: list[int] = [0]         # start frame of bar k (cached)
        self._first_bar = 0                   # the bar at index 0 of the three lists
        self._tail_meter = meter
        self.locked = False

    # ------------------------------------------------------------ grid

    def _index(self, bar_index: int) -> int:
        i = bar_index - self._first_bar
        if i < 0:
            raise LookupError(f"bar {bar_index} was forgotten (the clock keeps bars from {self._first_bar})")
        self._extend_to(bar_index)
        return i

    def _extend_to(self, bar_index: int) -> None:
        while self._first_bar + len(self._quarters) <= bar_index:
            q = self._quarters[-1] + self._meters[-1].quarters_per_bar
            self._quarters.append(q)
            self._meters.append(self._tail_meter)
            self._frames.append(self.tempo_map.frame_at(q, self.sample_rate_hz))

    def bar_start_frame(self, bar_index: int) -> int:
        return self._frames[self._index(bar_index)]

    def bar_start_quarter(self, bar_index: int) -> float:
        return self._quarters[self._index(bar_index)]

    def bar_meter(self, bar_index: int) -> Meter:
        return self._meters[self._index(bar_index)]

    def bar_at_frame(self, frame: int) -> int:
        """Index of the bar sounding at ``frame`` (the bar whose span contains it)."""
        while self._frames[-1] <= frame:
            self._extend_to(self._first_bar + len(self._frames))
        return bisect.bisect_right(self._frames, frame) - 1 + self._first_bar

    def frame_at_quarter(self, quarter: float) -> int:
        return self.tempo_map.frame_at(quarter, self.sample_rate_hz)

    def quarter_at_frame(self, frame: int) -> float:
        return self.tempo_map.quarter_at_frame(frame, self.sample_rate_hz)

    def bpm_at_frame(self, frame: int) -> float:
        return self.tempo_map.bpm_at(self.quarter_at_frame(frame))

    def beat_quarters(self, bar_index: int) -> list[float]:
        """Start quarter of each beat of bar ``bar_index`` (compound meters: dotted beats)."""
        meter = self.bar_meter(bar_index)
        q0, step = self.bar_start_quarter(bar_index), meter.ticks_per_beat / PPQ
        return [q0 + i * step for i in range(meter.beats_per_bar)]

    def beat_frames(self, bar_index: int) -> list[int]:
        return [self.frame_at_quarter(q) for q in self.beat_quarters(bar_index)]

    def quarter_of(self, frame: int) -> float:
        """The quarter-note position of ``frame``: a beat's own quarter when ``frame`` is
        on a beat (so nothing placed from it is moved by rounding), else the tempo map's."""
        for q in self.beat_quarters(self.bar_at_frame(frame)):
            if self.frame_at_quarter(q) == frame:
                return q
        return self.quarter_at_frame(frame)

    def tick_frame(self, bar_index: int, tick: int) -> int:
        """The frame of ``tick`` ticks into bar ``bar_index``."""
        return self.frame_at_quarter(self.bar_start_quarter(bar_index) + tick / PPQ)

    # ------------------------------------------------------------ changes

    def lock(self, tempo_map: TempoMap, meters) -> None:
        """Follow ``tempo_map`` and the bar grid ``meters`` ((bar index, meter) pairs in
        order, the first at bar 0) from now on, and ignore later ``set_tempo`` and
        ``set_meter_from`` calls: a cutscene's fitted tempo is not for transitions to move.
        Call it before anything is scheduled from the grid."""
        meters = list(meters)
        if not meters or meters[0][0] != 0:
            raise ValueError(f"clock lock: the meters must start at bar 0, got {meters!r}")
        self.locked = False
        self.tempo_map = tempo_map
        for bar_index, meter in meters:
            self.set_meter_from(bar_index, meter)
        self._refresh_frames(0.0)
        self.locked = True

    def set_meter_from(self, bar_index: int, meter: Meter) -> None:
        """Bars from ``bar_index`` on take ``meter`` (bar lines before it do not move).
        A locked clock ignores it."""
        if self.locked:
            return
        i = self._index(bar_index)
        del self._quarters[i + 1:], self._meters[i + 1:], self._frames[i + 1:]
        self._meters[i] = meter
        self._tail_meter = meter

    def set_tempo(self, at_quarter: float, bpm: float, ramp_quarters: float = 0.0) -> None:
        """From ``at_quarter`` the tempo goes to ``bpm``: at once, or by a linear ramp
        over ``ramp_quarters`` from the tempo in force there. Later points are dropped;
        time before ``at_quarter`` does not move (an interrupted ramp keeps its slope).
        A locked clock ignores it."""
        if self.locked:
            return
        reached = self.tempo_map.bpm_at(at_quarter)
        last = self.tempo_map.segments[-1]
        if last.start_quarter <= at_quarter and not last.ramp and abs(reached - bpm) < 1e-9:
            return  # already there and staying there
        kept = [s for s in self.tempo_map.segments if s.start_quarter < at_quarter]
        if ramp_quarters > 0 and abs(reached - bpm) > 1e-9:
            points = [TempoSegment(at_quarter, reached, ramp=True), TempoSegment(at_quarter + ramp_quarters, float(bpm))]
        elif kept and kept[-1].ramp:
            # The kept ramp must end at the tempo it had reached; the jump follows a hair later.
            points = [TempoSegment(at_quarter, reached), TempoSegment(at_quarter + _JUMP_QUARTERS, float(bpm))]
        else:
            points = [TempoSegment(at_quarter, float(bpm))]
        self.tempo_map = self.tempo_map.with_points(points)
        self._refresh_frames(at_quarter)

    def forget_before(self, frame: int) -> None:
        """Drop the bars that end before ``frame``'s bar and the tempo points before its
        start; what is kept converts bit for bit as before. A locked clock (a cutscene's,
        fixed and short) keeps everything."""
        if self.locked:
            return
        drop = self.bar_at_frame(frame) - self._first_bar
        if drop <= 0:
            return
        del self._quarters[:drop], self._meters[:drop], self._frames[:drop]
        self._first_bar += drop
        self.tempo_map = self.tempo_map.since(self._quarters[0])

    @property
    def sizes(self) -> dict[str, int]:
        """How many bars and tempo points the clock holds (what a long session could grow)."""
        return {"bar_grid": len(self._frames), "tempo_points": len(self.tempo_map.segments)}

    def _refresh_frames(self, from_quarter: float) -> None:
        first = bisect.bisect_left(self._quarters, from_quarter)
        for k in range(first, len(self._quarters)):
            self._frames[k] = self.tempo_map.frame_at(self._quarters[k], self.sample_rate_hz)


def sync_frame(received_frame: int, sync: SyncPoint | str, clock: Conductor, *,
               segment_end_frame: int | None = None) -> int:
    """The frame at which a transition received at ``received_frame`` lands: the first
    point of the sync point's grid (``engine.music.sync``) at or after it.

    ``immediate``: the received frame. ``next_beat``: the first beat at or after it.
    On the bar grid, the first bar line at or after it that ``landing_bar`` allows
    (``next_phrase``: an index that is a multiple of ``clock.config.phrase_bars``).
    ``end_of_segment``: the end of the authored segment playing then
    (``segment_end_frame``); with none playing it falls back to ``next_phrase``.
    Pure: reads the clock, changes nothing but its cache.
    """
    sync = SyncPoint.parse(sync)
    rule = sync.rule
    if received_frame < 0:
        raise ValueError(f"received_frame: {received_frame} must be >= 0")
    if rule.grid is Grid.FRAME:
        return received_frame
    if rule.after_segment and segment_end_frame is not None and segment_end_frame >= received_frame:
        return segment_end_frame
    k = clock.bar_at_frame(received_frame)
    if rule.grid is Grid.BEAT:
        for bar in (k, k + 1):
            for frame in clock.beat_frames(bar):
                if frame >= received_frame:
                    return frame
    if clock.bar_start_frame(k) < received_frame:
        k += 1
    return clock.bar_start_frame(landing_bar(sync, k, clock.config.phrase_bars))
