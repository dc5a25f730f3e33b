"""The streaming K-weighted meter: BS.1770's filters, pyloudnorm's readings, any block cuts."""

import numpy as np
import pytest

from engine.playback.kweighting import KMeter, k_weighting, lufs
from engine.playback.listening import loudness_lufs

SR = 48000


def tone(seconds, hz, amp=0.3):
    t = np.arange(int(seconds * SR)) / SR
    x = amp * np.sin(2 * np.pi * hz * t)
    return np.stack([x, x], axis=1).astype(np.float32)


def noise(seconds, amp=0.1, seed=0):
    return (amp * np.random.default_rng(seed).standard_normal((int(seconds * SR), 2))).astype(np.float32)


def short_term(audio, chunk=1024):
    powers = [power for power, _ in KMeter(SR, chunk).feed(audio)]
    return lufs(float(np.mean(powers[2:])))      # the first two chunks start from silence


def test_the_filters_are_bs1770s_at_48_khz():
    (shelf_b, shelf_a), (pass_b, pass_a) = k_weighting(SR)
    assert shelf_b == pytest.approx((1.53512485958697, -2.69169618940638, 1.19839281085285), abs=1e-9)
    assert shelf_a == pytest.approx((1.0, -1.69065929318241, 0.73248077421585), abs=1e-9)
    assert pass_b == (1.0, -2.0, 1.0)
    assert pass_a == pytest.approx((1.0, -1.99004745483398, 0.99007225036621), abs=1e-9)


@pytest.mark.parametrize("audio", [noise(4.0), tone(3.0, 110), tone(3.0, 1000), tone(3.0, 5000), noise(4.0, 0.01, 1)],
                         ids=["noise", "110Hz", "1kHz", "5kHz", "quiet-noise"])
def test_it_reads_what_pyloudnorm_reads(audio):
    assert short_term(audio) == pytest.approx(loudness_lufs(audio, SR), abs=0.15)


def test_a_chunks_power_does_not_depend_on_how_the_audio_was_cut():
    audio = noise(3.0)
    whole = KMeter(SR, 1024).feed(audio)
    meter, cut, at = KMeter(SR, 1024), [], 0
    for size in (7, 300, 5000, 1024, 64, 1, 10**9):
        cut += meter.feed(audio[at:at + size])
        at += size
    assert cut == whole and len(whole) == len(audio) // 1024
    assert max(peak for _, peak in whole) == np.abs(audio[:len(whole) * 1024]).max()


def test_silence_is_minus_infinity_and_a_step_of_6_db_reads_6_lu():
    assert lufs(0.0) == float("-inf")
    assert short_term(noise(3.0, 0.2)) - short_term(noise(3.0, 0.1)) == pytest.approx(6.02, abs=0.05)
