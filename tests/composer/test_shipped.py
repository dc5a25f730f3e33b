"""The shipped model in models/: present, small, loads without pickle, composes valid bars."""

from __future__ import annotations

import numpy as np
import pytest

from engine.composer.composer import Composer
from engine.composer.shipped import DEFAULT_MODEL_DIR, load_model
from engine.music.intent import Intent
from engine.music.keys import Key

pytestmark = pytest.mark.skipif(not (DEFAULT_MODEL_DIR / "weights.npz").exists(), reason="no shipped model yet")


def test_shipped_model_is_small_and_pickle_free():
    size_bytes = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file())
    assert size_bytes <= 25 * 2**20
    with np.load(DEFAULT_MODEL_DIR / "weights.npz", allow_pickle=False) as data:
        assert all(data[name].dtype == np.float32 for name in data.files)
    model = load_model()
    assert model.card["valid_nll_per_token"] > 0


def test_shipped_model_composes_in_the_requested_mode():
    composer = Composer.load(seed=5)
    bars = [composer.compose_bar(Intent(valence=0.1, key=Key(9, "minor")), i) for i in range(8)]
    assert all(bar.mode == "minor" and bar.harmony for bar in bars)
