"""From the score to the player: game calls into the state machine, its requests into playback.

``ScoreBridge`` is the render side's control path. It applies each game call (an
``engine.calls`` value) to the ``ScoreMachine``; once per block (``control``) it tells
the machine of the bar lines ahead and passes smoothed intensity to the player; and
it carries out what the machine asks (``TransitionRequest``) by translating score
types into playback ones: a state into an ``Intent``, its authored MIDI into a
``Segment``, a score ``StingerSpec`` into a playback ``Stinger``. It is not
thread-safe: the engine calls it under its machine lock.
"""

from __future__ import annotations

import logging
from pathlib import Path

from engine.calls import Call, PostEvent, ReloadScore, ResumeState, SetParameter, SetState, Start, Stop, TriggerStinger
from engine.lograte import NAME_FORMAT, WarnedNames
from engine.playback.player import Player
from engine.playback.segments import Segment
from engine.playback.stingers import Stinger
from engine.score.format import Score, State
from engine.score.machine import ScoreMachine, TransitionRequest

log = logging.getLogger(__name__)

INTENSITY_STEP = 0.04
"""Smallest change of smoothed intensity passed on to the player (fewer, smoother fades)."""

RELOAD_FADE_S = 1.0
"""Crossfade at the bar line where a reloaded score takes over."""


class ScoreBridge:
    """Drives ``player`` from ``machine`` (both for ``score``); see the module docstring.
    ``counters`` is the engine's counter table, where unknown stingers and the stingers
    the player drops (too soon after the last, or after a stop) are counted."""

    def __init__(self, score: Score, machine: ScoreMachine, player: Player, counters: dict[str, int]):
        self.score = score
        self.machine = machine
        self.player = player
        self._counters = counters
        self._sent_intensity = self._last_intensity = machine.intent_at(0).intensity
        self._bar_told = -1
        self._segments: dict[Path, Segment] = {}
        self._warned = WarnedNames(log)
        self._handlers = {PostEvent: self._post_event, SetParameter: self._set_parameter, SetState: self._set_state,
                          TriggerStinger: self._trigger_stinger, Stop: self._stop, Start: self._start,
                          ReloadScore: self._reload_score, ResumeState: self._resume_state}
        self._tell_bars(0)

    # ------------------------------------------------------------ calls

    def apply(self, call: Call, frame: int) -> None:
        """Apply one game call at ``frame`` to the machine (or the player); a ValueError for
        what the score rejects. The caller then carries out what the machine asked for
        (``take_requests``), whether or not the call was rejected."""
        handler = self._handlers.get(type(call))
        if handler is None:
            raise TypeError(f"not a game call: {call!r}")
        handler(call, frame)

    def _post_event(self, call: PostEvent, frame: int) -> None:
        self.machine.post_event(call.name, frame)

    def _set_parameter(self, call: SetParameter, frame: int) -> None:
        self.machine.set_parameter(call.name, call.value, frame)

    def _set_state(self, call: SetState, frame: int) -> None:
        self.machine.set_state(call.name, frame, call.sync)

    def _resume_state(self, call: ResumeState, frame: int) -> None:
        self.machine.set_state(call.name, frame, call.sync, resume=True)

    def _trigger_stinger(self, call: TriggerStinger, frame: int) -> None:
        if call.name not in self.score.stingers:
            self._counters["unknown_stingers"] += 1
            level = logging.WARNING if self._warned.first(call.name) else logging.DEBUG
            log.log(level, f"unknown stinger {NAME_FORMAT} ignored (score %r)", call.name, self.score.name)
            return
        self.play_stinger(call.name, frame)

    def _stop(self, call: Stop, frame: int) -> None:
        self.player.stop(call.fade_s, received_frame=frame)

    def _start(self, call: Start, frame: int) -> None:
        self.player.resume(received_frame=frame)

    def _reload_score(self, call: ReloadScore, frame: int) -> None:
        """The edited score takes over: the machine from now (same state and parameters
        where they still exist), the music at the next bar line, recomposed from the
        composer's snapshot there, so the line carries on in the new state's colours and,
        from that bar, in the edit's form and themes."""
        score = call.score
        self.machine = self.machine.reloaded(score, frame)
        self.score = score
        self._segments.clear()                 # the edit may have replaced a MIDI file
        self.player.reform(call.form, frame)   # its phrase length, forms and themes, from the landing bar
        state = score.states[self.machine.state]
        intent = self.machine.intent_for(state.name, frame)
        loop = self._load_segment(state.segments.loop, loop=True) if state.segments.loop is not None else None
        self.player.transition(intent, "next_bar", received_frame=frame, fade_s=RELOAD_FADE_S, segment=loop,
                               tempo_ramp_bars=state.tempo_ramp_bars, state=state.name)
        self._sent_intensity = intent.intensity
        log.info("score %r reloaded from %s; %s from the next bar line", score.name, call.file, state.name)

    # ------------------------------------------------------------ once per block

    def control(self, frame: int) -> None:
        """Once per block: tell the machine about bar lines ahead, follow smoothed intensity
        (in steps of ``INTENSITY_STEP``, and exactly once the smoothing has settled)."""
        self._tell_bars(frame)
        intensity = self.machine.intensity_at(frame)
        settled = intensity == self._last_intensity
        self._last_intensity = intensity
        if abs(intensity - self._sent_intensity) >= INTENSITY_STEP or (settled and intensity != self._sent_intensity):
            self.player.set_intensity(intensity, received_frame=frame)
            self._sent_intensity = intensity

    def _tell_bars(self, frame: int) -> None:
        """Tell the machine of each bar line up to the next one before it sounds, so a
        timed state's follow-on can land on it."""
        clock = self.player.clock  # touched only by the render side, which runs this
        next_bar = clock.bar_at_frame(frame) + 1
        while self._bar_told < next_bar:
            self._bar_told += 1
            self.machine.on_bar(self._bar_told, clock.bar_start_frame(self._bar_told))
            self.take_requests(frame)

    # ------------------------------------------------------------ the machine's requests

    def take_requests(self, frame: int) -> None:
        """Carry out every request the machine has made, none before ``frame``."""
        for request in self.machine.take_requests():
            self._carry_out(request, frame)

    def _carry_out(self, request: TransitionRequest, frame: int) -> None:
        received = max(frame, request.received_frame)
        if request.changes_state:
            state = self.score.states[request.to_state]
            intent = self.machine.intent_for(request.to_state, received)
            segment = self._segment_for(request, state)
            self.player.transition(intent, request.sync, received_frame=received, fade_s=request.fade_s,
                                   segment=segment, tempo_ramp_bars=state.tempo_ramp_bars, state=request.to_state,
                                   leaving=request.from_state, resume=request.to_state if request.resume else None)
            self._sent_intensity = intent.intensity
        if request.stinger is not None:
            self.play_stinger(request.stinger, received)

    def _segment_for(self, request: TransitionRequest, state: State) -> Segment | None:
        if request.segment is not None:
            return self._load_segment(request.segment, loop=False)
        if state.segments.intro is not None:
            return self._load_segment(state.segments.intro, loop=False)
        if state.segments.loop is not None:
            return self._load_segment(state.segments.loop, loop=True)
        return None

    def _load_segment(self, path: Path, loop: bool) -> Segment:
        key = Path(path)
        if key not in self._segments:
            self._segments[key] = Segment.from_midi(key, loop=loop)
        segment = self._segments[key]
        return segment if segment.loop == loop else Segment(segment.name, segment.events, segment.length_bars,
                                                            segment.meter, loop, segment.tempo_bpm)

    def play_stinger(self, name: str, frame: int) -> int | None:
        """Play the score's stinger ``name`` from ``frame``; the frame it sounds at, or None
        when the player drops it (counted in ``stingers_suppressed``)."""
        landed = self.player.stinger(self.stinger(name), received_frame=frame)
        if landed is None:
            self._counters["stingers_suppressed"] += 1
        return landed

    def stinger(self, name: str) -> Stinger:
        """The playback ``Stinger`` for the score's ``StingerSpec`` ``name``."""
        spec = self.score.stingers[name]
        events = self._load_segment(spec.file, loop=False).events if spec.file is not None else ()
        mood = self.score.moods.get(spec.mood) if spec.mood else None
        program = mood.instrumentation.program("melody") if mood else None
        return Stinger(name=name, events=events, sync=spec.sync, duck_gain=1.0 - spec.duck,
                       min_interval_s=spec.min_interval_s, **({"program": program} if program is not None else {}))
