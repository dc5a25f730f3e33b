"""Delivery without a synth: lazy files, a late stem padded with silence, one gain for all, nothing left on discard."""

import numpy as np
import pytest

from engine.cutscene.delivery import Delivery
from engine.cutscene.produce import delivery_spec
from engine.playback.wav import read_audio

SR = 48_000


def blocks(seed: int, count: int = 10, frames: int = 4_800, level: float = 0.05):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((frames, 2)) * level).astype(np.float32) for _ in range(count)]


def deliver(spec, late_from: int = 4):
    """Mix = pad + other; ``other`` only from block ``late_from``, as a late-sounding channel."""
    delivery = Delivery(spec, SR)
    pad, other = blocks(1), blocks(2)
    for i, (a, b) in enumerate(zip(pad, other)):
        start = i * len(a)
        stems = {"pad": a} | ({"other": b} if i >= late_from else {})
        delivery.write_stems(start, stems)
        delivery.write_mix(a + (b if i >= late_from else 0))
    return delivery, delivery.finish()


def test_nothing_is_created_before_the_first_block_and_discard_removes_all(tmp_path):
    delivery = Delivery(delivery_spec(tmp_path / "out" / "a.wav", stems_dir=tmp_path / "stems"), SR)
    assert not (tmp_path / "out").exists()
    delivery.discard()
    delivery, _ = deliver(delivery_spec(tmp_path / "out" / "a.flac", stems_dir=tmp_path / "stems", loudness_lufs=-20))
    assert sorted(p.name for p in (tmp_path / "stems").iterdir()) == ["a-other.flac", "a-pad.flac"]
    delivery.discard()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_late_stem_starts_with_silence_and_the_stems_still_sum_to_the_mix(tmp_path):
    spec = delivery_spec(tmp_path / "a.wav", "wav32f", stems_dir=tmp_path / "stems")
    deliver(spec)
    mix, _ = read_audio(tmp_path / "a.wav")
    pad, other = read_audio(spec.stem_path("pad"))[0], read_audio(spec.stem_path("other"))[0]
    assert len(other) == len(pad) == len(mix) and not other[:4 * 4_800].any() and other[4 * 4_800:].any()
    assert np.max(np.abs(pad + other - mix)) < 1e-6


def test_one_gain_brings_the_mix_to_the_target_and_applies_to_the_stems(tmp_path):
    import pyloudnorm

    spec = delivery_spec(tmp_path / "a.wav", "wav32f", stems_dir=tmp_path / "stems", loudness_lufs=-14.0)
    _, report = deliver(spec)
    mix, _ = read_audio(tmp_path / "a.wav")
    assert pyloudnorm.Meter(SR).integrated_loudness(mix.astype(float)) == pytest.approx(-14.0, abs=0.05)
    assert report.integrated_lufs == pytest.approx(-14.0, abs=0.05) and report.gain_db > 3
    stems = read_audio(spec.stem_path("pad"))[0] + read_audio(spec.stem_path("other"))[0]
    assert np.max(np.abs(stems - mix)) < 1e-5
    assert not list(tmp_path.rglob("*.partial.wav"))


def test_the_true_peak_ceiling_holds_the_gain(tmp_path):
    spec = delivery_spec(tmp_path / "a.wav", loudness_lufs=-5.0, ceiling_dbtp=-3.0)
    _, report = deliver(spec)
    assert report.limited_by_peak and report.true_peak_dbtp <= -3.0 + 0.05 and report.integrated_lufs < -5.5
