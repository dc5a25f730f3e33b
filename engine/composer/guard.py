"""The originality guard: an index of every long melody window of the training tunes, and the check.

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

``build_guard_index`` hashes every ``max_run + 1``-note window of every TRAINING
tune (the token dataset's train split: what the model learned from; held-out tunes
stay independent) into ``originality-index.npz`` beside the model: a sorted array of
unique hashes (``WindowIndex``), 8 bytes per distinct window, no pickle.
``load_guard`` returns the ``CopyGuard`` the composer consults before it lets a
note's duration complete such a window: a few microseconds per note. The
evaluation (``evaluation/originality.py``) builds its longest-shared-run search on
the same hashing; nothing here imports the evaluation.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from engine.composer.shipped import ModelFileError
from engine.music.notes import Bar

log = logging.getLogger(__name__)

GUARD_FILE = "originality-index.npz"
DEFAULT_MAX_RUN = 12
"""The longest run of notes (intervals and durations) a composition may share with a corpus tune."""

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


def concat_tunes(tunes: Iterable[tuple[Sequence[int], Sequence[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of all tunes back to back, and each tune's (start, end) offsets."""
    codes = [note_codes(p, d) for p, d in tunes]
    lengths = np.array([c.size for c in codes], dtype=np.int64)
    ends = np.cumsum(lengths)
    bounds = np.stack([ends - lengths, ends], axis=1) if codes else np.zeros((0, 2), np.int64)
    flat = np.concatenate(codes) if codes else np.zeros(0, np.int64)
    return flat, bounds


def window_starts(bounds: np.ndarray, length: int) -> np.ndarray:
    """Every start of a ``length``-note window that lies inside one tune."""
    if bounds.size == 0:
        return np.zeros(0, np.int64)
    counts = np.maximum(bounds[:, 1] - bounds[:, 0] - length + 1, 0)
    tune = np.repeat(np.arange(counts.size), counts)
    first_of_tune = np.cumsum(counts) - counts
    return bounds[tune, 0] + np.arange(int(counts.sum())) - first_of_tune[tune]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is ~10x slower on uint64)."""
    ordered = np.sort(values)
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


# ---- the shipped index and the guard --------------------------------------------


@dataclass(frozen=True)
class WindowIndex:
    """Sorted unique uint64 hashes of every training window of ``window_notes`` notes."""

    window_notes: int
    hashes: np.ndarray  # (n_windows,) uint64, sorted, unique

    @classmethod
    def from_tunes(cls, tunes: Iterable[tuple[Sequence[int], Sequence[int]]], window_notes: int) -> WindowIndex:
        """Index every ``window_notes``-note window of (pitches, durations_ticks) tunes."""
        if window_notes < 1:
            raise ValueError(f"window_notes must be >= 1, got {window_notes}")
        codes, bounds = concat_tunes(tunes)
        hashes = sorted_unique(PrefixHashes.of(codes).windows(window_notes, window_starts(bounds, window_notes)))
        log.info("window index: %d distinct %d-note windows from %d notes (%.1f MB)",
                 hashes.size, window_notes, codes.size, hashes.nbytes / 1e6)
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


# ---- building and loading beside a model -----------------------------------------


def corpus_melodies(corpus_path: Path, tunes=None):
    """(pitches, durations_ticks) of the grid-quantised melody of corpus tunes ``tunes`` (indices; None: all)."""
    from engine.composer.corpus import load_corpus
    from engine.composer.dataset import corpus_bars

    arrays, _ = load_corpus(corpus_path)
    for tune in range(len(arrays["tune_id"])) if tunes is None else tunes:
        bars = corpus_bars(arrays, int(tune))
        if bars:
            yield melody_arrays(bars)


def train_tunes(tokens_path: Path):
    """Corpus indices of the token dataset's training tunes."""
    from engine.composer.dataset import load_token_dataset

    data = load_token_dataset(tokens_path)
    return data["tune_index"][data["tune_split"] == 0]


def build_guard_index(corpus_path: Path, model_dir: Path, tokens_path: Path | None = None, max_run: int = DEFAULT_MAX_RUN) -> Path:
    """Write the window index of the training tunes (all corpus tunes when ``tokens_path`` is None) into ``model_dir``."""
    tunes = None if tokens_path is None else train_tunes(tokens_path)
    index = WindowIndex.from_tunes(corpus_melodies(corpus_path, tunes), max_run + 1)
    path = Path(model_dir) / GUARD_FILE
    index.save(path)
    log.info("originality guard: %d windows of %d notes -> %s", index.hashes.size, max_run + 1, path)
    return path


def load_guard(model_dir: Path) -> CopyGuard:
    """The model directory's CopyGuard; ModelFileError when its index is missing or corrupt
    (a guard the caller asked for is never silently off)."""
    path = Path(model_dir) / GUARD_FILE
    if not path.exists():
        raise ModelFileError(f"originality index {path} does not exist: build it with `moodscore train` "
                             f"(needs the corpus) or load the composer with guard=False")
    try:
        index = WindowIndex.load(path)
    except (OSError, ValueError, KeyError) as error:
        raise ModelFileError(f"originality index {path} is corrupt or truncated: {error}") from None
    if index.window_notes < 2:
        raise ModelFileError(f"originality index {path}: window_notes {index.window_notes} is below 2")
    return CopyGuard(index, index.window_notes - 1)
