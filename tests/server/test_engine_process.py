"""The API contract against the engine process (real FluidSynth, real processes).

``MusicEngine.start("virtual")`` plays from an engine process; these tests make calls,
receive cues and snapshots, kill it, close it, and replay what it recorded. They wait
for conditions (a cue, a state) with a generous deadline and assert on what happened,
never on how long it took.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine.api import MusicEngine
from engine.errors import EngineError
from engine.playback.wav import WavWriter, read_wav
from engine.replay import replay
from engine.score.load import load_score
from engine.session import read_session

ROOT = Path(__file__).resolve().parents[2]
SCORE_PATH = ROOT / "demo" / "scores" / "dungeon.yaml"
RATE = 22050
DEADLINE_S = 30.0


def load(**kwargs) -> MusicEngine:
    try:
        return MusicEngine.load(SCORE_PATH, seed=kwargs.pop("seed", 3), sample_rate_hz=RATE, **kwargs)
    except EngineError as exc:   # no FluidSynth or SoundFont on this machine
        pytest.skip(str(exc))


def wait_until(condition, engine: MusicEngine | None = None) -> bool:
    """Poll ``engine`` (when given) until ``condition()`` holds or the deadline passes."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if engine is not None:
            engine.poll()
        if condition():
            return True
        time.sleep(0.01)
    return False


def gone(pid: int) -> bool:
    """The process has exited and been reaped (or, orphaned, awaits a reaper that is not ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" in status.read_text()


# ------------------------------------------------------------ one engine process, its calls and cues

@pytest.fixture(scope="module")
def served():
    engine = load()
    heard: list = []
    for kind in ("beat", "bar", "transition", "stinger"):
        getattr(engine, f"on_{kind}")(lambda cue: heard.append((cue, engine.heard_frame)))
    engine.start("virtual")
    yield engine, heard
    engine.close()


def test_it_plays_in_another_process(served):
    engine, _ = served
    assert engine.engine_process is not None and engine.engine_process.process.pid != os.getpid()
    assert wait_until(lambda: engine.heard_frame > RATE // 2, engine)
    snap = engine.snapshot()
    assert snap.state == "explore" and snap.frame > 0 and snap.latency_ms > 0
    assert "late_reads" in snap.counters and snap.underruns >= 0


def test_events_change_the_state_and_the_transition_cue_arrives_when_heard(served):
    engine, heard = served
    engine.post_event("enemy_spotted")
    assert wait_until(lambda: any(cue.kind == "transition" for cue, _ in heard), engine)
    assert wait_until(lambda: engine.snapshot().state == "danger")
    transition = next(cue for cue, _ in heard if cue.kind == "transition")
    assert transition.name == "tense" and transition.frame > 0


def test_parameters_reach_the_machine(served):
    engine, _ = served
    engine.set_parameter("danger", 1.0)
    assert wait_until(lambda: engine.snapshot().parameters["danger"] > 0.05)


def test_stingers_come_back_as_cues(served):
    engine, heard = served
    engine.trigger_stinger("item")
    assert wait_until(lambda: any(cue.kind == "stinger" and cue.name == "item" for cue, _ in heard), engine)


def test_cues_are_delivered_in_order_once_heard(served):
    engine, heard = served
    assert wait_until(lambda: sum(cue.kind == "bar" for cue, _ in heard) >= 2, engine)
    frames = [cue.frame for cue, _ in heard]
    assert frames == sorted(frames)
    assert all(cue.frame < heard_frame for cue, heard_frame in heard)
    bars = [cue.bar for cue, _ in heard if cue.kind == "bar"]
    assert bars == list(range(len(bars)))


def test_unknown_names_are_counted_by_the_engine_process(served):
    engine, _ = served
    engine.post_event("no such event")
    engine.trigger_stinger("no such stinger")
    assert wait_until(lambda: engine.snapshot().counters["unknown_events"] >= 1)
    assert wait_until(lambda: engine.snapshot().counters["unknown_stingers"] >= 1)


def test_every_call_is_applied_and_timed(served):
    engine, _ = served
    process = engine.engine_process
    before = process.stats()["calls_applied"]
    for i in range(50):
        engine.set_parameter("health", i / 50)
    assert wait_until(lambda: process.stats()["calls_applied"] >= before + 50)
    stats = process.stats()
    assert stats["calls_dropped"] == 0 and stats["call_latency_ms_p99"] is not None
    assert stats["cpu_ns"] > 0 and stats["start_s"] > 0


def test_stop_then_start_plays_again_through_the_engine_process(served):
    engine, _ = served
    seen: list = []

    def saw(kind: str) -> bool:
        seen.extend(engine.poll())
        return any(cue.kind == kind for cue in seen)

    engine.stop(0.1)
    assert wait_until(lambda: saw("stop"))
    engine.start()                       # the same engine process: a Start call, no new output
    assert wait_until(lambda: saw("start"))
    start = next(cue for cue in seen if cue.kind == "start")
    assert start.beat == 0 and start.frame > next(cue for cue in seen if cue.kind == "stop").frame
    assert wait_until(lambda: saw("beat") and seen[-1].frame > start.frame)
    with pytest.raises(RuntimeError, match="already plays through an engine process"):
        engine.start("virtual")


def test_calls_from_four_game_threads_all_arrive(served):
    engine, _ = served
    process = engine.engine_process
    before = process.stats()["calls_applied"]

    def game(index: int) -> None:
        for i in range(200):
            engine.set_parameter("danger" if index % 2 else "health", i / 200)
            if i % 50 == 0:
                engine.poll()
                engine.snapshot()

    threads = [threading.Thread(target=game, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wait_until(lambda: process.stats()["calls_applied"] >= before + 800)
    assert process.stats()["calls_applied"] == before + 800 and process.stats()["calls_dropped"] == 0
    with pytest.raises(RuntimeError, match="pull mode"):
        engine.render(256)


def test_close_ends_the_process_and_frees_everything(served):
    engine, _ = served
    remote = engine.engine_process
    pid, link_path = remote.process.pid, remote.spec.link_path
    last = engine.snapshot()
    engine.close()
    assert gone(pid)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)       # already reaped: no zombie
    assert not os.path.exists(link_path)
    engine.post_event("enemy_lost")       # after close: nothing happens, nothing raises
    assert engine.poll() == []
    assert engine.snapshot().state == last.state
    engine.close()                        # idempotent


# ------------------------------------------------------------ failures

def test_a_killed_engine_process_is_a_clear_error_on_the_next_call():
    engine = load(strict=True)
    engine.start("virtual")
    with pytest.raises(ValueError, match="unknown name"):
        engine.post_event("nope")         # strict names are checked on the game's side
    pid = engine.engine_process.process.pid
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not engine.engine_process.process.alive())
    for call in (lambda: engine.post_event("enemy_spotted"), engine.poll, engine.snapshot,
                 lambda: engine.advance(0.01)):
        with pytest.raises(EngineError, match=rf"engine process \(pid {pid}\) has died"):
            call()
    engine.close()
    assert gone(pid)


def test_an_engine_process_that_cannot_start_is_an_engine_error_and_the_engine_stays_usable(tmp_path):
    engine = load()
    bad = tmp_path / "no such folder" / "live.wav"
    with pytest.raises(EngineError, match="could not start the 'virtual:.*no such folder"):
        engine.start(f"virtual:{bad}")
    assert engine.engine_process is None
    engine.start("null")                  # pull mode, in this process
    assert engine.render(1024).shape == (1024, 2)
    engine.close()


def test_an_absent_audio_device_is_one_clear_line():
    try:
        import sounddevice

        sounddevice.query_devices(kind="output")
    except Exception:  # noqa: BLE001 - no PortAudio, or no output device: the case under test
        pass
    else:
        pytest.skip("this machine has an audio output device")
    engine = load()
    with pytest.raises(EngineError, match="could not start the 'sounddevice' output") as error:
        engine.start("sounddevice")
    assert "\n" not in str(error.value)
    engine.close()


def test_a_score_without_a_file_cannot_go_to_an_engine_process():
    engine = load()
    engine.score = dataclasses.replace(load_score(SCORE_PATH), file=None)
    engine.session_header = dataclasses.replace(engine.session_header, score=None)
    with pytest.raises(ValueError, match="has none; load it from a file or pass in_process=True"):
        engine.start("virtual")
    engine.close()


_SCRIPT = """
import os, sys
sys.path.insert(0, {root!r})
from engine.api import MusicEngine
engine = MusicEngine.load({score!r}, seed=1, sample_rate_hz=22050).start("virtual")
print(engine.engine_process.process.pid, flush=True)
{ending}
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("ending", ["pass  # exits without close(): atexit closes it",
                                    "os.kill(os.getpid(), 9)  # the game is killed: the engine sees its stdin end"])
def test_the_engine_process_never_outlives_the_game(ending):
    script = _SCRIPT.format(root=str(ROOT), score=str(SCORE_PATH), ending=ending)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                            timeout=120)
    if not result.stdout.strip():
        pytest.skip(f"the game script could not start an engine: {result.stderr[-500:]}")
    pid = int(result.stdout.split()[0])
    assert wait_until(lambda: gone(pid))


# ------------------------------------------------------------ determinism

def test_a_live_session_in_the_engine_process_replays_bit_identically(tmp_path):
    session, live_wav, replay_wav = tmp_path / "s.jsonl", tmp_path / "live.wav", tmp_path / "replay.wav"
    engine = load(seed=11, record=session)
    engine.start(f"virtual:{live_wav}")
    script = [("set_parameter", "danger", 0.7), ("post_event", "enemy_spotted"), ("trigger_stinger", "item"),
              ("set_state", "combat", "next_beat"), ("post_event", "player_hurt"), ("set_parameter", "danger", 0.1),
              ("stop", 0.3)]
    for call in script:
        target = engine.heard_frame + RATE // 3
        assert wait_until(lambda: engine.heard_frame >= target, engine)
        getattr(engine, call[0])(*call[1:])
    target = engine.heard_frame + RATE // 2
    assert wait_until(lambda: engine.heard_frame >= target, engine)
    engine.close()
    recorded = read_session(session)
    block_frames = recorded.header.config.block_frames
    assert [c.call.kind for c in recorded.calls] == [call[0] for call in script]
    assert all(c.frame % block_frames == 0 for c in recorded.calls)
    assert recorded.end_frame >= recorded.calls[-1].frame
    with WavWriter(replay_wav, RATE) as writer:
        replay(session, sink=writer.write)
    live, _ = read_wav(live_wav)
    again, _ = read_wav(replay_wav)
    assert len(live) >= 2 * RATE and np.abs(live).max() > 0.01
    assert np.array_equal(live, again[:len(live)])
