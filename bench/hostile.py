"""How fast every broken input of the catalogue is rejected, and how short the answer is.

Runs each case of ``tests/catalogue.py`` (score, cutscene, session, MIDI, SoundFont,
model and command-line mistakes and attacks: alias bombs, 1,000-deep nesting, FIFOs,
/dev/zero, 50 MB files...) in-process through ``engine.cli.main``, each in a fresh
folder, and prints one JSON line: the number of cases, how many did not end in exit 1
with one line, the slowest case and its time, the median, the 519-byte alias bomb's
time and message size, and the longest message. Goal: every case < 1 s, messages < 2 KB.
Usage: python bench/hostile.py [--repeat 3]   (each case: best of the repeats)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.catalogue import CASES, run_case  # noqa: E402

BOMB = "519-byte alias bomb"


def time_case(case, repeat: int) -> tuple[float, int, list[str]]:
    """(best seconds, exit status, lines) of ``repeat`` runs of ``case``, each in a new folder."""
    best, code, lines = float("inf"), 0, []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            code, lines, elapsed = run_case(case, Path(folder))
        best = min(best, elapsed)
    return best, code, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case, best kept (default 3)")
    args = parser.parse_args()
    results = {case.name: time_case(case, args.repeat) for case in CASES}
    seconds = {name: s for name, (s, _, _) in results.items()}
    bad = sorted(name for name, (_, code, lines) in results.items() if code != 1 or len(lines) != 1)
    sizes = {name: max((len(line.encode()) for line in lines), default=0) for name, (_, _, lines) in results.items()}
    slowest = max(seconds, key=seconds.get)
    print(json.dumps({
        "cases": len(CASES), "not_one_line_exit_1": bad, "slowest": slowest,
        "slowest_s": round(seconds[slowest], 4), "median_s": round(statistics.median(seconds.values()), 4),
        "over_1s": sorted(name for name, s in seconds.items() if s >= 1.0),
        "alias_bomb_s": round(seconds[BOMB], 4), "alias_bomb_message_bytes": sizes[BOMB],
        "longest_message_bytes": max(sizes.values()),
    }))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
