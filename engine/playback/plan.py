"""The plan: what should sound when, as pure data over the clock. No lock, no thread, no synth.

The plan holds the musical clock (``Conductor``: bar grid and tempo map), the intent
timeline (a list of changes, each in force from its frame), the runs of authored
segments (bar ranges), and the layer gain points (target gains from a frame, with a
fade). The player keeps it under its lock and acts on what it says (roll back the
composer, cancel events, ramp the mixer); tests drive it directly.

Intent over a bar. The intent in force over bar k is that of the last change at or
before its start; a transition landing inside bar k also re-colours k (intensity,
mood, layers) but its key, meter and tempo wait for the next bar line. A soft change
of intensity (``soften``) takes effect from a bar line far enough ahead that no bar
composed yet is affected.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass

from engine.music.intent import Intent
from engine.music.notes import PPQ
from engine.playback.arranger import LAYER_SPECS, LayerSpec, layer_gains
from engine.playback.conductor import Conductor
from engine.playback.segments import Segment


@dataclass(frozen=True, slots=True)
class Change:
    """From ``frame`` on, ``intent`` (None: a soft change of ``intensity`` only)."""

    frame: int
    intent: Intent | None
    intensity: float = 0.0


@dataclass(frozen=True, slots=True)
class Run:
    """A segment placed from ``start_bar``; ``end_bar`` None while it loops on."""

    start_bar: int
    segment: Segment
    end_bar: int | None


@dataclass(frozen=True, slots=True)
class GainPoint:
    """From ``frame`` the layers glide to ``gains`` over ``fade_frames``."""

    frame: int
    gains: tuple[tuple[str, float], ...]
    fade_frames: int


class Plan:
    """Intent timeline, segment runs and gain points over ``clock``; see the module
    docstring. ``tempo_ramp_beats``: how long a tempo change glides by default;
    ``fade_beats``: a layer fade's length when none is given."""

    def __init__(self, intent: Intent, clock: Conductor, *, layers: tuple[LayerSpec, ...] = LAYER_SPECS,
                 tempo_ramp_beats: float = 0.0, fade_beats: float = 1.0):
        self.clock = clock
        self.layers = layers
        self.tempo_ramp_beats = tempo_ramp_beats
        self.fade_beats = fade_beats
        self.changes: list[Change] = [Change(0, intent)]
        self.runs: list[Run] = []
        self.gain_points: list[GainPoint] = []

    # ------------------------------------------------------------ reading

    def fold(self, frame: int, strict: bool = False) -> Intent:
        """The intent in force at ``frame`` (``strict``: of the changes before it only)."""
        intent = self.changes[0].intent
        for change in self.changes:
            if change.frame > frame or (strict and change.frame == frame):
                break
            intent = change.intent or dataclasses.replace(intent, intensity=change.intensity)
        return intent

    def intent_for_bar(self, k: int) -> Intent:
        """The intent bar ``k`` is composed and arranged with (module docstring)."""
        start, end = self.clock.bar_start_frame(k), self.clock.bar_start_frame(k + 1)
        base = self.fold(start)
        inner = self.fold(end, strict=True)
        if inner is not base:
            base = dataclasses.replace(inner, key=base.key, tempo_bpm=base.tempo_bpm)
        return dataclasses.replace(base, meter=self.clock.bar_meter(k))

    def run_at_bar(self, k: int) -> Run | None:
        """The segment run that plays bar ``k``, if any (the latest placed wins)."""
        for run in reversed(self.runs):
            if run.start_bar <= k and (run.end_bar is None or k < run.end_bar):
                return run
        return None

    def segment_end(self, frame: int) -> int | None:
        """The frame where the pass of the segment playing at ``frame`` ends (None: none plays)."""
        k = self.clock.bar_at_frame(frame)
        run = self.run_at_bar(k)
        if run is None:
            return None
        n = run.segment.length_bars
        end = run.start_bar + n * ((k - run.start_bar) // n + 1)
        return self.clock.bar_start_frame(end if run.end_bar is None else min(end, run.end_bar))

    def fade_frames(self, fade_s: float | None, frame: int) -> int:
        """``fade_s`` in frames; None or 0: ``fade_beats`` beats of the tempo at ``frame``."""
        clock = self.clock
        if fade_s is not None and fade_s > 0:
            return round(fade_s * clock.sample_rate_hz)
        beat_s = 60.0 / clock.bpm_at_frame(frame) * clock.bar_meter(clock.bar_at_frame(frame)).ticks_per_beat / PPQ
        return round(self.fade_beats * beat_s * clock.sample_rate_hz)

    def gain_points_from(self, frame: int) -> list[GainPoint]:
        """The gain points at or after ``frame``, in order (to replay into a mixer)."""
        return [p for p in self.gain_points if p.frame >= frame]

    # ------------------------------------------------------------ changing

    def land(self, frame: int, intent: Intent, fade_frames: int, segment: Segment | None = None,
             tempo_ramp_bars: float | None = None) -> None:
        """A transition to ``intent`` lands at ``frame``: later changes are dropped, a
        run playing past the next bar line is cut there, the meter changes from that bar
        line, the tempo from ``frame`` (gliding over ``tempo_ramp_bars``, None: the
        default), and the layers fade over ``fade_frames``. With ``segment``, it plays
        from that bar line (all layers up), then the intent's layers come back."""
        clock = self.clock
        k = clock.bar_at_frame(frame)
        line = k if clock.bar_start_frame(k) == frame else k + 1
        quarter = clock.quarter_of(frame)
        self.changes = [c for c in self.changes if c.frame < frame] + [Change(frame, intent)]
        self.runs = [dataclasses.replace(r, end_bar=line) if r.end_bar is None or r.end_bar > line else r
                     for r in self.runs if r.start_bar < line]
        meter = segment.meter if segment is not None else intent.meter
        clock.set_meter_from(line, meter)
        bpm = segment.tempo_bpm if segment is not None and segment.tempo_bpm else intent.tempo_bpm
        if tempo_ramp_bars is None:
            ramp = self.tempo_ramp_beats * meter.ticks_per_beat / PPQ
        else:
            ramp = tempo_ramp_bars * meter.quarters_per_bar
        clock.set_tempo(quarter, bpm, ramp)
        self.gain_points = [p for p in self.gain_points if p.frame < frame]
        gains = layer_gains(intent, self.layers)
        if segment is None:
            self.add_gain_point(frame, gains, fade_frames)
            return
        end_bar = None if segment.loop else line + segment.length_bars
        self.runs.append(Run(line, segment, end_bar))
        self.add_gain_point(frame, {spec.name: 1.0 for spec in self.layers}, fade_frames)
        if end_bar is not None:
            clock.set_meter_from(end_bar, intent.meter)
            self.add_gain_point(clock.bar_start_frame(end_bar), gains, fade_frames)

    def soften(self, frame: int, intensity: float, fade_frames: int, lookahead_bars: int) -> bool:
        """A soft change of intensity received at ``frame``: the layers fade to the gains
        of the intent there at ``intensity`` (not while a segment plays: it has all layers
        up), and bars from ``lookahead_bars + 1`` bars on are composed at it. Returns
        whether a gain point was added."""
        clock = self.clock
        faded = self.run_at_bar(clock.bar_at_frame(frame)) is None
        if faded:
            gains = layer_gains(dataclasses.replace(self.fold(frame), intensity=intensity), self.layers)
            self.add_gain_point(frame, gains, fade_frames)
        bar = clock.bar_at_frame(frame) + lookahead_bars + 1
        bisect.insort(self.changes, Change(clock.bar_start_frame(bar), None, intensity), key=lambda c: c.frame)
        return faded

    def fade_out(self, frame: int, fade_frames: int) -> None:
        """Every layer fades to silence from ``frame`` over ``fade_frames`` (a stop)."""
        self.gain_points = [p for p in self.gain_points if p.frame < frame]
        self.add_gain_point(frame, {spec.name: 0.0 for spec in self.layers}, fade_frames)

    def add_gain_point(self, frame: int, gains: dict[str, float], fade_frames: int) -> None:
        bisect.insort(self.gain_points, GainPoint(frame, tuple(gains.items()), fade_frames), key=lambda p: p.frame)

    def forget_before(self, frame: int) -> None:
        """Drop gain points no longer needed from ``frame`` on (the last one stays)."""
        self.gain_points = [p for p in self.gain_points if p.frame >= frame] or self.gain_points[-1:]
