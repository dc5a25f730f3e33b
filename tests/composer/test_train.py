"""A tiny model trained for a few seconds on a small slice of real tunes: the loss falls, export loads;
the same under torchrun with two CPU processes (DDP, gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.composer import attributes, tokens
from engine.composer.composer import Composer
from engine.composer.dataset import TRAINING_CODEC, encode_tune
from engine.composer.model import ComposerNet, ModelConfig, export_arrays
from engine.composer.shipped import ModelFileError, load_model
from engine.composer.train import TrainConfig, record_test_nll, train
from engine.music.intent import Intent


def tiny_dataset(fixture_tunes) -> dict[str, np.ndarray]:
    """A token dataset from the fixture tunes; every tune in train, valid and test (a smoke test)."""
    all_tokens, token_bar, conds, first, count = [], [], [], [], []
    for bars, minor, _ in fixture_tunes:
        tune_tokens, tune_bar, cond = encode_tune(bars, minor)
        first.append(len(all_tokens))
        count.append(len(tune_tokens))
        token_bar += [b + sum(len(c) for c in conds) for b in tune_bar]
        all_tokens += tune_tokens
        conds.append(cond)
    n = len(first)
    first, count = np.array(first * 3), np.array(count * 3)
    bar_counts = [len(bars) for bars, _, _ in fixture_tunes] * 3
    return {"tokens": np.array(all_tokens, dtype=np.int16), "token_bar": np.array(token_bar, dtype=np.int32), "bar_cond": np.concatenate(conds),
            "tune_first_token": first, "tune_token_count": count, "tune_split": np.array([0] * n + [1] * n + [2] * n, dtype=np.int8),
            "tune_bar_count": np.array(bar_counts), "tune_collection": np.array(["fixture"] * 3 * n),
            "meta": np.asarray(json.dumps({"corpus_sources": ["fixture"], "codec": TRAINING_CODEC.name}))}


def test_loss_falls_and_the_export_composes(fixture_tunes, tmp_path):
    data = tiny_dataset(fixture_tunes)
    model_config = ModelConfig(tokens.VOCAB_SIZE, attributes.CONDITIONING_SIZE + attributes.POSITION_SIZE, embed_dim=16, hidden_size=48, dropout=0.0)
    config = TrainConfig(epochs=8, batch_size=4, seq_len=48, learning_rate=1e-2, patience=8, threads=1)
    state = train(data, model_config, config, tmp_path / "run", tmp_path / "model")
    history = [h["valid_nll"] for h in state["history"]]
    assert history[-1] < 0.7 * history[0]
    assert (tmp_path / "run" / "loss.png").exists() and (tmp_path / "run" / "checkpoint.pt").exists()
    resumed = train(data, model_config, TrainConfig(**{**config.__dict__, "epochs": 9}), tmp_path / "run", None, resume=True)
    assert resumed["epoch"] == 9
    test_nll = record_test_nll(data, model_config, config, tmp_path / "run", tmp_path / "model")
    assert abs(test_nll - resumed["best_valid"]) < 1e-4  # best.pt after the resume; the same tunes, read the same way
    assert load_model(tmp_path / "model").card["test_nll_per_token"] == test_nll
    with pytest.raises(ModelFileError, match="originality index"):
        Composer.load(tmp_path / "model", seed=1)  # no guard index was built: refused, not silently unguarded
    composer = Composer.load(tmp_path / "model", seed=1, guard=False)
    assert composer.compose_bar(Intent(), 0).harmony


def test_torchrun_with_two_cpu_processes_trains_the_same_shape(fixture_tunes, tmp_path):
    """`torchrun --nproc_per_node 2 -m engine train` (DDP over gloo): the loss falls and the export has the single-process shapes."""
    tokens_path = tmp_path / "tiny-tokens.npz"
    np.savez(tokens_path, **tiny_dataset(fixture_tunes))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "engine", "train",
               "--tokens", str(tokens_path), "--run-dir", str(tmp_path / "run"), "--export", str(tmp_path / "model"), "--corpus", str(tmp_path / "none.npz"),
               "--epochs", "6", "--hidden", "48", "--embed", "16", "--batch-size", "2", "--seq-len", "48", "--learning-rate", "1e-2"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("trained 6 epochs") == 1  # rank 0 alone reports
    model = load_model(tmp_path / "model")
    assert model.card["processes"] == 2
    history = [h["valid_nll"] for h in model.card["history"]]
    assert history[-1] < 0.8 * history[0]
    single = ModelConfig(TRAINING_CODEC.vocab_size, attributes.CONDITIONING_SIZE + attributes.POSITION_SIZE, embed_dim=16, hidden_size=48,
                         codec=TRAINING_CODEC.name)
    assert model.model_config == single
    assert {k: v.shape for k, v in model.arrays.items()} == {k: v.shape for k, v in export_arrays(ComposerNet(single)).items()}


def test_the_learning_rate_halves_on_a_plateau_or_falls_linearly():
    from engine.composer.train import _keep_or_decay

    class Optimiser:
        param_groups = [{"lr": 1.0}]

    state = {"epoch": 1, "best_valid": 1.0, "bad_epochs": 0, "lr": 1.0}
    assert _keep_or_decay(state, 0.5, Optimiser, TrainConfig(learning_rate=1.0)) and state["lr"] == 1.0
    assert not _keep_or_decay(state, 0.6, Optimiser, TrainConfig(learning_rate=1.0)) and state["lr"] == 0.5 and state["bad_epochs"] == 1
    state = {"epoch": 3, "best_valid": 1.0, "bad_epochs": 0, "lr": 1.0}
    _keep_or_decay(state, 0.9, Optimiser, TrainConfig(learning_rate=1.0, epochs=4, linear_decay=True))
    assert state["lr"] == 0.25 and Optimiser.param_groups[0]["lr"] == 0.25
    from engine.composer.train import linear_rate

    assert linear_rate(TrainConfig(learning_rate=1.0, epochs=7), 5) == 2 / 7  # resumed with more epochs: the schedule stretches
    assert linear_rate(TrainConfig(learning_rate=1.0, epochs=5), 5) == 0.05
