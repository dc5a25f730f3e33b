"""Rendering a cutscene offline, deterministically, with every hit on its frame.

``render_cutscene`` loads the cutscene and its score, fits the tempo (failing before
any audio is made when the hits cannot be met), builds the engine with the
cutscene's seed and **locks its clock** to the fitted tempo map and meters, so the
score's transitions change mood, intensity and key but never tempo or meter. Then
it renders block by block, cutting blocks at every cue's frame so each call is
applied with the render head exactly there:

- ``state`` / ``event`` / ``stinger``: the engine call a game would make;
- ``parameter``: with a ramp, a staircase of ``set_parameter`` calls every
  ``RAMP_STEP_S`` (the score's smoothing rounds the steps off);
- ``hit``: an accent (``accents.py``) and the cue's stinger, landing on the fitted
  frame of the hit's bar line or beat;
- ``end: fade``: the engine's stop, fading over ``fade`` seconds;
- ``end: cadence``: the bar before the final downbeat is dominant, the downbeat a
  held tonic chord (``cadence.py``) that rings out after its release.

The renderer drives the engine through its public calls (``engine.calls``) and its
offline facet (``MusicEngine.offline()``: the locked clock, intents, stingers placed at
a frame, the end of the music). A ``RecordingSynth`` keeps every event the synth
receives, for the MIDI file, the cue sheet and the timeline. The same file and seed
give the same bytes. With a ``stem_sink`` the synth is a ``stems.StemSynth``: the same
mix, and each layer's stem over the same frames handed to the sink.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine.calls import PostEvent, SetParameter, SetState, Stop, TriggerStinger
from engine.cutscene import scene as fmt
from engine.cutscene.accents import accent_stingers
from engine.cutscene.cadence import CadenceComposer, final_chord, final_chord_stingers
from engine.cutscene.fit import Landing, TempoFit
from engine.cutscene.timecode import format_timecode
from engine.music.events import TimedEvent
from engine.music.notes import PPQ
from engine.playback.conductor import sync_frame
from engine.roles import Synth

log = logging.getLogger(__name__)

BLOCK_FRAMES = 8192
"""Offline block size: large blocks keep Python's share small; cues cut blocks anyway."""
RAMP_STEP_S = 0.1
TAIL_S = 2.5
"""Rendered after the last note-off (or the end of a fade): release and reverb tails."""
SYNTH_GAIN = 0.45
"""Synth gain for cutscenes: a full combat texture with accents peaks near -6 dBFS
(the engine's default 0.6 is 2.5 dB hotter, tuned for a thinner game mix)."""
CADENCE_ACCENT = 0.8
FINAL_CHORD_VELOCITY = 80


@dataclass(frozen=True, slots=True)
class CueRow:
    """One line of the cue sheet: where a cue was asked for and where it landed."""

    name: str
    kind: str
    requested_s: float
    timecode: str
    frame: int
    target_frame: int
    bar: int
    beat: int

    @property
    def error_frames(self) -> int:
        return self.frame - self.target_frame


@dataclass
class Rendering:
    """What a render produced besides the audio."""

    cutscene: fmt.Cutscene
    fit: TempoFit
    sample_rate_hz: int
    total_frames: int
    events: list[TimedEvent]
    cue_rows: list[CueRow]
    transitions: list[tuple[int, str, str]]            # (frame, state, mood)
    curves: dict[str, list[tuple[int, float]]]         # parameter / "intensity" -> (frame, value)
    end_frame: int = 0
    final_release_frame: int | None = None
    final_chord: object = None          # cadence.FinalChord of an ending on a cadence
    peak: float = 0.0
    clipped_samples: int = 0
    parameter_ranges: dict[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    loudness: object = None             # loudness.LoudnessReport of the delivered mix, once measured
    files: list = dataclasses.field(default_factory=list)   # what was written, once delivered


class RecordingSynth:
    """The ``Synth`` role: renders through ``synth`` and keeps every event it renders
    (``events``)."""

    def __init__(self, synth: Synth):
        self.inner = synth
        self.events: list[TimedEvent] = []

    def render_block(self, out: np.ndarray, start_frame: int, events) -> None:
        events = list(events)
        self.events.extend(events)
        self.inner.render_block(out, start_frame, events)

    def set_level_db(self, level_db: float) -> None:
        self.inner.set_level_db(level_db)

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True, slots=True)
class _Action:
    frame: int
    order: int        # state changes first within a frame, then stingers and hits, then the end
    seq: int
    cue: fmt.CutsceneCue
    step: tuple = ()  # (parameter, value) for one step of a ramp
    first: bool = True


def _target_frame(time_s: float, sample_rate_hz: int) -> int:
    return round(time_s * sample_rate_hz)


def _landing_frames(fit: TempoFit) -> dict[float, Landing]:
    return {landing.time_s: landing for landing in fit.landings}


def _cue_frame(cue: fmt.CutsceneCue, landings: dict, clock, sample_rate_hz: int) -> int:
    """The frame a cue is applied at: its hit's landing when it shares a hit's time,
    else its own frame, moved onto a beat within one frame of it."""
    landing = landings.get(cue.time_s)
    if landing is not None:
        return clock.frame_at_quarter(landing.quarter)
    frame = _target_frame(cue.time_s, sample_rate_hz)
    bar = clock.bar_at_frame(frame)
    beats = clock.beat_frames(bar) + [clock.bar_start_frame(bar + 1)]
    near = min(beats, key=lambda f: abs(f - frame))
    return near if abs(near - frame) <= 1 else frame


def _actions(cutscene: fmt.Cutscene, landings: dict, clock, sample_rate_hz: int) -> list[_Action]:
    actions, seq = [], 0
    last_value: dict[str, float] = {}
    for cue in cutscene.cues:
        frame = _cue_frame(cue, landings, clock, sample_rate_hz)
        order = 0 if isinstance(cue, (fmt.StateCue, fmt.EventCue, fmt.ParameterCue)) else \
            2 if isinstance(cue, fmt.EndCue) else 1
        if isinstance(cue, fmt.ParameterCue) and cue.ramp_s > 0:
            start = last_value.get(cue.parameter, cue.value)
            steps = max(1, math.ceil(cue.ramp_s / RAMP_STEP_S))
            for i in range(steps):
                at = frame + round(i * cue.ramp_s / steps * sample_rate_hz)
                value = start + (cue.value - start) * (i + 1) / steps
                actions.append(_Action(at, order, seq, cue, (cue.parameter, value), i == 0))
                seq += 1
        else:
            actions.append(_Action(frame, order, seq, cue))
            seq += 1
        if isinstance(cue, fmt.ParameterCue):
            last_value[cue.parameter] = cue.value
    return sorted(actions, key=lambda a: (a.frame, a.order, a.seq))


def build_engine(cutscene: fmt.Cutscene, score, fit: TempoFit, *, soundfont=None, model=None,
                 sample_rate_hz: int = 48000, stem_sink: Callable | None = None):
    """(engine, synth): a MusicEngine for ``cutscene`` (its seed, the clock locked to
    ``fit``, a cadence composer when the cutscene ends on one) and the recording synth
    it plays through (rendering stems into ``stem_sink`` when given)."""
    from engine.api import EngineConfig, MusicEngine
    from engine.composer.composer import Composer
    from engine.composer.planner import form_config_for_score
    from engine.playback.synth import Synth

    composer = Composer.load(model, seed=cutscene.seed, form=form_config_for_score(score))
    end = cutscene.end
    if end.cadence:
        landing = next(l for l in fit.landings if l.time_s == end.time_s)
        composer = CadenceComposer(composer, landing.bar_index)
    if stem_sink is None:
        inner = Synth(soundfont, sample_rate_hz=sample_rate_hz, gain=SYNTH_GAIN)
    else:
        from engine.cutscene.stems import StemSynth

        inner = StemSynth(soundfont, sample_rate_hz=sample_rate_hz, gain=SYNTH_GAIN, sink=stem_sink)
    synth = RecordingSynth(inner)
    config = EngineConfig(sample_rate_hz=sample_rate_hz, seed=cutscene.seed, strict=True)
    engine = MusicEngine(score, composer, synth, config)
    engine.offline().lock_tempo(fit.tempo_map, [(span.bar_index, span.meter) for span in fit.meters])
    return engine, synth


def prepare(path_or_cutscene, sample_rate_hz: int = 48000):
    """(cutscene, score, fit): load and fit, raising SourceError / ValueError before any rendering."""
    from engine.cutscene.reader import load_cutscene, score_names
    from engine.cutscene.schedule import fit_cutscene
    from engine.score.load import load_score

    scores: dict = {}

    def names_of(path):
        scores[path] = load_score(path)
        return score_names(scores[path])

    cutscene = path_or_cutscene if isinstance(path_or_cutscene, fmt.Cutscene) else \
        load_cutscene(path_or_cutscene, names_of=names_of)
    score = scores.get(cutscene.score_path) or load_score(cutscene.score_path)
    return cutscene, score, fit_cutscene(cutscene, score, sample_rate_hz)


class _Renderer:
    """The render loop of one cutscene; see the module docstring."""

    def __init__(self, cutscene, score, fit, engine, sample_rate_hz: int):
        self.cutscene, self.score, self.fit, self.engine = cutscene, score, fit, engine
        self.sr = sample_rate_hz
        self.script = engine.offline()
        self.clock = self.script.clock
        self.first_mood = self.script.intent_at(0).mood   # the player keeps no history far behind its head
        self.landings = _landing_frames(fit)
        self.rows: list[CueRow] = []
        self.cues_heard = []
        self.state_changes: list[tuple[int, str, int | None]] = []   # (frame asked, state, cue-sheet row)
        self.curves: dict[str, list[tuple[int, float]]] = {name: [] for name in score.parameters}
        self.curves["intensity"] = []
        self.ended_at: int | None = None          # frame from which the engine's control stops
        self.total: int | None = None
        self.release_frame: int | None = None
        self.final_chord = None

    # ---- cues --------------------------------------------------------------

    def _row(self, cue: fmt.CutsceneCue, name: str, kind: str, frame: int) -> None:
        timecode = cue.timecode or format_timecode(cue.time_s, self.cutscene.frame_rate)
        self.rows.append(CueRow(name, kind, float(cue.time_s), timecode, frame,
                                _target_frame(cue.time_s, self.sr), **self._bar_beat(frame)))

    def apply(self, action: _Action) -> None:
        cue, frame, engine = action.cue, action.frame, self.engine
        if isinstance(cue, fmt.StateCue):
            self._change(frame, SetState(cue.state))
            self._row(cue, cue.state, "state", frame)
        elif isinstance(cue, fmt.EventCue):
            self._change(frame, PostEvent(cue.event))
            self._row(cue, cue.event, "event", frame)
        elif isinstance(cue, fmt.ParameterCue):
            name, value = action.step or (cue.parameter, cue.value)
            engine.apply(SetParameter(name, float(value)), frame)
            if action.first:
                self._row(cue, cue.parameter, "parameter", frame)
        elif isinstance(cue, fmt.StingerCue):
            engine.apply(TriggerStinger(cue.stinger), frame)
            sync = self.score.stingers[cue.stinger].sync
            self._row(cue, cue.stinger, "stinger", sync_frame(frame, sync, self.clock))
        elif isinstance(cue, fmt.HitCue):
            self._row(cue, cue.name, "hit", self._hit(cue, frame))
        elif isinstance(cue, fmt.EndCue):
            self._end(cue, frame)

    def _change(self, frame: int, call) -> None:
        self.engine.apply(call, frame)
        self._note_state(frame, row=len(self.rows))

    def _note_state(self, frame: int, row: int | None = None) -> None:
        """Remember a change of the machine's state (and the cue-sheet row that asked for it)."""
        state = self.script.state
        if state != (self.state_changes[-1][1] if self.state_changes else self.score.initial_state):
            self.state_changes.append((frame, state, row))

    def _hit(self, cue: fmt.HitCue, frame: int) -> int:
        landed = frame
        if cue.accent > 0:
            key = self.script.intent_at(frame).key
            for stinger in accent_stingers(cue.name, cue.accent, key):
                landed = self.script.place_stinger(stinger, frame)
        if cue.stinger:
            self.engine.apply(TriggerStinger(cue.stinger), frame)
        return landed

    def _end(self, cue: fmt.EndCue, frame: int) -> None:
        if cue.fade_s is not None and not cue.cadence:
            self.engine.apply(Stop(float(cue.fade_s)), frame)
            self._row(cue, "end", "end fade", frame)
            self.ended_at = frame
            self.total = max(frame + round((cue.fade_s + TAIL_S) * self.sr), round(self.cutscene.length_s * self.sr))
            self.release_frame = frame + round(cue.fade_s * self.sr)
            return
        intent = self.script.intent_at(frame)
        self.script.end_music(frame)
        bar = self.clock.bar_at_frame(frame)
        hold_ticks = round(self.clock.bar_meter(bar).quarters_per_bar * PPQ)
        chord = final_chord(intent.key, velocity=FINAL_CHORD_VELOCITY)
        for stinger in final_chord_stingers(chord, intent, hold_ticks):
            self.script.place_stinger(stinger, frame)
        for stinger in accent_stingers("end", CADENCE_ACCENT, intent.key):
            self.script.place_stinger(stinger, frame)
        quarter = self.clock.bar_start_quarter(bar)
        self.release_frame = self.clock.frame_at_quarter(quarter + hold_ticks / PPQ)
        self.total = max(self.release_frame + round(TAIL_S * self.sr), round(self.cutscene.length_s * self.sr))
        self.ended_at = frame
        self.final_chord = chord
        self._row(cue, "end", "end cadence", frame)

    # ---- the loop ----------------------------------------------------------

    def run(self, sink: Callable | None, progress: Callable | None) -> int:
        actions = _actions(self.cutscene, self.landings, self.clock, self.sr)
        length = round(self.cutscene.length_s * self.sr)
        buffer = np.zeros((BLOCK_FRAMES, 2), dtype=np.float32)
        head, i, peak = 0, 0, 0.0
        while self.total is None or head < self.total:
            while i < len(actions) and actions[i].frame <= head:
                self.apply(actions[i])
                i += 1
            total = self.total if self.total is not None else length
            if head >= total:
                break
            stop = min(head + BLOCK_FRAMES, total, actions[i].frame if i < len(actions) else total)
            block = buffer[:stop - head]
            if self.ended_at is None:
                self._sample_curves(head)
                self.engine.render_block(block)
                self._note_state(head)            # a timed state's follow-on
            else:
                self.script.render_unscored(block)   # after the final downbeat: no more score control
            peak = max(peak, float(np.max(np.abs(block))) if len(block) else 0.0)
            if sink is not None:
                sink(block)
            self.cues_heard.extend(self.script.cues_rendered())
            head = stop
            if progress is not None:
                progress(head, total)
        self.peak = peak
        return head

    def _sample_curves(self, frame: int) -> None:
        for name in self.score.parameters:
            self.curves[name].append((frame, self.script.parameter_at(name, frame)))
        self.curves["intensity"].append((frame, self.script.intent_at(frame).intensity))

    def transitions(self) -> list[tuple[int, str, str]]:
        """(frame, state, mood) where each change of state sounded; the cue-sheet rows of
        the state and event cues that asked for them move to those frames."""
        landed = [c for c in self.cues_heard if c.kind == "transition"]
        out = [(0, self.score.initial_state, self.first_mood)]
        changes = list(self.state_changes)
        for cue in landed:
            state = out[-1][1]
            if changes and changes[0][0] <= cue.frame:
                _, state, row = changes.pop(0)
                if row is not None:
                    self.rows[row] = dataclasses.replace(self.rows[row], frame=cue.frame, **self._bar_beat(cue.frame))
            if cue.frame == 0:
                out[0] = (0, state, cue.name)
            else:
                out.append((cue.frame, state, cue.name))
        return out

    def _bar_beat(self, frame: int) -> dict:
        bar = self.clock.bar_at_frame(frame)
        return {"bar": bar, "beat": max(0, bisect.bisect_right(self.clock.beat_frames(bar), frame) - 1)}


def render_cutscene(path_or_cutscene, *, soundfont=None, model=None, sample_rate_hz: int = 48000,
                    sink: Callable[[np.ndarray], None] | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    stem_sink: Callable | None = None) -> Rendering:
    """Render a cutscene (a path, a loaded ``Cutscene`` or what ``prepare`` returned), passing each float32 block to
    ``sink`` (and, with ``stem_sink``, each block's stems: ``stem_sink(start_frame, {stem: block})``);
    return what the MIDI, cue sheet and timeline need.

    Raises SourceError (``file:line: ...``) for a broken cutscene or score and
    ValueError naming the two hits for an infeasible tempo fit, before rendering.
    """
    if isinstance(path_or_cutscene, tuple):   # already prepared
        cutscene, score, fit = path_or_cutscene
    else:
        cutscene, score, fit = prepare(path_or_cutscene, sample_rate_hz)
    engine, synth = build_engine(cutscene, score, fit, soundfont=soundfont, model=model, sample_rate_hz=sample_rate_hz,
                                 stem_sink=stem_sink)
    try:
        renderer = _Renderer(cutscene, score, fit, engine, sample_rate_hz)
        total = renderer.run(sink, progress)
        events = synth.events
        sounding = renderer.script.notes_sounding()
        assert not sounding, f"notes left sounding: {sounding}"
    finally:
        engine.close()
    transitions = renderer.transitions()
    return Rendering(cutscene, fit, sample_rate_hz, total, events, renderer.rows, transitions, renderer.curves,
                     end_frame=renderer.ended_at or 0, final_release_frame=renderer.release_frame,
                     final_chord=renderer.final_chord, peak=renderer.peak,
                     parameter_ranges={name: (p.min_value, p.max_value) for name, p in score.parameters.items()})

