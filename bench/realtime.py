"""Real-time playback benchmark: prints ONE JSON line.

A live session in real time (default 5 minutes of music, 48 kHz, 256-frame blocks,
three blocks buffered): the AudioStream's render thread keeps the ring filled, a
simulated audio device reads one block per block period of wall time, and random
intent transitions, intensity changes and stingers arrive every 1-5 s over all sync
points. Run once idle and once with a busy process spinning on one core, so the
whole benchmark takes twice the session length. rtf is the CPU time of the engine's
threads (render and composer, read from their per-thread CPU clocks) over the music's
duration: the share of one core the engine uses; the simulated host (device reads,
game calls) is not counted. Block render times are wall-clock. ``bars_composed_inline``
counts bars the render thread had to compose itself (a transition rolled them back
and the next block needed them at once); the composer thread composes the rest.

With ``--game-busy-ms 12`` two more sessions run, each as long: a game thread in this
process, at 60 fps, spins in pure Python for 12 ms of each 16.7 ms frame (holding the
GIL, as physics, AI and drawing do) and drives the music through the public
``MusicEngine`` on the ``virtual`` output: a parameter every frame, and every 0.5-3 s
an event, a state change at a random sync point or a stinger; it polls cues and reads
a snapshot every frame. First with the engine in its own process (the default), then
in this process (the baseline, which a busy game starves). Added to the JSON line:
``underruns_game_busy`` and ``late_reads_game_busy`` (the virtual device's, engine
process; ``..._first_2s``: those of the first two seconds, the start's), the same
``..._in_process``, ``call_latency_ms_p99`` (a call on the game thread to the control
frame that applies it, 50 us bins), ``cue_error_frames_max``
(how many frames a cue was delivered before it was heard, or after the poll at which
it was already heard), ``engine_start_s`` (``start()``: spawn to playing), and
``rtf_engine_process`` (CPU time of the whole engine process while playing, the
virtual device thread included, over the music's duration; ``..._no_device``
without it). The in-process baseline plays under the same busy game, which starves it:
its CPU figure is not the engine process's in equal conditions. Those come last, from
four more sessions of half ``--cpu-pair-seconds`` each with a game thread that makes the
same calls but is not busy, in-process, engine process, engine process, in-process (a
drift of the machine's speed cancels), averaged: ``rtf_in_process_idle_game``,
``rtf_engine_process_idle_game`` and ``engine_process_cpu_ratio`` (what serving the
engine from its own process costs, over the same work in the game's). And what waking
costs on this machine, which sets most of a live engine's CPU: ``machine_sleep_cpu_us``
(CPU time of one 5 ms sleep) and the same block rendered back to back
(``block_cpu_us_hot``) against right after such a sleep (``block_cpu_us_woken``), as a
render thread woken by the device renders it.

Beside every session a stall probe (``bench/stall_probe.py``: a process of its own that
only sleeps, at the device thread's real-time priority) counts the times the machine
itself woke it more than one block period late: ``machine_stalls`` (idle),
``machine_stalls_loaded`` and ``machine_stalls_game_busy``, each with its worst. An
underrun or late read that the probe matches in the same run is the machine's.
Usage: python bench/realtime.py [--seconds 300] [--game-busy-ms 12]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import resource
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.cli_types import SEED, bounded_float, bounded_int  # noqa: E402
from engine.music.intent import Intent  # noqa: E402
from engine.music.keys import Key  # noqa: E402
from engine.music.notes import Meter  # noqa: E402
from engine.music.sync import SYNC_POINTS, Grid, SyncPoint  # noqa: E402
from engine.playback.player import Player, PlayerConfig  # noqa: E402
from engine.playback.stingers import Stinger  # noqa: E402
from engine.playback.stream import AudioStream, StreamConfig  # noqa: E402
from engine.playback.synth import Synth  # noqa: E402
from stall_probe import StallProbe  # noqa: E402

SCORE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demo", "scores", "dungeon.yaml")
GAME_FPS = 60
START_S = 2   # underruns and late reads this early are the start's (reported apart)

def load_composer():
    from engine.composer.composer import Composer

    return Composer.load(seed=0), "shipped model"


def random_intent(rng: random.Random) -> Intent:
    return Intent(mood=rng.choice(["calm", "tense", "heroic"]), valence=rng.random(), arousal=rng.random(),
                  intensity=rng.random(), key=Key(rng.randrange(12), rng.choice(["major", "minor", "dorian"])),
                  tempo_bpm=rng.uniform(70, 160), meter=rng.choice([Meter(4, 4), Meter(3, 4), Meter(6, 8)]))


def busy_loop(stop) -> None:
    while not stop.is_set():
        pass


def session(seconds: float, seed: int, sr: int, block: int, latency_blocks: int, refill_blocks: int | None = None) -> dict:
    """Live: the stream's render thread fills the ring; this thread is the audio device
    (reads one block per period of wall time, on an absolute schedule) and the game
    (issues a random change every 1-5 s, stamped with the frame being heard)."""
    rng = random.Random(seed)
    composer, which = load_composer()
    with Synth(sample_rate_hz=sr) as synth:
        player = Player(composer, synth, Intent(tempo_bpm=110.0), PlayerConfig(sample_rate_hz=sr))
        stream = AudioStream(player, StreamConfig(sr, block, latency_blocks, refill_blocks=refill_blocks))
        period = block / sr
        out = np.zeros((block, 2), dtype=np.float32)
        next_change, sync_err, imm_latency = rng.uniform(1, 5), 0, []
        stream.start()
        stream.block_render_s = []   # the live blocks only, not the ring's first fill
        t0 = time.perf_counter()
        for i in range(int(seconds * sr / block)):
            delay = t0 + i * period - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            stream.read_into(out)
            if i * period < next_change:
                continue
            next_change += rng.uniform(1, 5)
            heard, roll = stream.frames_read, rng.random()
            if roll < 0.55:
                sync = rng.choice(SYNC_POINTS)
                landing = player.transition(random_intent(rng), sync, received_frame=heard, fade_s=rng.uniform(0, 1))
                sync_err = max(sync_err, grid_error(player, landing, sync))
                if sync == "immediate":
                    imm_latency.append((landing - heard) / sr * 1000)
            elif roll < 0.85:
                player.set_intensity(rng.random(), received_frame=heard)
            else:
                player.stinger(Stinger(min_interval_s=1.0), received_frame=heard)
        end = player.stop(0.5)
        while stream.frames_read <= end + block:
            time.sleep(period)
            stream.read_into(out)
        engine_cpu_s = sum(time.clock_gettime(time.pthread_getcpuclockid(t.ident))
                           for t in (stream._thread, stream._composer))
        stream.stop()
        times = np.array(stream.block_render_s) * 1000
        seq = player.sequencer
        hanging = len(seq.sounding) + abs(seq.notes_on_sent - seq.notes_off_sent)
        return {"rtf": engine_cpu_s / (stream.frames_read / sr), "bars_inline": player.bars_composed_inline,
                "p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99)),
                "max": float(times.max()), "underruns": stream.underruns, "sync": sync_err,
                "imm_p99": float(np.percentile(imm_latency, 99)) if imm_latency else 0.0,
                "hanging": hanging, "composer": which}


def grid_error(player, landing: int, sync: str) -> int:
    """Frames between a landing and the grid point it should be on (0 when exact)."""
    clock, grid = player.clock, SyncPoint.parse(sync).rule.grid
    k = clock.bar_at_frame(landing)
    if grid is Grid.FRAME:
        return 0
    points = [clock.bar_start_frame(k)] + (clock.beat_frames(k) if grid is Grid.BEAT else [])
    return min(abs(landing - p) for p in points)


def spin(until_s: float) -> int:
    """Pure Python work until ``until_s`` (perf_counter): holds the GIL like game code."""
    n = 0
    while time.perf_counter() < until_s:
        n += 1
    return n


class GameCalls:
    """What the game says each frame: a parameter, and now and then an event, a state
    change at a random sync point or a stinger (over every sync point in turn)."""

    def __init__(self, music, rng: random.Random):
        self.music, self.rng, self.score = music, rng, music.score
        self.next_s, self.syncs = rng.uniform(0.5, 3.0), 0

    def frame(self, t_s: float) -> None:
        music, rng = self.music, self.rng
        music.set_parameter("danger", 0.5 + 0.5 * math.sin(t_s / 7.0))
        if t_s < self.next_s:
            return
        self.next_s += rng.uniform(0.5, 3.0)
        roll = rng.random()
        if roll < 0.4:
            music.post_event(rng.choice(list(self.score.events)))
        elif roll < 0.75:
            music.set_state(rng.choice(list(self.score.states)), SYNC_POINTS[self.syncs % len(SYNC_POINTS)])
            self.syncs += 1
        else:
            music.trigger_stinger(rng.choice(list(self.score.stingers)))


class CueCheck:
    """Cue delivery error, in frames: a cue delivered before its frame was heard, or one
    already heard before the previous poll began (that poll should have had it)."""

    def __init__(self, music):
        self.music, self.before_last_poll, self.error_frames, self.cues = music, 0, 0, 0

    def poll(self) -> None:
        before = self.music.heard_frame
        cues = self.music.poll()
        after = self.music.heard_frame
        for cue in cues:
            self.error_frames = max(self.error_frames, self.before_last_poll - cue.frame, cue.frame - after + 1)
        self.cues += len(cues)
        self.before_last_poll = before


def game_session(seconds: float, seed: int, busy_ms: float, sr: int, block: int, latency_blocks: int,
                 in_process: bool) -> dict:
    """A busy game thread drives the public MusicEngine on the virtual output; see the docstring."""
    from engine.api import MusicEngine

    music = MusicEngine.load(SCORE, seed=seed, sample_rate_hz=sr, block_frames=block, latency_blocks=latency_blocks)
    t0 = time.perf_counter()
    music.start("virtual", in_process=in_process)
    start_s = time.perf_counter() - t0
    remote = music.engine_process
    first = remote.stats() if remote is not None else None
    cues, calls = CueCheck(music), GameCalls(music, random.Random(seed))
    at_start = {"underruns": 0, "late_reads": 0}

    def game() -> None:
        frame_s, begin = 1.0 / GAME_FPS, time.perf_counter()
        for n in range(int(seconds * GAME_FPS)):
            due = begin + n * frame_s
            delay_s = due - time.perf_counter()
            if delay_s > 0:
                time.sleep(delay_s)
            spin(due + busy_ms / 1000.0)
            calls.frame(n * frame_s)
            cues.poll()
            snap = music.snapshot()
            if n == START_S * GAME_FPS:
                at_start.update(underruns=snap.underruns, late_reads=snap.counters.get("late_reads", 0))

    thread = threading.Thread(target=game, name="game")
    thread.start()
    thread.join()
    snap = music.snapshot()
    result = {"start_s": start_s, "underruns": snap.underruns, "late_reads": snap.counters["late_reads"],
              "late_read_worst_ms": snap.counters["late_read_worst_us"] / 1000, "cue_error": cues.error_frames,
              "cues": cues.cues, "underruns_at_start": at_start["underruns"], "late_reads_at_start": at_start["late_reads"]}
    result.update(engine_process_figures(remote, first, sr) if remote is not None else in_process_figures(music, sr))
    music.close()
    return result


def engine_process_figures(remote, first: dict, sr: int) -> dict:
    """Call latency and the CPU shares of the engine process while it played."""
    last = remote.stats()
    played_s = (last["heard_frame"] - first["heard_frame"]) / sr
    share = {name: (last[name] - first[name]) / 1e9 / played_s
             for name in ("cpu_ns", "render_cpu_ns", "composer_cpu_ns", "device_cpu_ns")}
    return {"call_p99": last["call_latency_ms_p99"], "call_max": last["call_latency_ms_max"],
            "calls": last["calls_applied"], "rtf": share["cpu_ns"], "rtf_no_device": share["cpu_ns"] - share["device_cpu_ns"],
            "rtf_render": share["render_cpu_ns"], "rtf_composer": share["composer_cpu_ns"]}


def in_process_figures(music, sr: int) -> dict:
    """The CPU shares of the in-process engine's threads (render, composer, virtual device)."""
    output = music._output
    engine_s = sum(time.clock_gettime(time.pthread_getcpuclockid(t.ident))
                   for t in (output.stream._thread, output.stream._composer))
    played_s = output.stream.frames_read / sr
    return {"rtf": (engine_s + output.device_cpu_s) / played_s, "rtf_no_device": engine_s / played_s}


def wake_cost(sr: int, block: int, cycles: int = 300) -> dict:
    """What waking costs on this machine, in one thread of this process: the CPU time of a
    5 ms sleep, and of the same engine's block rendered right after such a sleep
    ("woken", as a live render thread renders it) against the fourth of four rendered
    back to back ("hot")."""
    from engine.api import MusicEngine

    music = MusicEngine.load(SCORE, seed=0, sample_rate_hz=sr, block_frames=block)
    music.render(3 * sr)
    hot, woken, slept = [], [], []
    for _ in range(cycles):
        t0 = time.thread_time_ns()
        time.sleep(block / sr)
        t1 = time.thread_time_ns()
        music.render(block)
        t2 = time.thread_time_ns()
        music.render(2 * block)
        t3 = time.thread_time_ns()
        music.render(block)
        slept.append(t1 - t0)
        woken.append(t2 - t1)
        hot.append(time.thread_time_ns() - t3)
    music.close()
    return {name: float(np.median(values)) / 1e3 for name, values in
            (("sleep", slept), ("hot", hot), ("woken", woken))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    seconds, count = bounded_float(1.0, 86400.0), bounded_int(1, 64)
    parser.add_argument("--seconds", type=seconds, default=300.0)
    parser.add_argument("--seed", type=SEED, default=1)
    parser.add_argument("--block-frames", type=bounded_int(16, 8192), default=256)
    parser.add_argument("--latency-blocks", type=count, default=3)
    parser.add_argument("--refill-blocks", type=count, default=None, help="blocks per render-thread wake (default latency_blocks - 1)")
    parser.add_argument("--game-busy-ms", type=bounded_float(0.0, 16.0), default=None,
                        help="also run a game thread busy this long per 60 fps frame (engine process, then in-process)")
    parser.add_argument("--baseline-seconds", type=seconds, default=None,
                        help="length of the in-process game-load baseline (default --seconds)")
    parser.add_argument("--cpu-pair-seconds", type=seconds, default=30.0,
                        help="seconds of each side of the equal-conditions CPU pair (idle game; in halves: in-process, engine process twice, in-process)")
    parser.add_argument("--game-only", action="store_true", help="with --game-busy-ms: skip the idle and busy-core runs")
    args = parser.parse_args(argv)
    if args.refill_blocks is not None and args.refill_blocks > args.latency_blocks:
        parser.error(f"argument --refill-blocks: {args.refill_blocks} is more than --latency-blocks {args.latency_blocks}")
    sr = 48000
    if args.game_only and args.game_busy_ms is not None:
        print(json.dumps(game_load_fields(args, sr)))
        return 0
    block_ms = args.block_frames / sr * 1000
    with StallProbe(block_ms) as idle_stalls:
        idle = session(args.seconds, args.seed, sr, args.block_frames, args.latency_blocks, args.refill_blocks)
    stop = multiprocessing.Event()
    busy = multiprocessing.Process(target=busy_loop, args=(stop,), daemon=True)
    busy.start()
    try:
        with StallProbe(block_ms) as loaded_stalls:
            loaded = session(args.seconds, args.seed, sr, args.block_frames, args.latency_blocks, args.refill_blocks)
    finally:
        stop.set()
        busy.join(timeout=5)
    line = {
        "rtf": round(idle["rtf"], 4),
        "block_render_ms_p50": round(idle["p50"], 3),
        "block_render_ms_p99": round(idle["p99"], 3),
        "block_render_ms_max": round(max(idle["max"], loaded["max"]), 3),
        "underruns": idle["underruns"],
        "underruns_loaded": loaded["underruns"],
        "machine_stalls": idle_stalls.stalls,
        "machine_stall_worst_ms": idle_stalls.worst_ms,
        "machine_stalls_loaded": loaded_stalls.stalls,
        "machine_stall_worst_ms_loaded": loaded_stalls.worst_ms,
        "sync_error_frames_max": idle["sync"],
        "immediate_latency_ms_p99": round(idle["imm_p99"], 3),
        "hanging_notes": idle["hanging"] + loaded["hanging"],
        "bars_composed_inline": idle["bars_inline"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "composer": idle["composer"],
    }
    if args.game_busy_ms is not None:
        line.update(game_load_fields(args, sr))
    print(json.dumps(line))
    return 0


def game_load_fields(args, sr: int) -> dict:
    """The engine-process run under a busy game thread, then the in-process baseline."""
    shape = dict(busy_ms=args.game_busy_ms, sr=sr, block=args.block_frames, latency_blocks=args.latency_blocks)
    with StallProbe(args.block_frames / sr * 1000) as stalls:
        served = game_session(args.seconds, args.seed, in_process=False, **shape)
    baseline = game_session(args.baseline_seconds or args.seconds, args.seed, in_process=True, **shape)
    idle_shape = dict(shape, busy_ms=0.0)   # the CPU compared in equal conditions: a game that is not busy
    rtf = {True: [], False: []}   # in-process, engine process, engine process, in-process: a drift cancels
    for in_process in (True, False, False, True):
        rtf[in_process].append(game_session(args.cpu_pair_seconds / 2, args.seed, in_process=in_process,
                                            **idle_shape)["rtf"])
    pair = [float(np.mean(rtf[True])), float(np.mean(rtf[False]))]
    wake = wake_cost(sr, args.block_frames)
    return {
        "game_busy_ms": args.game_busy_ms,
        "underruns_game_busy": served["underruns"],
        "late_reads_game_busy": served["late_reads"],
        "late_read_worst_ms_game_busy": served["late_read_worst_ms"],
        "underruns_game_busy_first_2s": served["underruns_at_start"],
        "late_reads_game_busy_first_2s": served["late_reads_at_start"],
        "machine_stalls_game_busy": stalls.stalls,
        "machine_stall_worst_ms_game_busy": stalls.worst_ms,
        "call_latency_ms_p99": served["call_p99"],
        "call_latency_ms_max": served["call_max"],
        "calls": served["calls"],
        "cue_error_frames_max": max(served["cue_error"], baseline["cue_error"]),
        "cues": served["cues"],
        "engine_start_s": round(served["start_s"], 3),
        "rtf_engine_process": round(served["rtf"], 4),
        "rtf_engine_process_no_device": round(served["rtf_no_device"], 4),
        "rtf_engine_process_render": round(served["rtf_render"], 4),
        "rtf_engine_process_composer": round(served["rtf_composer"], 4),
        "rtf_in_process": round(baseline["rtf"], 4),
        "rtf_in_process_no_device": round(baseline["rtf_no_device"], 4),
        "underruns_game_busy_in_process": baseline["underruns"],
        "late_reads_game_busy_in_process": baseline["late_reads"],
        "late_read_worst_ms_game_busy_in_process": baseline["late_read_worst_ms"],
        "baseline_seconds": args.baseline_seconds or args.seconds,
        "rtf_in_process_idle_game": round(pair[0], 4),
        "rtf_engine_process_idle_game": round(pair[1], 4),
        "engine_process_cpu_ratio": round(pair[1] / pair[0], 3),
        "cpu_pair_seconds": args.cpu_pair_seconds,
        "machine_sleep_cpu_us": round(wake["sleep"], 1),
        "block_cpu_us_hot": round(wake["hot"], 1),
        "block_cpu_us_woken": round(wake["woken"], 1),
    }


if __name__ == "__main__":
    sys.exit(main())
