"""The player: conductor + composer + arranger + sequencer + synth, the object the API holds.

Threads. The game thread calls ``transition``, ``set_intensity``, ``stinger``, ``stop``
and ``poll``; the render thread calls ``render_into`` (one block); the composer thread
calls ``pump`` (compose ahead, within ``lookahead_bars``). The player lock guards the
plan (changes, clock, sequencer, mixer) and is only held for bookkeeping and one
block's render: the network runs outside it, under its own lock, so neither the game
nor the render thread waits for a bar to be composed. The render thread composes a
bar itself only when the block it renders needs one that is not there yet (offline,
every bar; live, a bar a transition has just rolled back). ``poll`` only pops a deque.

Time. The render head (``head_frame``) is the next frame to be rendered; nothing
before it can change. A request received at frame r (default: the head) lands at
``sync_frame(max(r, head), sync, clock)``.

Determinism. Bar k is composed from the composer snapshot taken at k's start, with
the intent in force over k (below), whoever composes it and whenever: a transition
landing at f restores the snapshot of the bar containing f, drops the bars composed
from there and cancels the music from f; a soft ``set_intensity`` received at r
affects composition only from bar ``bar_at(r) + lookahead_bars + 1`` on (never
composed yet), so it needs no rollback. The intent in force over bar k is that of
the last change at or before its start; a transition landing inside bar k also
re-colours k (intensity, mood, layers) but its key, meter and tempo wait for the
next bar line.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import threading
from dataclasses import dataclass

import numpy as np

from engine.music.events import TimedEvent
from engine.music.intent import LAYERS, Intent
from engine.music.notes import PPQ, Bar, Meter
from engine.playback.arranger import LAYER_CHANNELS, Arranger, layer_gains
from engine.playback.conductor import ClockConfig, Conductor, SyncPoint, sync_frame
from engine.playback.cues import Cue, CueTrack
from engine.playback.mixer import Mixer
from engine.playback.resume import ResumeMemory
from engine.playback.segments import Segment
from engine.playback.sequencer import MUSIC_LANE, STINGER_LANE, Sequencer
from engine.playback.stingers import Stinger
from engine.playback.voices import VoiceGate

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlayerConfig:
    """``lookahead_bars`` composed ahead of the head; ``tempo_ramp_beats`` over which a
    tempo change glides (0: at once); ``fade_beats`` of a layer fade when no fade_s."""

    sample_rate_hz: int = 48000
    lookahead_bars: int = 1
    phrase_bars: int = 4
    tempo_ramp_beats: float = 0.0
    fade_beats: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.lookahead_bars <= 16:
            raise ValueError(f"player lookahead_bars: {self.lookahead_bars} is outside 1..16")
        if self.tempo_ramp_beats < 0 or self.fade_beats < 0:
            raise ValueError("player tempo_ramp_beats and fade_beats must be >= 0")


@dataclass(frozen=True, slots=True)
class _Change:
    frame: int
    intent: Intent | None        # None: a soft change of intensity only
    intensity: float = 0.0


@dataclass(frozen=True, slots=True)
class _Run:
    """A segment placed from ``start_bar``; ``end_bar`` None while it loops on."""

    start_bar: int
    segment: Segment
    end_bar: int | None


@dataclass(frozen=True, slots=True)
class _GainPoint:
    frame: int
    gains: tuple[tuple[str, float], ...]
    fade_frames: int


class Player:
    """Plays adaptive music from ``composer`` through ``synth``; see the module docstring."""

    def __init__(self, composer, synth, intent: Intent = Intent(), config: PlayerConfig = PlayerConfig(),
                 arranger: Arranger | None = None):
        self.config = config
        self.sample_rate_hz = config.sample_rate_hz
        self.composer = composer
        self.synth = synth
        self.arranger = arranger or Arranger()
        self.clock = Conductor(ClockConfig(config.sample_rate_hz, config.phrase_bars),
                               tempo_bpm=intent.tempo_bpm, meter=intent.meter)
        self.sequencer = Sequencer()
        self.mixer = Mixer(LAYER_CHANNELS, layer_gains(intent))
        self.voices = VoiceGate(no_restrike_channels=(LAYER_CHANNELS["percussion"],))
        self._lock = threading.Lock()             # the plan: changes, clock, sequencer, mixer
        self._compose_lock = threading.Lock()     # the composer object, one bar at a time
        self._plan = 0                            # bumped by every change that may alter a bar
        self._due_frame = 0                       # head frame from which bar _next_bar is wanted
        self._changes: list[_Change] = [_Change(0, intent)]
        self._runs: list[_Run] = []
        self._gain_points: list[_GainPoint] = []
        self._next_bar = 0
        self._snapshots: dict[int, object] = {0: composer.snapshot()}   # composer state at bar k's start
        self._resume = ResumeMemory()
        self._bars: dict[int, tuple[Bar, Intent]] = {}
        self._floor = 0                      # no composed event before the last landing
        self._stop_frame: int | None = None     # no composed music from here (stop or end_music)
        self._silence_frame: int | None = None  # nothing at all from here, stingers included (stop)
        self._last_stinger: dict[str, int] = {}
        self.cues = CueTrack(self.clock, config.sample_rate_hz)
        self._forget_at_bar = 8             # drop old snapshots, bars and gain points then
        self.bars_composed = 0
        self.bars_composed_inline = 0    # by render_into, because the block needed them at once

    # ------------------------------------------------------------ render side

    @property
    def head_frame(self) -> int:
        return self.sequencer.frame

    def render_into(self, out: np.ndarray) -> None:
        """Render the next ``len(out)`` frames into ``out`` (float32, (frames, 2)),
        composing first whatever bar they need that is not composed yet (offline, that
        is every bar; live, only a bar a transition has just rolled back)."""
        while True:
            with self._lock:
                start = self.sequencer.frame
                end = start + len(out)
                if not self._wants_bar_locked(until_frame=end):
                    events = self.sequencer.block_events(len(out), self.mixer.events(start, end))
                    self.synth.render_block(out, start, self.voices.filter(events))
                    if self._stop_frame is None or start <= self._stop_frame:
                        self.cues.emit(start, end)
                    if self._next_bar >= self._forget_at_bar:
                        self._forget_at_bar = self._next_bar + 8
                        self._forget_locked(start)
                    return
            if self._compose_one(until_frame=end):
                self.bars_composed_inline += 1

    def render(self, frames: int) -> np.ndarray:
        """Render ``frames`` frames into a new array (offline use)."""
        out = np.empty((frames, 2), dtype=np.float32)
        self.render_into(out)
        return out

    def pump(self, max_bars: int = 1) -> int:
        """Compose up to ``max_bars`` bars within the lookahead (the composer thread's
        job); returns how many were composed."""
        done = 0
        while done < max_bars and self._compose_one():
            done += 1
        return done

    def compose_due(self) -> bool:
        """Whether a bar within the lookahead may wait to be composed: cheap, takes no
        lock, for the render thread to decide whether to wake the composer thread."""
        return self.sequencer.frame >= self._due_frame

    def _wants_bar_locked(self, until_frame: int | None = None) -> bool:
        """Whether bar ``_next_bar`` must be composed now: it starts before ``until_frame``
        or, with None, it is within the lookahead of the render head."""
        k = self._next_bar
        if until_frame is None:
            wanted = k <= self.clock.bar_at_frame(self.sequencer.frame) + self.config.lookahead_bars
        else:
            wanted = self.clock.bar_start_frame(k) < until_frame
        return wanted and (self._stop_frame is None or self.clock.bar_start_frame(k) < self._stop_frame)

    def _compose_one(self, until_frame: int | None = None) -> bool:
        """Compose bar ``_next_bar`` if it is wanted; returns whether a bar was committed.

        The composer runs outside the player lock, so the render thread and the game
        never wait for the network; only ``_compose_lock`` (the composer object) is held.
        The bar is computed from the snapshot at its start and the intent planned for
        it; when the plan changed meanwhile (a transition, a stop), it is dropped and
        the caller asks again, so the result is the same whoever composes and when."""
        with self._compose_lock:
            with self._lock:
                if not self._wants_bar_locked(until_frame):
                    self._update_due_locked()
                    return False
                k, plan = self._next_bar, self._plan
                run = self._run_at_bar_locked(k)
                if run is not None:
                    self._commit_locked(k, self._segment_events_locked(k, run), self._snapshots[k])
                    return True
                intent, state = self._intent_for_bar_locked(k), self._snapshots[k]
            self.composer.restore(state)
            bar = self.composer.compose_bar(intent, k)
            after = self.composer.snapshot()
            with self._lock:
                if plan != self._plan:
                    return False    # the caller asks again (render_into) or is woken again (pump)
                if bar.meter != self.clock.bar_meter(k):
                    log.warning("composer wrote bar %d in %s, the clock has %s", k, bar.meter, self.clock.bar_meter(k))
                self._bars[k] = (bar, intent)
                clock = self.clock
                events = self.arranger.arrange(bar, intent, lambda t: clock.tick_frame(k, t), bar_index=k,
                                               from_frame=self._from_frame_locked(k))
                self._commit_locked(k, events, after)
                return True

    def _from_frame_locked(self, k: int) -> int:
        return max(self.clock.bar_start_frame(k), self._floor, self.sequencer.frame)

    def _segment_events_locked(self, k: int, run: _Run) -> list[TimedEvent]:
        clock, from_frame = self.clock, self._from_frame_locked(k)
        offset = (k - run.start_bar) % run.segment.length_bars
        events = [TimedEvent(clock.tick_frame(k, t), e) for t, e in run.segment.bar_events(offset)]
        return [e for e in events if e.frame >= from_frame]

    def _commit_locked(self, k: int, events: list[TimedEvent], state_after) -> None:
        self.sequencer.schedule(events, MUSIC_LANE)
        if self._stop_frame is not None and self._stop_frame >= self.sequencer.frame:
            self.sequencer.cancel_from(self._stop_frame, [MUSIC_LANE])
        self._snapshots[k + 1] = state_after
        self._resume.reached(k + 1, self._snapshots)
        self._next_bar = k + 1
        self.bars_composed += 1
        self._update_due_locked()

    def _replan_locked(self) -> None:
        """The plan changed: a bar being composed now is dropped, and composing is due."""
        self._plan += 1
        self._due_frame = 0

    def _update_due_locked(self) -> None:
        k = self._next_bar
        if self._stop_frame is not None and self.clock.bar_start_frame(k) >= self._stop_frame:
            self._due_frame = 1 << 62      # nothing more to compose
        else:
            self._due_frame = self.clock.bar_start_frame(max(0, k - self.config.lookahead_bars))

    def _forget_locked(self, frame: int) -> None:
        keep = self.clock.bar_at_frame(frame) - 1
        for store in (self._snapshots, self._bars):
            for k in [k for k in store if k < keep]:
                del store[k]
        self.mixer.forget_before(frame)
        self._gain_points = [p for p in self._gain_points if p.frame >= frame] or self._gain_points[-1:]

    # ------------------------------------------------------------ intents

    def _fold(self, frame: int, strict: bool = False) -> Intent:
        intent = self._changes[0].intent
        for change in self._changes:
            if change.frame > frame or (strict and change.frame == frame):
                break
            intent = change.intent or dataclasses.replace(intent, intensity=change.intensity)
        return intent

    def _intent_for_bar_locked(self, k: int) -> Intent:
        start, end = self.clock.bar_start_frame(k), self.clock.bar_start_frame(k + 1)
        base = self._fold(start)
        inner = self._fold(end, strict=True)
        if inner is not base:
            base = dataclasses.replace(inner, key=base.key, tempo_bpm=base.tempo_bpm)
        return dataclasses.replace(base, meter=self.clock.bar_meter(k))

    def intent_at(self, frame: int | None = None) -> Intent:
        """The intent in force at ``frame`` (default: the head)."""
        with self._lock:
            return self._fold(self.sequencer.frame if frame is None else frame)

    def position_at(self, frame: int) -> tuple[int, int, float, Meter]:
        """(bar, beat, tempo_bpm, meter) at ``frame``, bar and beat counted from 0."""
        with self._lock:
            bar = self.clock.bar_at_frame(frame)
            beat = max(0, bisect.bisect_right(self.clock.beat_frames(bar), frame) - 1)
            return bar, beat, self.clock.bpm_at_frame(frame), self.clock.bar_meter(bar)

    def _run_at_bar_locked(self, k: int) -> _Run | None:
        for run in reversed(self._runs):
            if run.start_bar <= k and (run.end_bar is None or k < run.end_bar):
                return run
        return None

    def _segment_end_locked(self, frame: int) -> int | None:
        k = self.clock.bar_at_frame(frame)
        run = self._run_at_bar_locked(k)
        if run is None:
            return None
        n = run.segment.length_bars
        end = run.start_bar + n * ((k - run.start_bar) // n + 1)
        return self.clock.bar_start_frame(end if run.end_bar is None else min(end, run.end_bar))

    # ------------------------------------------------------------ game side

    def _received_locked(self, received_frame: int | None) -> int:
        head = self.sequencer.frame
        return head if received_frame is None else max(int(received_frame), head)

    def _fade_frames_locked(self, fade_s: float | None, frame: int) -> int:
        if fade_s is not None and fade_s > 0:
            return round(fade_s * self.sample_rate_hz)
        beat_s = 60.0 / self.clock.bpm_at_frame(frame) * self.clock.bar_meter(self.clock.bar_at_frame(frame)).ticks_per_beat / PPQ
        return round(self.config.fade_beats * beat_s * self.sample_rate_hz)

    def transition(self, intent: Intent, sync: SyncPoint | str = SyncPoint.NEXT_BAR, received_frame: int | None = None,
                   fade_s: float = 0.0, segment: Segment | None = None, tempo_ramp_bars: float | None = None,
                   leaving: str | None = None, resume: str | None = None) -> int:
        """Change to ``intent`` at the sync point after ``received_frame``; returns the
        landing frame. Music composed past it is dropped and recomposed from the
        composer's snapshot there, so the line continues. With ``segment``, that
        authored music plays from the landing bar line (immediate and next_beat wait
        for the next bar), then composition resumes with ``intent``. Layers fade over
        ``fade_s`` (0: one beat). The tempo glides to the new one over
        ``tempo_ramp_bars`` (None: the config's ``tempo_ramp_beats``; 0: at once).
        ``leaving`` names the state being left: where its music was is kept; ``resume``
        names the state to continue from where it was left (``engine.playback.resume``)."""
        if not isinstance(intent, Intent):
            raise TypeError(f"transition intent must be an Intent, got {intent!r}")
        sync = SyncPoint.parse(sync)
        if segment is not None and sync in (SyncPoint.IMMEDIATE, SyncPoint.NEXT_BEAT):
            sync = SyncPoint.NEXT_BAR
        with self._lock:
            received = self._received_locked(received_frame)
            frame = sync_frame(received, sync, self.clock, segment_end_frame=self._segment_end_locked(received))
            self._land_locked(frame, intent, self._fade_frames_locked(fade_s, frame), segment, tempo_ramp_bars)
            self._resume.land(self.clock.bar_at_frame(frame), self._snapshots, self._next_bar, leaving, resume)
            return frame

    def _land_locked(self, frame: int, intent: Intent, fade_frames: int, segment: Segment | None,
                     tempo_ramp_bars: float | None = None) -> None:
        clock = self.clock
        k = clock.bar_at_frame(frame)
        line = k if clock.bar_start_frame(k) == frame else k + 1
        quarter = self._quarter_of_locked(frame, k)
        self._replan_locked()
        if k < self._next_bar:
            self._next_bar = k       # recomposed from self._snapshots[k]
        self.sequencer.cancel_from(frame, [MUSIC_LANE])
        self._floor = frame
        self._changes = [c for c in self._changes if c.frame < frame] + [_Change(frame, intent)]
        self._runs = [dataclasses.replace(r, end_bar=line) if r.end_bar is None or r.end_bar > line else r
                      for r in self._runs if r.start_bar < line]
        meter = segment.meter if segment is not None else intent.meter
        clock.set_meter_from(line, meter)
        bpm = segment.tempo_bpm if segment is not None and segment.tempo_bpm else intent.tempo_bpm
        if tempo_ramp_bars is None:
            ramp = self.config.tempo_ramp_beats * meter.ticks_per_beat / PPQ
        else:
            ramp = tempo_ramp_bars * meter.quarters_per_bar
        clock.set_tempo(quarter, bpm, ramp)
        self._gain_points = [p for p in self._gain_points if p.frame < frame]
        gains = layer_gains(intent)
        if segment is not None:
            end_bar = None if segment.loop else line + segment.length_bars
            self._runs.append(_Run(line, segment, end_bar))
            self._add_gain_point_locked(frame, {layer: 1.0 for layer in LAYERS}, fade_frames)
            if end_bar is not None:
                clock.set_meter_from(end_bar, intent.meter)
                self._add_gain_point_locked(clock.bar_start_frame(end_bar), gains, fade_frames)
        else:
            self._add_gain_point_locked(frame, gains, fade_frames)
        self._replay_gains_locked(frame)
        self.cues.drop_from(frame, "transition")
        self.cues.schedule("transition", frame, segment.name if segment else intent.mood)
        self.cues.reset(self.sequencer.frame)

    def _quarter_of_locked(self, frame: int, k: int) -> float:
        for q in self.clock.beat_quarters(k):
            if self.clock.frame_at_quarter(q) == frame:
                return q
        return self.clock.quarter_at_frame(frame)

    def _add_gain_point_locked(self, frame: int, gains: dict[str, float], fade_frames: int) -> None:
        point = _GainPoint(frame, tuple(gains.items()), fade_frames)
        bisect.insort(self._gain_points, point, key=lambda p: p.frame)

    def _replay_gains_locked(self, frame: int) -> None:
        for point in self._gain_points:
            if point.frame >= frame:
                self.mixer.set_gains(point.frame, dict(point.gains), point.fade_frames)

    def set_intensity(self, intensity: float, fade_s: float | None = None, received_frame: int | None = None) -> None:
        """A soft change: layers fade in or out from now (over ``fade_s``, default one
        beat) and bars composed from ``lookahead_bars + 1`` bars on play at the new
        intensity; nothing already composed is dropped."""
        probe = dataclasses.replace(Intent(), intensity=intensity)  # validates
        with self._lock:
            received = self._received_locked(received_frame)
            current = self._fold(received)
            if self._run_at_bar_locked(self.clock.bar_at_frame(received)) is None:
                gains = layer_gains(dataclasses.replace(current, intensity=probe.intensity))
                self._add_gain_point_locked(received, gains, self._fade_frames_locked(fade_s, received))
                self._replay_gains_locked(received)
            bar = self.clock.bar_at_frame(received) + self.config.lookahead_bars + 1
            change = _Change(self.clock.bar_start_frame(bar), None, probe.intensity)
            bisect.insort(self._changes, change, key=lambda c: c.frame)

    def stinger(self, stinger: Stinger, received_frame: int | None = None) -> int | None:
        """Play ``stinger`` over the music at its sync point; returns the frame where
        it sounds, or None when it fired less than ``min_interval_s`` before or would
        start at or after a stop (a stinger never outlives ``stop``; it is cut there)."""
        with self._lock:
            received = self._received_locked(received_frame)
            frame = sync_frame(received, stinger.sync, self.clock)
            if self._silence_frame is not None and frame >= self._silence_frame:
                return None
            last = self._last_stinger.get(stinger.name)
            if last is not None and frame - last < stinger.min_interval_s * self.sample_rate_hz:
                return None
            self._last_stinger[stinger.name] = frame
            k = self.clock.bar_at_frame(frame)
            quarter = self._quarter_of_locked(frame, k)
            chord, offset = self._chord_at_locked(k, frame, quarter)
            motif = stinger.motif(chord, offset)
            events = [TimedEvent(self.clock.frame_at_quarter(quarter + t / PPQ), e) for t, e in motif]
            self.sequencer.schedule(events, STINGER_LANE)
            if self._silence_frame is not None:
                self.sequencer.cancel_from(self._silence_frame, [STINGER_LANE])
            if stinger.duck_gain < 1.0:
                end = events[-1].frame
                self.mixer.duck.ramp(frame, stinger.duck_gain, round(stinger.duck_attack_s * self.sample_rate_hz))
                self.mixer.duck.ramp(end, 1.0, round(stinger.duck_release_s * self.sample_rate_hz))
            self.cues.schedule("stinger", frame, stinger.name)
            return frame

    def _chord_at_locked(self, k: int, frame: int, quarter: float):
        if k in self._bars:
            bar, intent = self._bars[k]
            tick = round((quarter - self.clock.bar_start_quarter(k)) * PPQ)
            return bar.chord_at(tick), intent.key.transpose_offset()
        return None, self._fold(frame).key.transpose_offset()

    def stop(self, fade_s: float = 0.5, received_frame: int | None = None) -> int:
        """Fade everything out over ``fade_s`` and release every note at the end;
        returns the frame after which nothing sounds but release tails."""
        with self._lock:
            received = self._received_locked(received_frame)
            end = received + max(0, round(fade_s * self.sample_rate_hz))
            self._replan_locked()
            self._stop_frame = end if self._stop_frame is None else min(end, self._stop_frame)
            self._silence_frame = self._stop_frame
            self._gain_points = [p for p in self._gain_points if p.frame < received]
            self._add_gain_point_locked(received, {layer: 0.0 for layer in LAYERS}, end - received)
            self._replay_gains_locked(received)
            self.sequencer.cancel_from(self._stop_frame)
            self.cues.schedule("stop", self._stop_frame, "")
            return self._stop_frame

    def lock_tempo(self, tempo_map, meters) -> None:
        """Lock the clock to ``tempo_map`` and the bar grid ``meters`` ((bar, Meter) pairs
        from bar 0): transitions then change mood, intensity and key but not tempo or
        meter. Call it before the first render (a cutscene's fitted tempo)."""
        with self._lock:
            if self.sequencer.frame or self._next_bar:
                raise RuntimeError("lock_tempo must come before anything is rendered or composed")
            self.clock.lock(tempo_map, meters)
            self.cues.reset(self.sequencer.frame)

    def end_music(self, frame: int) -> int:
        """End the composed music at ``frame`` without a fade: no bar starting there or
        later is composed, and music-lane notes are released at ``frame``. Layer gains
        hold and the stinger lane plays on, so a final chord played there with
        ``stinger`` rings out. Returns the frame (at or after the head)."""
        with self._lock:
            frame = self._received_locked(frame)
            self._replan_locked()
            self._stop_frame = frame if self._stop_frame is None else min(frame, self._stop_frame)
            self.sequencer.cancel_from(frame, [MUSIC_LANE])
            self.cues.schedule("stop", frame, "")
            return frame

    @property
    def stopped(self) -> bool:
        """True once the head passed the stop frame (every note is off then)."""
        return self._stop_frame is not None and self.sequencer.frame > self._stop_frame

    # ------------------------------------------------------------ cues

    def poll(self, until_frame: int | None = None) -> list[Cue]:
        """Cues that have sounded by ``until_frame`` (default: everything rendered), in
        order. Call on the game's thread; it takes no lock and never blocks. A stream
        passes the frame its host has read, so a cue arrives when it is heard."""
        return self.cues.poll(self.sequencer.frame if until_frame is None else until_frame)
