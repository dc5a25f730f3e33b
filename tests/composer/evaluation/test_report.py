"""Markdown report and its PNG plots (Agg backend, no display)."""

import numpy as np
import pytest

from engine.composer.evaluation.report import (
    MarkdownReport, markdown_table, plot_feature_histograms, plot_requested_vs_realised,
    plot_valence_arousal_heatmap)

PNG_MAGIC = b"\x89PNG"


def test_markdown_table_formats_cells():
    text = markdown_table(["metric", "value"], [["OA", 0.91234], ["ρ", float("nan")]])
    assert text.splitlines() == ["| metric | value |", "|---|---|", "| OA | 0.912 |", "| ρ | – |"]
    with pytest.raises(ValueError):
        markdown_table(["a"], [[1, 2]])


def test_report_with_plots(tmp_path):
    rng = np.random.default_rng(0)
    report = MarkdownReport(tmp_path / "eval", "Composer evaluation")
    report.heading("Features")
    real = {"pitch_range_semitones": rng.integers(5, 20, 200), "groove_consistency": rng.random(200)}
    generated = {"pitch_range_semitones": rng.integers(3, 15, 200), "groove_consistency": rng.random(200)}
    plot_feature_histograms(generated, real, report.figure("features.png", "generated vs real"),
                            overlaps={"groove_consistency": 0.9})
    plot_valence_arousal_heatmap(rng.uniform(-1, 1, 300), rng.uniform(-1, 1, 300),
                                 report.figure("va.png", "valence × arousal"))
    plot_requested_vs_realised(rng.random(50), rng.random(50), report.figure("v.png", "valence"),
                               "valence", rho=0.5)
    report.table(["metric", "value"], [["NLL nats/token", 1.234]])
    path = report.write()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Composer evaluation") and "![generated vs real](features.png)" in text
    for name in ("features.png", "va.png", "v.png"):
        assert (tmp_path / "eval" / name).read_bytes()[:4] == PNG_MAGIC
