"""Soak benchmark: prints ONE JSON line. Does a long session cost the same per block as a short one?

A scripted game plays the dungeon score for ``--music-s`` seconds of music (default two
hours) in pull mode, as fast as it can: events every 1-8 s, the two parameters
drifting every half second, a stinger every few seconds, now and then a ``set_state``
over every sync point. The run is cut into windows of ``--window-s`` seconds of music
(default ten minutes), after ``--warmup-s`` of music not counted (first calls, caches);
for each window, the process CPU time (one thread: pull mode renders on the caller's)
and the resident memory at its end. The goal compares the last window with the first
of the same run, so the machine's load cancels out:
last/first CPU <= 1.1, RSS growth <= 5 MB. At the end the music is stopped and its
tail rendered: every note-on must have had its note-off (``hanging_notes`` 0).
``plan_sizes`` are the lengths of the player's lists that a long session could grow.
Usage: python bench/soak.py [--music-s 7200] [--window-s 600] [--warmup-s 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.api import MusicEngine  # noqa: E402
from engine.score.format import SYNC_POINTS  # noqa: E402

SCORE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demo", "scores", "dungeon.yaml")
PULL_FRAMES = 1024
GOAL_CPU_RATIO = 1.1
GOAL_RSS_GROWTH_MB = 5.0


def rss_mb() -> float:
    """Resident memory of this process now (not the peak), from /proc."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Game:
    """A seeded game: what it calls at each moment of music, decided from its own clock."""

    def __init__(self, engine: MusicEngine, seed: int):
        self.engine, self.rng = engine, random.Random(seed)
        score = engine.score
        self.events, self.states = sorted(score.events), sorted(score.states)
        self.stingers, self.parameters = sorted(score.stingers), sorted(score.parameters)
        self.values = {name: 0.5 for name in self.parameters}
        self.next_event_s = self.next_param_s = self.next_stinger_s = self.next_state_s = 0.0
        self.calls = 0

    def play(self, now_s: float) -> None:
        rng, engine = self.rng, self.engine
        if now_s >= self.next_event_s:
            engine.post_event(rng.choice(self.events))
            self.next_event_s, self.calls = now_s + rng.uniform(1, 8), self.calls + 1
        if now_s >= self.next_param_s:
            for name in self.parameters:
                self.values[name] = min(1.0, max(0.0, self.values[name] + rng.uniform(-0.15, 0.15)))
                engine.set_parameter(name, self.values[name])
            self.next_param_s, self.calls = now_s + 0.5, self.calls + len(self.parameters)
        if now_s >= self.next_stinger_s:
            engine.trigger_stinger(rng.choice(self.stingers))
            self.next_stinger_s, self.calls = now_s + rng.uniform(2, 9), self.calls + 1
        if now_s >= self.next_state_s:
            engine.set_state(rng.choice(self.states), rng.choice(SYNC_POINTS))
            self.next_state_s, self.calls = now_s + rng.uniform(20, 60), self.calls + 1


def soak(music_s: float, window_s: float, warmup_s: float, seed: int) -> dict:
    engine = MusicEngine.load(SCORE, seed=seed)
    rate = engine.config.sample_rate_hz
    game = Game(engine, seed)
    frames = 0
    while frames < warmup_s * rate:
        game.play(frames / rate)
        engine.render(PULL_FRAMES)
        engine.poll()
        frames += PULL_FRAMES
    window_frames, total_frames = round(window_s * rate), frames + round(music_s * rate)
    cpu_s, rss, window_first_frame = [], [], frames
    window_start, wall_start = time.process_time(), time.perf_counter()
    while frames < total_frames:
        game.play(frames / rate)
        engine.render(PULL_FRAMES)
        engine.poll()
        frames += PULL_FRAMES
        if frames - window_first_frame >= window_frames or frames >= total_frames:
            now = time.process_time()   # per whole window of music, however the pulls fell
            cpu_s.append((now - window_start) * window_frames / (frames - window_first_frame))
            rss.append(rss_mb())
            window_start, window_first_frame = now, frames
    wall_s = time.perf_counter() - wall_start
    sizes = engine.offline().plan_sizes()
    engine.stop(0.5)
    engine.render(6 * rate)            # the fade, then every release tail
    script = engine.offline()
    notes_on, notes_off = script.notes_sent()
    counters = engine.snapshot().counters
    engine.close()
    first, last = cpu_s[0], cpu_s[-1]
    result = {
        "bench": "soak", "music_s": round(music_s, 1), "warmup_s": round(warmup_s, 1), "window_s": window_s,
        "windows": len(cpu_s),
        "seed": seed, "calls": game.calls, "wall_s": round(wall_s, 1),
        "cpu_s_per_window": [round(c, 2) for c in cpu_s],
        "first_cpu_s": round(first, 2), "last_cpu_s": round(last, 2), "last_over_first": round(last / first, 3),
        "last_over_median": round(last / sorted(cpu_s)[len(cpu_s) // 2], 3),
        "x_realtime_first": round(window_s / first, 1), "x_realtime_last": round(window_s / last, 1),
        "rss_mb_first": round(rss[0], 1), "rss_mb_last": round(rss[-1], 1),
        "rss_growth_mb": round(rss[-1] - rss[0], 1),
        "hanging_notes": notes_on - notes_off + len(script.notes_sounding()), "notes_on": notes_on,
        "plan_sizes": sizes, "render_errors": counters["render_errors"],
        "rejected_calls": counters["rejected_calls"],
    }
    result["goal_met"] = (result["last_over_first"] <= GOAL_CPU_RATIO and result["rss_growth_mb"] <= GOAL_RSS_GROWTH_MB
                          and result["hanging_notes"] == 0)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--music-s", type=float, default=7200.0, help="seconds of music to play (default 7200)")
    parser.add_argument("--window-s", type=float, default=600.0, help="seconds of music per window (default 600)")
    parser.add_argument("--warmup-s", type=float, default=60.0, help="seconds of music played first, not counted (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the engine and the scripted game (default 1)")
    args = parser.parse_args()
    if not 0 < args.window_s <= args.music_s:
        parser.error("--window-s must be > 0 and at most --music-s")
    if args.warmup_s < 0:
        parser.error("--warmup-s must be >= 0")
    print(json.dumps(soak(args.music_s, args.window_s, args.warmup_s, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
