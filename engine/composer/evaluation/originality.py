"""Originality: how long a run of notes a phrase shares with the training tunes.

Built on the copy guard's hashing (``engine.composer.guard``): a melody is compared
as its (interval, duration) note codes, so a transposed copy is still a copy, and
the hash of every window of any length comes from one prefix sum.

``RunCorpus`` holds the training tunes' note codes: ``longest_shared_run`` finds
the exact longest run of notes a phrase shares with any training tune (galloping
then binary search on the run length; the sorted hashes of each length tried are
cached), and ``human_baseline`` gives the same number for every test-split tune,
the yardstick a generated phrase's run is ranked against.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from engine.composer.guard import PrefixHashes, concat_tunes, note_codes, sorted_unique, window_hashes, window_starts

log = logging.getLogger(__name__)


# ---- training corpus -------------------------------------------------------------


@dataclass
class RunCorpus:
    """Training tunes as concatenated note codes with tune bounds; caches the sorted
    window hashes of up to ``max_cached_lengths`` run lengths (≈ 8 bytes per note
    per cached length)."""

    codes: np.ndarray
    bounds: np.ndarray  # (n_tunes, 2) start, end offsets into codes
    max_cached_lengths: int = 32
    _cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _prefix: PrefixHashes | None = field(default=None, repr=False)

    @classmethod
    def from_tunes(cls, tunes: Iterable[tuple[Sequence[int], Sequence[int]]]) -> RunCorpus:
        """Build from (pitches, durations_ticks) per training tune."""
        codes, bounds = concat_tunes(tunes)
        return cls(codes, bounds)

    @property
    def n_notes(self) -> int:
        return int(self.codes.size)

    def sorted_hashes(self, length: int) -> np.ndarray:
        """Sorted unique hashes of all training windows of ``length`` notes (cached)."""
        if length not in self._cache:
            if len(self._cache) >= self.max_cached_lengths:
                self._cache.pop(next(iter(self._cache)))  # oldest first
            if self._prefix is None:
                self._prefix = PrefixHashes.of(self.codes)
            starts = window_starts(self.bounds, length)
            self._cache[length] = sorted_unique(self._prefix.windows(length, starts))
        return self._cache[length]

    def shares_window(self, codes: np.ndarray, length: int) -> bool:
        """Whether any ``length``-note window of ``codes`` occurs in a training tune."""
        if length == 0:
            return True
        if codes.size < length:
            return False
        return bool(_contains(self.sorted_hashes(length), window_hashes(codes, length)).any())


def _contains(sorted_hashes: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``queries`` occur in ``sorted_hashes``."""
    if sorted_hashes.size == 0:
        return np.zeros(queries.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_hashes, queries), sorted_hashes.size - 1)
    return sorted_hashes[pos] == queries


def longest_shared_run(pitches: Sequence[int], durations_ticks: Sequence[int], corpus: RunCorpus) -> int:
    """Length in notes of the longest run of consecutive notes of the phrase that
    also occurs, up to transposition, in one training tune. Galloping search (1, 2,
    4, … notes) then binary search on the length: exact, because sharing a run of
    L notes implies sharing L - 1, and the lengths tried stay near the answer."""
    codes = note_codes(pitches, durations_ticks)
    lo, hi = 0, int(codes.size)  # invariant: a run of lo is shared; none above hi is
    probe = 1
    while probe <= hi and corpus.shares_window(codes, probe):
        lo, probe = probe, probe * 2
    hi = min(hi, probe - 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if corpus.shares_window(codes, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def human_baseline(test_tunes: Iterable[tuple[Sequence[int], Sequence[int]]], corpus: RunCorpus,
                   percentiles: Sequence[float] = (50, 90, 95, 99)) -> dict[str, object]:
    """Longest run each test-split tune shares with the training corpus, and its
    percentiles: ``{"runs_notes": array, "percentiles": {p: value}}``. A generated
    phrase whose run exceeds the human 95th percentile copies more than people do."""
    runs = np.array([longest_shared_run(p, d, corpus) for p, d in test_tunes], dtype=np.int64)
    values = np.percentile(runs, percentiles) if runs.size else np.full(len(percentiles), np.nan)
    return {"runs_notes": runs, "percentiles": dict(zip(percentiles, values.tolist()))}


def percentile_rank(value: float, baseline: np.ndarray) -> float:
    """Percent of ``baseline`` values strictly below ``value`` plus half of those equal."""
    baseline = np.asarray(baseline, dtype=np.float64)
    if baseline.size == 0:
        return float("nan")
    below = np.count_nonzero(baseline < value)
    equal = np.count_nonzero(baseline == value)
    return 100.0 * (below + 0.5 * equal) / baseline.size
