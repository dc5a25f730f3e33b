"""A streaming loudness meter: K-weighted power (ITU-R BS.1770) chunk by chunk.

The leveller (``engine.playback.leveller``) needs the loudness of what was just
rendered, block by block, without keeping the audio. ``KMeter`` runs the BS.1770
K-weighting (pyloudnorm's filter design: the high shelf at 1.5 kHz, +4 dB, and the
RLB high-pass at 38 Hz) through ``scipy.signal.lfilter`` with its state carried from
block to block, and reports the mean square of each chunk of ``chunk_frames``
consecutive frames counted from frame 0 (both channels summed, as BS.1770 weighs
left and right). A chunk's power is computed when its last frame arrives, from the
chunk as a whole, so it does not depend on how the audio was cut into blocks: the
same audio gives the same powers, bit for bit, whoever renders it in what blocks.

``lufs(power)`` turns a power (or a mean of powers: short-term loudness is the mean
over 3 s) into LUFS: ``-0.691 + 10 log10(power)``.
"""

from __future__ import annotations

import math

import numpy as np

K_OFFSET_DB = -0.691
"""BS.1770's constant: a 1 kHz sine at 0 dBFS in one channel reads -3.01 LUFS."""


def lufs(power: float) -> float:
    """Loudness in LUFS of a K-weighted mean-square ``power`` (-inf for silence)."""
    return K_OFFSET_DB + 10.0 * math.log10(power) if power > 0.0 else float("-inf")


def k_weighting(sample_rate_hz: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting biquads as (b, a) pairs, pyloudnorm's design at this rate."""
    from pyloudnorm.iirfilter import IIRfilter

    stages = (IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, sample_rate_hz, "high_shelf"),
              IIRfilter(0.0, 0.5, 38.0, sample_rate_hz, "high_pass"))
    return [(np.asarray(s.b, dtype=np.float64) * s.passband_gain, np.asarray(s.a, dtype=np.float64)) for s in stages]


class KMeter:
    """K-weighted mean square of each ``chunk_frames`` chunk of stereo audio fed to it
    in order; see the module docstring."""

    def __init__(self, sample_rate_hz: int, chunk_frames: int):
        from scipy.signal import lfilter

        if chunk_frames < 1:
            raise ValueError(f"KMeter chunk_frames: {chunk_frames} must be >= 1")
        self._lfilter = lfilter
        self.chunk_frames = chunk_frames
        self._stages = k_weighting(sample_rate_hz)
        self._state = [np.zeros((2, 2)) for _ in self._stages]     # (filter order, channels)
        self._chunk = np.zeros((chunk_frames, 2))                   # the filtered chunk being filled
        self._filled = 0

    def feed(self, block: np.ndarray) -> list[float]:
        """Filter ``block`` (float, (frames, 2)); return the powers of the chunks it completed."""
        x = np.asarray(block, dtype=np.float64)
        for i, (b, a) in enumerate(self._stages):
            x, self._state[i] = self._lfilter(b, a, x, axis=0, zi=self._state[i])
        done: list[float] = []
        while len(x):
            take = min(len(x), self.chunk_frames - self._filled)
            self._chunk[self._filled:self._filled + take] = x[:take]
            self._filled += take
            x = x[take:]
            if self._filled == self.chunk_frames:
                done.append(float(np.mean(np.square(self._chunk), axis=0).sum()))
                self._filled = 0
        return done
