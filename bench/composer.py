"""Composer speed: bars per second and milliseconds per token for the shipped model, one thread.

Prints one JSON line: bars_per_s (originality guard and form planner on, as shipped),
bars_per_s_guard_off and bars_per_s_form_off (the same bars without each, in the same
run), ms_per_token_p50, ms_per_token_p99,
model_load_s, torch_imported (must be false: inference is numpy only), tokens_per_bar,
guard_rate (vetoed duration draws per melody note).
Usage: python bench/composer.py [--bars 2000] [--model DIR]
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # single thread, set before numpy loads

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.composer.composer import Composer  # noqa: E402
from engine.music.intent import Intent  # noqa: E402
from engine.music.keys import Key  # noqa: E402
from engine.music.notes import Meter  # noqa: E402


def timed_steps(composer: Composer, token_ms: list[float]) -> None:
    """Record the time of every token (network step + sampling) through the stepper."""
    step = composer.stepper.step
    last = [None]

    def step_and_time(token, cond_gates, state):
        now = time.perf_counter()  # start to start: a step plus the sampling before the next
        if last[0] is not None:
            token_ms.append((now - last[0]) * 1e3)
        last[0] = now
        return step(token, cond_gates, state)

    composer.stepper.step = step_and_time


def _time_bars(composer: Composer, intents: list[Intent], bars: int) -> float:
    start_s = time.perf_counter()
    for index in range(bars):
        composer.compose_bar(intents[(index // 16) % len(intents)], index)
    return time.perf_counter() - start_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=2000)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    start_s = time.perf_counter()
    composer = Composer.load(args.model, seed=1)
    load_s = time.perf_counter() - start_s
    intents = [Intent(mood=mood, valence=v, arousal=a, key=Key(0, "minor" if v < 0.5 else "major"), meter=Meter.parse(m))
               for mood, v, a, m in [("calm", 0.8, 0.2, "4/4"), ("action", 0.2, 0.8, "6/8"),
                                     ("playful", 0.6, 0.5, "3/4"), ("mysterious", 0.3, 0.4, "2/4")]]
    start_s = time.perf_counter()
    notes = sum(len(composer.compose_bar(intents[(index // 16) % len(intents)], index).melody)
                for index in range(args.bars))
    elapsed_s = time.perf_counter() - start_s
    vetoes = composer.vetoed_notes
    unguarded_s = _time_bars(Composer.load(args.model, seed=1, guard=False), intents, args.bars)
    formless_s = _time_bars(Composer.load(args.model, seed=1, form=None), intents, args.bars)
    token_ms: list[float] = []
    timed_steps(composer, token_ms)
    for index in range(args.bars, args.bars + 300):
        composer.compose_bar(intents[(index // 16) % len(intents)], index)
    print(json.dumps({"bars_per_s": round(args.bars / elapsed_s, 1),
                      "bars_per_s_guard_off": round(args.bars / unguarded_s, 1),
                      "bars_per_s_form_off": round(args.bars / formless_s, 1), "ms_per_token_p50": round(float(np.percentile(token_ms, 50)), 4),
                      "ms_per_token_p99": round(float(np.percentile(token_ms, 99)), 4), "model_load_s": round(load_s, 3),
                      "torch_imported": "torch" in sys.modules, "tokens_per_bar": round((len(token_ms) + 300) / 300, 1),
                      "guard_rate": round(vetoes / max(1, notes), 5)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
