"""The tempo map: pure conversions between quarter notes, seconds and sample frames.

Musical position is counted in quarter notes (float, ``quarter = tick / PPQ``); tempo
in quarter notes per minute, as in MIDI. A map is a sorted list of points; from each
point the tempo either holds until the next point or ramps linearly (in quarter
notes) to the next point's tempo. Ramps are integrated exactly:

    tempo(x) = b0 + k·x  (bpm, x quarters into the ramp, k = (b1 - b0) / length)
    t(x)     = 60/k · ln(1 + k·x/b0)          seconds
    x(t)     = b0/k · (exp(k·t/60) - 1)       its inverse

A frame is ``round(seconds · sample_rate_hz)``; every conversion is a pure function.

A long session keeps adding points; ``since(quarter)`` drops the points before the one
in force at ``quarter`` and keeps the time of the first point kept (``start_seconds``)
exactly as it was, so every later conversion gives the same floats, bit for bit, as
the whole map would. Before its first point such a map extends that point's tempo.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Iterable

MIN_BPM = 1.0
MAX_BPM = 1000.0
_FLAT = 1e-12  # below this slope a ramp is integrated as a constant tempo
_NEGLIGIBLE_QUARTERS = 1e-9  # a ramp shorter than this is integrated at its start tempo (its slope would overflow)


@dataclass(frozen=True, slots=True)
class TempoSegment:
    """From ``start_quarter`` on, ``bpm``; with ``ramp`` it glides to the next point's bpm."""

    start_quarter: float
    bpm: float
    ramp: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.start_quarter) or self.start_quarter < 0:
            raise ValueError(f"tempo point start_quarter: {self.start_quarter} must be >= 0")
        if not MIN_BPM <= self.bpm <= MAX_BPM:
            raise ValueError(f"tempo: {self.bpm} bpm is outside {MIN_BPM:g}..{MAX_BPM:g}")


def _ramp_seconds(b0: float, b1: float, length: float, x: float) -> float:
    k = (b1 - b0) / length
    if abs(k) < _FLAT or length < _NEGLIGIBLE_QUARTERS:
        return 60.0 * x / b0
    return 60.0 / k * math.log1p(k * x / b0)


def _ramp_quarters(b0: float, b1: float, length: float, t: float) -> float:
    k = (b1 - b0) / length
    if abs(k) < _FLAT or length < _NEGLIGIBLE_QUARTERS:
        return t * b0 / 60.0
    return b0 / k * math.expm1(k * t / 60.0)


class TempoMap:
    """An immutable tempo map; see the module docstring for the arithmetic."""

    __slots__ = ("segments", "_starts", "_seconds")

    def __init__(self, segments: Iterable[TempoSegment], start_seconds: float = 0.0):
        """``start_seconds``: the time of the first point, for a map that starts later
        than quarter 0 (what ``since`` returns); a whole map starts at quarter 0, second 0."""
        segs = tuple(segments)
        if not segs or (segs[0].start_quarter != 0 and start_seconds <= 0):
            raise ValueError("a tempo map needs a first point at quarter 0")
        for prev, cur in zip(segs, segs[1:]):
            if cur.start_quarter <= prev.start_quarter:
                raise ValueError(
                    f"tempo points must be strictly increasing: {prev.start_quarter} then {cur.start_quarter}"
                )
        if segs[-1].ramp:
            raise ValueError("the last tempo point cannot ramp: it has no target tempo")
        self.segments = segs
        self._starts = [s.start_quarter for s in segs]
        self._seconds = [float(start_seconds)]
        for i in range(len(segs) - 1):
            self._seconds.append(self._seconds[-1] + self._span_seconds(i, self._length(i)))

    @classmethod
    def constant(cls, bpm: float) -> TempoMap:
        return cls([TempoSegment(0.0, float(bpm))])

    @property
    def start_seconds(self) -> float:
        """The time of the first point (0 for a whole map)."""
        return self._seconds[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TempoMap) and (self.segments, self._seconds[0]) == (other.segments, other._seconds[0])

    def __hash__(self) -> int:
        return hash((self.segments, self._seconds[0]))

    def __repr__(self) -> str:
        start = f", start_seconds={self._seconds[0]!r}" if self._seconds[0] else ""
        return f"TempoMap({list(self.segments)!r}{start})"

    def _length(self, i: int) -> float:
        return self._starts[i + 1] - self._starts[i]

    def _target_bpm(self, i: int) -> float:
        seg = self.segments[i]
        return self.segments[i + 1].bpm if seg.ramp else seg.bpm

    def _span_seconds(self, i: int, x: float) -> float:
        seg = self.segments[i]
        if not seg.ramp:
            return 60.0 * x / seg.bpm
        return _ramp_seconds(seg.bpm, self._target_bpm(i), self._length(i), x)

    def _index_at_quarter(self, quarter: float) -> int:
        return max(0, bisect.bisect_right(self._starts, quarter) - 1)

    def bpm_at(self, quarter: float) -> float:
        """Tempo in quarter notes per minute at ``quarter``."""
        i = self._index_at_quarter(quarter)
        seg = self.segments[i]
        if not seg.ramp:
            return seg.bpm
        frac = (quarter - seg.start_quarter) / self._length(i)
        return seg.bpm + (self._target_bpm(i) - seg.bpm) * frac

    def seconds_at(self, quarter: float) -> float:
        """Seconds from quarter 0 to ``quarter`` (>= 0)."""
        if quarter < 0:
            raise ValueError(f"quarter: {quarter} must be >= 0")
        i = self._index_at_quarter(quarter)
        return self._seconds[i] + self._span_seconds(i, quarter - self._starts[i])

    def quarter_at(self, seconds: float) -> float:
        """The musical position, in quarter notes, reached after ``seconds``."""
        if seconds < 0:
            raise ValueError(f"seconds: {seconds} must be >= 0")
        i = max(0, bisect.bisect_right(self._seconds, seconds) - 1)
        seg = self.segments[i]
        t = seconds - self._seconds[i]
        if not seg.ramp:
            return seg.start_quarter + t * seg.bpm / 60.0
        return seg.start_quarter + _ramp_quarters(seg.bpm, self._target_bpm(i), self._length(i), t)

    def frame_at(self, quarter: float, sample_rate_hz: int) -> int:
        """The sample frame at which ``quarter`` sounds."""
        return round(self.seconds_at(quarter) * sample_rate_hz)

    def quarter_at_frame(self, frame: int, sample_rate_hz: int) -> float:
        """The musical position at sample ``frame``."""
        return self.quarter_at(frame / sample_rate_hz)

    def with_point(self, point: TempoSegment) -> TempoMap:
        """A new map with ``point`` added, dropping every point at or after it."""
        return self.with_points([point])

    def with_points(self, points: Iterable[TempoSegment]) -> TempoMap:
        """A new map with ``points`` (in order) added, dropping every point at or after
        the first of them; a map from ``since`` keeps its start."""
        points = list(points)
        if points[0].start_quarter < self.segments[0].start_quarter:
            raise ValueError(f"tempo point at quarter {points[0].start_quarter} is before this map's first "
                             f"({self.segments[0].start_quarter}): that part was dropped")
        kept = [s for s in self.segments if s.start_quarter < points[0].start_quarter]
        return TempoMap([*kept, *points], start_seconds=self._seconds[0])

    def since(self, quarter: float) -> TempoMap:
        """This map without the points before the one in force at ``quarter`` (module
        docstring): the same conversions from there on, bit for bit."""
        i = self._index_at_quarter(quarter)
        if i == 0:
            return self
        return TempoMap(self.segments[i:], start_seconds=self._seconds[i])
