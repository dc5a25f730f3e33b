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

Rooms. This module keeps the game-facing API: the queue of calls, callbacks,
snapshots, pull-mode re-blocking and outputs. The calls are values
(``engine.calls``), applied by ``ScoreBridge`` (``engine.bridge``: the state machine
and the score→playback translation); settings are one ``EngineConfig``
(``engine.config``); sessions are written and read by ``engine.session``; a cutscene
drives the engine through ``offline()`` (``engine.offline``).
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from engine.bridge import ScoreBridge
from engine.calls import Call, PostEvent, SetParameter, SetState, Stop, TriggerStinger
from engine.config import EngineConfig
from engine.offline import OfflineScript
from engine.playback.leveller import LevelConfig
from engine.playback.plan import Pending
from engine.playback.player import Cue, Player, PlayerConfig
from engine.score.format import Score
from engine.score.load import load_score
from engine.score.machine import ScoreMachine
from engine.session import SessionHeader, SessionWriter

log = logging.getLogger(__name__)

__all__ = ["MusicEngine", "EngineConfig", "EngineSnapshot"]

_CUE_KINDS = ("beat", "bar", "transition", "stinger")
_ENGINE_COUNTERS = ("rejected_calls", "unknown_stingers", "render_errors")


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
    pending: Pending | None = None
    """A transition requested and not heard yet: its target ``state``, ``mood`` and landing ``frame``."""


class MusicEngine:
    """Adaptive music for one score; see the module docstring. Safe to call from any thread."""

    def __init__(self, score: Score, composer, synth, config: EngineConfig = EngineConfig(),
                 record: str | os.PathLike | None = None, header: SessionHeader | None = None):
        self.score = score
        self.config = config
        self.synth = synth
        machine = ScoreMachine(score, config.sample_rate_hz, strict=config.strict)
        player_config = PlayerConfig(config.sample_rate_hz, config.lookahead_bars, score.phrase_bars,
                                     loudness=LevelConfig() if score.loudness == "auto" else None)
        self._player = Player(composer, synth, machine.intent_at(0), player_config, state=score.initial_state)
        # every key exists from the start: snapshot() copies it while the render side counts
        self._counters = dict.fromkeys(_ENGINE_COUNTERS, 0)
        self._bridge = ScoreBridge(score, machine, self._player, self._counters)
        self._pending: collections.deque[Call] = collections.deque()
        self._pending_lock = threading.Lock()
        self._machine_lock = threading.RLock()   # the machine: the render side applies, snapshot() reads
        self._callbacks: dict[str, list[Callable[[Cue], None]]] = {kind: [] for kind in _CUE_KINDS}
        self._output = None
        self._closed = False
        self._render_lock = threading.Lock()   # held while rendering, so close() never frees the synth mid-block
        self._pull_block = np.zeros((config.block_frames, 2), dtype=np.float32)
        self._pull_pos = config.block_frames            # nothing carried over yet
        self._frames_delivered = 0
        if record and header is None:
            header = SessionHeader(config, score=str(Path(score.file).resolve()) if score.file else None)
        self._record = SessionWriter(record, header) if record else None

    # ------------------------------------------------------------ building

    @classmethod
    def load(cls, score: str | os.PathLike | Score, *, soundfont: str | os.PathLike | None = None,
             model: str | os.PathLike | None = None, record: str | os.PathLike | None = None,
             config: EngineConfig | None = None, **settings) -> MusicEngine:
        """Load a score (a path or a loaded ``Score``), the composer model and the SoundFont.

        ``settings`` are ``EngineConfig`` fields (``seed``, ``sample_rate_hz``,
        ``block_frames``, ``latency_blocks``, ``lookahead_bars``, ``temperature``,
        ``top_p``, ``strict``) over ``config`` (default: ``EngineConfig()``). ``seed``
        None, or given nowhere, picks one at random (it is recorded). Raises
        ``SourceError`` for a broken score, ``EngineError`` for a missing SoundFont or a
        broken model file, ValueError for a setting out of range.
        """
        from engine.composer.composer import Composer
        from engine.playback.synth import Synth

        score_obj = score if isinstance(score, Score) else load_score(score)
        seed = settings.pop("seed", None if config is None else config.seed)
        if seed is None:
            seed = int.from_bytes(os.urandom(4), "little")
        config = dataclasses.replace(config or EngineConfig(), seed=int(seed), **settings)
        composer = Composer.load(model, seed=config.seed, temperature=config.temperature, top_p=config.top_p)
        synth = Synth(soundfont, sample_rate_hz=config.sample_rate_hz)
        # absolute paths, and the SoundFont actually found: a replay from another
        # directory or with another $MOODSCORE_SOUNDFONT still renders the same bytes
        header = SessionHeader(config, score=str(Path(score_obj.file).resolve()) if score_obj.file else None,
                               model=str(Path(model).resolve()) if model else None,
                               soundfont=str(Path(synth.soundfont).resolve()))
        return cls(score_obj, composer, synth, config, record=record, header=header)

    # ------------------------------------------------------------ game side

    def post_event(self, name: str) -> None:
        """The game says ``name`` happened; unknown names are counted and logged."""
        self._enqueue(PostEvent(str(name)))

    def set_parameter(self, name: str, value: float) -> None:
        """Set game parameter ``name`` (smoothed by the score); out-of-range values are clamped."""
        self._enqueue(SetParameter(str(name), float(value)))

    def set_state(self, name: str, sync: str | None = None) -> None:
        """Go to state ``name`` at ``sync`` (default ``next_bar``); ValueError for a sync
        point that is not one of ``SYNC_POINTS``."""
        self._enqueue(SetState(str(name), sync))

    def trigger_stinger(self, name: str) -> None:
        """Play stinger ``name`` over the music at its sync point."""
        self._enqueue(TriggerStinger(str(name)))

    def stop(self, fade_s: float = 0.5) -> None:
        """Fade the music out over ``fade_s`` seconds; every note is released at the end.
        ValueError when ``fade_s`` is negative or not finite."""
        self._enqueue(Stop(float(fade_s)))

    def _enqueue(self, call: Call) -> None:
        if self.config.strict:
            self._check_name(call)
        with self._pending_lock:
            self._pending.append(call)

    def _check_name(self, call: Call) -> None:
        if call.names is not None and call.name not in getattr(self.score, call.names):
            raise ValueError(f"{call.kind}: unknown name {call.name!r} in score {self.score.name!r}")

    def on_beat(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["beat"].append(fn)

    def on_bar(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["bar"].append(fn)

    def on_transition(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["transition"].append(fn)

    def on_stinger(self, fn: Callable[[Cue], None]) -> None:
        self._callbacks["stinger"].append(fn)

    def poll(self) -> list[Cue]:
        """Deliver the cues heard since the last call to the registered callbacks, on this
        thread, in order; returns them too. Call it once per game frame."""
        cues = self._player.poll(until_frame=self.heard_frame)
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
            return self._player.head_frame
        return self._frames_delivered

    def snapshot(self) -> EngineSnapshot:
        """State, mood, intensity, key, bar, beat and tempo of the music heard now (a
        transition counts from its landing), the parameters now, and ``pending``."""
        frame = self.heard_frame
        heard = self._player.heard_at(frame)
        intent = heard.intent
        bar, beat, tempo_bpm, meter = self._player.position_at(frame)
        machine = self._bridge.machine
        with self._machine_lock:
            parameters = {name: machine.parameter_at(name, frame) for name in self.score.parameters}
            counters = {**machine.counters, **self._counters}
        stream = getattr(self._output, "stream", None)
        return EngineSnapshot(
            state=heard.state, mood=intent.mood, intensity=intent.intensity, parameters=parameters,
            bar=bar, beat=beat, tempo_bpm=tempo_bpm, meter=str(meter), key=str(intent.key), frame=frame,
            time_s=frame / self.config.sample_rate_hz,
            latency_ms=self._output.latency_ms() if stream is not None else 0.0,
            underruns=stream.underruns if stream is not None else 0, counters=counters, pending=heard.pending,
        )

    def offline(self) -> OfflineScript:
        """Offline control for a script rendering to picture (a cutscene): lock the tempo,
        read the intent and clock, place stingers, end the music (``engine.offline``)."""
        return OfflineScript(self._player, self._bridge)

    # ------------------------------------------------------------ outputs

    def start(self, output: str = "null", **options) -> MusicEngine:
        """Start playing through ``output``: "pygame", "sounddevice", "wav:PATH" or "null" (pull);
        ``options`` go to the output (``engine.playback.outputs``), e.g. ``device=3``."""
        from engine.playback.outputs import open_output

        if self._output is not None:
            raise RuntimeError("the engine is already started; stop() it first")
        if output != "null":
            self._output = open_output(output, _Source(self, self._player), self.config.stream(), **options).start()
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
                self._record.close(self._player.head_frame)
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
        frame = self._player.head_frame
        with self._pending_lock:
            calls, self._pending = self._pending, collections.deque()
        with self._machine_lock:
            for call in calls:
                try:
                    self.apply(call, frame)
                except Exception:  # noqa: BLE001 - never into the host; strict names were checked at the call
                    self._counters["rejected_calls"] += 1
                    log.exception("%r at frame %d failed", call, frame)
            self._bridge.control(frame)
        self._player.render_into(out)

    def apply(self, call: Call, frame: int) -> None:
        """Apply one game call (an ``engine.calls`` value) at ``frame``: the render side,
        ``replay`` and cutscenes call this. A ValueError is counted in ``rejected_calls``,
        or raised with ``strict`` so that offline callers see it; the render side
        catches everything."""
        if self._record is not None:
            self._record.write(frame, call)
        with self._machine_lock:
            try:
                self._bridge.apply(call, frame)
            except ValueError:
                if self.config.strict:
                    raise
                self._counters["rejected_calls"] += 1
                log.warning("%r at frame %d rejected", call, frame, exc_info=True)
            self._bridge.take_requests(frame)


class _Source:
    """The engine as an output's source: blocks rendered through the engine's control path."""

    def __init__(self, engine: MusicEngine, player: Player):
        self._engine = engine
        self._player = player

    def render_into(self, out: np.ndarray) -> None:
        self._engine._render_block_safely(out)  # an offline advance() runs on the game thread

    def pump(self, max_bars: int = 1) -> int:
        return self._player.pump(max_bars)

    def compose_due(self) -> bool:
        return self._player.compose_due()

    def poll(self, until_frame: int | None = None) -> list[Cue]:
        return self._player.poll(until_frame)
