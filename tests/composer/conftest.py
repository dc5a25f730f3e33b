"""Shared fixtures: real tunes extracted from the corpus, and random-weight model directories."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.composer import attributes, tokens
from engine.composer.model_config import QUANTILE_LEVELS, ConditioningSpec, ModelConfig
from engine.composer.dataset import tune_bars
from engine.composer.guard import GUARD_FILE, WindowIndex, melody_arrays
from engine.composer.shipped import save_model
from engine.music.notes import Meter

DATA = Path(__file__).parent / "data" / "tunes.json"

SPEC = ConditioningSpec(attributes.CONDITIONING_SIZE + attributes.POSITION_SIZE, ("valence", "arousal", "register", "minor"), attributes.CONDITIONING_METERS,
                        QUANTILE_LEVELS, (0.07, 0.35, 0.55, 0.67, 0.75, 0.83, 0.93), (0.3, 0.47, 0.6, 0.7, 0.78, 0.87, 0.95),
                        attributes.POSITION_FIELDS)
"""A position-conditioned spec, as models trained on the v2 corpus have."""


def tiny_config(hidden_size: int = 32, embed_dim: int = 16, num_layers: int = 1) -> ModelConfig:
    return ModelConfig(tokens.VOCAB_SIZE, SPEC.size, embed_dim, hidden_size, num_layers, dropout=0.0)


def random_arrays(config: dict, seed: int = 0, scale: float = 0.5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    v, e, h, c = config["vocab_size"], config["embed_dim"], config["hidden_size"], config["cond_size"]
    arrays = {"embed": rng.normal(0, scale, (v, e)), "head_weight": rng.normal(0, scale, (v, h)), "head_bias": rng.normal(0, scale, v)}
    for layer in range(config["num_layers"]):
        inputs = e + c if layer == 0 else h
        arrays |= {f"gru_weight_ih_l{layer}": rng.normal(0, scale, (3 * h, inputs)), f"gru_weight_hh_l{layer}": rng.normal(0, scale, (3 * h, h)),
                   f"gru_bias_ih_l{layer}": rng.normal(0, scale, 3 * h), f"gru_bias_hh_l{layer}": rng.normal(0, scale, 3 * h)}
    return {k: a.astype(np.float32) for k, a in arrays.items()}


def load_fixture_tunes() -> list:
    """[(bars, minor, id)] for the real tunes in tests/composer/data/tunes.json."""
    out = []
    for tune in json.loads(DATA.read_text())["tunes"]:
        rows = [(Meter.parse(b["meter"]), [tuple(n) for n in b["melody"]], [tuple(n) for n in b["lower"]]) for b in tune["bars"]]
        out.append((tune_bars(rows, tune["minor"]), tune["minor"], tune["id"]))
    return out


def make_model_dir(directory: Path, seed: int = 0, **sizes) -> Path:
    """A model directory with random weights and a real guard index (the fixture tunes' 13-note windows)."""
    config = tiny_config(**sizes)
    save_model(directory, random_arrays(config.to_dict(), seed), config, SPEC, {"note": "random weights for tests"})
    WindowIndex.from_tunes((melody_arrays(bars) for bars, _, _ in load_fixture_tunes()), 13).save(directory / GUARD_FILE)
    return directory


@pytest.fixture(scope="session")
def fixture_tunes():
    """[(bars, minor, id)] for the real tunes in tests/composer/data/tunes.json."""
    return load_fixture_tunes()


@pytest.fixture
def random_model(tmp_path):
    return make_model_dir(tmp_path / "random-model")
