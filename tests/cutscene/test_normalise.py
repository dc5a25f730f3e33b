"""Loudness: true peak by 4x oversampling against analytic peaks, gain under a ceiling."""

import math

import numpy as np
import pytest

from engine.cutscene.normalise import integrated_lufs, measure, normalising_gain_db, to_db, true_peak

SR = 48_000


def sine(freq_hz: float, phase: float, amplitude: float = 0.5, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    fade = np.minimum(1.0, np.minimum(np.arange(len(t)), len(t) - 1 - np.arange(len(t))) / 4800)   # no onset click
    wave = (amplitude * np.sin(2 * np.pi * freq_hz * t + phase) * fade).astype(np.float32)
    return np.stack([wave, wave * 0.5], axis=1)


@pytest.mark.parametrize("freq_hz", [997.0, 12_000.0, 18_000.0])
@pytest.mark.parametrize("phase", [0.0, math.pi / 4, 1.0])
def test_true_peak_reads_the_peak_between_samples(freq_hz, phase):
    samples = sine(freq_hz, phase)
    grid_db = 20 * math.log10(math.cos(math.pi * freq_hz / (4 * SR)))     # what 4x oversampling can miss
    assert grid_db - 0.01 <= to_db(true_peak(samples)) - to_db(0.5) <= 0.01


def test_a_peak_between_samples_is_found():
    samples = sine(12_000.0, math.pi / 4)                 # every sample at 0.707 of the peak
    assert to_db(np.abs(samples).max()) == pytest.approx(to_db(0.5) - 3.01, abs=0.01)
    assert to_db(true_peak(samples)) == pytest.approx(to_db(0.5), abs=0.01)


def test_integrated_loudness_is_pyloudnorm_s():
    import pyloudnorm

    noise = (np.random.default_rng(3).standard_normal((SR * 5, 2)) * 0.05).astype(np.float32)
    assert integrated_lufs(noise, SR) == pytest.approx(pyloudnorm.Meter(SR).integrated_loudness(noise.astype(float)))
    assert integrated_lufs(np.zeros((SR, 2), np.float32), SR) == -math.inf
    report = measure(noise, SR)
    assert report.true_peak_dbtp >= report.sample_peak_dbfs


def test_gain_reaches_the_target_or_stops_at_the_ceiling():
    assert normalising_gain_db(-20.0, -8.0, -16.0) == (4.0, False)
    assert normalising_gain_db(-20.0, -3.0, -16.0) == (2.0, True)          # held at -1 dBTP
    assert normalising_gain_db(-20.0, -3.0, -16.0, ceiling_dbtp=0.0) == (3.0, True)
    assert normalising_gain_db(-math.inf, -math.inf, -16.0) == (0.0, False)
