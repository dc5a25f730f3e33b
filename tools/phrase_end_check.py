"""Does a position-conditioned model close its phrases? Phrase-end bars against the others, generated and real.

    python tools/phrase_end_check.py [--model DIR] [--tokens data/tokens-v3.npz] [--phrases 120]

Composes ``--phrases`` 8-bar phrases (random moods and meters, seeds 0..N-1) with the
model asking ``attributes.default_form`` (4-bar phrases, the 8th bar closing the
section), and reads the test split's real bars with their form labels. For the bars
that close a phrase and for the others it prints, as one JSON line: the share whose
last melody note is the tonic, the share whose last chord is the tonic triad, and the
mean length (quarters) of the last melody note.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.composer.composer import Composer  # noqa: E402
from engine.composer.dataset import DEFAULT_TOKENS_PATH, load_token_dataset  # noqa: E402
from engine.composer.evaluation import splits  # noqa: E402
from engine.music.intent import Intent  # noqa: E402
from engine.music.keys import Key  # noqa: E402
from engine.music.notes import PPQ, Meter  # noqa: E402

METERS = ("4/4", "6/8", "3/4", "2/4", "2/2")
CLOSES_COLUMN = 6  # corpus.FORM_FIELDS: closes_phrase


def bar_figures(bar) -> tuple[float, float, float]:
    """(last note is the tonic, last chord is the tonic triad, last note's quarters) of one bar."""
    if not bar.melody:
        return 0.0, 0.0, 0.0
    last = max(bar.melody, key=lambda n: n.start_ticks)
    chord = max(bar.harmony, key=lambda c: c.start_ticks) if bar.harmony else None
    return float(last.pitch % 12 == 0), float(chord is not None and chord.root_pc == 0), last.duration_ticks / PPQ


def summary(rows: list[tuple[bool, tuple[float, float, float]]]) -> dict:
    out = {}
    for name, closes in (("phrase_end", True), ("other", False)):
        chosen = np.array([f for c, f in rows if c == closes]) if any(c == closes for c, _ in rows) else np.zeros((0, 3))
        out[name] = {"bars": len(chosen), "tonic_note": round(float(chosen[:, 0].mean()), 3) if len(chosen) else None,
                     "tonic_chord": round(float(chosen[:, 1].mean()), 3) if len(chosen) else None,
                     "last_note_quarters": round(float(chosen[:, 2].mean()), 3) if len(chosen) else None}
    return out


def generated(model: str | None, phrases: int) -> dict:
    rows = []
    for seed in range(phrases):
        rng = np.random.default_rng(seed)
        minor = bool(rng.random() < 0.5)
        intent = Intent(valence=float(rng.random()), arousal=float(rng.random()), key=Key(0, "minor" if minor else "major"),
                        meter=Meter.parse(METERS[seed % len(METERS)]))
        composer = Composer.load(model, seed=seed)
        for index in range(8):
            rows.append((composer.form_of(index).closes_phrase, bar_figures(composer.compose_bar(intent, index))))
    return summary(rows)


def real(tokens_path: Path) -> dict:
    data = load_token_dataset(tokens_path)
    test = splits.split_tunes(data, "test")
    rows = []
    first_bar = {int(row): int(data["token_bar"][data["tune_first_token"][row]]) for row in test.tune_rows}
    for row, tune_tokens, conds in zip(test.tune_rows, test.tokens, test.conds):
        for index, bar in enumerate(splits.tune_bars(tune_tokens, splits.is_minor(conds))):
            rows.append((bool(data["bar_form"][first_bar[int(row)] + index][CLOSES_COLUMN]), bar_figures(bar)))
    return summary(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--tokens", type=Path, default=DEFAULT_TOKENS_PATH, help="token dataset with bar_form (default: %(default)s)")
    parser.add_argument("--phrases", type=int, default=120, help="8-bar phrases to compose (default: %(default)s)")
    args = parser.parse_args(argv)
    print(json.dumps({"generated": generated(args.model, args.phrases), "real_test": real(args.tokens)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
