"""An interpolated modified Kneser–Ney n-gram language model over integer tokens.

The baseline a composer network must beat: its per-token negative log-likelihood is
in nats, the unit of a network's cross-entropy, over the same vocabulary. Counts are
kept as sorted numpy arrays of n-gram keys (tokens packed base ``vocab_size + 1``
into one int64, the extra symbol being the begin-of-sequence pad), so fitting is a few
``np.unique`` calls and scoring is ``np.searchsorted`` over all positions at once.

Smoothing follows Chen & Goodman (1999): the highest order uses raw counts, lower
orders use continuation counts N1+(• h w), each order has three discounts (D1, D2,
D3+) from the count-of-counts, and the unigram interpolates with the uniform
distribution, so every token of the vocabulary has positive probability and the
probabilities over the vocabulary sum to one for any context.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)

_MAX_KEY = 2**62


@dataclass(frozen=True)
class NgramConfig:
    """Model order (tokens of context + 1); 3 to 5 is usual for a per-bar tokenizer."""

    order: int = 4

    def __post_init__(self) -> None:
        if isinstance(self.order, bool) or not isinstance(self.order, int) or not 1 <= self.order <= 8:
            raise ValueError(f"n-gram order must be an int in 1..8, got {self.order!r}")


@dataclass(frozen=True)
class _OrderTable:
    """Counts of one order k: sorted k-gram keys with their (raw or continuation)
    counts, and per context (the first k-1 tokens) the total count and the mass
    freed by discounting (D1·N1 + D2·N2 + D3·N3+)."""

    keys: np.ndarray  # (n_types,) int64, sorted
    counts: np.ndarray  # (n_types,) float64
    context_keys: np.ndarray  # (n_contexts,) int64, sorted
    context_totals: np.ndarray  # (n_contexts,) float64
    context_freed: np.ndarray  # (n_contexts,) float64
    discounts: np.ndarray  # (4,) float64: D(0)=0, D1, D2, D3+


def _check_sequences(sequences: Iterable[Sequence[int]], vocab_size: int) -> list[np.ndarray]:
    """Return the sequences as int64 arrays; raise ValueError on out-of-vocabulary tokens."""
    arrays = [np.asarray(seq, dtype=np.int64).ravel() for seq in sequences]
    for index, arr in enumerate(arrays):
        if arr.size and (arr.min() < 0 or arr.max() >= vocab_size):
            raise ValueError(f"sequence {index}: tokens must lie in 0..{vocab_size - 1}, "
                             f"got {arr.min()}..{arr.max()}")
    return arrays


def _padded(arrays: list[np.ndarray], pad: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate sequences, each preceded by ``width`` pad tokens; return the
    flat array and the indices of the real (predicted) tokens in it."""
    lengths = np.array([a.size for a in arrays], dtype=np.int64)
    flat = np.full(int(lengths.sum()) + width * len(arrays), pad, dtype=np.int64)
    starts = np.cumsum(lengths + width) - lengths
    target = np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)]) if arrays else \
        np.zeros(0, np.int64)
    flat[target] = np.concatenate(arrays) if arrays else flat[:0]
    return flat, target


def _keys_by_order(flat: np.ndarray, target: np.ndarray, order: int, base: int) -> list[np.ndarray]:
    """Keys of the k-grams ending at each target position, for k = 1..order
    (index k-1); the last token is the least significant digit."""
    keys = [flat[target]]
    for k in range(2, order + 1):
        keys.append(flat[target - (k - 1)] * base ** (k - 1) + keys[-1])
    return keys


def _discounts(counts: np.ndarray) -> np.ndarray:
    """Modified Kneser–Ney discounts (0, D1, D2, D3+) from the count-of-counts.

    Where the estimate leaves 0 < D_r <= r (little data, or counts that do not fall
    off with r) it falls back to (0.5, 1, 1.5) as KenLM's ``--discount_fallback``
    does: a zero discount would leave no mass for unseen tokens.
    """
    fallback = np.array([0.0, 0.5, 1.0, 1.5])
    n = [np.count_nonzero(counts == r) for r in (1, 2, 3, 4)]
    if min(n[:3]) == 0:
        return fallback
    y = n[0] / (n[0] + 2 * n[1])
    d = np.array([0.0, 1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]])
    if not np.all((d[1:] > 0) & (d[1:] <= np.array([1, 2, 3]))):
        log.debug("KN discount estimate %s out of range; using the fallback", d[1:])
        return fallback
    return d


def _order_table(keys: np.ndarray, counts: np.ndarray, base: int) -> _OrderTable:
    """Build one order's table from its sorted unique keys and their counts."""
    discounts = _discounts(counts)
    freed = discounts[np.minimum(counts, 3).astype(np.int64)]
    context_keys, inverse = np.unique(keys // base, return_inverse=True)
    totals = np.bincount(inverse, weights=counts, minlength=context_keys.size)
    freed_sum = np.bincount(inverse, weights=freed, minlength=context_keys.size)
    return _OrderTable(keys, counts.astype(np.float64), context_keys, totals, freed_sum, discounts)


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``values`` at the positions of ``queries`` in ``sorted_keys``, 0 where absent."""
    if sorted_keys.size == 0:
        return np.zeros(queries.shape, np.float64)
    pos = np.minimum(np.searchsorted(sorted_keys, queries), sorted_keys.size - 1)
    return np.where(sorted_keys[pos] == queries, values[pos], 0.0)


@dataclass(frozen=True)
class KneserNeyLM:
    """A fitted interpolated modified Kneser–Ney model; build it with ``fit``."""

    config: NgramConfig
    vocab_size: int
    tables: tuple[_OrderTable, ...]  # index k-1 holds order k

    @property
    def base(self) -> int:
        return self.vocab_size + 1

    @property
    def pad(self) -> int:
        return self.vocab_size

    @classmethod
    def fit(cls, sequences: Iterable[Sequence[int]], vocab_size: int,
            config: NgramConfig = NgramConfig()) -> KneserNeyLM:
        """Count all n-grams of the training sequences (each padded on the left with
        order-1 begin symbols) and build the smoothed model. Tokens must lie in
        0..vocab_size-1. Well under a second per million tokens at order 5."""
        base = vocab_size + 1
        if base ** config.order >= _MAX_KEY:
            raise ValueError(f"vocab_size {vocab_size} at order {config.order} does not pack "
                             f"into int64 keys; lower the order")
        arrays = _check_sequences(sequences, vocab_size)
        flat, target = _padded(arrays, vocab_size, config.order - 1)
        all_keys = _keys_by_order(flat, target, config.order, base)
        top_keys, top_counts = np.unique(all_keys[-1], return_counts=True)
        tables = [_order_table(top_keys, top_counts, base)]
        higher = top_keys
        for k in range(config.order - 1, 0, -1):
            # continuation count of a k-gram: how many distinct tokens precede it
            keys, counts = np.unique(higher % base ** k, return_counts=True)
            tables.append(_order_table(keys, counts, base))
            higher = keys
        log.info("fitted %d-gram KN model on %d tokens, %d top-order types",
                 config.order, target.size, top_keys.size)
        return cls(config, vocab_size, tuple(reversed(tables)))

    def _probs_for_keys(self, keys_by_order: list[np.ndarray]) -> np.ndarray:
        """Interpolated probabilities for queries given their k-gram keys per order
        (all arrays of one shape); recursion from the uniform distribution up."""
        prob = np.full(keys_by_order[0].shape, 1.0 / self.vocab_size)
        for table, keys in zip(self.tables, keys_by_order):
            context = keys // self.base
            total = _lookup(table.context_keys, table.context_totals, context)
            freed = _lookup(table.context_keys, table.context_freed, context)
            count = _lookup(table.keys, table.counts, keys)
            discount = table.discounts[np.minimum(count, 3).astype(np.int64)]
            seen = total > 0
            safe_total = np.where(seen, total, 1.0)
            smoothed = (count - discount) / safe_total + freed / safe_total * prob
            prob = np.where(seen, smoothed, prob)
        return prob

    def _context_keys(self, context: Sequence[int]) -> np.ndarray:
        """The last order-1 tokens of ``context``, left-padded, as a key per order's prefix."""
        width = self.config.order - 1
        ctx = [int(t) for t in context][-width:] if width else []
        for t in ctx:
            if not 0 <= t < self.vocab_size:
                raise ValueError(f"context token {t} outside 0..{self.vocab_size - 1}")
        return np.array([self.pad] * (width - len(ctx)) + ctx, dtype=np.int64)

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """Probability of every vocabulary token after ``context`` (shape (vocab_size,));
        it sums to one. An empty context means the start of a sequence."""
        ctx = self._context_keys(context)
        tokens = np.arange(self.vocab_size, dtype=np.int64)
        keys = [tokens]
        for k in range(2, self.config.order + 1):
            keys.append(ctx[-(k - 1)] * self.base ** (k - 1) + keys[-1])
        return self._probs_for_keys(keys)

    def logprob(self, context: Sequence[int], token: int) -> float:
        """Natural log of P(token | context); an empty context means the sequence start."""
        if not 0 <= int(token) < self.vocab_size:
            raise ValueError(f"token {token} outside 0..{self.vocab_size - 1}")
        ctx = self._context_keys(context)
        keys = [np.array([int(token)], dtype=np.int64)]
        for k in range(2, self.config.order + 1):
            keys.append(ctx[-(k - 1)] * self.base ** (k - 1) + keys[-1])
        return float(np.log(self._probs_for_keys(keys)[0]))

    def token_logprobs(self, sequences: Iterable[Sequence[int]]) -> np.ndarray:
        """Natural-log probability of every token of every sequence, each sequence
        scored from its own start, concatenated in order."""
        arrays = _check_sequences(sequences, self.vocab_size)
        flat, target = _padded(arrays, self.pad, self.config.order - 1)
        keys = _keys_by_order(flat, target, self.config.order, self.base)
        return np.log(self._probs_for_keys(keys))

    def nll_per_token(self, sequences: Iterable[Sequence[int]]) -> float:
        """Mean negative log-likelihood per token in nats (a network's cross-entropy unit)."""
        logprobs = self.token_logprobs(sequences)
        if logprobs.size == 0:
            raise ValueError("nll_per_token needs at least one token")
        return float(-logprobs.mean())
