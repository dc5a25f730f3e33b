"""The player: composes ahead from the plan, renders through the synth; the object the API holds.

Threads. The game thread calls ``transition``, ``set_intensity``, ``stinger``, ``stop``
and ``poll``; the render thread calls ``render_into`` (one block); the composer thread
calls ``pump`` (compose ahead, within ``lookahead_bars``). The player lock guards the
plan (``engine.playback.plan``: clock, intent changes, segment runs, gain points) and
what acts on it (sequencer, mixer, cues) and is only held for bookkeeping and one
block's render: the network runs outside it, under its own lock, so neither the game
nor the render thread waits for a bar to be composed. The render thread composes a
bar itself only when the block it renders needs one that is not there yet (offline,
every bar; live, a bar a transition has just rolled back). ``poll`` only pops a deque.

Time. The render head (``head_frame``) is the next frame to be rendered; nothing
before it can change. A request received at frame r (default: the head) lands at
``sync_frame(max(r, head), sync, clock)``.

Determinism. Bar k is composed from the composer snapshot taken at k's start, with
the intent the plan gives bar k, whoever composes it and whenever: a transition
landing at f restores the snapshot of the bar containing f, drops the bars composed
from there and cancels the music from f; a soft ``set_intensity`` received at r
affects composition only from bar ``bar_at(r) + lookahead_bars + 1`` on (never
composed yet), so it needs no rollback.

Until the landing, the old music. Bars before a landing bar play the old intent in
full, whether they were composed before the transition came or after. A landing
inside bar k splits k: the music before f is what k was (or would have been)
composed as under the plan before the transition, and the music from f on is k
recomposed from the same snapshot under the new plan. When k was composed already,
its events before f are scheduled and stay (a *floor* at f for its recomposition);
when it was not, the player keeps a *cut* (f, the intent k had) and composes both
parts from k's snapshot when k is due. Either way the same events result.
"""

from __future__ import annotations

import bisect
import logging
import threading
from dataclasses import dataclass

import numpy as np

from engine.music.events import TimedEvent, releases_at
from engine.music.intent import Intent
from engine.music.notes import PPQ, Bar, Meter
from engine.music.sync import SyncPoint
from engine.playback.arranger import Arranger, layer_gains
from engine.playback.ceiling import soft_clip
from engine.playback.conductor import ClockConfig, Conductor, sync_frame
from engine.playback.cues import Cue, CueTrack
from engine.playback.leveller import LevelConfig
from engine.playback.loudness import loudness_stage
from engine.playback.mixer import Mixer
from engine.playback.plan import Heard, Plan, Run
from engine.playback.resume import ResumeMemory
from engine.playback.segments import Segment
from engine.playback.sequencer import MUSIC_LANE, STINGER_LANE, Sequencer
from engine.playback.stingers import Stinger
from engine.playback.voices import VoiceGate
from engine.roles import Composer, Synth

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlayerConfig:
    """``lookahead_bars`` composed ahead of the head; ``tempo_ramp_beats`` over which a
    tempo change glides (0: at once); ``fade_beats`` of a layer fade when no fade_s;
    ``loudness``: the leveller's settings (``engine.playback.loudness``), None: off."""

    sample_rate_hz: int = 48000
    lookahead_bars: int = 1
    phrase_bars: int = 4
    tempo_ramp_beats: float = 0.0
    fade_beats: float = 1.0
    loudness: LevelConfig | None = LevelConfig()

    def __post_init__(self) -> None:
        if not 1 <= self.lookahead_bars <= 16:
            raise ValueError(f"player lookahead_bars: {self.lookahead_bars} is outside 1..16")
        if self.tempo_ramp_beats < 0 or self.fade_beats < 0:
            raise ValueError("player tempo_ramp_beats and fade_beats must be >= 0")


HISTORY_S = 30.0
"""How far behind the render head the plan is kept (intents, bar grid, tempo points):
more than any output's latency, so what is heard can still be asked about."""


class Player:
    """Plays adaptive music from ``composer`` through ``synth``; see the module docstring."""

    def __init__(self, composer: Composer, synth: Synth, intent: Intent = Intent(),
                 config: PlayerConfig = PlayerConfig(), arranger: Arranger | None = None, *, state: str = ""):
        self.config = config
        self.sample_rate_hz = config.sample_rate_hz
        self.composer = composer
        self.synth = synth
        self.arranger = arranger or Arranger()
        layers = self.arranger.config.layers
        self.clock = Conductor(ClockConfig(config.sample_rate_hz, config.phrase_bars),
                               tempo_bpm=intent.tempo_bpm, meter=intent.meter)
        self.plan = Plan(intent, self.clock, state=state, layers=layers, tempo_ramp_beats=config.tempo_ramp_beats,
                         fade_beats=config.fade_beats)
        self.sequencer = Sequencer()
        self.mixer = Mixer({spec.name: spec.channel for spec in layers}, layer_gains(intent, layers))
        self.voices = VoiceGate(no_restrike_channels=[spec.channel for spec in layers if spec.percussive])
        self.loudness = loudness_stage(synth, config.sample_rate_hz, config.loudness)
        self._lock = threading.Lock()             # the plan, and the sequencer, mixer and cues acting on it
        self._compose_lock = threading.Lock()     # the composer object, one bar at a time
        self._form_given: object | None = None    # form settings the composer has (None: its own)
        self._plan_version = 0                    # bumped by every change that may alter a bar
        self._due_frame = 0                       # head frame from which bar _next_bar is wanted
        self._next_bar = 0
        self._snapshots: dict[int, object] = {0: composer.snapshot()}   # composer state at bar k's start
        self._resume = ResumeMemory()
        self._bars: dict[int, tuple[Bar, Intent]] = {}
        self._floor = (-1, 0)                # (bar, frame): that bar's events before frame are scheduled
        self._cuts: dict[int, list[tuple[int, Intent]]] = {}   # bar -> (landing, intent before it), in order
        self._stop_frame: int | None = None     # no composed music from here (stop or end_music)
        self._silence_frame: int | None = None  # nothing at all from here, stingers included (stop)
        self._last_stinger: dict[str, int] = {}
        self.cues = CueTrack(self.clock, config.sample_rate_hz)
        self._forget_at_bar = 8             # drop old snapshots, bars and gain points then
        self._history_frames = round(HISTORY_S * config.sample_rate_hz)
        self.bars_composed = 0
        self.bars_composed_inline = 0    # by render_into, because the block needed them at once
        self.samples_soft_clipped = 0    # by the output ceiling (engine.playback.ceiling)

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
                    self.loudness.render(out, start, self._render_piece_locked, self.plan, self.mixer.duck,
                                         self._stop_frame is not None)
                    self.samples_soft_clipped += soft_clip(out)
                    if self._stop_frame is None or start <= self._stop_frame:
                        self.cues.emit(start, end)
                    if self._next_bar >= self._forget_at_bar:
                        self._forget_at_bar = self._next_bar + 8
                        self._forget_locked(start)
                    return
            if self._compose_one(until_frame=end):
                self.bars_composed_inline += 1

    def _render_piece_locked(self, out: np.ndarray, start: int, extra: list[TimedEvent]) -> None:
        events = self.sequencer.block_events(len(out), self.mixer.events(start, start + len(out)) + extra)
        self.synth.render_block(out, start, self.voices.filter(events))

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

    def render_wanted(self) -> bool:
        """A bare player takes no calls: nothing waits for a control frame."""
        return False

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
                k, version = self._next_bar, self._plan_version
                run = self.plan.run_at_bar(k)
                if run is not None:
                    self._commit_locked(k, self._segment_events_locked(k, run), self._snapshots[k])
                    return True
                lo = self._from_frame_locked(k)
                parts = [(f, intent) for f, intent in self._cuts.get(k, ()) if f > lo]
                parts.append((None, self.plan.intent_for_bar(k)))
                state = self._snapshots[k]
                form = self.plan.form_for_bar(k)
            if form is not self._form_given:   # under _compose_lock, the composer's one owner
                self.composer.reform(form)
                self._form_given = form
            composed = []
            for _, intent in parts:        # each part from the same snapshot: what k is under each plan
                self.composer.restore(state)
                composed.append((self.composer.compose_bar(intent, k), intent))
            after = self.composer.snapshot()
            with self._lock:
                if version != self._plan_version:
                    return False    # the caller asks again (render_into) or is woken again (pump)
                bar, intent = composed[-1]
                if bar.meter != self.clock.bar_meter(k):
                    log.warning("composer wrote bar %d in %s, the clock has %s", k, bar.meter, self.clock.bar_meter(k))
                self._bars[k] = (bar, intent)
                self._commit_locked(k, self._arrange_parts_locked(k, lo, parts, composed), after)
                return True

    def _arrange_parts_locked(self, k: int, lo: int, parts, composed) -> list[TimedEvent]:
        """The events of bar ``k`` from ``lo``: each part's arrangement between the cuts,
        a part's notes released at its cut (the next part re-strikes held layers)."""
        clock, events, start = self.clock, [], lo
        for (end, _), (bar, intent) in zip(parts, composed):
            part = self.arranger.arrange(bar, intent, lambda t: clock.tick_frame(k, t), bar_index=k, from_frame=start)
            if end is not None:
                part = [e for e in part if e.frame < end] + releases_at(part, end)
                start = end
            events.extend(part)
        return events

    def _from_frame_locked(self, k: int) -> int:
        floor = self._floor[1] if self._floor[0] == k else 0
        return max(self.clock.bar_start_frame(k), floor, self.sequencer.frame)

    def _segment_events_locked(self, k: int, run: Run) -> list[TimedEvent]:
        clock, from_frame = self.clock, self._from_frame_locked(k)
        offset = (k - run.start_bar) % run.segment.length_bars
        events = [TimedEvent(clock.tick_frame(k, t), e) for t, e in run.segment.bar_events(offset)]
        return [e for e in events if e.frame >= from_frame]

    def _commit_locked(self, k: int, events: list[TimedEvent], state_after) -> None:
        self.sequencer.schedule(events, MUSIC_LANE)
        if self._stop_frame is not None:    # a bar recomposed after a stop (a landing past it) stays silent
            self.sequencer.cancel_from(self._stop_frame, [MUSIC_LANE])
        self._snapshots[k + 1] = state_after
        self._cuts.pop(k, None)
        self._resume.reached(k + 1, self._snapshots)
        self._next_bar = k + 1
        self.bars_composed += 1
        self._update_due_locked()

    def _replan_locked(self) -> None:
        """The plan changed: a bar being composed now is dropped, and composing is due."""
        self._plan_version += 1
        self._due_frame = 0

    def _update_due_locked(self) -> None:
        k = self._next_bar
        if self._stop_frame is not None and self.clock.bar_start_frame(k) >= self._stop_frame:
            self._due_frame = 1 << 62      # nothing more to compose
        else:
            self._due_frame = self.clock.bar_start_frame(max(0, k - self.config.lookahead_bars))

    def _forget_locked(self, frame: int) -> None:
        keep = min(self.clock.bar_at_frame(frame) - 1, self._next_bar)   # after a stop, resume() needs _next_bar's
        for store in (self._snapshots, self._bars, self._cuts):
            for k in [k for k in store if k < keep]:
                del store[k]
        self.mixer.forget_before(frame)
        self.plan.forget_before(frame)
        if frame > self._history_frames:
            self.plan.forget_history(frame - self._history_frames)

    # ------------------------------------------------------------ reading

    def heard_at(self, frame: int) -> Heard:
        """What is heard at ``frame``: the state (as given to ``transition``) and intent
        there, and the next transition still to land (``Plan.heard_at``)."""
        with self._lock:
            return self.plan.heard_at(frame)

    def intent_at(self, frame: int | None = None) -> Intent:
        """The intent in force at ``frame`` (default: the head)."""
        with self._lock:
            return self.plan.fold(self.sequencer.frame if frame is None else frame)

    def position_at(self, frame: int) -> tuple[int, int, float, Meter]:
        """(bar, beat, tempo_bpm, meter) at ``frame``, bar and beat counted from 0."""
        with self._lock:
            bar = self.clock.bar_at_frame(frame)
            beat = max(0, bisect.bisect_right(self.clock.beat_frames(bar), frame) - 1)
            return bar, beat, self.clock.bpm_at_frame(frame), self.clock.bar_meter(bar)

    # ------------------------------------------------------------ game side

    def _received_locked(self, received_frame: int | None) -> int:
        head = self.sequencer.frame
        return head if received_frame is None else max(int(received_frame), head)

    def transition(self, intent: Intent, sync: SyncPoint | str = SyncPoint.NEXT_BAR, received_frame: int | None = None,
                   fade_s: float = 0.0, segment: Segment | None = None, tempo_ramp_bars: float | None = None,
                   state: str = "", leaving: str | None = None, resume: str | None = None) -> int:
        """Change to ``intent`` (of score state ``state``, for ``heard_at``) at the sync
        point after ``received_frame``; returns the landing frame. The old music plays
        until then; music composed past it is dropped and recomposed from the composer's
        snapshot there, so the line continues. With ``segment``, that authored music
        plays from the landing bar line (sync points that land mid-bar wait for the next
        bar), then composition resumes with ``intent``. Layers crossfade over ``fade_s``
        (0: one beat), ending at the landing (``engine.playback.plan``). The tempo glides
        to the new one over ``tempo_ramp_bars`` (None: the config's ``tempo_ramp_beats``;
        0: at once). ``leaving`` names the state being left: where its music was is kept;
        ``resume`` names the state to continue from where it was left (``engine.playback.resume``)."""
        if not isinstance(intent, Intent):
            raise TypeError(f"transition intent must be an Intent, got {intent!r}")
        sync = SyncPoint.parse(sync)
        if segment is not None and sync.rule.mid_bar:
            sync = SyncPoint.NEXT_BAR
        with self._lock:
            received = self._received_locked(received_frame)
            frame = sync_frame(received, sync, self.clock, segment_end_frame=self.plan.segment_end(received))
            self._land_locked(received, frame, intent, self.plan.fade_frames(fade_s, frame), segment, tempo_ramp_bars,
                              state)
            k = self.clock.bar_at_frame(frame)
            on_line = frame == self.clock.bar_start_frame(k)
            self._resume.land(k, on_line, self._snapshots, self._next_bar, leaving, resume)
            return frame

    def _land_locked(self, received: int, frame: int, intent: Intent, fade_frames: int, segment: Segment | None,
                     tempo_ramp_bars: float | None, state: str) -> None:
        k = self.clock.bar_at_frame(frame)
        self._replan_locked()
        self._cuts = {bar: kept for bar, cuts in self._cuts.items() if (kept := [c for c in cuts if c[0] < frame])}
        if frame <= self._scheduled_until_locked(k):     # what k had before f stays; recomposed from f
            self._next_bar = min(self._next_bar, k)
            self._floor = (k, frame)
        else:                                            # k's music before f is not there yet: keep what it is to be
            self._cuts.setdefault(k, []).append((frame, self.plan.intent_for_bar(k)))
        self.sequencer.cancel_from(frame, [MUSIC_LANE])
        fade_start = self.plan.land(frame, intent, fade_frames, segment, tempo_ramp_bars,
                                    received_frame=received, state=state)
        self._replay_gains_locked(fade_start)
        self.cues.drop_from(frame, "transition")
        self.cues.schedule("transition", frame, segment.name if segment else intent.mood)
        self.cues.reset(self.sequencer.frame)

    def _scheduled_until_locked(self, k: int) -> float:
        """Up to which frame bar ``k``'s music is scheduled: all of it once composed, up
        to the floor after a rollback, else none of it (its start)."""
        if k < self._next_bar:
            return float("inf")
        return self._floor[1] if self._floor[0] == k else self.clock.bar_start_frame(k)

    def _replay_gains_locked(self, frame: int) -> None:
        for point in self.plan.gain_points_from(frame):
            self.mixer.set_gains(point.frame, dict(point.gains), point.fade_frames)

    def reform(self, form: object, received_frame: int) -> None:
        """Bars from the first bar line after ``received_frame`` are composed with ``form``
        (``Composer.reform``), the bars before with what they had, whoever composes them
        and whenever (a reloaded score: its transition at ``next_bar`` recomposes from that
        bar line)."""
        with self._lock:
            self.plan.reform(self.clock.bar_at_frame(received_frame) + 1, form)

    def set_intensity(self, intensity: float, fade_s: float | None = None, received_frame: int | None = None) -> None:
        """A soft change: layers fade in or out from now (over ``fade_s``, default one
        beat) and bars composed from ``lookahead_bars + 1`` bars on play at the new
        intensity; nothing already composed is dropped."""
        Intent(intensity=intensity)  # validates
        with self._lock:
            received = self._received_locked(received_frame)
            fade_frames = self.plan.fade_frames(fade_s, received)
            changed = self.plan.soften(received, intensity, fade_frames, self.config.lookahead_bars)
            if changed is not None:
                self._replay_gains_locked(changed)

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
            quarter = self.clock.quarter_of(frame)
            chord, offset = self._chord_at_locked(self.clock.bar_at_frame(frame), frame, quarter)
            motif = stinger.motif(chord, offset)
            events = [TimedEvent(self.clock.frame_at_quarter(quarter + t / PPQ), e) for t, e in motif]
            self.loudness.stinger(stinger.name, stinger.channel, frame, events[-1].frame)
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
        return None, self.plan.fold(frame).key.transpose_offset()

    def stop(self, fade_s: float = 0.5, received_frame: int | None = None) -> int:
        """Fade everything out over ``fade_s`` and release every note at the end;
        returns the frame after which nothing sounds but release tails."""
        with self._lock:
            received = self._received_locked(received_frame)
            end = received + max(0, round(fade_s * self.sample_rate_hz))
            self._replan_locked()
            self._stop_frame = end if self._stop_frame is None else min(end, self._stop_frame)
            self._silence_frame = self._stop_frame
            self.plan.fade_out(received, end - received)
            self._replay_gains_locked(received)
            self.sequencer.cancel_from(self._stop_frame)
            self.cues.schedule("stop", self._stop_frame, "")
            return self._stop_frame

    def resume(self, received_frame: int | None = None) -> int | None:
        """Play again after ``stop`` (or ``end_music``): composing resumes at the first bar
        line at or after both ``received_frame`` and the stop, the composer going on from
        where it stopped, and the layers fade back in over ``fade_beats``. Returns that
        bar line's frame, or None when the music was not stopped."""
        with self._lock:
            if self._stop_frame is None:
                return None
            received = max(self._received_locked(received_frame), self._stop_frame)
            k = self.clock.bar_at_frame(received)
            line = k if self.clock.bar_start_frame(k) == received else k + 1
            frame = self.clock.bar_start_frame(line)
            self._replan_locked()
            self._stop_frame = self._silence_frame = None
            if line >= self._next_bar:       # the bars of the silence are skipped, not composed
                self._snapshots[line] = self._snapshots[self._next_bar]
            self._next_bar = line
            self.sequencer.cancel_from(frame, [MUSIC_LANE])
            self._floor = (line, frame)
            self.plan.fade_in(frame, self.plan.fade_frames(None, frame))
            self._replay_gains_locked(frame)
            self.cues.reset(frame)           # no beat cues for the silence before the music is back
            self.cues.schedule("start", frame, "")
            self._update_due_locked()
            return frame

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

