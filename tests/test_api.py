"""MusicEngine on the real path (shipped model, FluidR3 through FluidSynth), pull mode.

Engines are cheap to build (~0.25 s with the SoundFont load), so each test builds its
own; renders are short and at 22050 Hz where the rate does not matter.
"""

from __future__ import annotations

import json
import math
import random
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.api import MusicEngine
from engine.calls import PostEvent, Stop
from engine.errors import EngineError
from engine.music.notes import PPQ
from engine.playback.player import Player
from engine.score.format import SYNC_POINTS
from engine.score.load import load_score
from engine.score.machine import ScoreMachine
from engine.session import read_session

SCORE_PATH = Path(__file__).resolve().parents[1] / "demo" / "scores" / "dungeon.yaml"
SCORE = load_score(SCORE_PATH)
RATE = 22050


def make_engine(seed: int = 7, sample_rate_hz: int = RATE, **kwargs) -> MusicEngine:
    return MusicEngine.load(SCORE_PATH, seed=seed, sample_rate_hz=sample_rate_hz, **kwargs)


def frames_per_beat(cue) -> float:
    quarters_per_beat = cue.meter.ticks_per_beat / PPQ
    return 60.0 / cue.tempo_bpm * quarters_per_beat


# ------------------------------------------------------------ fuzzing call sequences

_ODD_NAMES = ["nope", "", "Combat", "enemy spotted"]


def _names(known) -> st.SearchStrategy[str]:
    return st.sampled_from([*known, *_ODD_NAMES])


_VALUES = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, -1e308, -1.0, 0.0, 1.0, 2.0, 1e308]),
    st.floats(-0.5, 1.5),
)
_CALLS = st.one_of(
    st.tuples(st.just("event"), _names(SCORE.events)),
    st.tuples(st.just("param"), _names(SCORE.parameters), _VALUES),
    st.tuples(st.just("state"), _names(SCORE.states), st.sampled_from([None, *SYNC_POINTS, "next_century"])),
    st.tuples(st.just("stinger"), _names(SCORE.stingers)),
    st.tuples(st.just("stop"), st.sampled_from([0.0, 0.05, 0.3, -1.0, math.nan, math.inf])),
    st.tuples(st.just("poll")),
)
_STEPS = st.lists(st.tuples(_CALLS, st.integers(1, 20000)), min_size=3, max_size=30)


def _call(engine: MusicEngine, call: tuple) -> None:
    """Make one fuzzed call; bad API arguments must be a ValueError at the call."""
    verb, *args = call
    if verb == "event":
        engine.post_event(args[0])
    elif verb == "param":
        engine.set_parameter(*args)
    elif verb == "state":
        name, sync = args
        if sync is not None and sync not in SYNC_POINTS:
            with pytest.raises(ValueError, match="sync"):
                engine.set_state(name, sync)
        else:
            engine.set_state(name, sync)
    elif verb == "stinger":
        engine.trigger_stinger(args[0])
    elif verb == "stop":
        fade_s = args[0]
        if not (math.isfinite(fade_s) and fade_s >= 0):
            with pytest.raises(ValueError, match="fade_s"):
                engine.stop(fade_s)
        else:
            engine.stop(fade_s)
    else:
        engine.poll()


def _check_snapshot(engine: MusicEngine):
    snap = engine.snapshot()
    assert snap.state in SCORE.states and snap.mood in SCORE.moods
    assert 0.0 <= snap.intensity <= 1.0 and snap.tempo_bpm > 0
    assert all(math.isfinite(v) for v in snap.parameters.values())
    return snap


def _active_voices(engine: MusicEngine) -> int:
    """FluidSynth's own count of sounding voices: a note the sequencer forgot would show here."""
    synth = engine.synth
    return synth._fl.fluid_synth_get_active_voice_count(synth._handle)


RELEASE_S = 5  # measured: 80 voices of the dungeon score fall silent 3-4 s after a 0.2 s stop
FUZZ_RUNS = {"engines": 0, "calls": 0, "frames": 0}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_STEPS, seed=st.integers(0, 2**16), sample_rate_hz=st.sampled_from([22050, 48000]))
def test_random_call_sequences_never_raise_and_leave_no_hanging_notes(steps, seed, sample_rate_hz):
    with make_engine(seed, sample_rate_hz) as engine:
        frames = 0
        for call, render_frames in steps:
            _call(engine, call)
            audio = engine.render(render_frames)
            frames += render_frames
            assert np.isfinite(audio).all()
            _check_snapshot(engine)
        engine.stop(0.2)
        engine.render(int(0.4 * sample_rate_hz))
        engine.poll()
        script = engine.offline()
        assert script.notes_sounding() == frozenset()
        notes_on, notes_off = script.notes_sent()
        assert notes_on == notes_off
        tail = engine.render(RELEASE_S * sample_rate_hz)  # every release tail is over by then
        assert _active_voices(engine) == 0
        assert np.isfinite(tail).all() and np.abs(tail[-256:]).max() < 1e-5
        assert _check_snapshot(engine).counters["render_errors"] == 0
        FUZZ_RUNS["engines"] += 1
        FUZZ_RUNS["calls"] += len(steps)
        FUZZ_RUNS["frames"] += frames


# ------------------------------------------------------------ threads


def test_four_game_threads_and_a_render_thread(tmp_path):
    session = tmp_path / "threads.jsonl"
    engine = make_engine(seed=3, record=session)
    calls_per_thread, errors, posted = 150, [], [0] * 4
    posting_done = threading.Event()
    events, params, states, stingers = (list(SCORE.events), list(SCORE.parameters), list(SCORE.states),
                                        list(SCORE.stingers))

    def game(index: int) -> None:
        rng = random.Random(index)
        try:
            for _ in range(calls_per_thread):
                kind = rng.randrange(4)
                if kind == 0:
                    engine.post_event(rng.choice(events))
                elif kind == 1:
                    engine.set_parameter(rng.choice(params), rng.uniform(-0.2, 1.2))
                elif kind == 2:
                    engine.set_state(rng.choice(states), rng.choice(SYNC_POINTS))
                else:
                    engine.trigger_stinger(rng.choice(stingers))
                posted[index] += 1
                assert engine.snapshot().state in SCORE.states
                threading.Event().wait(rng.uniform(0, 0.002))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    chunks: list[np.ndarray] = []

    def render() -> None:
        try:
            min_frames = 3 * RATE
            while not posting_done.is_set() or sum(len(c) for c in chunks) < min_frames:
                chunks.append(engine.render(256))
            chunks.append(engine.render(256 * 64))  # applies what was posted last (16 calls a block at most)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    renderer = threading.Thread(target=render)
    games = [threading.Thread(target=game, args=(i,)) for i in range(4)]
    renderer.start()
    for thread in games:
        thread.start()
    for thread in games:
        thread.join()
    posting_done.set()
    renderer.join()
    counters = engine.snapshot().counters
    engine.close()

    assert errors == []
    calls = read_session(session).calls
    assert sum(posted) == 4 * calls_per_thread
    assert len(calls) + counters["calls_coalesced"] == sum(posted)   # a parameter set twice in a block: once
    assert counters["calls_dropped"] == 0
    assert counters["rejected_calls"] == counters["render_errors"] == 0
    assert counters["events"] == sum(1 for c in calls if isinstance(c.call, PostEvent))
    audio = np.concatenate(chunks)
    assert len(audio) >= 3 * RATE
    assert np.isfinite(audio).all()
    assert np.sqrt(np.mean(audio ** 2)) > 1e-3


# ------------------------------------------------------------ pull mode from a host callback


class FakeHost:
    """A host audio API: it asks for ``n`` frames per callback, ``n`` of its choosing."""

    def __init__(self, engine: MusicEngine, sizes):
        self.engine, self.sizes, self.chunks = engine, iter(sizes), []

    def callback(self) -> int:
        n = next(self.sizes)
        self.chunks.append(self.engine.render(n))
        return n

    @property
    def delivered(self) -> int:
        return sum(len(c) for c in self.chunks)


def test_host_slicing_does_not_change_the_audio():
    """A call posted after the host took ``d`` frames applies at the first block not yet
    rendered, ceil(d / block) * block, whatever the slicing; so posting at the same
    frame gives the same bytes with random slices as with whole blocks."""
    block, total = 256, 6 * RATE
    rng = random.Random(1)
    varied = FakeHost(make_engine(), (rng.choice([1, 77, 300, 1000, 4096, rng.randrange(1, 3000)])
                                      for _ in range(10**6)))
    posted_at = []
    while varied.delivered < total:
        varied.callback()
        if not posted_at and varied.delivered >= 2 * RATE:
            varied.engine.post_event("enemy_spotted")
            posted_at.append(-(-varied.delivered // block) * block)
    fixed = FakeHost(make_engine(), iter(lambda: block, None))
    while fixed.delivered < total:
        if fixed.delivered == posted_at[0]:
            fixed.engine.post_event("enemy_spotted")
        fixed.callback()
    a, b = np.concatenate(varied.chunks)[:total], np.concatenate(fixed.chunks)[:total]
    varied.engine.close(), fixed.engine.close()
    assert np.abs(a).max() > 0.01
    assert np.array_equal(a, b)


def test_beat_cues_from_a_host_callback_follow_the_tempo():
    engine = make_engine(seed=11)
    host = FakeHost(engine, (random.Random(2).randrange(64, 2048) for _ in range(10**6)))
    cues = []
    while host.delivered < 14 * RATE:
        host.callback()
        heard = host.delivered
        polled = engine.poll()
        assert all(c.frame < heard for c in polled)
        cues += polled
        if not any(c.kind == "transition" for c in cues) and heard > 4 * RATE:
            engine.post_event("combat_start")
    engine.close()
    beats = [c for c in cues if c.kind == "beat"]
    landings = [c.frame for c in cues if c.kind == "transition"]
    assert landings and len(beats) > 20
    assert all(a.frame < b.frame for a, b in zip(beats, beats[1:]))
    assert {round(b.tempo_bpm) for b in beats} >= {144}  # combat's tempo, after the landing
    checked = 0
    for a, b in zip(beats, beats[1:]):
        if any(a.frame < f < b.frame for f in landings):
            continue
        assert abs((b.frame - a.frame) - frames_per_beat(a) * RATE) <= 2, (a, b)
        checked += 1
    assert checked >= len(beats) - 3


# ------------------------------------------------------------ callbacks and sync points


def _render_on_a_host_thread(engine: MusicEngine, seconds: float) -> None:
    host = threading.Thread(target=lambda: [engine.render(512) for _ in range(int(seconds * RATE / 512))])
    host.start()
    host.join()


def test_callbacks_run_on_the_polling_thread_at_heard_frames():
    engine = make_engine(seed=5)
    seen = []

    def record(cue):
        seen.append((cue, threading.get_ident(), engine.heard_frame))

    engine.on_beat(record)
    engine.on_bar(record)
    engine.on_transition(record)
    engine.on_stinger(record)
    _render_on_a_host_thread(engine, 2.0)
    engine.poll()
    engine.post_event("enemy_spotted")
    engine.trigger_stinger("item")
    _render_on_a_host_thread(engine, 3.0)
    engine.poll()
    engine.close()

    kinds = {cue.kind for cue, _, _ in seen}
    assert kinds == {"beat", "bar", "transition", "stinger"}
    assert {ident for _, ident, _ in seen} == {threading.get_ident()}
    assert all(cue.frame < heard for cue, _, heard in seen)
    transition = next(cue for cue, _, _ in seen if cue.kind == "transition")
    assert transition.name == SCORE.states["danger"].mood and transition.frame >= 2 * RATE
    beat_frames = {cue.frame for cue, _, _ in seen if cue.kind == "beat"}
    assert transition.frame in beat_frames  # enemy_spotted lands on next_beat
    stinger = next(cue for cue, _, _ in seen if cue.kind == "stinger")
    assert stinger.name == "item" and stinger.frame in beat_frames


@pytest.mark.parametrize("sync, grid", [("next_bar", "bar"), ("next_beat", "beat"), ("next_phrase", "bar")])
def test_set_state_lands_on_its_sync_point(sync, grid):
    engine = make_engine(seed=9)
    engine.render(int(1.3 * RATE))
    engine.set_state("combat", sync=sync)
    engine.render(12 * RATE)
    cues = engine.poll()
    engine.close()
    landing = [c for c in cues if c.kind == "transition"]
    assert len(landing) == 1 and landing[0].frame >= int(1.3 * RATE)
    assert landing[0].frame in {c.frame for c in cues if c.kind == grid}
    if sync == "next_phrase":
        assert landing[0].bar % SCORE.phrase_bars == 0
    assert engine.snapshot().state == "combat"


# ------------------------------------------------------------ strictness and errors


def test_strict_mode_raises_at_the_call():
    with make_engine(strict=True) as engine:
        for call in (lambda: engine.post_event("nope"), lambda: engine.set_parameter("nope", 1.0),
                     lambda: engine.set_state("nowhere"), lambda: engine.trigger_stinger("nope")):
            with pytest.raises(ValueError, match="nope|nowhere"):
                call()
        engine.post_event("enemy_spotted")
        engine.render(RATE)
        assert engine.snapshot().counters["unknown_events"] == 0


def test_non_strict_mode_counts_unknown_names():
    with make_engine() as engine:
        engine.post_event("nope")
        engine.post_event("nope")
        engine.set_parameter("nope", 0.5)
        engine.set_state("nowhere")
        engine.trigger_stinger("nope")
        engine.render(RATE)
        counters = engine.snapshot().counters
    assert counters["unknown_events"] == 2
    assert counters["unknown_parameters"] == counters["unknown_states"] == counters["unknown_stingers"] == 1
    assert counters["rejected_calls"] == 0


def test_bad_arguments_are_a_value_error_on_the_game_thread():
    with make_engine() as engine:
        for fade_s in (-0.1, math.nan, math.inf):
            with pytest.raises(ValueError, match="fade_s"):
                engine.stop(fade_s)
        with pytest.raises(ValueError, match="sync"):
            engine.set_state("combat", "soon")
        assert np.isfinite(engine.render(RATE)).all()


def test_apply_raises_for_offline_callers_in_strict_mode():
    with make_engine(strict=True) as engine:
        with pytest.raises(ValueError, match="nope"):
            engine.apply(PostEvent("nope"), 0)
    with make_engine() as engine:
        engine.apply(PostEvent("nope"), 0)
        assert engine.snapshot().counters["unknown_events"] == 1
        with pytest.raises(TypeError, match="not a game call"):
            engine.apply(("post_event", "nope"), 0)


def test_calls_check_their_own_arguments():
    with pytest.raises(ValueError, match="fade_s"):
        Stop(-1.0)
    assert Stop(0.5) == Stop(0.5) and Stop(0.5).kind == "stop"


@pytest.mark.parametrize("strict", [False, True])
def test_render_side_failures_never_reach_the_game(monkeypatch, caplog, strict):
    engine = make_engine(strict=strict)
    engine.render(1000)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ScoreMachine, "post_event", broken)
    engine.post_event("enemy_spotted")
    engine.render(512)
    assert engine.snapshot().counters["rejected_calls"] == 1
    monkeypatch.setattr(Player, "render_into", broken)
    audio = engine.render(1024)
    assert engine.snapshot().counters["render_errors"] == 4
    engine.render(256 * 60)          # a fault on every block logs the 1st, 2nd, 4th... only
    logged = [r for r in caplog.records if r.getMessage().startswith("rendering a block failed")]
    assert len(logged) == 7          # 64 failed blocks: 1, 2, 4, 8, 16, 32, 64
    assert not np.any(audio[24:])  # 24 frames carried over from the last good block
    engine.close()


def test_close_is_idempotent_and_the_context_manager_closes(tmp_path):
    session = tmp_path / "s.jsonl"
    with make_engine(record=session) as engine:
        engine.render(700)
    assert engine.closed
    engine.close()
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        engine.render(300)
    lines = session.read_text().splitlines()
    assert json.loads(lines[-1]) == {"end_frame": 768}   # the frames rendered: three whole blocks


def test_close_while_a_host_thread_renders():
    engine = make_engine()
    stop = threading.Event()
    errors = []

    def host() -> None:
        try:
            while not stop.is_set() and not engine.closed:
                engine.render(256)
        except RuntimeError as exc:  # close() came between the check and the call: said clearly
            assert "closed" in str(exc)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=host)
    thread.start()
    threading.Event().wait(0.05)
    engine.close()
    stop.set()
    thread.join()
    assert errors == [] and engine.snapshot().counters["render_errors"] == 0


@pytest.mark.parametrize("when", ["after_the_stop", "in_the_stop_block"])
def test_no_stinger_sounds_after_stop(when):
    with make_engine(seed=0) as engine:
        engine.render(2 * RATE)
        engine.stop(0.05)
        if when == "after_the_stop":
            engine.render(RATE)
        engine.trigger_stinger("item")
        audio = engine.render(3 * RATE)
    assert np.abs(audio[RATE:]).max() < 1e-3


# ------------------------------------------------------------ runtime faults (issue 14)


def test_a_raising_callback_is_counted_and_the_other_cues_still_arrive():
    with make_engine(seed=2) as engine:
        heard = []

        def broken(cue):
            raise RuntimeError("game bug")

        engine.on_beat(broken)
        engine.on_beat(heard.append)
        engine.on_bar(heard.append)
        engine.render(4 * RATE)
        cues = engine.poll()
        beats = [c for c in cues if c.kind == "beat"]
        assert len(beats) >= 6
        assert heard == [c for c in cues if c.kind in ("beat", "bar")]
        assert engine.snapshot().counters["callback_errors"] == len(beats)


def test_a_burst_of_parameter_calls_is_coalesced_to_the_last_value(tmp_path):
    session = tmp_path / "s.jsonl"
    with make_engine(record=session) as engine:
        engine.render(512)
        for i in range(10_000):
            engine.set_parameter("danger", i / 10_000)
        engine.post_event("enemy_spotted")
        engine.set_parameter("danger", 0.25)
        engine.render(512)
        counters = engine.snapshot().counters
    assert counters["calls_coalesced"] == 10_000 and counters["calls_dropped"] == 0
    calls = [(c.call.kind, getattr(c.call, "value", None)) for c in read_session(session).calls]
    assert calls == [("post_event", None), ("set_parameter", 0.25)]   # the last value, after the event


def test_the_queue_is_bounded_and_applied_a_block_at_a_time():
    from engine.callqueue import MAX_CALLS_PER_BLOCK, MAX_PENDING_CALLS

    with make_engine() as engine:
        for i in range(MAX_PENDING_CALLS + 900):
            engine.post_event(f"no such event {i}")
        assert engine.snapshot().counters["calls_dropped"] == 900
        engine.render(256)
        assert engine.snapshot().counters["unknown_events"] == MAX_CALLS_PER_BLOCK
        engine.render(256 * (MAX_PENDING_CALLS // MAX_CALLS_PER_BLOCK))
        assert engine.snapshot().counters["unknown_events"] == MAX_PENDING_CALLS


def test_distinct_unknown_names_are_logged_a_bounded_number_of_times(caplog):
    from engine.callqueue import MAX_CALLS_PER_BLOCK
    from engine.lograte import MAX_WARNED_NAMES

    with make_engine() as engine:
        for i in range(MAX_WARNED_NAMES + 500):
            engine.set_parameter("x" * 10_000 + str(i), 0.5)
        engine.render(256 * ((MAX_WARNED_NAMES + 500) // MAX_CALLS_PER_BLOCK + 1))
        assert engine.snapshot().counters["unknown_parameters"] == MAX_WARNED_NAMES + 500
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "unknown parameter" in r.getMessage()]
    assert len(warnings) == MAX_WARNED_NAMES
    assert max(len(r.getMessage()) for r in caplog.records) < 300


@pytest.mark.parametrize("frames, error", [(2.5, TypeError), ("100", TypeError), (True, TypeError),
                                           (None, TypeError), (-1, ValueError)])
def test_render_takes_only_a_whole_number_of_frames(frames, error):
    with make_engine() as engine:
        with pytest.raises(error, match="frames"):
            engine.render(frames)
        assert engine.render(np.int64(10)).shape == (10, 2) and engine.render(0).shape == (0, 2)


def test_three_stingers_in_one_frame_play_one_and_count_two():
    with make_engine() as engine:
        engine.render(RATE)
        for _ in range(3):
            engine.trigger_stinger("item")
        engine.render(2 * RATE)
        stingers = [c for c in engine.poll() if c.kind == "stinger"]
        assert len(stingers) == 1
        assert engine.snapshot().counters["stingers_suppressed"] == 2


def test_calls_after_stop_are_counted():
    with make_engine() as engine:
        engine.render(RATE)
        engine.stop(0.1)
        engine.render(RATE)
        engine.post_event("combat_start")
        engine.set_parameter("danger", 0.9)
        engine.render(RATE)
        snap = engine.snapshot()
        assert snap.counters["calls_after_stop"] == 2
        assert snap.state == "combat"      # the score still moves


def test_a_full_disk_neither_rejects_calls_nor_keeps_close_from_freeing():
    engine = make_engine(record="/dev/full")   # every write fails with ENOSPC
    engine.render(RATE)
    engine.post_event("combat_start")
    engine.set_state("victory", "immediate")
    engine.render(RATE)
    snap = engine.snapshot()
    assert snap.state == "victory" and snap.counters["rejected_calls"] == 0
    engine.close()
    engine.close()
    assert engine.closed
    with pytest.raises(EngineError, match="closed"):   # FluidSynth was freed
        engine.synth.render(64)
    assert engine.snapshot().counters["session_lines_lost"] >= 1


def test_start_after_stop_plays_again_and_replays_bit_identically(tmp_path):
    from engine.replay import replay

    session = tmp_path / "s.jsonl"
    chunks = []
    with make_engine(seed=6, record=session) as engine:
        chunks.append(engine.render(3 * RATE))
        engine.stop(0.2)
        chunks.append(engine.render(3 * RATE))
        engine.post_event("combat_start")            # counted: the score moves, nothing sounds
        chunks.append(engine.render(RATE))
        engine.start()
        engine.start()                               # once is enough
        chunks.append(engine.render(5 * RATE))
        cues = engine.poll()
        counters = engine.snapshot().counters
    silence, back = np.concatenate(chunks[1:3])[2 * RATE:], chunks[3]
    assert np.abs(silence).max() < 1e-3
    assert np.sqrt(np.mean(back[2 * RATE:] ** 2)) > 1e-3
    start = next(c for c in cues if c.kind == "start")
    assert start.frame >= 7 * RATE and start.beat == 0            # on a bar line after the request
    assert any(c.kind == "beat" and c.frame >= start.frame for c in cues)
    assert not any(c.kind == "beat" and 4 * RATE < c.frame < start.frame for c in cues)
    assert counters["calls_after_stop"] == 1
    kinds = [c.call.kind for c in read_session(session).calls]
    assert kinds == ["stop", "post_event", "start"]
    replayed = []
    replay(session, sink=lambda block: replayed.append(block.copy()))
    live = np.concatenate(chunks)
    again = np.concatenate(replayed)[:len(live)]
    assert np.array_equal(live[:len(again)], again)


def test_start_refuses_a_second_output_and_a_closed_engine(tmp_path):
    engine = make_engine()
    engine.start(f"wav:{tmp_path / 'a.wav'}")
    with pytest.raises(RuntimeError, match="already plays through"):
        engine.start(f"wav:{tmp_path / 'b.wav'}")
    engine.start()                                   # no stop before it: nothing to do
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        engine.start()


def test_a_transition_landing_after_stop_strikes_no_note():
    """Found by the fuzz above: stop, then a change landing past the stop frame recomposed
    its bar from the landing and scheduled notes after the stop, which then hung."""
    with make_engine(0, 22050) as engine:
        engine.stop(0.05)
        engine.render(1)
        engine.post_event("enemy_spotted")
        engine.render(1024)
        engine.set_state("explore", "immediate")
        engine.render(20000)
        assert engine.offline().notes_sounding() == frozenset()


def test_a_waiting_call_asks_a_live_stream_for_the_next_free_block():
    """In-process live playback: the source tells the stream a call waits, so the render
    thread applies it at the next block instead of every ``refill`` blocks."""
    from engine.api import _Source

    engine = make_engine()
    source = _Source(engine, engine._player)
    engine.render(256)
    assert not source.render_wanted()
    engine.set_parameter("danger", 0.5)
    assert source.render_wanted()
    engine.render(256)
    assert not source.render_wanted()
