"""MusicEngine: the one object a game holds.

A game tells the engine what happens (``post_event``, ``set_parameter``, ``set_state``,
``trigger_stinger``) from any thread; the engine turns that into music through the
score's state machine, the composer and the player, and hands the game back what it
hears (``poll`` delivers beat, bar, transition and stinger callbacks on the caller's
thread, at the frame they sound) and where the music is (``snapshot``).

Time and determinism. Game calls are queued, then applied by the render side at the
next *control frame*: a multiple of ``block_frames``. Each applied call is stamped
with that frame (and written to the session record, if any), so what is composed
depends only on the seed and the calls with their frames, never on thread timing.
``moodscore replay`` applies a recorded session at the same frames and re-renders it
bit-identically.

Outputs. ``start("pygame" | "sounddevice")`` plays live through a ring buffer a render
thread keeps full; ``start("wav:PATH")`` renders offline as ``advance(seconds)`` is
called; with no output (or ``"null"``) the host pulls audio itself with
``render(frames)``, e.g. from its own audio callback.

Errors. Bad API arguments (a sync point that does not exist, a negative or non-finite
fade) are a ValueError at the call, on the game thread. Names that come from the
game's world (events, parameters, states, stingers) unknown to the score are counted
and logged (``snapshot().counters``), or a ValueError at the call with ``strict``.
Nothing raised on the render side ever reaches the game: a call that fails there is
logged and counted (``rejected_calls``), a block that fails to render is silence
(``render_errors``).
"""

from __future__ import annotations

import collections
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from engine.music.intent import Intent
from engine.playback.player import Cue, Player, PlayerConfig
from engine.playback.segments import Segment
from engine.playback.stingers import Stinger
from engine.playback.stream import StreamConfig
from engine.replay import SessionWriter
from engine.score.format import SYNC_POINTS, Score
from engine.score.load import load_score
from engine.score.machine import ScoreMachine, TransitionRequest

log = logging.getLogger(__name__)

INTENSITY_STEP = 0.04
"""Smallest change of smoothed intensity passed on to the player (fewer, smoother fades)."""

_CALLS = ("post_event", "set_parameter", "set_state", "trigger_stinger", "stop")
_CUE_KINDS = ("beat", "bar", "transition", "stinger")
_ENGINE_COUNTERS = ("rejected_calls", "unknown_stingers", "render_errors")


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """How the engine runs. ``seed`` fixes every random choice of the composer."""

    sample_rate_hz: int = 48000
    block_frames: int = 256
    latency_blocks: int = 3
    lookahead_bars: int = 1
    seed: int = 0
    strict: bool = False

    def __post_init__(self) -> None:
        if self.sample_rate_hz not in (22050, 32000, 44100, 48000, 88200, 96000):
            raise ValueError(f"sample_rate_hz: {self.sample_rate_hz} is not a usual audio rate (44100, 48000, ...)")
        if not 64 <= self.block_frames <= 8192 or self.block_frames % 64:
            raise ValueError(f"block_frames: {self.block_frames} must be a multiple of 64 in 64..8192")
        if not 1 <= self.latency_blocks <= 64:
            raise ValueError(f"latency_blocks: {self.latency_blocks} is outside 1..64")

    def stream(self) -> StreamConfig:
        return StreamConfig(self.sample_rate_hz, self.block_frames, self.latency_blocks)


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """Where the music is, for a HUD: at the frame being heard now."""

    state: str
    mood: str
    intensity: float
    parameters: dict[str, float]
    bar: int
    beat: int
    tempo_bpm: float
    meter: str
    key: str
    frame: int
    time_s: float
    latency_ms: float
    underruns: int
    counters: dict[str, int] = field(default_factory=dict)


class MusicEngine:
    """Adaptive music for one score; see the module docstring. Safe to call from any thread."""

    def __init__(self, score: Score, composer, synth, config: EngineConfig = EngineConfig(),
                 record: str | os.PathLike | None = None, session_header: dict | None = None):
        self.score = score
        self.config = config
        self.synth = synth
        self.machine = ScoreMachine(score, config.sample_rate_hz, strict=config.strict)
        intent = self.machine.intent_at(0)
        player_config = PlayerConfig(config.sample_rate_hz, config.lookahead_bars, score.phrase_bars)
        self.player = Player(composer, synth, intent, player_config)
        self._pending: collections.deque[tuple[str, tuple]] = collections.deque()
        self._pending_lock = threading.Lock()
        self._machine_lock = threading.Lock()
        self._callbacks: dict[str, list[Callable[[Cue], None]]] = {kind: [] for kind in _CUE_KINDS}
        self._sent_intensity = self._last_intensity = intent.intensity
        self._bar_told = -1
        self._segments: dict[Path, Segment] = {}
        # every key exists from the start: snapshot() copies it while the render side counts
        self._counters = dict.fromkeys(_ENGINE_COUNTERS, 0)
        self._output = None
        self._closed = False
        self._render_lock = threading.Lock()   # held while rendering, so close() never frees the synth mid-block
        self._pull_block = np.zeros((config.block_frames, 2), dtype=np.float32)
        self._pull_pos = config.block_frames            # nothing carried over yet
        self._frames_delivered = 0
        self._record = SessionWriter(record, session_header or {}) if record else None
        self._tell_bars_locked(0)

    # ------------------------------------------------------------ building

    @classmethod
    def load(cls, score: str | os.PathLike | Score, *, soundfont: str | os.PathLike | None = None,
             model: str | os.PathLike | None = None, seed: int | None = None, sample_rate_hz: int = 48000,
             block_frames: int = 256, latency_blocks: int = 3, lookahead_bars: int = 1, strict: bool = False,
             record: str | os.PathLike | None = None, temperature: float = 1.0, top_p: float = 0.95) -> MusicEngine:
        """Load a score (a path or a loaded ``Score``), the composer model and the SoundFont.

        ``seed`` None picks one at random (it is recorded). Raises ``SourceError`` for a
        broken score, ``EngineError`` for a missing SoundFont or a broken model file.
        """
        from engine.composer.composer import Composer
        from engine.playback.synth import Synth

        score_obj = score if isinstance(score, Score) else load_score(score)
        if seed is None:
            seed = int.from_bytes(os.urandom(4), "little")
        config = EngineConfig(sample_rate_hz, block_frames, latency_blocks, lookahead_bars, int(seed), strict)
        composer = Composer.load(model, seed=config.seed, temperature=temperature, top_p=top_p)
        synth = Synth(soundfont, sample_rate_hz=sample_rate_hz)
        # absolute paths, and the SoundFont actually found: a replay from another
        # directory or with another $MOODSCORE_SOUNDFONT still renders the same bytes
        header = {
            "score": str(Path(score_obj.file).resolve()) if score_obj.file else None, "seed": config.seed,
            "sample_rate_hz": sample_rate_hz, "block_frames": block_frames, "latency_blocks": latency_blocks,
            "lookahead_bars": lookahead_bars, "model": str(Path(model).resolve()) if model else None,
            "soundfont": str(Path(synth.soundfont).resolve()), "temperature": temperature, "top_p": top_p,
        }
        return cls(score_obj, composer, synth, config, record=record, session_header=header)

    # ------------------------------------------------------------ game side

    def post_event(self, name: str) -> None:
        """The game says ``name`` happened; unknown names are counted and logged."""
        self._enqueue("post_event", (str(name),))

    def set_parameter(self, name: str, value: float) -> None:
        """Set game parameter ``name`` (smoothed by the score); out-of-range values are clamped."""
        self._enqueue("set_parameter", (str(name), float(value)))

    def set_state(self, name: str, sync: str | None = None) -> None:
        """Go to state ``name`` at ``sync`` (default ``next_bar``); ValueError for a sync
        point that is not one of ``SYNC_POINTS``."""
        if sync is not None and sync not in SYNC_POINTS:
            raise ValueError(f"set_state({name!r}): sync {sync!r} is not one of {SYNC_POINTS}")
        self._enqueue("set_state", (str(name), sync))

    def trigger_stinger(self, name: str) -> None:
        """Play stinger ``name`` over the music at its sync point."""
        self._enqueue("trigger_stinger", (str(name),))

    def _enqueue(self, call: str, args: tuple) -> None:
        if self.config.strict:
            self._check_name(call, args[0])
        with self._pending_lock:
            self._pending.append((call, args))

    def _check_name(self, call: str, name: str) -> None:
        table = {"post_event": self.score.events, "set_parameter": self.score.parameters,
                 "set_state": self.score.states, "trigger_stinger": self.score.stingers}.get(call)
        if table is not None and name not in table:
            raise ValueError(f"{call}: unknown name {name!r} in score {self.score.name!r}")

    def on_beat(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["beat"].append(fn)

    def on_bar(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["bar"].append(fn)

    def on_transition(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["transition"].append(fn)

    def on_stinger(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["stinger"].append(fn)

    def poll(self, until_frame: int | None = None) -> list[Cue]:
        """Deliver the cues heard since the last call to the registered callbacks, on this
        thread, in order; returns them too. Call it once per game frame. A pull host that
        buffers what it renders (pyglet) passes ``until_frame``, the frame it plays now."""
        cues = self.player.poll(until_frame=self.heard_frame if until_frame is None else until_frame)
        for cue in cues:
            for fn in self._callbacks.get(cue.kind, ()):
                fn(cue)
        return cues

    @property
    def heard_frame(self) -> int:
        """The frame being heard now: what the device (or the pull host) has taken."""
        stream = getattr(self._output, "stream", None)
        if stream is not None:
            return stream.frames_read
        if self._output is not None:
            return self.player.head_frame
        return self._frames_delivered

    def snapshot(self) -> EngineSnapshot:
        """State, mood, intensity, parameters, bar, beat and tempo where the music is heard now."""
        frame = self.heard_frame
        intent = self.player.intent_at(frame)
        bar, beat, tempo_bpm, meter = self.player.position_at(frame)
        with self._machine_lock:
            parameters = {name: self.machine.parameter_at(name, frame) for name in self.score.parameters}
            counters = {**self.machine.counters, **self._counters}
            state = self.machine.state
        stream = getattr(self._output, "stream", None)
        return EngineSnapshot(
            state=state, mood=intent.mood, intensity=intent.intensity, parameters=parameters,
            bar=bar, beat=beat, tempo_bpm=tempo_bpm, meter=str(meter), key=str(intent.key), frame=frame,
            time_s=frame / self.config.sample_rate_hz,
            latency_ms=self._output.latency_ms() if stream is not None else 0.0,
            underruns=stream.underruns if stream is not None else 0, counters=counters,
        )

    # ------------------------------------------------------------ outputs

    def start(self, output: str = "null") -> MusicEngine:
        """Start playing through ``output``: "pygame", "sounddevice", "wav:PATH" or "null" (pull)."""
        from engine.playback.outputs import open_output

        if self._output is not None:
            raise RuntimeError("the engine is already started; stop() it first")
        if output != "null":
            self._output = open_output(output, _Source(self), self.config.stream()).start()
        return self

    def advance(self, seconds: float) -> int:
        """With an offline output ("wav:PATH"), render ``seconds`` more; live, wait that long."""
        if self._output is None:
            raise RuntimeError("advance() needs an output: start('wav:PATH') or a live one; in pull mode use render()")
        return self._output.advance(seconds)

    def render(self, frames: int) -> np.ndarray:
        """Pull mode: the next ``frames`` frames, float32 (frames, 2). Rendering runs in whole
        blocks, so the audio does not depend on how the host slices its requests. Never
        raises from rendering (a failed block is silence, counted in ``render_errors``);
        after ``close()`` it returns silence. One thread pulls at a time."""
        if self._output is not None:
            raise RuntimeError(f"render() is for pull mode; the engine is playing through {type(self._output).__name__}")
        out = np.empty((int(frames), 2), dtype=np.float32)
        pos, block = 0, self._pull_block
        with self._render_lock:
            while pos < len(out):
                if self._pull_pos == len(block):
                    self._render_block_safely(block)
                    self._pull_pos = 0
                take = min(len(out) - pos, len(block) - self._pull_pos)
                out[pos:pos + take] = block[self._pull_pos:self._pull_pos + take]
                pos += take
                self._pull_pos += take
            self._frames_delivered += len(out)
        return out

    def _render_block_safely(self, block: np.ndarray) -> None:
        if self._closed:
            block[:] = 0.0
            return
        try:
            self.render_block(block)
        except Exception:  # noqa: BLE001 - the render side must not raise into the host
            self._counters["render_errors"] += 1
            log.exception("rendering a block failed; a block of silence instead")
            block[:] = 0.0

    def stop(self, fade_s: float = 0.5) -> None:
        """Fade the music out over ``fade_s`` seconds; every note is released at the end.
        ValueError when ``fade_s`` is negative or not finite."""
        fade_s = float(fade_s)
        if not (math.isfinite(fade_s) and fade_s >= 0.0):
            raise ValueError(f"stop: fade_s {fade_s!r} must be a finite number of seconds >= 0")
        self._enqueue("stop", (fade_s,))

    def close(self) -> None:
        """Stop the output, write the session record's end, release the synth. Idempotent;
        waits for a ``render`` in progress on another thread to finish its block."""
        if self._output is not None:
            self._output.close()
            self._output = None
        with self._render_lock:
            if self._closed:
                return
            self._closed = True
            if self._record is not None:
                self._record.close(self.player.head_frame)
                self._record = None
            self.synth.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> MusicEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ render side

    def render_block(self, out: np.ndarray) -> None:
        """Render ``len(out)`` frames (a block), applying queued calls at its first frame."""
        frame = self.player.head_frame
        with self._pending_lock:
            calls, self._pending = self._pending, collections.deque()
        with self._machine_lock:
            for call, args in calls:
                try:
                    self.apply(call, args, frame)
                except Exception:  # noqa: BLE001 - never into the host; strict names were checked at the call
                    self._counters["rejected_calls"] += 1
                    log.exception("%s%r at frame %d failed", call, args, frame)
            self._control_locked(frame)
        self.player.render_into(out)

    def apply(self, call: str, args: tuple, frame: int) -> None:
        """Apply one game call at ``frame`` (the render side, ``replay`` and cutscenes call
        this). A ValueError is counted in ``rejected_calls``, or raised with ``strict`` so
        that offline callers see it; the render side catches everything."""
        if self._record is not None:
            self._record.write(frame, call, args)
        try:
            if call not in _CALLS:
                raise ValueError(f"unknown call {call!r}")
            getattr(self, f"_do_{call}")(frame, *args)
        except ValueError:
            if self.config.strict:
                raise
            self._counters["rejected_calls"] += 1
            log.warning("%s%r at frame %d rejected", call, args, frame, exc_info=True)
        self._machine_requests_locked(frame)

    def _do_post_event(self, frame: int, name: str) -> None:
        self.machine.post_event(name, frame)

    def _do_set_parameter(self, frame: int, name: str, value: float) -> None:
        self.machine.set_parameter(name, value, frame)

    def _do_set_state(self, frame: int, name: str, sync: str | None) -> None:
        self.machine.set_state(name, frame, sync)

    def _do_trigger_stinger(self, frame: int, name: str) -> None:
        if name not in self.score.stingers:
            self._counters["unknown_stingers"] += 1
            log.warning("unknown stinger %r ignored (score %r)", name, self.score.name)
            return
        self._play_stinger(name, frame)

    def _do_stop(self, frame: int, fade_s: float) -> None:
        self.player.stop(fade_s, received_frame=frame)

    def _control_locked(self, frame: int) -> None:
        """Once per block: tell the machine about bar lines ahead, follow smoothed intensity
        (in steps of ``INTENSITY_STEP``, and exactly once the smoothing has settled)."""
        self._tell_bars_locked(frame)
        intensity = self.machine.intensity_at(frame)
        settled = intensity == self._last_intensity
        self._last_intensity = intensity
        if abs(intensity - self._sent_intensity) >= INTENSITY_STEP or (settled and intensity != self._sent_intensity):
            self.player.set_intensity(intensity, received_frame=frame)
            self._sent_intensity = intensity

    def _tell_bars_locked(self, frame: int) -> None:
        """Tell the machine of each bar line up to the next one before it sounds, so a
        timed state's follow-on can land on it."""
        clock = self.player.clock  # touched only by the render side, which runs this
        next_bar = clock.bar_at_frame(frame) + 1
        while self._bar_told < next_bar:
            self._bar_told += 1
            self.machine.on_bar(self._bar_told, clock.bar_start_frame(self._bar_told))
            self._machine_requests_locked(frame)

    def _machine_requests_locked(self, frame: int) -> None:
        for request in self.machine.take_requests():
            self._carry_out(request, frame)

    def _carry_out(self, request: TransitionRequest, frame: int) -> None:
        received = max(frame, request.received_frame)
        if request.changes_state:
            state = self.score.states[request.to_state]
            intent = self.machine.intent_for(request.to_state, received)
            segment = self._segment_for(request, state)
            self.player.transition(intent, request.sync, received_frame=received, fade_s=request.fade_s,
                                   segment=segment, tempo_ramp_bars=state.tempo_ramp_bars)
            self._sent_intensity = intent.intensity
        if request.stinger is not None:
            self._play_stinger(request.stinger, received)

    def _segment_for(self, request: TransitionRequest, state) -> Segment | None:
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

    def _play_stinger(self, name: str, frame: int) -> None:
        spec = self.score.stingers[name]
        events = self._load_segment(spec.file, loop=False).events if spec.file is not None else ()
        mood = self.score.moods.get(spec.mood) if spec.mood else None
        program = mood.instrumentation.program("melody") if mood else None
        stinger = Stinger(name=name, events=events, sync=spec.sync, duck_gain=1.0 - spec.duck,
                          min_interval_s=spec.min_interval_s, **({"program": program} if program is not None else {}))
        self.player.stinger(stinger, received_frame=frame)


class _Source:
    """The engine as an output's source: blocks rendered through the engine's control path."""

    def __init__(self, engine: MusicEngine):
        self._engine = engine

    def render_into(self, out: np.ndarray) -> None:
        self._engine._render_block_safely(out)  # an offline advance() runs on the game thread

    def pump(self, max_bars: int = 1) -> int:
        return self._engine.player.pump(max_bars)

    def compose_due(self) -> bool:
        return self._engine.player.compose_due()

    def poll(self, until_frame: int | None = None) -> list[Cue]:
        return self._engine.player.poll(until_frame)
