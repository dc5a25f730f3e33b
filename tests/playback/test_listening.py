import numpy as np
import pytest

from engine.playback.listening import clicks, gaps, levels_dbfs, loudness_lufs

SR = 48000


def tone(seconds, hz=220.0, amp=0.2):
    t = np.arange(int(seconds * SR)) / SR
    x = (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([x, x], axis=1)


def test_a_gap_is_longer_than_a_quarter_second_below_minus_50_dbfs():
    audio = np.concatenate([tone(1.0), tone(0.2, amp=0.0), tone(0.5), tone(0.4, amp=1e-4), tone(0.5)])
    found = gaps(audio, SR)
    assert len(found) == 1 and found[0].start_s == pytest.approx(1.7) and found[0].length_s == pytest.approx(0.4)
    assert gaps(tone(2.0, amp=0.005), SR) == []             # -49 dBFS RMS: quiet, not silent
    assert levels_dbfs(tone(1.0, amp=1.0), SR)[0] == pytest.approx(-3.01, abs=0.3)   # 10 ms: not whole periods


def test_a_click_is_found_and_a_bright_tone_or_a_skipped_onset_is_not():
    bright = tone(1.0, hz=6000.0, amp=0.9)
    assert clicks(bright, SR) == []
    stepped = tone(1.0)
    stepped[30055:] *= 0.5                                  # at a crest: a jump of 0.1
    assert clicks(stepped, SR) and abs(clicks(stepped, SR)[0] - 30055) <= 2
    assert clicks(stepped, SR, exclude_frames=[29960]) == []


def test_loudness_is_bs1770_through_pyloudnorm():
    # a full-scale 1 kHz sine in both channels reads about +0.6 LUFS per channel pair (-3.01 + 3.01 + K-weighting)
    lufs = loudness_lufs(tone(3.0, hz=1000.0, amp=1.0), SR)
    assert -1.0 < lufs < 4.0
    assert loudness_lufs(tone(0.2), SR) == float("-inf")
    assert loudness_lufs(tone(3.0, amp=0.1), SR) < lufs - 15
