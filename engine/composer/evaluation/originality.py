"""Originality: how long a run of notes a phrase shares with the training tunes.

A melody is compared as its sequence of (interval from the previous note, duration)
pairs, so a transposed copy is still a copy. A window of L notes is identified by
the L durations and the L-1 intervals between its notes (the first note's interval
to whatever came before is not part of it) and hashed to 64 bits: each note code is
scrambled by MurmurHash3's 64-bit finaliser, then H = Σ_t m_t·B^t mod 2^64. Being a
polynomial, the hash of every window of any length comes from one prefix sum in
O(n) (``PrefixHashes``), and the same value is computed in plain Python ints when
the composer checks a note, so the two always agree. Collisions are ~2^-64 per
pair for musical data (a mod-2^64 polynomial hash can be defeated by adversarial
strings, which melodies are not).

Two structures:

- ``WindowIndex`` — the sorted unique hashes of every training window of a fixed
  length: 8 bytes per distinct window (0.55 MB per 100k notes of the shipped
  corpus at 9-note windows, repeats folding together), saved as an npz
  without pickle to ship beside the model. ``CopyGuard`` answers "do the last
  ``max_run + 1`` notes form a training window?" with one binary search.
- ``RunCorpus`` — the training tunes' note codes, for evaluation:
  ``longest_shared_run`` finds the exact longest run of notes a phrase shares with
  any training tune (galloping then binary search on the run length; the sorted
  hashes of each length tried are cached), and ``human_baseline`` gives the same number for every
  test-split tune, the yardstick a generated phrase's run is ranked against.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from engine.music.notes import Bar

log = logging.getLogger(__name__)

HASH_VERSION = 1
_MASK = (1 << 64) - 1
_DURATION_BITS = 24
_INTERVAL_OFFSET = 256  # interval + 256 > 0, so slot 0 marks "no interval"


# ---- note codes and hashing ------------------------------------------------------


def note_codes(pitches: Sequence[int], durations_ticks: Sequence[int]) -> np.ndarray:
    """One int64 code per note: (interval from the previous note + 256) in the high
    bits, duration in ticks (capped at 2^24 - 1) in the low 24 bits. The first
    note's interval slot holds an arbitrary 256 (interval 0); windows ignore it."""
    pitch = np.asarray(pitches, dtype=np.int64).ravel()
    duration = np.minimum(np.asarray(durations_ticks, dtype=np.int64).ravel(), (1 << _DURATION_BITS) - 1)
    if pitch.size != duration.size:
        raise ValueError(f"{pitch.size} pitches but {duration.size} durations")
    interval = np.diff(pitch, prepend=pitch[:1])
    return ((interval + _INTERVAL_OFFSET) << _DURATION_BITS) | duration


def melody_arrays(bars: Sequence[Bar]) -> tuple[np.ndarray, np.ndarray]:
    """(pitches, durations_ticks) of the melody notes of consecutive bars, in order."""
    notes = [(n.pitch, n.duration_ticks) for bar in bars for n in bar.melody]
    arr = np.array(notes, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


_MIX1, _MIX2 = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53  # MurmurHash3 fmix64
_BASE = 0x9E3779B97F4A7C15  # odd, so it is invertible mod 2^64
_BASE_INV = pow(_BASE, -1, 1 << 64)
_LOW_MASK = (1 << _DURATION_BITS) - 1


def _mix(codes: np.ndarray) -> np.ndarray:
    """fmix64 of each code, vectorised in uint64 (wrapping) arithmetic."""
    h = codes.astype(np.uint64)
    for multiplier in (_MIX1, _MIX2):
        h ^= h >> np.uint64(33)
        h *= np.uint64(multiplier)
    return h ^ (h >> np.uint64(33))


def _mix_py(code: int) -> int:
    """fmix64 of one code in Python ints; equals ``_mix``."""
    h = code
    for multiplier in (_MIX1, _MIX2):
        h ^= h >> 33
        h = (h * multiplier) & _MASK
    return h ^ (h >> 33)


def _powers(base: int, n: int) -> np.ndarray:
    """base^0 .. base^(n-1) mod 2^64 as uint64."""
    factors = np.full(n, base, dtype=np.uint64)
    factors[:1] = 1
    return np.cumprod(factors)


@dataclass(frozen=True)
class PrefixHashes:
    """Prefix sums G[k] = Σ_{j<k} m_j·B^j of the scrambled codes, from which the
    hash of any window is (G[i+L] - G[i])·B^-i, corrected for its first note."""

    prefix: np.ndarray  # (n + 1,) uint64
    inverse_powers: np.ndarray  # (n,) uint64, B^-i
    first_correction: np.ndarray  # (n,) uint64, m(code) - m(code without interval)

    @classmethod
    def of(cls, codes: np.ndarray) -> PrefixHashes:
        """Prefix sums for a code sequence (one pass, a few arrays of n uint64)."""
        codes = np.asarray(codes, dtype=np.int64)
        mixed = _mix(codes)
        prefix = np.zeros(codes.size + 1, dtype=np.uint64)
        np.cumsum(mixed * _powers(_BASE, codes.size), out=prefix[1:])
        correction = mixed - _mix(codes & _LOW_MASK)
        return cls(prefix, _powers(_BASE_INV, codes.size), correction)

    def windows(self, length: int, starts: np.ndarray) -> np.ndarray:
        """uint64 hashes of the ``length``-note windows at ``starts``."""
        raw = (self.prefix[starts + length] - self.prefix[starts]) * self.inverse_powers[starts]
        return raw - self.first_correction[starts]


def window_hashes(codes: np.ndarray, length: int, starts: np.ndarray | None = None) -> np.ndarray:
    """uint64 hash of the ``length``-note window starting at each of ``starts``
    (default: every start that fits)."""
    codes = np.asarray(codes, dtype=np.int64)
    if starts is None:
        starts = np.arange(max(codes.size - length + 1, 0))
    return PrefixHashes.of(codes).windows(length, np.asarray(starts, dtype=np.int64))


def hash_window_py(codes: Sequence[int]) -> int:
    """The same hash as ``window_hashes`` for one window, in plain Python ints (no
    numpy allocation): what the guard runs per sampled note."""
    h, power = _mix_py(codes[0] & _LOW_MASK), _BASE
    for code in codes[1:]:
        h = (h + _mix_py(code) * power) & _MASK
        power = (power * _BASE) & _MASK
    return h


# ---- training corpus -------------------------------------------------------------


def _concat_tunes(tunes: Iterable[tuple[Sequence[int], Sequence[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of all tunes back to back, and each tune's (start, end) offsets."""
    codes = [note_codes(p, d) for p, d in tunes]
    lengths = np.array([c.size for c in codes], dtype=np.int64)
    ends = np.cumsum(lengths)
    bounds = np.stack([ends - lengths, ends], axis=1) if codes else np.zeros((0, 2), np.int64)
    flat = np.concatenate(codes) if codes else np.zeros(0, np.int64)
    return flat, bounds


def _window_starts(bounds: np.ndarray, length: int) -> np.ndarray:
    """Every start of a ``length``-note window that lies inside one tune."""
    if bounds.size == 0:
        return np.zeros(0, np.int64)
    counts = np.maximum(bounds[:, 1] - bounds[:, 0] - length + 1, 0)
    tune = np.repeat(np.arange(counts.size), counts)
    first_of_tune = np.cumsum(counts) - counts
    return bounds[tune, 0] + np.arange(int(counts.sum())) - first_of_tune[tune]


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
        codes, bounds = _concat_tunes(tunes)
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
            starts = _window_starts(self.bounds, length)
            self._cache[length] = _sorted_unique(self._prefix.windows(length, starts))
        return self._cache[length]

    def shares_window(self, codes: np.ndarray, length: int) -> bool:
        """Whether any ``length``-note window of ``codes`` occurs in a training tune."""
        if length == 0:
            return True
        if codes.size < length:
            return False
        return bool(_contains(self.sorted_hashes(length), window_hashes(codes, length)).any())


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is ~10x slower on uint64)."""
    ordered = np.sort(values)
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


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


# ---- the shipped index and the guard --------------------------------------------


@dataclass(frozen=True)
class WindowIndex:
    """Sorted unique uint64 hashes of every training window of ``window_notes`` notes."""

    window_notes: int
    hashes: np.ndarray  # (n_windows,) uint64, sorted, unique

    @classmethod
    def build(cls, corpus: RunCorpus, window_notes: int) -> WindowIndex:
        """Index every ``window_notes``-note window of the corpus's tunes."""
        if window_notes < 1:
            raise ValueError(f"window_notes must be >= 1, got {window_notes}")
        hashes = corpus.sorted_hashes(window_notes)
        log.info("window index: %d distinct %d-note windows from %d notes (%.1f MB)",
                 hashes.size, window_notes, corpus.n_notes, hashes.nbytes / 1e6)
        return cls(window_notes, hashes)

    @property
    def nbytes(self) -> int:
        return int(self.hashes.nbytes)

    def save(self, path: str | os.PathLike) -> None:
        """Write an uncompressed npz (random hashes do not compress) without pickle."""
        np.savez(path, hashes=self.hashes, window_notes=np.int64(self.window_notes),
                 hash_version=np.int64(HASH_VERSION))

    @classmethod
    def load(cls, path: str | os.PathLike) -> WindowIndex:
        """Read an index written by ``save``; OSError if absent, ValueError if it was
        written with another hash version."""
        with np.load(path, allow_pickle=False) as data:
            version = int(data["hash_version"])
            if version != HASH_VERSION:
                raise ValueError(f"{path}: window index hash version {version}, expected {HASH_VERSION}")
            hashes = data["hashes"].astype(np.uint64, copy=False)
            if hashes.size > 1 and not np.all(hashes[1:] > hashes[:-1]):
                raise ValueError(f"{path}: window index hashes are not sorted and unique")
            return cls(int(data["window_notes"]), hashes)


class CopyGuard:
    """Vetoes a note that would complete a copy of a training run longer than
    ``max_run`` notes. The composer calls ``would_copy`` with its recent notes
    (the candidate last); the check hashes ``max_run + 1`` notes in plain Python
    and does one ``np.searchsorted``: a few microseconds, no array allocation."""

    def __init__(self, index: WindowIndex, max_run: int) -> None:
        if index.window_notes != max_run + 1:
            raise ValueError(f"CopyGuard(max_run={max_run}) needs a window index of "
                             f"{max_run + 1} notes, got {index.window_notes}")
        self.index = index
        self.max_run = max_run
        self._hashes = index.hashes
        self._size = int(index.hashes.size)
        self._powers = [pow(_BASE, i, 1 << 64) for i in range(max_run + 1)]
        self._mix_cache: dict[int, int] = {}

    def _mixed(self, code: int) -> int:
        """fmix64 of a note code, memoised: a melody uses a few hundred codes."""
        mixed = self._mix_cache.get(code)
        if mixed is None:
            mixed = self._mix_cache[code] = _mix_py(code)
        return mixed

    def would_copy_codes(self, pitches: Sequence[int], durations_ticks: Sequence[int]) -> bool:
        """``would_copy`` on parallel pitch and duration sequences (most recent last)."""
        n = self.max_run + 1
        if len(pitches) < n or self._size == 0:
            return False
        p, d = pitches[-n:], durations_ticks[-n:]
        h = self._mixed(int(min(d[0], _LOW_MASK)))  # first note: no interval
        for i in range(1, n):
            code = int((p[i] - p[i - 1] + _INTERVAL_OFFSET) << _DURATION_BITS | min(d[i], _LOW_MASK))
            h += self._mixed(code) * self._powers[i]
        key = np.uint64(h & _MASK)
        pos = int(np.searchsorted(self._hashes, key))
        return pos < self._size and self._hashes[pos] == key

    def would_copy(self, recent_notes: Sequence) -> bool:
        """True when the last ``max_run + 1`` of ``recent_notes`` (objects with
        ``pitch`` and ``duration_ticks``, such as ``Note``) form a training window,
        i.e. sounding the last one would extend a copied run past ``max_run``."""
        tail = recent_notes[-(self.max_run + 1):]
        return self.would_copy_codes([n.pitch for n in tail], [n.duration_ticks for n in tail])
