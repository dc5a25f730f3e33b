"""The plan: what should sound when, as pure data over the clock. No lock, no thread, no synth.

The plan holds the musical clock (``Conductor``: bar grid and tempo map), the intent
timeline (a list of changes, each in force from its frame, with the score state it
belongs to), the runs of authored segments (bar ranges), and the layer gain points
(target gains from a frame, with a fade). The player keeps it under its lock and acts
on what it says (roll back the composer, cancel events, ramp the mixer); tests drive
it directly. ``heard_at(frame)`` says what is heard at a frame and what is pending.

The transition contract (docs/score-format.md, "Transitions"). The old state plays
until the landing frame. A fade is a crossfade of layers that *ends at the landing*:
over the ``fade`` before it, the layers go from the old state's set to the new one's
(a layer both use stays up; one leaving fades out on the old music; one arriving
fades in, on the old music where the old state has that layer), and at the landing
the new music takes over. When the landing is nearer than the fade, the crossfade
starts at the request (or at the previous landing) and runs its full length, past the
landing. While a transition is pending, a soft change of intensity retargets the
landing, not the music still playing.

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

FORMS_KEPT = 4
"""Form settings of edited scores kept, for bars that a transition may still recompose."""


@dataclass(frozen=True, slots=True)
class Change:
    """From ``frame`` on, ``intent`` (None: a soft change of ``intensity`` only)."""

    frame: int
    intent: Intent | None
    intensity: float = 0.0
    state: str = ""          # the score state a transition lands in ("" for soft changes)
    fade_start: int = 0      # a transition's crossfade: from this frame
    fade_frames: int = 0     # over this many frames


@dataclass(frozen=True, slots=True)
class Pending:
    """A transition received and not heard yet: to ``state`` (``mood``) at ``frame``
    (``time_s`` seconds from the start)."""

    state: str
    mood: str
    frame: int
    time_s: float


@dataclass(frozen=True, slots=True)
class Heard:
    """What sounds at a frame: the state and intent there, and the next landing if any."""

    state: str
    intent: Intent
    pending: Pending | None


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


def _frame(change: Change) -> int:
    return change.frame


class Plan:
    """Intent timeline, segment runs and gain points over ``clock``; see the module
    docstring. ``tempo_ramp_beats``: how long a tempo change glides by default;
    ``fade_beats``: a layer fade's length when none is given."""

    def __init__(self, intent: Intent, clock: Conductor, *, state: str = "", layers: tuple[LayerSpec, ...] = LAYER_SPECS,
                 tempo_ramp_beats: float = 0.0, fade_beats: float = 1.0):
        self.clock = clock
        self.layers = layers
        self.tempo_ramp_beats = tempo_ramp_beats
        self.fade_beats = fade_beats
        self.changes: list[Change] = [Change(0, intent, state=state)]
        self.runs: list[Run] = []
        self.gain_points: list[GainPoint] = []
        self.forms: list[tuple[int, object]] = []   # (first bar, form settings) of a score edited while playing

    # ------------------------------------------------------------ reading

    def fold(self, frame: int, strict: bool = False) -> Intent:
        """The intent in force at ``frame`` (``strict``: of the changes before it only): the
        last transition's, at the intensity of the last soft change after it. The changes
        are in frame order, so this is a bisection, not a walk over the session's changes
        (the snapshot asks it every game frame, the composer every bar)."""
        changes = self.changes
        last = (bisect.bisect_left if strict else bisect.bisect_right)(changes, frame, key=_frame) - 1
        if last <= 0:
            return changes[0].intent
        change = changes[last]
        if change.intent is not None:
            return change.intent
        landed = last - 1
        while changes[landed].intent is None:
            landed -= 1
        return dataclasses.replace(changes[landed].intent, intensity=change.intensity)

    def intent_for_bar(self, k: int) -> Intent:
        """The intent bar ``k`` is composed and arranged with (module docstring)."""
        start, end = self.clock.bar_start_frame(k), self.clock.bar_start_frame(k + 1)
        base = self.fold(start)
        inner = self.fold(end, strict=True)
        if inner is not base:
            base = dataclasses.replace(inner, key=base.key, tempo_bpm=base.tempo_bpm)
        return dataclasses.replace(base, meter=self.clock.bar_meter(k))

    def heard_at(self, frame: int) -> Heard:
        """What is heard at ``frame``: the state whose music plays there (a transition is
        heard from its landing on), the intent in force, and the next landing after it."""
        landed = next(c for c in reversed(self.changes) if c.intent is not None and c.frame <= frame)
        coming = self.pending_after(frame)
        pending = None if coming is None else Pending(coming.state, coming.intent.mood, coming.frame,
                                                      coming.frame / self.clock.sample_rate_hz)
        return Heard(landed.state, self.fold(frame), pending)

    def pending_after(self, frame: int) -> Change | None:
        """The first transition landing after ``frame``, if any."""
        return next((c for c in self.changes if c.intent is not None and c.frame > frame), None)

    def reform(self, first_bar: int, form: object) -> None:
        """Bars from ``first_bar`` on are composed with ``form``; the latest few settings
        are kept (edits are made by hand, and only bars ahead are ever recomposed)."""
        self.forms = [(bar, f) for bar, f in self.forms if bar < first_bar][-FORMS_KEPT:] + [(first_bar, form)]

    def form_for_bar(self, k: int) -> object | None:
        """The form settings bar ``k`` is composed with (None: the composer's own)."""
        return next((form for bar, form in reversed(self.forms) if bar <= k), None)

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
             tempo_ramp_bars: float | None = None, *, received_frame: int | None = None, state: str = "") -> int:
        """A transition to ``intent`` (score state ``state``), received at
        ``received_frame`` (None: ``frame``), lands at ``frame``: later changes are
        dropped, a run playing past the next bar line is cut there, the meter changes
        from that bar line, the tempo from ``frame`` (gliding over ``tempo_ramp_bars``,
        None: the default), and the layers crossfade over ``fade_frames`` ending at the
        landing (module docstring). With ``segment``, it plays from that bar line (all
        layers up), then the intent's layers come back, crossfading the same way into
        the segment's end. Returns the frame from which the gains changed."""
        clock = self.clock
        k = clock.bar_at_frame(frame)
        line = k if clock.bar_start_frame(k) == frame else k + 1
        quarter = clock.quarter_of(frame)
        kept = [c for c in self.changes if c.frame < frame]
        previous = max((c.frame for c in kept if c.intent is not None), default=0)
        start = max(frame if received_frame is None else received_frame, frame - fade_frames, previous)
        self.changes = kept + [Change(frame, intent, state=state, fade_start=start, fade_frames=fade_frames)]
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
        self.gain_points = [p for p in self.gain_points if p.frame < start]
        gains = layer_gains(intent, self.layers)
        if segment is None:
            self.add_gain_point(start, gains, fade_frames)
            return start
        end_bar = None if segment.loop else line + segment.length_bars
        self.runs.append(Run(line, segment, end_bar))
        self.add_gain_point(start, {spec.name: 1.0 for spec in self.layers}, fade_frames)
        if end_bar is not None:
            clock.set_meter_from(end_bar, intent.meter)
            end = clock.bar_start_frame(end_bar)
            self.add_gain_point(max(frame, end - fade_frames), gains, fade_frames)
        return start

    def soften(self, frame: int, intensity: float, fade_frames: int, lookahead_bars: int) -> int | None:
        """A soft change of intensity received at ``frame``: bars from ``lookahead_bars
        + 1`` bars on are composed at it, and the layers fade to the gains of the intent
        there at ``intensity`` (not while a segment plays: it has all layers up). While
        a transition is pending it is the landing that changes: its crossfade aims at
        the new gains, and the music before it keeps its intensity. Returns the frame
        from which the gains changed (None: they did not)."""
        clock = self.clock
        at = clock.bar_start_frame(clock.bar_at_frame(frame) + lookahead_bars + 1)
        coming = self.pending_after(frame)
        if coming is not None:
            at = max(at, coming.frame)   # never composed yet: bars from the landing's are not
        bisect.insort(self.changes, Change(at, None, intensity), key=_frame)
        if coming is not None:
            return self._retarget(coming, frame, intensity)
        if self.run_at_bar(clock.bar_at_frame(frame)) is not None:
            return None
        self.add_gain_point(frame, layer_gains(dataclasses.replace(self.fold(frame), intensity=intensity),
                                               self.layers), fade_frames)
        return frame

    def _retarget(self, landing: Change, frame: int, intensity: float) -> int | None:
        """The pending ``landing``'s crossfade aims at its intent at ``intensity`` from
        ``frame`` on, ending where it was to end (a segment's gains are left alone)."""
        if self.run_at_bar(self.clock.bar_at_frame(landing.frame)) is not None:
            return None
        start = max(frame, landing.fade_start)
        end = max(start, landing.fade_start + landing.fade_frames)
        self.gain_points = [p for p in self.gain_points if not start <= p.frame <= landing.frame]
        gains = layer_gains(dataclasses.replace(landing.intent, intensity=intensity), self.layers)
        self.add_gain_point(start, gains, end - start)
        return start

    def fade_out(self, frame: int, fade_frames: int) -> None:
        """Every layer fades to silence from ``frame`` over ``fade_frames`` (a stop)."""
        self.gain_points = [p for p in self.gain_points if p.frame < frame]
        self.add_gain_point(frame, {spec.name: 0.0 for spec in self.layers}, fade_frames)

    def fade_in(self, frame: int, fade_frames: int) -> None:
        """After a stop the layers fade back in from ``frame`` over ``fade_frames``: all of
        them under a segment run, else those of the intent in force there."""
        self.gain_points = [p for p in self.gain_points if p.frame < frame]
        if self.run_at_bar(self.clock.bar_at_frame(frame)) is not None:
            gains = {spec.name: 1.0 for spec in self.layers}
        else:
            gains = layer_gains(self.fold(frame), self.layers)
        self.add_gain_point(frame, gains, fade_frames)

    def add_gain_point(self, frame: int, gains: dict[str, float], fade_frames: int) -> None:
        bisect.insort(self.gain_points, GainPoint(frame, tuple(gains.items()), fade_frames), key=lambda p: p.frame)

    def forget_before(self, frame: int) -> None:
        """Drop gain points no longer needed from ``frame`` on (the last one stays)."""
        self.gain_points = [p for p in self.gain_points if p.frame >= frame] or self.gain_points[-1:]

    def forget_history(self, frame: int) -> None:
        """Forget what lies before ``frame`` so that a long session costs what a short one
        does: the changes up to ``frame`` fold into one (the intent in force there, from
        the landing it is heard from, with that landing's state), runs
        over by then go, and so do the clock's bars and tempo points before it. Nothing
        read at ``frame`` or later changes; earlier frames are no longer answered."""
        last = bisect.bisect_right(self.changes, frame, key=_frame) - 1
        if last > 0:   # the one change keeps the landing it is heard from: its frame and state
            landed = next(c for c in reversed(self.changes[:last + 1]) if c.intent is not None)
            self.changes[:last + 1] = [Change(landed.frame, self.fold(frame), state=landed.state)]
        bar = self.clock.bar_at_frame(frame)
        self.runs = [r for r in self.runs if r.end_bar is None or r.end_bar > bar]
        self.clock.forget_before(frame)
