"""Fitting a tempo map to a scene's hits, as a film composer fits a click track.

The music starts at time 0 on the downbeat of bar 0. Each hit must land exactly on
a bar line (or, for a hit marked ``on: beat``, on a beat). Between consecutive hits
lies a *stretch* of known duration; choosing how many beats it holds fixes its
average tempo. ``fit_tempo`` picks those counts by dynamic programming over the
hits, then plays each stretch as glide-hold-glide (``ramps.plan_stretch``) so that
it lasts exactly its duration while tempo never changes by more than
``max_change_per_bar`` within a bar. After the last hit the tempo glides to the
preferred tempo of each state that follows.

The tempo rules of a stretch come from the states (``TempoZone``) in force during
it: the intersection of their ranges (their hull if they do not overlap, for a
stretch that crosses a change of state), and their preferred tempi averaged by
time. A state's meter takes effect at the first hit on a bar line at or after it
(a meter cannot change in mid-bar); after the last hit, at the next bar line.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import Sequence

from engine.cutscene.fit_errors import CHANGE, RANGE, FitError, change_message, phase_message, range_message
from engine.cutscene.ramps import glide_quarters, plan_stretch
from engine.music.notes import Meter
from engine.music.tempo import TempoMap, TempoSegment

log = logging.getLogger(__name__)

_EPS = 1e-9
_SAFETY = 0.98  # glides use this share of the allowed change, for rounding headroom
_MAX_RETRIES = 40
_SMOOTH_SHARE = 0.35  # a tempo change between stretches may use this share of their bars


@dataclass(frozen=True, slots=True)
class TempoZone:
    """The tempo rules of the state in force from ``start_s`` on.

    ``jump_in``: the tempo may change at once when this state takes over (a score
    state with ``tempo_ramp_bars: 0``); otherwise it glides like any other change.
    """

    start_s: float
    state: str
    meter: Meter
    min_bpm: float
    max_bpm: float
    preferred_bpm: float
    jump_in: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.min_bpm <= self.preferred_bpm <= self.max_bpm:
            raise ValueError(f"state {self.state!r}: tempo needs 0 < min <= preferred <= max, got "
                             f"{self.min_bpm:g} <= {self.preferred_bpm:g} <= {self.max_bpm:g}")


@dataclass(frozen=True, slots=True)
class Hit:
    """A moment the music must accent: on a bar line, or on a beat when ``on_beat``.

    ``timecode`` is how messages show the time (e.g. ``00:00:41:05``).
    """

    time_s: float
    name: str
    on_beat: bool = False
    timecode: str = ""

    @property
    def label(self) -> str:
        return f"'{self.name}' ({self.timecode or f'{self.time_s:.3f} s'})"


@dataclass(frozen=True, slots=True)
class FitSettings:
    """Knobs of the fit. ``jump_weight`` prices a change of tempo between stretches
    against seconds spent away from the preferred tempo."""

    max_change_per_bar: float = 0.08
    sample_rate_hz: int = 48_000
    jump_weight: float = 10.0
    max_candidates: int = 24


@dataclass(frozen=True, slots=True)
class Landing:
    """Where a hit landed: its bar (0 = the first) and beat in it, and sample frames."""

    name: str
    time_s: float
    quarter: float
    bar_index: int
    beat_index: int
    frame: int
    target_frame: int


@dataclass(frozen=True, slots=True)
class MeterSpan:
    """From bar ``bar_index`` (at ``start_quarter``) on, bars are in ``meter``."""

    bar_index: int
    start_quarter: float
    meter: Meter


@dataclass(frozen=True)
class TempoFit:
    """A solved tempo map, its bar grid, and where every hit landed."""

    tempo_map: TempoMap
    meters: tuple[MeterSpan, ...]
    landings: tuple[Landing, ...]

    def span_at(self, quarter: float) -> MeterSpan:
        return [s for s in self.meters if s.start_quarter <= quarter + _EPS][-1]

    def bar_quarter(self, bar_index: int) -> float:
        """The quarter at which bar ``bar_index`` starts."""
        span = [s for s in self.meters if s.bar_index <= bar_index][-1]
        return span.start_quarter + (bar_index - span.bar_index) * span.meter.quarters_per_bar

    def bar_and_beat(self, quarter: float) -> tuple[int, int]:
        """(bar index, beat index in the bar) of the beat at or before ``quarter``."""
        span = self.span_at(quarter)
        qpb = span.meter.quarters_per_bar
        bars = math.floor((quarter - span.start_quarter) / qpb + _EPS)
        into = quarter - span.start_quarter - bars * qpb
        return span.bar_index + bars, math.floor(into / (qpb / span.meter.beats_per_bar) + _EPS)


@dataclass(frozen=True, slots=True)
class _Stretch:
    """The span from one anchor (the start or a hit) to the next hit."""

    start_s: float
    end_s: float
    meter: Meter
    min_bpm: float
    max_bpm: float
    preferred_bpm: float
    rule: str  # "state 'combat'" for messages
    start: Hit | None  # None: the start of the music
    end: Hit
    starts_on_bar: bool
    free_start: bool = False  # the tempo may step at its start: a state change is near

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def beat_q(self) -> float:
        return self.meter.quarters_per_bar / self.meter.beats_per_bar

    def bpm(self, beats: int) -> float:
        return 60.0 * beats * self.beat_q / self.duration_s


def zone_at(zones: Sequence[TempoZone], time_s: float) -> TempoZone:
    """The zone in force at ``time_s`` (one starting exactly then counts)."""
    return [z for z in zones if z.start_s <= time_s + _EPS][-1]


def _rules(zones: Sequence[TempoZone], start_s: float, end_s: float) -> tuple[float, float, float, str]:
    """(min, max, preferred bpm, description) of the states in force over [start_s, end_s)."""
    inside = [zone_at(zones, start_s)] + [z for z in zones if start_s + _EPS < z.start_s < end_s - _EPS]
    bounds = [max(z.start_s, start_s) for z in inside] + [end_s]
    weights = [b - a for a, b in zip(bounds, bounds[1:])]
    lo, hi = max(z.min_bpm for z in inside), min(z.max_bpm for z in inside)
    if lo > hi:  # a stretch across a change of state may take what either allows
        lo, hi = min(z.min_bpm for z in inside), max(z.max_bpm for z in inside)
    log_pref = sum(w * math.log(z.preferred_bpm) for w, z in zip(weights, inside)) / sum(weights)
    names = " and ".join(f"'{n}'" for n in dict.fromkeys(z.state for z in inside))
    rule = f"state {names}" if len(inside) == 1 or names.count("'") == 2 else f"states {names}"
    return lo, hi, min(hi, max(lo, math.exp(log_pref))), rule


def _stretches(zones: Sequence[TempoZone], hits: Sequence[Hit]) -> list[_Stretch]:
    stretches: list[_Stretch] = []
    start_s, start, meter, on_bar = 0.0, None, zones[0].meter, True
    for hit in hits:
        if hit.time_s <= _EPS:
            continue
        lo, hi, pref, rule = _rules(zones, start_s, hit.time_s)
        stretches.append(_Stretch(start_s, hit.time_s, meter, lo, hi, pref, rule, start, hit, on_bar))
        start_s, start, on_bar = hit.time_s, hit, not hit.on_beat
        if not hit.on_beat:
            meter = zone_at(zones, hit.time_s).meter
    for i in range(1, len(stretches)):
        before, after = stretches[i - 1].start_s + _EPS, stretches[i].end_s - _EPS
        if any(z.jump_in and before < z.start_s < after for z in zones):
            stretches[i] = replace(stretches[i], free_start=True)
    return stretches


def _candidates(stretch: _Stretch, settings: FitSettings) -> list[int]:
    """Beat counts whose average tempo lies in range, nearest the preferred first."""
    scale = stretch.duration_s / (60.0 * stretch.beat_q)
    lowest = max(1, math.ceil(stretch.min_bpm * scale - _EPS))
    highest = math.floor(stretch.max_bpm * scale + _EPS)
    counts = list(range(lowest, highest + 1))
    per_bar = stretch.meter.beats_per_bar
    keep = settings.max_candidates
    if not stretch.end.on_beat and stretch.starts_on_bar:
        counts = [n for n in counts if n % per_bar == 0]
    elif not stretch.end.on_beat:
        keep *= per_bar  # only some counts will suit the beat the stretch starts on
    target = stretch.preferred_bpm * scale
    return sorted(sorted(counts, key=lambda n: abs(math.log(n / target)))[:keep])


def _pref_cost(stretch: _Stretch, beats: int) -> float:
    return stretch.duration_s * math.log(stretch.bpm(beats) / stretch.preferred_bpm) ** 2


def _smooth_enough(prev: _Stretch, prev_beats: int, cur: _Stretch, beats: int, change: float) -> bool:
    jump = abs(math.log(cur.bpm(beats) / prev.bpm(prev_beats)))
    bars = (prev_beats / prev.meter.beats_per_bar) + (beats / cur.meter.beats_per_bar)
    return jump <= _SMOOTH_SHARE * math.log1p(change) * bars


def _choose_counts(stretches, candidates, settings, forbidden, source) -> list[int]:
    """Dynamic programming over stretches; state = (beats in the stretch, beat phase at its end)."""
    change = settings.max_change_per_bar * _SAFETY / (1 + settings.max_change_per_bar)
    layer: dict[tuple[int, int], tuple[float, tuple | None]] = {(0, 0): (0.0, None)}
    history = []
    for i, (stretch, counts) in enumerate(zip(stretches, candidates)):
        per_bar = stretch.meter.beats_per_bar
        nxt: dict[tuple[int, int], tuple[float, tuple | None]] = {}
        for (prev_beats, phase), (cost, _) in layer.items():
            for beats in counts:
                end_phase = (phase + beats) % per_bar
                if (not stretch.end.on_beat and end_phase) or (i, prev_beats, beats) in forbidden:
                    continue
                step = cost + _pref_cost(stretch, beats)
                if i and not stretch.free_start:
                    prev = stretches[i - 1]
                    if not _smooth_enough(prev, prev_beats, stretch, beats, change):
                        continue
                    step += settings.jump_weight * math.log(stretch.bpm(beats) / prev.bpm(prev_beats)) ** 2
                key = (beats, end_phase)
                if key not in nxt or step < nxt[key][0]:
                    nxt[key] = (step, (prev_beats, phase))
        if not nxt:
            raise _stuck(stretches, candidates, layer, i, settings, source)
        history.append(nxt)
        layer = nxt
    key = min(layer, key=lambda k: layer[k][0])
    counts: list[int] = []
    for nxt in reversed(history):
        counts.append(key[0])
        key = nxt[key][1]
    return counts[::-1]


def _stuck(stretches, candidates, layer, i, settings, source) -> FitError:
    """The error for stretch ``i``, which no count from ``layer`` (the counts that reached
    the stretch before) could follow: the bar line out of reach, or the change per bar."""
    stretch, counts = stretches[i], candidates[i]
    per_bar = stretch.meter.beats_per_bar
    on_phase = [n for n in counts for _, phase in layer if stretch.end.on_beat or (phase + n) % per_bar == 0]
    if not on_phase:
        return FitError(phase_message(stretch, source), stretch.end, RANGE)
    change = settings.max_change_per_bar * _SAFETY / (1 + settings.max_change_per_bar)
    options = []     # (tempo before, tempo here, beats here, the largest step a glide may take there)
    for n in sorted(set(on_phase)):
        for prev_beats, _ in (layer if i else ()):
            prev = stretches[i - 1]
            bars = prev_beats / prev.meter.beats_per_bar + n / stretch.meter.beats_per_bar
            options.append((prev.bpm(prev_beats), stretch.bpm(n), n, math.expm1(_SMOOTH_SHARE * math.log1p(change) * bars)))
    return FitError(change_message(stretch, options, settings.max_change_per_bar, source), stretch.end, CHANGE)


def _junction_bpm(a: _Stretch, a_beats: int, b: _Stretch, b_beats: int) -> float:
    """The tempo handed from stretch a to b: their averages weighted towards the shorter one."""
    la, lb = a_beats * a.beat_q, b_beats * b.beat_q
    return math.exp((lb * math.log(a.bpm(a_beats)) + la * math.log(b.bpm(b_beats))) / (la + lb))


def _realize(stretches, counts, settings):
    """Segments for every stretch, or (index of the stretch that failed, None)."""
    change = settings.max_change_per_bar * _SAFETY / (1 + settings.max_change_per_bar)
    joins = [None] + [None if stretches[i + 1].free_start else
                      _junction_bpm(stretches[i], counts[i], stretches[i + 1], counts[i + 1])
                      for i in range(len(stretches) - 1)] + [None]
    points: list[TempoSegment] = []
    quarter = 0.0
    for i, (stretch, beats) in enumerate(zip(stretches, counts)):
        length_q = beats * stretch.beat_q
        plan = plan_stretch(joins[i], joins[i + 1], length_q, stretch.duration_s, change,
                            stretch.meter.quarters_per_bar)
        if plan is None or not _in_range(plan.hold_bpm, stretch):
            return i, None
        if plan.glide_in_q:
            points.append(TempoSegment(quarter, plan.start_bpm, ramp=True))
        points.append(TempoSegment(quarter + plan.glide_in_q, plan.hold_bpm))
        if plan.glide_out_q:
            points.append(TempoSegment(quarter + length_q - plan.glide_out_q, plan.hold_bpm, ramp=True))
        quarter += length_q
    return len(stretches), points


def _in_range(bpm: float, stretch: _Stretch) -> bool:
    return stretch.min_bpm * (1 - _EPS) <= bpm <= stretch.max_bpm * (1 + _EPS)


def _merge(points: list[TempoSegment]) -> list[TempoSegment]:
    """Drop points at the same quarter as the next one, and holds that repeat a hold."""
    out: list[TempoSegment] = []
    for point in points:
        if out and point.start_quarter <= out[-1].start_quarter + 1e-12:
            out.pop()
        if out and not out[-1].ramp and not point.ramp and out[-1].bpm == point.bpm:
            continue
        out.append(point)
    return out


def _check_inputs(zones: Sequence[TempoZone], hits: Sequence[Hit], length_s: float) -> None:
    if not zones or abs(zones[0].start_s) > _EPS:
        raise ValueError("tempo zones must start with the state in force at 0 s")
    if any(b.start_s < a.start_s for a, b in zip(zones, zones[1:])):
        raise ValueError("tempo zones must be in time order")
    for a, b in zip(hits, hits[1:]):
        if b.time_s <= a.time_s:
            raise ValueError(f"hits must be in strictly increasing time order: {a.label} then {b.label}")
    if hits and (hits[0].time_s < 0 or hits[-1].time_s > length_s + _EPS):
        raise ValueError(f"hits must lie within 0..{length_s:g} s")


def _meter_spans(stretches: list[_Stretch], counts: list[int], first: Meter) -> list[MeterSpan]:
    spans = [MeterSpan(0, 0.0, first)]
    quarter = 0.0
    for i, (stretch, beats) in enumerate(zip(stretches, counts)):
        quarter += beats * stretch.beat_q
        following = stretches[i + 1].meter if i + 1 < len(stretches) else stretch.meter
        if following != spans[-1].meter:
            spans.append(MeterSpan(_bar_at(spans[-1], quarter), quarter, following))
    return spans


def _bar_at(span: MeterSpan, quarter: float) -> int:
    """The index of the bar starting at ``quarter``, a bar line of ``span``."""
    return span.bar_index + round((quarter - span.start_quarter) / span.meter.quarters_per_bar)


def _next_bar_line(span: MeterSpan, quarter: float) -> float:
    qpb = span.meter.quarters_per_bar
    return span.start_quarter + math.ceil((quarter - span.start_quarter) / qpb - _EPS) * qpb


def _glide_to(points: list[TempoSegment], quarter: float, target_bpm: float, change: float,
              quarters_per_bar: float) -> list[TempoSegment]:
    """``points`` cut at ``quarter``, from where the tempo glides to ``target_bpm``."""
    current = TempoMap(_merge(points)).bpm_at(quarter)
    kept = [p for p in points if p.start_quarter < quarter - 1e-12]
    length_q = glide_quarters(current, target_bpm, change, quarters_per_bar)
    if length_q < 1e-6:
        return kept + [TempoSegment(quarter, current)]
    return kept + [TempoSegment(quarter, current, ramp=True), TempoSegment(quarter + length_q, target_bpm)]


def _tail(points, spans, zones, anchor_s, anchor_q, length_s, change):
    """After the last hit: glide to each following state's preferred tempo at a bar line."""
    events = [zone_at(zones, anchor_s)] + [z for z in zones if anchor_s + _EPS < z.start_s < length_s]
    for zone in events:
        tempo_map = TempoMap(_merge(points))
        earliest = max(anchor_q, tempo_map.quarter_at(max(zone.start_s, anchor_s)))
        quarter = _next_bar_line(spans[-1], earliest)
        if tempo_map.seconds_at(quarter) > length_s and zone is not events[0]:
            break
        if zone.meter != spans[-1].meter:
            spans.append(MeterSpan(_bar_at(spans[-1], quarter), quarter, zone.meter))
        qpb = min(spans[-1].meter.quarters_per_bar, spans[-2 if len(spans) > 1 else -1].meter.quarters_per_bar)
        if zone.jump_in and zone is not events[0]:
            points = [p for p in points if p.start_quarter < quarter - 1e-12]
            points.append(TempoSegment(quarter, zone.preferred_bpm))
        else:
            points = _glide_to(points, quarter, zone.preferred_bpm, change, qpb)
    return _merge(points), spans


def _forbid(stretches, counts, failed: int) -> tuple[int, int, int]:
    """The transition to forbid when stretch ``failed`` could not be played: the steeper one."""
    options = []
    for i in (failed, failed + 1):
        if 0 < i < len(stretches) and not stretches[i].free_start:
            jump = abs(math.log(stretches[i].bpm(counts[i]) / stretches[i - 1].bpm(counts[i - 1])))
            options.append((jump, (i, counts[i - 1], counts[i])))
    return max(options)[1] if options else (failed, 0, counts[failed])


def _solve(stretches, settings, source):
    """Counts and tempo points for the stretches, retrying around stretches that cannot be played."""
    candidates = []
    for stretch in stretches:
        counts = _candidates(stretch, settings)
        if not counts:
            raise FitError(range_message(stretch, source), stretch.end, RANGE)
        candidates.append(counts)
    forbidden: set[tuple[int, int, int]] = set()
    for _ in range(_MAX_RETRIES):
        counts = _choose_counts(stretches, candidates, settings, forbidden, source)
        failed, points = _realize(stretches, counts, settings)
        if points is not None:
            return counts, points
        forbidden.add(_forbid(stretches, counts, failed))
        log.debug("stretch %d could not be played with %s beats; retrying", failed, counts)
    stretch = stretches[failed]
    options = [(stretches[failed - 1].bpm(counts[failed - 1]), stretch.bpm(counts[failed]), counts[failed], None)] \
        if failed else []
    raise FitError(change_message(stretch, options, settings.max_change_per_bar, source), stretch.end, CHANGE)


def fit_tempo(zones: Sequence[TempoZone], hits: Sequence[Hit], length_s: float,
              settings: FitSettings = FitSettings(), source: str = "") -> TempoFit:
    """Solve a tempo map on which every hit lands on a bar line (or beat) to the frame.

    ``zones`` give the tempo rules of the state in force from each time on (the first
    at 0 s); ``hits`` are in time order. The map stays within each stretch's tempo
    range, changes by at most ``settings.max_change_per_bar`` per bar, and keeps near
    the preferred tempi. Raises ``FitError`` (a ValueError), prefixed with ``source``,
    naming the two hits, the tempo they would need and the limit that binds, when no
    map can satisfy them.
    """
    _check_inputs(zones, hits, length_s)
    change = settings.max_change_per_bar * _SAFETY / (1 + settings.max_change_per_bar)
    stretches = _stretches(zones, hits)
    if stretches:
        counts, points = _solve(stretches, settings, source)
    else:
        counts, points = [], [TempoSegment(0.0, zones[0].preferred_bpm)]
    spans = _meter_spans(stretches, counts, zones[0].meter)
    quarters = [0.0]
    for stretch, beats in zip(stretches, counts):
        quarters.append(quarters[-1] + beats * stretch.beat_q)
    anchor_s = stretches[-1].end_s if stretches else 0.0
    points, spans = _tail(points, spans, zones, anchor_s, quarters[-1], length_s, change)
    tempo_map = TempoMap(points)
    fit = TempoFit(tempo_map, tuple(spans), ())
    hit_quarters = [0.0] * (len(hits) - len(stretches)) + quarters[1:]  # a hit at 0 s is on bar 0
    landings = tuple(_landing(fit, hit, q, settings.sample_rate_hz) for hit, q in zip(hits, hit_quarters))
    return TempoFit(tempo_map, tuple(spans), landings)


def _landing(fit: TempoFit, hit: Hit, quarter: float, sample_rate_hz: int) -> Landing:
    bar, beat = fit.bar_and_beat(quarter)
    frame = fit.tempo_map.frame_at(quarter, sample_rate_hz)
    target = round(hit.time_s * sample_rate_hz)
    assert abs(frame - target) <= 1, (hit, frame, target)
    return Landing(hit.name, hit.time_s, quarter, bar, beat, frame, target)
