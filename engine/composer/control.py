"""Attribute control, measured: does the model write what the intent asks for?

For every (mode, arousal level, meter, seed) the model composes a phrase of bars
from a fresh state; the attribute functions that labelled the training data then
measure each bar. Reported:

- ``mode_accuracy``: share of bars whose realised mode (``attributes.realised_mode``)
  is the requested one, among bars that show a mode; ``mode_ambiguous`` is the share
  that shows none (no third or sixth above the tonic anywhere in melody or chords);
  ``mode_accuracy_strict`` counts those as failures.
- ``arousal_spearman_phrase``: Spearman rho between requested arousal and each
  phrase's mean note density (onsets per quarter); ``arousal_spearman_bar`` the same
  per bar; ``density_median_by_level`` and ``high_low_density_ratio`` (median density
  at the highest level over the lowest).

Run ``python -m engine.composer.control [--model DIR] [--plot PNG]`` for a JSON report.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

import numpy as np

from engine.composer import attributes
from engine.music.intent import Intent
from engine.music.keys import Key
from engine.music.notes import Meter


@dataclass(frozen=True)
class ControlPlan:
    """What to compose: levels, meters, seeds and the phrase length in bars."""

    arousal_levels: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    meters: tuple[str, ...] = ("4/4", "6/8", "3/4", "2/4", "2/2")
    seeds: tuple[int, ...] = (0, 1, 2, 3)
    bars_per_phrase: int = 16


def spearman(x, y) -> float:
    """Spearman rank correlation with average ranks for ties."""
    def ranks(values):
        values = np.asarray(values, dtype=float)
        order = np.argsort(values, kind="stable")
        ranked = np.empty(len(values))
        ranked[order] = np.arange(len(values))
        for value in np.unique(values):
            tied = values == value
            ranked[tied] = ranked[tied].mean()
        return ranked
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def compose_phrases(load_composer, plan: ControlPlan) -> list[dict]:
    """One record per bar: requested mode/arousal/meter and the measured attributes."""
    records = []
    for minor in (False, True):
        for arousal in plan.arousal_levels:
            for meter in plan.meters:
                for seed in plan.seeds:
                    composer = load_composer(seed)
                    intent = Intent(valence=0.2 if minor else 0.8, arousal=arousal, key=Key(0, "minor" if minor else "major"), meter=Meter.parse(meter))
                    phrase = f"{minor}-{arousal}-{meter}-{seed}"
                    for index in range(plan.bars_per_phrase):
                        bar = composer.compose_bar(intent, index)
                        records.append({"phrase": phrase, "minor": minor, "arousal": arousal, "meter": meter,
                                        "mode": attributes.realised_mode(bar), "density": attributes.onsets_per_quarter(bar),
                                        "measured_arousal": attributes.arousal(bar)})
    return records


def summarise(records: list[dict]) -> dict:
    """The control figures from per-bar records (see the module docstring)."""
    wanted = ["minor" if r["minor"] else "major" for r in records]
    shown = [r["mode"] for r in records]
    decided = [(w, s) for w, s in zip(wanted, shown) if s is not None]
    phrases: dict[str, list] = {}
    for r in records:
        phrases.setdefault(r["phrase"], []).append(r)
    phrase_level = [p[0]["arousal"] for p in phrases.values()]
    phrase_density = [float(np.mean([r["density"] for r in p])) for p in phrases.values()]
    levels = sorted({r["arousal"] for r in records})
    medians = {str(level): float(np.median([r["density"] for r in records if r["arousal"] == level])) for level in levels}
    by_mode = {m: float(np.mean([s == m for w, s in zip(wanted, shown) if w == m and s is not None])) for m in ("major", "minor")}
    return {"bars": len(records), "mode_accuracy": float(np.mean([w == s for w, s in decided])) if decided else 0.0,
            "mode_accuracy_by_mode": by_mode, "mode_ambiguous": float(np.mean([s is None for s in shown])),
            "mode_accuracy_strict": float(np.mean([w == s for w, s in zip(wanted, shown)])),
            "arousal_spearman_phrase": spearman(phrase_level, phrase_density),
            "arousal_spearman_bar": spearman([r["arousal"] for r in records], [r["density"] for r in records]),
            "density_median_by_level": medians,
            "high_low_density_ratio": medians[str(levels[-1])] / max(medians[str(levels[0])], 1e-9)}


def plot_control(records: list[dict], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = sorted({r["arousal"] for r in records})
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.boxplot([[r["density"] for r in records if r["arousal"] == level] for level in levels], tick_labels=[f"{level:g}" for level in levels], showfliers=False)
    ax.set_xlabel("requested arousal")
    ax.set_ylabel("onsets per quarter (per bar)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def measure(model_dir=None, plan: ControlPlan = ControlPlan(), temperature: float = 1.0, top_p: float = 0.95) -> tuple[dict, list[dict]]:
    """Compose with a model directory (None: the shipped one) and summarise the control."""
    from engine.composer.composer import Composer
    from engine.composer.shipped import load_model

    model = load_model(model_dir)
    records = compose_phrases(lambda seed: Composer(model, seed=seed, temperature=temperature, top_p=top_p), plan)
    return summarise(records), records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure attribute control of a composer model.")
    parser.add_argument("--model", default=None)
    parser.add_argument("--plot", default=None, help="write a density-by-arousal box plot here")
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args(argv)
    summary, records = measure(args.model, ControlPlan(seeds=tuple(range(args.seeds))))
    if args.plot:
        plot_control(records, args.plot)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
