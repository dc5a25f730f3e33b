"""A Markdown evaluation report with PNG plots beside it.

``MarkdownReport`` collects headings, paragraphs, tables and figures and writes
``report.md`` into a folder with its images. The plot helpers draw with
matplotlib's Agg backend (no display), imported lazily so nothing else in the
engine pays for matplotlib.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

log = logging.getLogger(__name__)


def _pyplot():
    """matplotlib.pyplot on the Agg backend, imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def format_cell(value) -> str:
    """A table cell: floats to 3 significant digits, NaN as an en dash."""
    if isinstance(value, (float, np.floating)):
        return "–" if math.isnan(value) else f"{value:.3g}"
    return str(value).replace("|", "\\|")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A GitHub-flavoured Markdown table; every row must have len(headers) cells."""
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"table row {row!r} has {len(row)} cells, headers have {len(headers)}")
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(format_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class MarkdownReport:
    """Blocks of Markdown in order; figures are saved when added, under ``folder``."""

    folder: Path
    title: str
    blocks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append("#" * level + " " + text)

    def paragraph(self, text: str) -> None:
        self.blocks.append(text.strip())

    def table(self, headers: Sequence[str], rows: Sequence[Sequence]) -> None:
        self.blocks.append(markdown_table(headers, rows))

    def figure(self, file_name: str, caption: str) -> Path:
        """Reserve ``file_name`` in the folder for a plot, reference it in the
        report, and return its path for a plot helper to write."""
        self.blocks.append(f"![{caption}]({file_name})\n\n*{caption}*")
        return self.folder / file_name

    def write(self, file_name: str = "report.md") -> Path:
        """Write the report; returns its path."""
        path = self.folder / file_name
        path.write_text(f"# {self.title}\n\n" + "\n\n".join(self.blocks) + "\n", encoding="utf-8")
        log.info("wrote evaluation report %s", path)
        return path


def _shared_bins(a: np.ndarray, b: np.ndarray, bins: int) -> np.ndarray:
    """Bin edges covering both sets; unit-width bins centred on integers when all
    values are integers and the span is small (pitch counts, ranges)."""
    pooled = np.concatenate([a, b])
    lo, hi = float(pooled.min()), float(pooled.max())
    if np.all(pooled == np.round(pooled)) and hi - lo <= 60:
        return np.arange(lo - 0.5, hi + 1.5)
    return np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)


def plot_feature_histograms(generated: Mapping[str, np.ndarray], real: Mapping[str, np.ndarray],
                            path: str | os.PathLike, bins: int = 30,
                            overlaps: Mapping[str, float] | None = None) -> Path:
    """One row per feature present in both mappings: the real distribution on the
    left and the generated one on the right, on the same bins and as densities,
    with the overlapping area in the row title when ``overlaps`` gives it."""
    plt = _pyplot()
    names = [n for n in real if n in generated]
    fig, axes = plt.subplots(len(names), 2, figsize=(9, 2.2 * max(len(names), 1)), squeeze=False)
    for row, name in enumerate(names):
        r = np.asarray(real[name], dtype=np.float64).ravel()
        g = np.asarray(generated[name], dtype=np.float64).ravel()
        r, g = r[np.isfinite(r)], g[np.isfinite(g)]
        edges = _shared_bins(r, g, bins) if r.size and g.size else bins
        panels = ((r, "real", "tab:blue"), (g, "generated", "tab:orange"))
        for col, (values, label, colour) in enumerate(panels):
            ax = axes[row, col]
            if values.size:
                ax.hist(values, bins=edges, density=True, color=colour, alpha=0.8)
            oa = f"  (OA {overlaps[name]:.2f})" if overlaps and name in overlaps else ""
            ax.set_title(f"{name} — {label}{oa}", fontsize=9)
        axes[row, 1].sharex(axes[row, 0])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_valence_arousal_heatmap(valence, arousal, path: str | os.PathLike, bins: int = 10,
                                 value_range: tuple[float, float] = (-1.0, 1.0),
                                 title: str = "realised valence × arousal") -> Path:
    """2-D histogram (counts per cell) of realised valence (x) against arousal (y)
    over ``value_range`` on both axes."""
    plt = _pyplot()
    v = np.asarray(valence, dtype=np.float64).ravel()
    a = np.asarray(arousal, dtype=np.float64).ravel()
    if v.size != a.size:
        raise ValueError(f"valence and arousal differ in length: {v.size} vs {a.size}")
    counts, xedges, yedges = np.histogram2d(v, a, bins=bins, range=[value_range, value_range])
    fig, ax = plt.subplots(figsize=(5, 4.2))
    mesh = ax.pcolormesh(xedges, yedges, counts.T, cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="bars")
    ax.set_xlabel("valence")
    ax.set_ylabel("arousal")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_requested_vs_realised(requested, realised, path: str | os.PathLike, name: str,
                               rho: float | None = None) -> Path:
    """Scatter of a requested attribute against its realised value with the
    diagonal, Spearman's ρ in the title when given."""
    plt = _pyplot()
    x = np.asarray(requested, dtype=np.float64).ravel()
    y = np.asarray(realised, dtype=np.float64).ravel()
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.scatter(x, y, s=6, alpha=0.4)
    if x.size:
        lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
        ax.plot([lo, hi], [lo, hi], color="grey", linewidth=1)
    ax.set_xlabel(f"requested {name}")
    ax.set_ylabel(f"realised {name}")
    ax.set_title(name + (f"  (ρ = {rho:.2f})" if rho is not None else ""), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_grid_heatmaps(x_levels: Sequence[float], y_levels: Sequence[float],
                       panels: Mapping[str, np.ndarray], path: str | os.PathLike,
                       x_label: str = "requested valence", y_label: str = "requested arousal") -> Path:
    """One heat-map per panel over a requested grid: each value array is
    (len(y_levels), len(x_levels)), drawn with its value written in every cell."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.0), squeeze=False)
    for ax, (title, values) in zip(axes[0], panels.items()):
        values = np.asarray(values, dtype=np.float64)
        image = ax.imshow(values, origin="lower", cmap="viridis", aspect="auto")
        fig.colorbar(image, ax=ax)
        for (row, col), value in np.ndenumerate(values):
            ax.text(col, row, format_cell(float(value)), ha="center", va="center", fontsize=8,
                    color="white" if value < np.nanmean(values) else "black")
        ax.set_xticks(range(len(x_levels)), [f"{v:g}" for v in x_levels])
        ax.set_yticks(range(len(y_levels)), [f"{v:g}" for v in y_levels])
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
