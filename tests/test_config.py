"""EngineConfig: one frozen value, written into a session header and rebuilt from it."""

from __future__ import annotations

import dataclasses

import pytest

from engine.config import EngineConfig

# the keys session files have always had (besides moodscore_session, score, model, soundfont)
HEADER_KEYS = {"sample_rate_hz", "block_frames", "latency_blocks", "lookahead_bars", "seed", "temperature", "top_p"}


def test_session_fields_are_asdict_less_strict():
    config = EngineConfig(sample_rate_hz=44100, seed=9, temperature=0.8, strict=True)
    fields = config.session_fields()
    assert set(fields) == HEADER_KEYS
    assert fields == {k: v for k, v in dataclasses.asdict(config).items() if k != "strict"}


def test_a_config_is_rebuilt_from_its_header():
    config = EngineConfig(sample_rate_hz=22050, block_frames=512, latency_blocks=4, lookahead_bars=2, seed=77,
                          temperature=0.9, top_p=0.8)
    header = {"moodscore_session": 1, "score": "/x.yaml", "model": None, **config.session_fields()}
    assert EngineConfig.from_session(header) == config


def test_an_old_header_without_sampling_fields_takes_the_defaults():
    rebuilt = EngineConfig.from_session({"sample_rate_hz": 48000, "block_frames": 256, "latency_blocks": 3,
                                         "lookahead_bars": 1, "seed": 3})
    assert (rebuilt.temperature, rebuilt.top_p, rebuilt.strict) == (1.0, 0.95, False)


@pytest.mark.parametrize("field, value", [("sample_rate_hz", 12345), ("block_frames", 100), ("block_frames", 16384),
                                          ("latency_blocks", 0), ("temperature", 0.0), ("top_p", 1.5)])
def test_out_of_range_settings_are_named(field, value):
    with pytest.raises(ValueError, match=field):
        EngineConfig(**{field: value})


@pytest.mark.parametrize("field, value", [("sample_rate_hz", "48000"), ("block_frames", 256.0), ("seed", None),
                                          ("temperature", "hot"), ("strict", 1), ("lookahead_bars", True)])
def test_a_wrong_type_is_named(field, value):
    with pytest.raises(ValueError, match=field):
        EngineConfig(**{field: value})
