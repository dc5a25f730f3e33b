"""Symbolic-music features per bar and per phrase, after Yang & Lerch (2018) and MusPy.

Everything works on a ``NoteTable``: flat numpy arrays of pitch, absolute start and
duration in ticks, and the bar each note starts in. Build one from a sequence of
``Bar`` (``table_from_bars``) or from plain (pitch, start_ticks, duration_ticks)
triples with a fixed bar length (``table_from_triples``), so the features depend on
nothing of the composer. Notes are taken in onset order; a melody is monophonic, and
for polyphonic input "consecutive notes" means consecutive in onset order.

Per-bar features (``bar_features``) give one value per bar (NaN where a bar has too
few notes for the feature); phrase features summarise a whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from engine.music.keys import MODES
from engine.music.notes import PPQ, Bar

NOTE_LENGTH_CLASSES_QUARTERS = np.array(
    [4.0, 2.0, 1.0, 0.5, 0.25, 3.0, 1.5, 0.75, 0.375, 4 / 3, 2 / 3, 1 / 3])
"""Yang & Lerch's twelve note-length classes in quarter notes: whole, half, quarter,
eighth, sixteenth, their dotted forms, and half/quarter/eighth triplets."""

NOTE_LENGTH_CLASS_NAMES = ("1", "1/2", "1/4", "1/8", "1/16", "1/2.", "1/4.", "1/8.", "1/16.",
                           "1/2t", "1/4t", "1/8t")


@dataclass(frozen=True)
class NoteTable:
    """Notes of a phrase as parallel arrays sorted by onset; ``bar_start_ticks`` and
    ``bar_length_ticks`` describe every bar (empty bars included)."""

    pitch: np.ndarray  # (n,) int64, MIDI
    start_ticks: np.ndarray  # (n,) int64, absolute
    duration_ticks: np.ndarray  # (n,) int64
    bar_index: np.ndarray  # (n,) int64
    bar_start_ticks: np.ndarray  # (n_bars,) int64
    bar_length_ticks: np.ndarray  # (n_bars,) int64

    @property
    def n_bars(self) -> int:
        return int(self.bar_length_ticks.size)

    def __len__(self) -> int:
        return int(self.pitch.size)


def _table(pitch, start, duration, bar_starts, bar_lengths) -> NoteTable:
    """Sort notes by (start, pitch) and assign each to the bar its onset falls in."""
    pitch, start, duration = (np.asarray(a, dtype=np.int64).ravel() for a in (pitch, start, duration))
    if not pitch.size == start.size == duration.size:
        raise ValueError(f"pitch, start and duration lengths differ: {pitch.size}, {start.size}, "
                         f"{duration.size}")
    order = np.lexsort((pitch, start))
    bar_starts = np.asarray(bar_starts, dtype=np.int64)
    bar_index = np.searchsorted(bar_starts, start[order], side="right") - 1
    bar_end = bar_starts[-1] + np.asarray(bar_lengths)[-1] if bar_starts.size else 0
    if pitch.size and (bar_index.min() < 0 or start.max() >= bar_end):
        raise ValueError(f"note onsets {start.min()}..{start.max()} ticks fall outside the "
                         f"{bar_starts.size} bars (0..{bar_end} ticks)")
    return NoteTable(pitch[order], start[order], duration[order], bar_index, bar_starts,
                     np.asarray(bar_lengths, dtype=np.int64))


def table_from_bars(bars: Sequence[Bar]) -> NoteTable:
    """The melody notes of consecutive bars (of any meters) as one ``NoteTable``."""
    lengths = np.array([bar.ticks for bar in bars], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(bars) else lengths
    rows = [(n.pitch, int(offset) + n.start_ticks, n.duration_ticks)
            for bar, offset in zip(bars, starts) for n in bar.melody]
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return _table(arr[:, 0], arr[:, 1], arr[:, 2], starts, lengths)


def table_from_triples(notes: Iterable[tuple[int, int, int]], ticks_per_bar: int,
                       n_bars: int | None = None) -> NoteTable:
    """A ``NoteTable`` from (pitch, start_ticks, duration_ticks) triples with absolute
    starts and a constant bar length; ``n_bars`` defaults to the bars the notes reach."""
    if ticks_per_bar <= 0:
        raise ValueError(f"ticks_per_bar must be positive, got {ticks_per_bar}")
    arr = np.array(list(notes), dtype=np.int64).reshape(-1, 3)
    if n_bars is None:
        n_bars = int(arr[:, 1].max() // ticks_per_bar + 1) if arr.size else 0
    starts = np.arange(n_bars, dtype=np.int64) * ticks_per_bar
    return _table(arr[:, 0], arr[:, 1], arr[:, 2], starts, np.full(n_bars, ticks_per_bar))


# ---- phrase features -------------------------------------------------------------


def pitch_class_histogram(table: NoteTable) -> np.ndarray:
    """Fraction of notes on each pitch class 0..11 (C = tonic); zeros if no notes."""
    counts = np.bincount(table.pitch % 12, minlength=12).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def pitch_class_transition_matrix(table: NoteTable) -> np.ndarray:
    """(12, 12) fraction of consecutive note pairs going from pitch class i to j."""
    pcs = table.pitch % 12
    counts = np.bincount(pcs[:-1] * 12 + pcs[1:], minlength=144).astype(np.float64).reshape(12, 12)
    return counts / counts.sum() if counts.sum() else counts


def pitch_class_entropy_bits(table: NoteTable) -> float:
    """Shannon entropy of the pitch-class histogram in bits (MusPy); log2(12) at most."""
    hist = pitch_class_histogram(table)
    nonzero = hist[hist > 0]
    return float(-(nonzero * np.log2(nonzero)).sum())


def scale_consistency(table: NoteTable, modes: Sequence[str] = ("major", "minor")) -> float:
    """Largest fraction of notes inside any one scale of ``modes`` over all 12 roots
    (MusPy: major and natural minor); NaN with no notes."""
    if not len(table):
        return float("nan")
    hist = np.bincount(table.pitch % 12, minlength=12)
    best = 0
    for mode in modes:
        mask = np.zeros(12, dtype=bool)
        mask[list(MODES[mode])] = True
        rolled = np.stack([np.roll(mask, root) for root in range(12)])  # (12 roots, 12 pcs)
        best = max(best, int((rolled @ hist).max()))
    return best / len(table)


def pitch_range(table: NoteTable) -> int:
    """Highest minus lowest pitch in semitones (0 for fewer than two notes)."""
    return int(table.pitch.max() - table.pitch.min()) if len(table) else 0


def pitch_count(table: NoteTable) -> int:
    """Number of distinct pitches used."""
    return int(np.unique(table.pitch).size)


def average_abs_interval_semitones(table: NoteTable) -> float:
    """Mean absolute interval between consecutive notes; NaN for fewer than two."""
    return float(np.abs(np.diff(table.pitch)).mean()) if len(table) > 1 else float("nan")


def average_inter_onset_interval_ticks(table: NoteTable) -> float:
    """Mean time between consecutive distinct onsets; NaN for fewer than two onsets."""
    onsets = np.unique(table.start_ticks)
    return float(np.diff(onsets).mean()) if onsets.size > 1 else float("nan")


def note_length_classes(duration_ticks: np.ndarray, ppq: int = PPQ) -> np.ndarray:
    """Index into ``NOTE_LENGTH_CLASSES_QUARTERS`` of the class nearest each duration
    (nearest on a log scale, so a long note is not pulled to a short class)."""
    log_quarters = np.log2(np.asarray(duration_ticks, dtype=np.float64) / ppq)
    distance = np.abs(log_quarters[:, None] - np.log2(NOTE_LENGTH_CLASSES_QUARTERS)[None, :])
    return np.argmin(distance, axis=1)


def note_length_histogram(table: NoteTable, ppq: int = PPQ) -> np.ndarray:
    """Fraction of notes in each of Yang & Lerch's twelve note-length classes."""
    counts = np.bincount(note_length_classes(table.duration_ticks, ppq), minlength=12)
    counts = counts.astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def groove_consistency(table: NoteTable, steps_per_quarter: int = 24, ppq: int = PPQ) -> float:
    """MusPy's groove consistency: 1 minus the mean Hamming distance between the
    binary onset-position vectors of consecutive bars, each normalised by the
    positions per bar. Onsets are quantised to ``steps_per_quarter`` (MusPy's default
    resolution is 24); where consecutive bars differ in length the shorter vector is
    padded with zeros to the longer. NaN for fewer than two bars."""
    if table.n_bars < 2:
        return float("nan")
    step_ticks = ppq / steps_per_quarter
    positions = np.ceil(table.bar_length_ticks / step_ticks).astype(np.int64)
    width = int(positions.max())
    grid = np.zeros((table.n_bars, width), dtype=bool)
    offset = table.start_ticks - table.bar_start_ticks[table.bar_index]
    step = np.minimum(np.round(offset / step_ticks).astype(np.int64), positions[table.bar_index] - 1)
    grid[table.bar_index, step] = True
    distance = np.count_nonzero(grid[:-1] != grid[1:], axis=1)
    return float(1.0 - (distance / np.maximum(positions[:-1], positions[1:])).mean())


# ---- per-bar features ------------------------------------------------------------


def _per_bar_mean(values: np.ndarray, bars: np.ndarray, n_bars: int) -> np.ndarray:
    """Mean of ``values`` grouped by ``bars``; NaN for bars without values."""
    counts = np.bincount(bars, minlength=n_bars)
    sums = np.bincount(bars, weights=values, minlength=n_bars)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def bar_features(table: NoteTable) -> dict[str, np.ndarray]:
    """Per-bar features as arrays of length ``n_bars``: ``note_count``,
    ``pitch_count`` (distinct pitches), ``pitch_range_semitones`` (NaN if empty),
    ``abs_interval_semitones`` and ``inter_onset_interval_ticks`` (means over
    consecutive pairs inside the bar, NaN if none)."""
    n, bars = table.n_bars, table.bar_index
    note_count = np.bincount(bars, minlength=n)
    distinct = np.unique(bars * 128 + table.pitch) // 128
    hi = np.full(n, -1, np.int64)
    lo = np.full(n, 128, np.int64)
    np.maximum.at(hi, bars, table.pitch)
    np.minimum.at(lo, bars, table.pitch)
    same_bar = bars[1:] == bars[:-1]
    pair_bars = bars[1:][same_bar]
    intervals = np.abs(np.diff(table.pitch))[same_bar].astype(np.float64)
    onset_gaps = np.diff(table.start_ticks)[same_bar].astype(np.float64)
    chord_pair = onset_gaps > 0  # simultaneous onsets are not an inter-onset interval
    return {
        "note_count": note_count,
        "pitch_count": np.bincount(distinct, minlength=n),
        "pitch_range_semitones": np.where(note_count > 0, hi - lo, np.nan),
        "abs_interval_semitones": _per_bar_mean(intervals, pair_bars, n),
        "inter_onset_interval_ticks": _per_bar_mean(onset_gaps[chord_pair], pair_bars[chord_pair], n),
    }


def phrase_features(table: NoteTable, steps_per_quarter: int = 24) -> dict[str, float | np.ndarray]:
    """All phrase-level features of one table, keyed by name (scalars and the two
    histograms); what an evaluation collects per generated or real phrase."""
    return {
        "pitch_count": pitch_count(table),
        "pitch_range_semitones": pitch_range(table),
        "abs_interval_semitones": average_abs_interval_semitones(table),
        "inter_onset_interval_ticks": average_inter_onset_interval_ticks(table),
        "pitch_class_entropy_bits": pitch_class_entropy_bits(table),
        "scale_consistency": scale_consistency(table),
        "groove_consistency": groove_consistency(table, steps_per_quarter),
        "pitch_class_histogram": pitch_class_histogram(table),
        "note_length_histogram": note_length_histogram(table),
    }


def collect_phrase_features(tables: Iterable[NoteTable],
                            steps_per_quarter: int = 24) -> dict[str, np.ndarray]:
    """``phrase_features`` of many phrases stacked per feature: scalars become (n,)
    arrays and histograms (n, 12) arrays, ready for ``overlap.compare_feature_sets``."""
    rows = [phrase_features(table, steps_per_quarter) for table in tables]
    if not rows:
        return {}
    return {name: np.array([row[name] for row in rows], dtype=np.float64) for name in rows[0]}
