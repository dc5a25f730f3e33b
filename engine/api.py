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

Outputs. ``start("pygame" | "sounddevice" | "virtual")`` plays live through a ring
buffer a render thread keeps full, in an engine process of its own (``engine.server``:
the game's GIL cannot starve it; calls, cues and snapshots cross through shared memory)
or, with ``in_process=True``, on threads of this process; ``start("wav:PATH")`` renders
offline as ``advance(seconds)`` is called; with no output (or ``"null"``) the host
pulls audio itself with ``render(frames)``, e.g. from its own audio callback.

Errors. Bad API arguments (a sync point that does not exist, a negative or non-finite
fade, a frame count that is not a whole number) are a ValueError or TypeError at the
call, on the game thread. Names that come from the game's world (events, parameters,
states, stingers) unknown to the score are counted and logged once each (a bounded
set; names cut to 80 characters), or a ValueError at the call with ``strict``.
Nothing raised on the render side ever reaches the game: a call that fails there is
logged and counted (``rejected_calls``), a block that fails to render is silence
(``render_errors``); a callback that raises is logged and counted
(``callback_errors``) and the other cues of that poll are still delivered.

Bursts. Queued calls are coalesced and bounded (``engine.callqueue``): a parameter set
again before its last value was applied keeps only the new value
(``calls_coalesced``); at most 16 calls are applied per block, the rest at the next
ones, and a call beyond 4096 waiting is dropped (``calls_dropped``). The session record never holds a call
back: it is written by a thread of its own, and lines it cannot write are counted
(``session_lines_lost``) while the calls are applied all the same.

Rooms. This module keeps the game-facing API: the queue of calls, callbacks,
snapshots, pull-mode re-blocking and outputs. The calls are values
(``engine.calls``), applied by ``ScoreBridge`` (``engine.bridge``: the state machine
and the score→playback translation); settings are one ``EngineConfig``
(``engine.config``); sessions are written and read by ``engine.session``; a cutscene
drives the engine through ``offline()`` (``engine.offline``).
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
import os
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from engine.bridge import ScoreBridge
from engine.callqueue import CallQueue
from engine.calls import Call, PostEvent, ReloadScore, ResumeState, SetParameter, SetState, Start, Stop, TriggerStinger
from engine.config import EngineConfig
from engine.lograte import worth_logging
from engine.offline import OfflineScript
from engine.playback.leveller import LevelConfig
from engine.playback.player import Cue, Player, PlayerConfig
from engine.score.format import Score
from engine.score.load import load_score
from engine.score.machine import ScoreMachine
from engine.session import MARK_EVERY_S, SessionHeader, SessionWriter
from engine.snapshot import EngineSnapshot

log = logging.getLogger(__name__)

__all__ = ["MusicEngine", "EngineConfig", "EngineSnapshot"]

_CUE_KINDS = ("beat", "bar", "transition", "stinger")
_ENGINE_COUNTERS = ("rejected_calls", "unknown_stingers", "render_errors", "callback_errors", "calls_after_stop",
                    "stingers_suppressed")


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
        self._queue = CallQueue()
        self._music_stopped = False   # render side: a Stop was applied; calls are still applied, and counted
        self._stop_requested = False  # game side: stop() was called and start() not since
        self._machine_lock = threading.RLock()   # the machine: the render side applies, snapshot() reads
        self._callbacks: dict[str, list[Callable[[Cue], None]]] = {kind: [] for kind in _CUE_KINDS}
        self._output = None
        self._closed = False
        self._render_lock = threading.Lock()   # held while rendering, so close() never frees the synth mid-block
        self._pull_block = np.zeros((config.block_frames, 2), dtype=np.float32)
        self._pull_pos = config.block_frames            # nothing carried over yet
        self._frames_delivered = 0
        if header is None:
            header = SessionHeader(config, score=str(Path(score.file).resolve()) if score.file else None)
        self.session_header = header
        self._record_path = os.fspath(record) if record else None
        self._record = SessionWriter(record, header) if record else None
        self._remote = None   # the engine process's proxy while it plays (engine.server)
        self._lost_at_close = 0
        self._mark_every_frames = round(MARK_EVERY_S * config.sample_rate_hz)
        self._next_mark_frame = self._mark_every_frames

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
        from engine.composer.planner import form_config_for_score
        from engine.playback.synth import Synth

        score_obj = score if isinstance(score, Score) else load_score(score)
        seed = settings.pop("seed", None if config is None else config.seed)
        if seed is None:
            seed = int.from_bytes(os.urandom(4), "little")
        config = dataclasses.replace(config or EngineConfig(), seed=int(seed), **settings)
        composer = Composer.load(model, seed=config.seed, temperature=config.temperature, top_p=config.top_p,
                                 form=form_config_for_score(score_obj))
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

    def set_state(self, name: str, sync: str | None = None, resume: bool = False) -> None:
        """Go to state ``name`` at ``sync`` (default ``next_bar``); ValueError for a sync
        point that is not one of ``SYNC_POINTS``. With ``resume``, the state's music
        continues where it was left (as a score transition with ``resume: true``)."""
        self._enqueue((ResumeState if resume else SetState)(str(name), sync))

    def trigger_stinger(self, name: str) -> None:
        """Play stinger ``name`` over the music at its sync point."""
        self._enqueue(TriggerStinger(str(name)))

    def stop(self, fade_s: float = 0.5) -> None:
        """Fade the music out over ``fade_s`` seconds; every note is released at the end.
        ValueError when ``fade_s`` is negative or not finite. ``start()`` plays again."""
        self._enqueue(Stop(float(fade_s)))
        self._stop_requested = True

    def reload(self, path: str | os.PathLike | None = None) -> None:
        """Re-read the score (default: the file it was loaded from) and swap it in at the
        next bar line: the current state where the new score still has it, parameters
        and the composer's memory carry on. A broken score raises ``SourceError`` (a
        ValueError) listing each problem with file and line, and the old score plays on."""
        path = path if path is not None else self.score.file
        if path is None or self._remote is not None:
            raise ValueError("reload: the score was not loaded from a file; give a path" if path is None else
                             "reload: not while an engine process plays; start(..., in_process=True) to reload")
        from engine.score.source import read_source_text

        self._enqueue(ReloadScore(str(path), read_source_text(path)))

    def _enqueue(self, call: Call) -> None:
        if self.config.strict:
            self._check_name(call)
        if self._remote is not None:
            self._remote.send(call)
            return
        self._queue.put(call)

    def _check_name(self, call: Call) -> None:
        if call.names is not None and call.name not in getattr(self.score, call.names):
            raise ValueError(f"{call.kind}: unknown name {call.name[:80]!r} in score {self.score.name!r}")

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
        if self._remote is not None:
            cues = self._remote.poll()
        else:
            cues = self._player.poll(until_frame=self.heard_frame if until_frame is None else until_frame)
        for cue in cues:
            for fn in self._callbacks.get(cue.kind, ()):
                self._call_back(fn, cue)
        return cues

    def _call_back(self, fn: Callable[[Cue], None], cue: Cue) -> None:
        try:
            fn(cue)
        except Exception:  # noqa: BLE001 - one broken callback must not cost the game the other cues
            self._counters["callback_errors"] += 1
            count = self._counters["callback_errors"]
            if worth_logging(count):
                log.exception("the %s callback %.80r raised (%d callback errors so far)", cue.kind, fn, count)

    @property
    def heard_frame(self) -> int:
        """The frame being heard now: what the device (or the pull host) has taken."""
        if self._remote is not None:
            return self._remote.heard_frame
        output = self._output
        return output.heard_frame if output is not None else self._frames_delivered

    def snapshot(self) -> EngineSnapshot:
        """State, mood, intensity, key, bar, beat and tempo of the music heard now (a
        transition counts from its landing), the parameters now, and ``pending``."""
        if self._remote is not None:
            return self._remote.snapshot()
        frame = self.heard_frame
        heard = self._player.heard_at(frame)
        intent = heard.intent
        bar, beat, tempo_bpm, meter = self._player.position_at(frame)
        machine = self._bridge.machine
        with self._machine_lock:
            parameters = {name: machine.parameter_at(name, frame) for name in self.score.parameters}
            counters = dict(machine.counters)
        extra = {"calls_coalesced": self._queue.coalesced, "calls_dropped": self._queue.dropped,
                 "session_lines_lost": self._lines_lost(), **getattr(self._output, "counters", dict)()}
        for name, count in {**self._counters, **extra}.items():
            counters[name] = counters.get(name, 0) + count
        output = self._output
        return EngineSnapshot(
            state=heard.state, mood=intent.mood, intensity=intent.intensity, parameters=parameters,
            bar=bar, beat=beat, tempo_bpm=tempo_bpm, meter=str(meter), key=str(intent.key), frame=frame,
            time_s=frame / self.config.sample_rate_hz,
            latency_ms=output.latency_ms() if output is not None else 0.0,
            underruns=output.underruns if output is not None else 0, counters=counters, pending=heard.pending,
        )

    def offline(self) -> OfflineScript:
        """Offline control for a script rendering to picture (a cutscene): lock the tempo,
        read the intent and clock, place stingers, end the music (``engine.offline``)."""
        return OfflineScript(self._player, self._bridge)

    # ------------------------------------------------------------ outputs

    def start(self, output: str = "null", *, in_process: bool = False, **options) -> MusicEngine:
        """Start playing through ``output``: "pygame", "sounddevice", "virtual", "wav:PATH" or
        "null" (pull); ``options`` go to the output (``engine.playback.outputs``), e.g.
        ``device=3``. A live output plays from an engine process (EngineError when it cannot
        start; this engine stays usable) unless ``in_process``. After ``stop()``,
        ``start()`` plays again: the music comes back at the first bar line after the fade,
        through the output already open. RuntimeError when the engine is closed, or when
        another output is asked for while one is open."""
        from engine.playback.outputs import is_live, open_output

        if self._closed:
            raise RuntimeError("start(): the engine is closed")
        if output != "null" or options:
            if self._output is not None or self._remote is not None:
                playing = type(self._output).__name__ if self._remote is None else "an engine process"
                raise RuntimeError(f"start({str(output)[:80]!r}): the engine already plays through "
                                   f"{playing}; close() it and load again to change outputs")
            if is_live(output) and not in_process:
                self._start_engine_process(output, options)
            else:
                self._output = open_output(output, _Source(self, self._player), self.config.stream(), **options).start()
        if self._stop_requested:
            self._stop_requested = False
            self._enqueue(Start())
        return self

    def _start_engine_process(self, output: str, options: dict) -> None:
        from engine.server import start_engine_process

        if self._record is not None:   # the engine process records the session from here
            self._record.detach()
            self._record = None
        try:
            self._remote = start_engine_process(self, output, options, record=self._record_path)
        except BaseException:
            if self._record_path:
                self._record = SessionWriter(self._record_path, self.session_header)
            raise
        self.synth.close()   # the engine process has its own; this one would only hold memory

    @property
    def engine_process(self):
        """The engine process's ``RemoteEngine`` while it plays (its ``stats()``), else None."""
        return self._remote

    def advance(self, seconds: float) -> int:
        """With an offline output ("wav:PATH"), render ``seconds`` more; live, wait that long."""
        if self._remote is not None:
            self._remote.process.check_alive()
            time.sleep(max(0.0, seconds))
            return round(seconds * self.config.sample_rate_hz)
        if self._output is None:
            raise RuntimeError("advance() needs an output: start('wav:PATH') or a live one; in pull mode use render()")
        return self._output.advance(seconds)

    def render(self, frames: int) -> np.ndarray:
        """Pull mode: the next ``frames`` frames, float32 (frames, 2). Rendering runs in whole
        blocks, so the audio does not depend on how the host slices its requests. Never
        raises from rendering (a failed block is silence, counted in ``render_errors``).
        TypeError when ``frames`` is not a whole number (``2.5``, ``"100"``), ValueError
        when it is negative, RuntimeError after ``close()`` or with an output started.
        One thread pulls at a time."""
        if isinstance(frames, bool) or not isinstance(frames, numbers.Integral):
            raise TypeError(f"render(frames): frames must be a whole number of frames, not {str(frames)[:80]!r}")
        if frames < 0:
            raise ValueError(f"render(frames): frames {frames} must be >= 0")
        if self._closed:
            raise RuntimeError("render(): the engine is closed")
        if self._output is not None or self._remote is not None:
            playing = type(self._output).__name__ if self._remote is None else "an engine process"
            raise RuntimeError(f"render() is for pull mode; the engine is playing through {playing}")
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
            count = self._counters["render_errors"]
            if worth_logging(count):
                log.exception("rendering a block failed; a block of silence instead (%d so far)", count)
            block[:] = 0.0

    def close(self) -> None:
        """Stop the output, write the session record's end, release the synth. Idempotent
        and never raises: a failing output or a full disk is logged, and everything is
        freed all the same. Waits for a ``render`` in progress on another thread to
        finish its block."""
        if self._remote is not None:
            self._remote.close()      # never raises: it waits, then terminates, then kills
        output, self._output = self._output, None
        if output is not None:
            try:
                output.close()
            except Exception:  # noqa: BLE001 - the synth and the record must be freed whatever the device did
                log.exception("closing the output failed")
        with self._render_lock:
            if self._closed:
                return
            self._closed = True
            record, self._record = self._record, None
            try:
                if record is not None:
                    record.close(self._player.head_frame)     # never raises: write errors are counted
                    self._lost_at_close = record.lines_lost
            finally:
                self.synth.close()

    def _lines_lost(self) -> int:
        record = self._record
        return record.lines_lost if record is not None else self._lost_at_close

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> MusicEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ render side

    def render_block(self, out: np.ndarray) -> None:
        """Render ``len(out)`` frames (a block), applying queued calls at its first frame
        (at most ``callqueue.MAX_CALLS_PER_BLOCK``; the rest at the next block)."""
        frame = self._player.head_frame
        calls = self._queue.take()
        with self._machine_lock:
            for call in calls:
                try:
                    self.apply(call, frame)
                except Exception:  # noqa: BLE001 - never into the host; strict names were checked at the call
                    self._counters["rejected_calls"] += 1
                    log.exception("%.120r at frame %d failed", call, frame)
            self._bridge.control(frame)
        if self._record is not None and frame >= self._next_mark_frame:
            self._record.mark(frame)     # a killed process's session still ends about here
            self._next_mark_frame = frame + self._mark_every_frames
        self._player.render_into(out)

    def apply(self, call: Call, frame: int) -> None:
        """Apply one game call (an ``engine.calls`` value) at ``frame``: the render side,
        ``replay`` and cutscenes call this. A ValueError is counted in ``rejected_calls``,
        or raised with ``strict`` so that offline callers see it; the render side
        catches everything."""
        if self._record is not None:
            self._record.write(frame, call)   # queued for the writer thread: never blocks, never raises
        with self._machine_lock:
            self._note_stop(call)
            try:
                self._bridge.apply(call, frame)
                self.score = self._bridge.score       # a reload swaps it
            except ValueError:
                if self.config.strict:
                    raise
                self._counters["rejected_calls"] += 1
                log.warning("%.120r at frame %d rejected", call, frame, exc_info=True)
            self._bridge.take_requests(frame)

    def _note_stop(self, call: Call) -> None:
        """Count the calls applied while the music is stopped: they move the score's
        state, and what they ask for is heard only after ``start()``."""
        if isinstance(call, (Stop, Start)):
            self._music_stopped = isinstance(call, Stop)
        elif self._music_stopped:
            self._counters["calls_after_stop"] += 1
            if self._counters["calls_after_stop"] == 1:
                log.warning("%.120r after stop(): applied to the score, silent until start()", call)


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

    def render_wanted(self) -> bool:
        """Game calls wait in the queue: render at the next free block (see the stream)."""
        return len(self._engine._queue) > 0

    def poll(self, until_frame: int | None = None) -> list[Cue]:
        return self._player.poll(until_frame)
