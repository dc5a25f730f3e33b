"""Exact timing of one stretch between two hits: glide in, hold, glide out.

A stretch of ``length_q`` quarter notes that must last exactly ``duration_s`` is
played as a linear glide (in quarter notes, as ``engine.music.tempo`` integrates it)
from the tempo it inherits, ``start_bpm``, to a hold tempo ``hold_bpm``; the hold;
and a glide from the hold to the tempo it hands on, ``end_bpm``. Each glide is as
short as the bound on tempo change per bar allows. For fixed glide lengths the
stretch's duration falls strictly as ``hold_bpm`` rises, so the hold is found by
bisection; the glide lengths depend on the hold, so the two are iterated to a
fixed point, the last bisection being done with the glide lengths fixed so that the
timing is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_FLAT = 1e-12  # the slope (bpm per quarter) below which tempo.py integrates a ramp as constant
_MIN_GLIDE_Q = 1e-6  # a glide shorter than this (quarters) is left out: a step too small to hear
_BPM_LO, _BPM_HI = 1.0, 1000.0


def ramp_seconds(start_bpm: float, end_bpm: float, length_q: float) -> float:
    """Seconds taken by a linear tempo glide over ``length_q`` quarters (exact integral)."""
    if length_q <= 0:
        return 0.0
    slope = (end_bpm - start_bpm) / length_q
    if abs(slope) < _FLAT:
        return 60.0 * length_q / start_bpm
    return 60.0 / slope * math.log1p(slope * length_q / start_bpm)


def glide_quarters(from_bpm: float, to_bpm: float, change_per_bar: float, quarters_per_bar: float) -> float:
    """The shortest glide, in quarters, whose tempo changes by at most ``change_per_bar``
    of its lower end per bar."""
    return abs(to_bpm - from_bpm) * quarters_per_bar / (change_per_bar * min(from_bpm, to_bpm))


@dataclass(frozen=True, slots=True)
class StretchPlan:
    """How one stretch is played: glide in over ``glide_in_q``, hold, glide out over ``glide_out_q``."""

    start_bpm: float
    hold_bpm: float
    end_bpm: float
    length_q: float
    glide_in_q: float
    glide_out_q: float

    @property
    def hold_q(self) -> float:
        return self.length_q - self.glide_in_q - self.glide_out_q

    def seconds(self) -> float:
        return (ramp_seconds(self.start_bpm, self.hold_bpm, self.glide_in_q)
                + 60.0 * self.hold_q / self.hold_bpm
                + ramp_seconds(self.hold_bpm, self.end_bpm, self.glide_out_q))


def _solve_hold(start, end, length_q, glide_in_q, glide_out_q, duration_s) -> float:
    """The hold tempo that makes the stretch last ``duration_s`` with fixed glide lengths."""
    def seconds(hold: float) -> float:
        return StretchPlan(start, hold, end, length_q, glide_in_q, glide_out_q).seconds()

    lo, hi = _BPM_LO, _BPM_HI
    if not seconds(hi) <= duration_s <= seconds(lo):
        return math.nan
    for _ in range(80):  # bisection in log-tempo: 80 halvings reach float precision
        mid = math.sqrt(lo * hi)
        if seconds(mid) > duration_s:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return math.sqrt(lo * hi)


def plan_stretch(start_bpm: float | None, end_bpm: float | None, length_q: float, duration_s: float,
                 change_per_bar: float, quarters_per_bar: float) -> StretchPlan | None:
    """Glide-hold-glide timing of a stretch lasting exactly ``duration_s``, or None.

    ``start_bpm``/``end_bpm`` None means no glide at that end (the first stretch
    starts at its hold tempo; the last one ends on it). None is returned when the
    glides the bound requires do not fit in the stretch or do not settle.
    """
    hold = 60.0 * length_q / duration_s
    glide_in = glide_out = 0.0
    for _ in range(60):
        glide_in = _glide(start_bpm, hold, change_per_bar, quarters_per_bar)
        glide_out = _glide(end_bpm, hold, change_per_bar, quarters_per_bar)
        if glide_in + glide_out > length_q:
            return None
        new_hold = _solve_hold(start_bpm or hold, end_bpm or hold, length_q, glide_in, glide_out, duration_s)
        if not math.isfinite(new_hold):
            return None
        settled = abs(new_hold - hold) <= 1e-11 * hold
        hold = new_hold
        if settled:
            return StretchPlan(start_bpm or hold, hold, end_bpm or hold, length_q, glide_in, glide_out)
    return None


def _glide(other_bpm: float | None, hold_bpm: float, change_per_bar: float, quarters_per_bar: float) -> float:
    if other_bpm is None:
        return 0.0
    length = glide_quarters(other_bpm, hold_bpm, change_per_bar, quarters_per_bar)
    return 0.0 if length < _MIN_GLIDE_Q else length
