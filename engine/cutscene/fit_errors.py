"""Why a tempo fit failed, in words a composer reads: the two hits, the binding limit,
and (``nearest_fit``) the nearest time the later hit could move to.

Two limits can bind a stretch between hits: the **tempo range** of the state in force
(no whole number of bars, or beats, fits in it at an allowed tempo), or the
**change per bar** (``tempo.max_change_per_bar``: counts that fit the range exist,
but none is reachable from the tempo before it). Tempi are quarter-note bpm, the unit
of a score's tempo range; where the meter's beat is another note (a dotted quarter in
6/8) the message counts that beat and gives its tempo too.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

RANGE, CHANGE = "range", "change"
MAX_SEARCH_S = 4.0
"""How far either side of a hit ``nearest_fit`` looks for a time that fits."""
_NOTE_NAMES = {4.0: "whole", 3.0: "dotted-half", 2.0: "half", 1.5: "dotted-quarter", 1.0: "quarter",
               0.75: "dotted-eighth", 0.5: "eighth", 0.25: "sixteenth"}


class FitError(ValueError):
    """The hits cannot all be met; ``hit`` is the later hit of the stretch that failed and
    ``limit`` the limit that binds it (``RANGE`` or ``CHANGE``)."""

    def __init__(self, message: str, hit, limit: str):
        super().__init__(message)
        self.hit = hit
        self.limit = limit


def _allows(rule: str) -> str:
    return f"{rule} {'allow' if rule.startswith('states') else 'allows'}"


def pair(stretch) -> str:
    """``hits 'door' (00:00:41:05) and 'scream' (00:00:41:20)`` or ``the start and hit 'door' (...)``."""
    if stretch.start is None:
        return f"the start and hit {stretch.end.label}"
    return f"hits {stretch.start.label} and {stretch.end.label}"


def _beat_name(meter) -> str:
    beat_q = meter.quarters_per_bar / meter.beats_per_bar
    return "beat" if beat_q == 1.0 else f"{_NOTE_NAMES.get(beat_q, f'{beat_q:g}-quarter')} beat"


def counted(count: int, unit: str, meter) -> str:
    """``one bar of 6/8``, ``2 bars of 4/4``, ``4 dotted-quarter beats of 6/8``."""
    word = "bar" if unit == "bar" else _beat_name(meter)
    if count == 1:
        return f"one {word} of {meter}"
    return f"{count} {word}s of {meter}"


def tempo(bpm: float, meter, digits: int = 1) -> str:
    """``95.2 bpm``, or ``95.2 bpm (63.5 dotted quarters a minute)`` where the beat is not a quarter."""
    beat_q = meter.quarters_per_bar / meter.beats_per_bar
    text = f"{bpm:.{digits}f} bpm"
    if beat_q != 1.0:
        note = _NOTE_NAMES.get(beat_q, f"{beat_q:g}-quarter").replace("-", " ")
        text += f" ({bpm / beat_q:.{digits}f} {note}s a minute)"
    return text


def _range(stretch) -> str:
    return f"the {stretch.min_bpm:g}..{stretch.max_bpm:g} bpm that {_allows(stretch.rule)}"


def range_message(stretch, source: str) -> str:
    """No count of bars (beats towards an ``on: beat`` hit) gives a tempo in range."""
    unit = "beat" if stretch.end.on_beat else "bar"
    per_unit_q = stretch.beat_q if stretch.end.on_beat else stretch.meter.quarters_per_bar
    head = f"{source + ': ' if source else ''}{pair(stretch)} are {stretch.duration_s:.2f} s apart: "
    one = 60.0 * per_unit_q / stretch.duration_s
    tail = f", outside {_range(stretch)} (the binding limit: that tempo range)"
    if one > stretch.max_bpm:
        return head + f"{counted(1, unit, stretch.meter)} there needs {tempo(one, stretch.meter, 0)}" + tail
    n = math.floor(stretch.min_bpm * stretch.duration_s / (60.0 * per_unit_q))
    need = "needs" if n == 1 else "need"
    return (head + f"{counted(n, unit, stretch.meter)} there {need} {tempo(one * n, stretch.meter)} and {n + 1} "
            f"need {tempo(one * (n + 1), stretch.meter)}, both" + tail[1:])


def phase_message(stretch, source: str) -> str:
    """After a hit on a beat, no count of beats puts the next bar hit on a bar line in range."""
    return (f"{source + ': ' if source else ''}{pair(stretch)}: no count of {_beat_name(stretch.meter)}s between "
            f"them puts the second on a bar line within {_range(stretch)} (the binding limit: that tempo range "
            "with the bar line; mark the second `on: beat` to free it)")


def change_message(stretch, options, change: float, source: str) -> str:
    """Counts fit the range, but none is reachable from the tempo before at ``change`` per bar.

    ``options`` are (tempo before, tempo here, beats here, largest step there or None
    when the glides did not fit in the stretch); the message quotes the one that misses
    by least."""
    head = f"{source + ': ' if source else ''}{pair(stretch)} are {stretch.duration_s:.2f} s apart: "
    limit = "(the binding limit: tempo.max_change_per_bar)"
    if not options:
        return head + f"no tempo in {_range(stretch)} is reachable at ≤ {change:.0%} change per bar {limit}"

    def excess(option):
        before, here, _, allowed = option
        return abs(math.log(here / before)) - (math.log1p(allowed) if allowed is not None else 0.0)

    before, here, n, allowed = min(options, key=excess)
    per_unit = 1 if stretch.end.on_beat else stretch.meter.beats_per_bar
    count, unit = (n // per_unit, "bar") if n % per_unit == 0 and not stretch.end.on_beat else (n, "beat")
    step = abs(here / before - 1)
    reach = (f"a glide at ≤ {change:.0%} per bar moves at most {allowed:.1%} over those bars" if allowed is not None
             else f"a glide at ≤ {change:.0%} per bar does not fit in the stretch")
    return head + (f"{counted(count, unit, stretch.meter)} there at {tempo(here, stretch.meter)} "
                   f"{'fits' if count == 1 else 'fit'} {_range(stretch)}, but the tempo before is "
                   f"{tempo(before, stretch.meter)}, {step:.1%} away, and {reach} {limit}")


def nearest_fit(fit, zones, hits, length_s: float, error: FitError, frame_rate, format_timecode) -> str:
    """A sentence giving the picture frame nearest ``error.hit`` (within ``MAX_SEARCH_S``, between
    its neighbours) at which the hits up to the next one fit, a change of state at the
    hit moving with it; or saying there is none.

    ``fit(zones, hits, length_s)`` is the fit to try (it raises ValueError when the hits
    cannot be met); only the hits up to the one after the moved hit are fitted, so each
    try is quick.
    """
    index = next(i for i, hit in enumerate(hits) if hit is error.hit)
    fps = Fraction(frame_rate.fps)
    frame0 = round(Fraction(error.hit.time_s) * fps)
    earliest = hits[index - 1].time_s if index else 0.0
    latest = hits[index + 1].time_s if index + 1 < len(hits) else length_s
    window = hits[:index + 2]
    for step in range(1, int(MAX_SEARCH_S * fps) + 1):
        for frame in (frame0 + step, frame0 - step):
            time_s = float(frame / fps)
            if not earliest < time_s < latest:
                continue
            moved = replace(error.hit, time_s=time_s, timecode=format_timecode(frame / fps, frame_rate))
            tried = window[:index] + [moved] + window[index + 1:]
            # a change of state on the hit moves with it, as it would in the cutscene
            shifted = [replace(z, start_s=time_s) if z.start_s == error.hit.time_s else z for z in zones]
            try:
                fit(shifted, tried, max(length_s, time_s))
            except ValueError:
                continue
            direction = "later" if frame > frame0 else "earlier"
            return (f"The nearest time that fits for '{error.hit.name}' is {moved.timecode} "
                    f"({step} frame{'s' * (step != 1)} {direction}).")
    return f"No time within {MAX_SEARCH_S:g} s of '{error.hit.name}' fits; move the hits further apart."
