"""Control measurement: Spearman and the summary, on synthetic records and a random model."""

from __future__ import annotations

import pytest

from engine.composer import control


def test_spearman_handles_ties_and_order():
    assert control.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert control.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert control.spearman([0, 0, 1, 1], [1, 2, 3, 4]) == pytest.approx(0.894427, abs=1e-5)
    assert control.spearman([1, 1], [1, 2]) == 0.0


def test_summary_of_perfect_records():
    records = [{"phrase": f"{m}-{a}", "minor": m, "arousal": a, "meter": "4/4", "mode": "minor" if m else "major", "density": 1 + 2 * a, "measured_arousal": a}
               for m in (False, True) for a in (0.0, 0.5, 1.0) for _ in range(3)]
    summary = control.summarise(records)
    assert summary["mode_accuracy"] == 1.0 and summary["mode_ambiguous"] == 0.0
    assert summary["arousal_spearman_phrase"] == pytest.approx(1.0)
    assert summary["high_low_density_ratio"] == pytest.approx(3.0)


def test_measure_runs_on_a_random_model(random_model):
    plan = control.ControlPlan(arousal_levels=(0.0, 1.0), meters=("4/4",), seeds=(0,), bars_per_phrase=4)
    summary, records = control.measure(random_model, plan)
    assert summary["bars"] == len(records) == 16
