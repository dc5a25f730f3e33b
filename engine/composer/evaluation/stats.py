"""Small statistics in numpy: ranks with ties, Spearman's ρ, NRMSE, accuracy.

How well the composer follows its conditioning is measured with these: Spearman's
ρ between requested and realised attributes (valence, arousal, density, …), the
error of continuous attributes normalised to the target's range, and accuracy of
categorical ones (mode, meter).
"""

from __future__ import annotations

import numpy as np


def _pair(x, y, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two equal-length flat float arrays; ValueError on a length mismatch."""
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.size != b.size:
        raise ValueError(f"{name}: inputs differ in length, {a.size} vs {b.size}")
    return a, b


def rank_average(values) -> np.ndarray:
    """Ranks 1..n of ``values`` with ties given the mean of the ranks they span
    (scipy's ``rankdata(method="average")``)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    last_rank = np.cumsum(counts)  # rank of the last member of each tie group
    return (last_rank - (counts - 1) / 2.0)[inverse]


def pearson_r(x, y) -> float:
    """Pearson correlation; NaN when either input is constant or shorter than 2."""
    a, b = _pair(x, y, "pearson_r")
    if a.size < 2:
        return float("nan")
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def spearman_rho(x, y) -> float:
    """Spearman's rank correlation: Pearson's r of the average ranks, so ties are
    handled as scipy does; NaN when either input is constant."""
    a, b = _pair(x, y, "spearman_rho")
    return pearson_r(rank_average(a), rank_average(b))


def rmse(predicted, target) -> float:
    """Root mean squared error."""
    p, t = _pair(predicted, target, "rmse")
    return float(np.sqrt(np.mean((p - t) ** 2))) if p.size else float("nan")


def nrmse(predicted, target, normaliser: str = "range") -> float:
    """RMSE divided by the target's range (``"range"``) or standard deviation
    (``"std"``); NaN when that is zero."""
    p, t = _pair(predicted, target, "nrmse")
    if normaliser not in ("range", "std"):
        raise ValueError(f"normaliser must be 'range' or 'std', got {normaliser!r}")
    if t.size == 0:
        return float("nan")
    scale = float(t.max() - t.min()) if normaliser == "range" else float(t.std())
    return rmse(p, t) / scale if scale > 0 else float("nan")


def accuracy(predicted, target) -> float:
    """Fraction of positions where ``predicted`` equals ``target`` (any comparable
    labels: ints, strings)."""
    p, t = np.asarray(predicted).ravel(), np.asarray(target).ravel()
    if p.size != t.size:
        raise ValueError(f"accuracy: inputs differ in length, {p.size} vs {t.size}")
    return float(np.mean(p == t)) if p.size else float("nan")
