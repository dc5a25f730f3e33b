"""The score's state machine: game inputs in, transition requests and intent out.

Pure and deterministic: every input is stamped with the sample frame at which the
game made it, and every output is a function of the inputs and their frames only (no
clock). The machine decides *what* should happen; the conductor decides the exact
frame a request lands on from its ``sync`` point and calls ``on_bar`` at bar lines.

Game inputs whose frame is earlier than a game input already seen are taken at that
later frame (counted as ``late_inputs``), so time never runs backwards inside the
machine. ``on_bar`` comes from the conductor's clock and is not part of that order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from engine.lograte import NAME_FORMAT, WarnedNames
from engine.music.intent import LAYERS, Intent
from engine.music.sync import landing_bar
from engine.score.format import SYNC_POINTS, Parameter, Score, State, Transition

log = logging.getLogger(__name__)

TIMED_FADE_S = 1.0
"""Crossfade used when a timed state hands over to its ``then`` state."""

_HISTORY = 256  # smoothing segments kept per parameter; older frames read the oldest kept
_TOLD_KEPT = 4  # bar lines told ahead kept, to find a state's entry among them
_COUNTERS = ("events", "unknown_events", "ignored_events", "unknown_parameters",
             "clamped_parameters", "unknown_states", "stingers_suppressed", "late_inputs")


@dataclass(frozen=True, slots=True)
class TransitionRequest:
    """What the music should do, asked for at ``received_frame``, to land at ``sync``.

    ``from_state == to_state`` means no change of state: only ``stinger`` plays.
    """

    received_frame: int
    from_state: str
    to_state: str
    sync: str
    fade_s: float
    segment: Path | None
    stinger: str | None
    reason: str
    resume: bool = False     # continue ``to_state``'s music where it was left

    @property
    def changes_state(self) -> bool:
        return self.from_state != self.to_state


@dataclass(frozen=True, slots=True)
class _Segment:
    """From ``start_frame`` the parameter moves from ``start_value`` towards ``target``."""

    start_frame: int
    start_value: float
    target: float


class ScoreMachine:
    """Runs one score; see the module docstring. Not thread-safe: one caller thread."""

    def __init__(self, score: Score, sample_rate_hz: int = 48000, strict: bool = False):
        if sample_rate_hz <= 0:
            raise ValueError(f"sample_rate_hz: {sample_rate_hz} must be > 0")
        self.score = score
        self.sample_rate_hz = sample_rate_hz
        self.strict = strict
        self._state = score.initial_state
        self._entered_frame = 0
        self._entered_sync = "immediate"
        self._entry_bar: int | None = None
        self._told: list[tuple[int, int]] = []   # recent bar lines told by on_bar: (index, frame)
        self._follow_requested = False
        self._requests: list[TransitionRequest] = []
        self._history = {name: [_Segment(0, p.default, p.default)] for name, p in score.parameters.items()}
        self._stinger_frames: dict[str, int] = {}
        self._last_frame = 0
        self._counters = dict.fromkeys(_COUNTERS, 0)
        self._warned = WarnedNames(log)   # bounded: a flood of distinct names costs no memory

    # ---- reading -------------------------------------------------------------

    @property
    def state(self) -> str:
        """The state the music is heading for: the target of the latest request."""
        return self._state

    @property
    def counters(self) -> dict[str, int]:
        """A copy of the run-time counters (unknown events, clamped values, ...)."""
        return dict(self._counters)

    def parameter_at(self, name: str, frame: int) -> float:
        """The smoothed value of parameter ``name`` at ``frame``; raises KeyError if unknown."""
        param = self.score.parameters[name]
        history = self._history[name]
        seg = history[0]
        for later in reversed(history):   # the render side asks about the newest frames
            if later.start_frame <= frame:
                seg = later
                break
        elapsed_s = (frame - seg.start_frame) / self.sample_rate_hz
        return param.smoothed(seg.start_value, seg.target, elapsed_s)

    def intent_at(self, frame: int) -> Intent:
        """The intent of the current state at ``frame``, intensity from smoothed parameters."""
        return self.intent_for(self._state, frame)

    def intent_for(self, state_name: str, frame: int) -> Intent:
        """The intent of any state at ``frame`` (e.g. the state being faded out)."""
        state = self.score.states[state_name]
        mood = self.score.moods[state.mood]
        intensity = self._intensity(state, frame)
        return Intent(
            mood=mood.name, valence=mood.valence, arousal=mood.arousal, intensity=intensity,
            key=state.key, tempo_bpm=state.tempo_at(intensity), meter=state.meter,
            layers=state.layers or LAYERS, instrumentation=mood.instrumentation,
        )

    def intensity_at(self, frame: int) -> float:
        """The current state's intensity at ``frame`` (cheaper than ``intent_at``)."""
        return self._intensity(self.score.states[self._state], frame)

    def _intensity(self, state: State, frame: int) -> float:
        name = state.intensity.parameter
        param = self.score.parameters.get(name) if name else None
        value = self.parameter_at(name, frame) if param else 0.0
        return state.intensity.value(param, value)

    def take_requests(self) -> list[TransitionRequest]:
        """The requests made since the last call, oldest first."""
        requests, self._requests = self._requests, []
        return requests

    # ---- inputs --------------------------------------------------------------

    def post_event(self, name: str, frame: int) -> None:
        """The game says ``name`` happened at ``frame``."""
        frame = self._stamp(frame)
        event = self.score.events.get(name)
        if event is None:
            self._unknown("unknown_events", "event", name)
            return
        self._counters["events"] += 1
        transition = event.transition_from(self._state) if event.transitions else None
        if event.transitions and transition is None:
            self._counters["ignored_events"] += 1
            log.debug("event %r does not apply from state %r; ignored", name, self._state)
            return
        for param, value in event.set_parameters:
            self._set(param, value, frame)
        stinger = self._stinger(transition.stinger if transition and transition.stinger else event.stinger, frame)
        if transition is not None and transition.to_state != self._state:
            self._transition(frame, transition, stinger, f"event {name}")
        elif stinger is not None:
            self._stinger_only(frame, stinger, f"event {name}")

    def set_parameter(self, name: str, value: float, frame: int) -> None:
        """The game sets parameter ``name`` to ``value`` at ``frame``; the music follows smoothly."""
        frame = self._stamp(frame)
        if name not in self.score.parameters:
            self._unknown("unknown_parameters", "parameter", name)
            return
        self._set(name, value, frame)

    def set_state(self, name: str, frame: int, sync: str | None = None, resume: bool = False) -> None:
        """Move to state ``name`` directly, landing at ``sync`` (default ``next_bar``);
        with ``resume``, its music continues where it was left."""
        sync = sync or "next_bar"
        if sync not in SYNC_POINTS:
            raise ValueError(f"sync {sync!r} is not one of {SYNC_POINTS}")
        frame = self._stamp(frame)
        if name not in self.score.states:
            self._unknown("unknown_states", "state", name)
            return
        if name != self._state:
            self._transition(frame, Transition(("*",), name, sync, TIMED_FADE_S, resume=resume), None, "set_state")

    def reloaded(self, score: Score, frame: int) -> ScoreMachine:
        """A machine for ``score`` (an edit of this one's) that carries on from ``frame``:
        in the same state where ``score`` still has it (else in its initial state), each
        parameter it still has continuing from its value now towards the same target
        (clamped to its new range), counters and stinger times kept."""
        new = ScoreMachine(score, self.sample_rate_hz, self.strict)
        if self._state in score.states:
            new._state, new._entered_frame, new._entered_sync = self._state, self._entered_frame, self._entered_sync
            new._entry_bar, new._follow_requested = self._entry_bar, self._follow_requested
        for name, param in score.parameters.items():
            if name not in self._history:
                continue
            if param == self.score.parameters[name]:
                new._history[name] = list(self._history[name])
            else:
                now, target = self.parameter_at(name, frame), self._history[name][-1].target
                new._history[name] = [_Segment(frame, param.clamp(now), param.clamp(target))]
        new._stinger_frames = {name: f for name, f in self._stinger_frames.items() if name in score.stingers}
        new._last_frame, new._counters, new._warned = self._last_frame, self._counters, self._warned
        return new

    def on_bar(self, bar_index: int, frame: int) -> None:
        """A bar line sounds at ``frame``: a timed state counts it and asks for its follow-on.

        When the state's bars are up, the follow-on is requested at this bar line with
        sync ``next_bar``, which the conductor lands on this same bar line ("at or
        after"), and this bar counts as the follow-on's first.
        """
        self._told = self._told[-_TOLD_KEPT:] + [(bar_index, frame)]
        state = self.score.states[self._state]
        if state.duration_bars is None or self._follow_requested:
            return
        if self._entry_bar is None and self._is_entry_bar(bar_index, frame):
            self._entry_bar = bar_index
        if self._entry_bar is not None and bar_index - self._entry_bar >= state.duration_bars:
            reason = f"timed: {state.name} lasted {state.duration_bars} bars"
            self._transition(frame, Transition((state.name,), state.then_state, "next_bar", TIMED_FADE_S), None, reason)
            self._entry_bar = bar_index

    # ---- helpers -------------------------------------------------------------

    def _is_entry_bar(self, bar_index: int, frame: int) -> bool:
        """Whether the bar line at ``frame`` is the first one of the current state.

        The first bar line at or after the request that the sync point's grid allows
        (``landing_bar``, the grid the conductor lands on); ``end_of_segment`` is taken
        as a phrase. A state entered mid-bar (``immediate``, ``next_beat``) counts from
        the next bar line.
        """
        if frame < self._entered_frame:
            return False
        return landing_bar(self._entered_sync, bar_index, self.score.phrase_bars) == bar_index

    def _stamp(self, frame: int) -> int:
        if frame < self._last_frame:
            self._counters["late_inputs"] += 1
            return self._last_frame
        self._last_frame = int(frame)
        return self._last_frame

    def _unknown(self, counter: str, kind: str, name: str) -> None:
        self._counters[counter] += 1
        if self.strict:
            raise ValueError(f"unknown {kind} {name[:80]!r} for score {self.score.name!r}")
        level = logging.WARNING if self._warned.first((kind, name)) else logging.DEBUG
        log.log(level, f"unknown %s {NAME_FORMAT} ignored (score %r)", kind, name, self.score.name)

    def _set(self, name: str, value: float, frame: int) -> None:
        param: Parameter = self.score.parameters[name]
        clamped = param.clamp(float(value)) if value == value else param.default  # NaN -> default
        if clamped != value:
            self._counters["clamped_parameters"] += 1
            log.debug("parameter %r: %r clamped to %r", name, value, clamped)
        history = self._history[name]
        if clamped == history[-1].target:
            return
        current = self.parameter_at(name, frame)
        if history[-1].start_frame == frame:
            history.pop()
        history.append(_Segment(frame, current, clamped))
        del history[:-_HISTORY]

    def _stinger(self, name: str | None, frame: int) -> str | None:
        """``name`` unless it played less than its ``min_interval_s`` ago (then None, counted)."""
        if name is None:
            return None
        last = self._stinger_frames.get(name)
        min_frames = self.score.stingers[name].min_interval_s * self.sample_rate_hz
        if last is not None and frame - last < min_frames:
            self._counters["stingers_suppressed"] += 1
            return None
        self._stinger_frames[name] = frame
        return name

    def _transition(self, frame: int, transition: Transition, stinger: str | None, reason: str) -> None:
        self._requests.append(TransitionRequest(
            frame, self._state, transition.to_state, transition.sync, transition.fade_s,
            transition.segment, stinger, reason, transition.resume))
        log.debug("%s: %s -> %s at %s", reason, self._state, transition.to_state, transition.sync)
        self._state = transition.to_state
        self._entered_frame, self._entered_sync = frame, transition.sync
        self._entry_bar, self._follow_requested = None, False
        # on_bar runs ahead of the music: the bar line the state lands on may be told already
        self._entry_bar = next((k for k, f in self._told if self._is_entry_bar(k, f)), None)

    def _stinger_only(self, frame: int, stinger: str, reason: str) -> None:
        sync = self.score.stingers[stinger].sync
        self._requests.append(TransitionRequest(frame, self._state, self._state, sync, 0.0, None, stinger, reason))
