"""A streaming loudness meter: K-weighted power (ITU-R BS.1770) chunk by chunk, numpy only.

The leveller (``engine.playback.leveller``) needs the loudness of what was just
rendered, chunk by chunk, without keeping the audio. BS.1770 weighs the signal with
two filters (a +4 dB high shelf above about 1.7 kHz for the head, and the "RLB"
high-pass at 38 Hz) and takes the mean square. ``KMeter`` does the same in the
frequency domain: for each chunk of ``chunk_frames`` frames (counted from frame 0) it
takes the last two chunks of audio under a Hann window, and sums the power spectrum
weighted by the filters' |H(f)|^2 (``k_weighting_db``), normalised by the window's
energy: Welch's estimate of the K-weighted mean square. For the steady and slowly
changing signals a 3 s short-term loudness averages, that is the BS.1770 value
(within 0.1 LU of pyloudnorm on noise and on the engine's music: tests/playback/
test_kweighting.py), and it needs no filter state, no scipy (whose import alone costs
half a second of an engine's start) and about 25 us a chunk.

The filters are BS.1770's, designed for any sample rate as libebur128 does (at 48 kHz
they are the coefficients printed in the recommendation). A chunk's power depends only
on the audio, not on how it was cut into blocks: the same audio gives the same powers,
bit for bit, whoever renders it in what blocks.

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


def k_weighting(sample_rate_hz: int) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """The two K-weighting biquads as ((b0, b1, b2), (1, a1, a2)): the shelf, then the
    high-pass, by libebur128's design (BS.1770's own coefficients at 48 kHz)."""
    k = math.tan(math.pi * 1681.974450955533 / sample_rate_hz)
    vh, q = 10.0 ** (3.999843853973347 / 20.0), 0.7071752369554196
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = ((vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0), \
        (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0)
    k, q = math.tan(math.pi * 38.13547087602444 / sample_rate_hz), 0.5003270373238773
    a0 = 1.0 + k / q + k * k
    high_pass = (1.0, -2.0, 1.0), (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0)
    return [shelf, high_pass]


def k_weighting_power(sample_rate_hz: int, n_fft: int) -> np.ndarray:
    """|H(f)|^2 of the K-weighting at the ``n_fft // 2 + 1`` bins of an rfft of ``n_fft`` points."""
    z = np.exp(-1j * np.pi * np.arange(n_fft // 2 + 1) / (n_fft // 2))     # e^(-jw) per bin
    gain = np.ones(len(z))
    for b, a in k_weighting(sample_rate_hz):
        gain *= np.abs((b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)) ** 2
    return gain


class KMeter:
    """K-weighted mean square and sample peak of each ``chunk_frames`` chunk of stereo
    audio fed to it in order; see the module docstring."""

    def __init__(self, sample_rate_hz: int, chunk_frames: int):
        if chunk_frames < 1:
            raise ValueError(f"KMeter chunk_frames: {chunk_frames} must be >= 1")
        self.chunk_frames = chunk_frames
        n = 2 * chunk_frames
        window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)        # periodic Hann
        self._window = window
        # one-sided spectrum: bins other than DC and Nyquist stand for two
        sides = np.full(n // 2 + 1, 2.0)
        sides[0] = sides[-1] = 1.0
        self._weights = sides * k_weighting_power(sample_rate_hz, n) / (n * float(np.sum(window ** 2)))
        self._audio = np.zeros((2, n))          # the last two chunks, channels first (the FFT runs along frames)
        self._filled = 0                        # frames of the newest chunk gathered

    def feed(self, block: np.ndarray) -> list[tuple[float, float]]:
        """Take ``block`` (float, (frames, 2)); return (power, peak) of the chunks it completed."""
        done: list[tuple[float, float]] = []
        offset, chunk = 0, self.chunk_frames
        while offset < len(block):
            take = min(len(block) - offset, chunk - self._filled)
            self._audio[:, chunk + self._filled:chunk + self._filled + take] = block[offset:offset + take].T
            self._filled += take
            offset += take
            if self._filled == chunk:
                spectrum = np.fft.rfft(self._audio * self._window, axis=-1)
                power = float(self._weights @ (spectrum.real ** 2 + spectrum.imag ** 2).sum(axis=0))
                done.append((power, float(np.max(np.abs(self._audio[:, chunk:])))))
                self._audio[:, :chunk] = self._audio[:, chunk:]
                self._filled = 0
        return done
