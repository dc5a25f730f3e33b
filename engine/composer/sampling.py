"""Choosing the next token: grammar mask, temperature, nucleus (top-p), a seeded draw.

Only the token ranges the grammar allows take part, so a sampled bar is valid
whatever the network says (an untrained network included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SamplingConfig:
    """Temperature (> 0) scales logits; top_p in (0, 1] keeps the smallest likely set."""

    temperature: float = 1.0
    top_p: float = 0.95

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")


def allowed_ids(ranges: list[tuple[int, int]]) -> np.ndarray:
    """The token ids of a list of (first, stop) ranges."""
    return np.concatenate([np.arange(first, stop) for first, stop in ranges])


def sample_token(logits: np.ndarray, ranges: list[tuple[int, int]], config: SamplingConfig, rng: np.random.Generator, bias: np.ndarray | None = None) -> int:
    """Draw one token id from the allowed ranges of ``logits`` (V,), with an optional additive bias."""
    ids = allowed_ids(ranges)
    if len(ids) == 1:
        return int(ids[0])
    scores = logits[ids].astype(np.float64)
    if bias is not None:
        scores = scores + bias[ids]
    scores = scores / config.temperature
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    if config.top_p < 1.0:
        order = np.argsort(-probs, kind="stable")
        cumulative = np.cumsum(probs[order])
        keep = order[: int(np.searchsorted(cumulative, config.top_p)) + 1]
        ids, probs = ids[keep], probs[keep] / probs[keep].sum()
    return int(ids[min(int(np.searchsorted(np.cumsum(probs), rng.random())), len(ids) - 1)])
