"""What a listener would notice in rendered audio: silence, clicks, loudness.

Used by ``bench/listen.py`` and by the tests that keep the transition contract
(``docs/score-format.md``, "Transitions"). Pure numpy on float32 (frames, 2) arrays,
except loudness, which is ITU-R BS.1770 through ``pyloudnorm`` (imported when asked).

- A **gap** is a stretch longer than ``min_s`` (250 ms) whose level, measured as the RMS
  of both channels over consecutive 10 ms windows, stays below ``threshold_dbfs``
  (-50 dBFS): music a listener would call silent, not a rest inside a phrase (a pad or a
  release tail keeps a real rest well above it).
- A **click** is a discontinuity: a sample whose second difference stands out both in
  absolute terms and against the signal's own high-frequency level around it (see
  ``clicks``). Drum onsets are broadband transients too, so the caller passes their
  frames to be excluded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

GAP_THRESHOLD_DBFS = -50.0
GAP_MIN_S = 0.25
LEVEL_WINDOW_S = 0.01

CLICK_MIN_JUMP = 0.02
"""A click's second difference is at least this (full scale 1.0): a step of about -34 dBFS."""
CLICK_RATIO = 8.0
"""... and at least this many times the RMS second difference of the 20 ms around it.
Calibrated on FluidSynth renders of the example scores (bench/listen.py's sessions, 3.5
minutes): with the isolation test below, the largest ratio of music itself, drums
included, stays under 8 (ratio 6 finds 2-3 sharp synth-bass attacks per minute); a
cut to silence, a halving and a -2 dB step of the running mix (peaks 0.15-0.22) all
exceed it. A sharp attack alone, without the isolation test, reaches 9.5."""
CLICK_ISOLATION = 3.0
"""... and at least this many times any second difference of the millisecond after it."""
CLICK_CONTEXT_S = 0.02
ONSET_GUARD_S = 0.006
"""Around an excluded onset (a drum hit), this long either side is not checked for clicks."""


@dataclass(frozen=True, slots=True)
class Gap:
    """Silence from ``start_s`` for ``length_s`` seconds."""

    start_s: float
    length_s: float


def levels_dbfs(audio: np.ndarray, sample_rate_hz: int, window_s: float = LEVEL_WINDOW_S) -> np.ndarray:
    """RMS level in dBFS of each consecutive ``window_s`` window of ``audio`` (both channels)."""
    window = max(1, round(window_s * sample_rate_hz))
    n = len(audio) // window
    if n == 0:
        return np.zeros(0)
    power = np.square(audio[:n * window].astype(np.float64)).reshape(n, window, -1).mean(axis=(1, 2))
    return 10.0 * np.log10(np.maximum(power, 1e-20))


def gaps(audio: np.ndarray, sample_rate_hz: int, threshold_dbfs: float = GAP_THRESHOLD_DBFS,
         min_s: float = GAP_MIN_S, window_s: float = LEVEL_WINDOW_S) -> list[Gap]:
    """Every stretch longer than ``min_s`` whose windowed level stays below ``threshold_dbfs``."""
    quiet = levels_dbfs(audio, sample_rate_hz, window_s) < threshold_dbfs
    edges = np.flatnonzero(np.diff(np.concatenate(([0], quiet.astype(np.int8), [0]))))
    window = max(1, round(window_s * sample_rate_hz)) / sample_rate_hz
    return [Gap(start * window, (stop - start) * window) for start, stop in zip(edges[::2], edges[1::2])
            if (stop - start) * window > min_s]


def clicks(audio: np.ndarray, sample_rate_hz: int, exclude_frames: Iterable[int] = (),
           min_jump: float = CLICK_MIN_JUMP, ratio: float = CLICK_RATIO) -> list[int]:
    """Frames of clicks: samples whose second difference (on either channel) is at least
    ``min_jump`` and ``ratio`` times the RMS second difference over the ``CLICK_CONTEXT_S``
    around them. A tone, however bright, keeps its second difference within a few times
    its own RMS (a full-scale sine's peak is 1.4x its RMS); a step or a cut waveform puts
    one sample far above it. Frames within ``ONSET_GUARD_S`` of ``exclude_frames`` are
    not checked; clicks closer than the context to each other count once."""
    d2 = np.abs(np.diff(audio.astype(np.float64), n=2, axis=0)).max(axis=1)
    candidates = np.flatnonzero(d2 >= min_jump)
    if len(candidates) == 0:
        return []
    context = max(1, round(CLICK_CONTEXT_S * sample_rate_hz / 2))
    cumulative = np.concatenate(([0.0], np.cumsum(np.square(d2))))
    lo, hi = np.maximum(candidates - context, 0), np.minimum(candidates + context, len(d2))
    local_rms = np.sqrt((cumulative[hi] - cumulative[lo]) / (hi - lo))
    found = candidates[(d2[candidates] >= ratio * local_rms) & _isolated(d2, candidates, sample_rate_hz)] + 1
    # (+1: d2[i] is centred on frame i + 1)
    guard = round(ONSET_GUARD_S * sample_rate_hz)
    onsets = np.sort(np.fromiter(exclude_frames, dtype=np.int64))
    if len(onsets):
        i = np.clip(np.searchsorted(onsets, found), 1, len(onsets)) - 1
        near = np.minimum(np.abs(found - onsets[i]), np.abs(found - onsets[np.minimum(i + 1, len(onsets) - 1)]))
        found = found[near > guard]
    return [int(f) for k, f in enumerate(found) if k == 0 or f - found[k - 1] > context]


def _isolated(d2: np.ndarray, at: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """Whether each spike at ``at`` stands ``CLICK_ISOLATION`` times above the largest
    second difference of the millisecond after it (from 3 samples on): a discontinuity
    is over at once, while a sharp attack goes on as a waveform."""
    start, span = 3, max(4, round(0.001 * sample_rate_hz))
    after = np.zeros(len(at))
    for offset in range(start, start + span):
        after = np.maximum(after, d2[np.minimum(at + offset, len(d2) - 1)])
    return d2[at] >= CLICK_ISOLATION * after


def loudness_lufs(audio: np.ndarray, sample_rate_hz: int) -> float:
    """Integrated loudness (ITU-R BS.1770-4, gated) in LUFS; -inf for silence or less
    than 400 ms of audio."""
    import pyloudnorm

    if len(audio) < 0.4 * sample_rate_hz:
        return float("-inf")
    return float(pyloudnorm.Meter(sample_rate_hz).integrated_loudness(audio.astype(np.float64)))
