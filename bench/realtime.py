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
Usage: python bench/realtime.py [--seconds 300]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import random
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.music.intent import Intent  # noqa: E402
from engine.music.keys import Key  # noqa: E402
from engine.music.notes import Meter  # noqa: E402
from engine.music.sync import SYNC_POINTS, Grid, SyncPoint  # noqa: E402
from engine.playback.player import Player, PlayerConfig  # noqa: E402
from engine.playback.stingers import Stinger  # noqa: E402
from engine.playback.stream import AudioStream, StreamConfig  # noqa: E402
from engine.playback.synth import Synth  # noqa: E402


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--block-frames", type=int, default=256)
    parser.add_argument("--latency-blocks", type=int, default=3)
    parser.add_argument("--refill-blocks", type=int, default=None, help="blocks per render-thread wake (default latency_blocks - 1)")
    args = parser.parse_args(argv)
    sr = 48000
    idle = session(args.seconds, args.seed, sr, args.block_frames, args.latency_blocks, args.refill_blocks)
    stop = multiprocessing.Event()
    busy = multiprocessing.Process(target=busy_loop, args=(stop,), daemon=True)
    busy.start()
    try:
        loaded = session(args.seconds, args.seed, sr, args.block_frames, args.latency_blocks, args.refill_blocks)
    finally:
        stop.set()
        busy.join(timeout=5)
    print(json.dumps({
        "rtf": round(idle["rtf"], 4),
        "block_render_ms_p50": round(idle["p50"], 3),
        "block_render_ms_p99": round(idle["p99"], 3),
        "block_render_ms_max": round(max(idle["max"], loaded["max"]), 3),
        "underruns": idle["underruns"],
        "underruns_loaded": loaded["underruns"],
        "sync_error_frames_max": idle["sync"],
        "immediate_latency_ms_p99": round(idle["imm_p99"], 3),
        "hanging_notes": idle["hanging"] + loaded["hanging"],
        "bars_composed_inline": idle["bars_inline"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "composer": idle["composer"],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
