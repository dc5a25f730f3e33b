"""The shipped model's files: ``weights.npz`` (float32 arrays) + ``config.json``, no pickle.

``config.json`` holds everything needed to load and use the weights: the network
hyperparameters, the vocabulary (checked against ``tokens.VOCAB``), the tokenizer
grid, the conditioning spec (how an Intent maps onto the training labels) and the
training card. Loading never imports torch; a corrupt or truncated file raises
``ModelFileError`` naming the file.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.composer import tokens
from engine.errors import EngineError

FORMAT_VERSION = 1
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "moodscore-gru"


class ModelFileError(EngineError, ValueError):
    """A model file is missing, corrupt, truncated or does not match this code."""


@dataclass(frozen=True)
class ShippedModel:
    """Weights and config of a model directory, as loaded."""

    directory: Path
    arrays: dict
    model_config: dict
    conditioning: dict
    card: dict


def save_model(directory: Path, arrays: dict[str, np.ndarray], model_config, conditioning: dict, card: dict) -> None:
    """Write weights.npz and config.json atomically (each via a temporary file)."""
    directory.mkdir(parents=True, exist_ok=True)
    config = {"format_version": FORMAT_VERSION, "model": model_config.to_dict(), "vocab": list(tokens.VOCAB),
              "tokenizer": {"grid_per_quarter": tokens.GRID_PER_QUARTER, "pitch_low": tokens.PITCH_LOW, "pitch_high": tokens.PITCH_HIGH, "meters": list(tokens.METERS)},
              "conditioning": conditioning, "card": card}
    weights_tmp = directory / "weights.tmp.npz"
    np.savez(weights_tmp, **arrays)
    os.replace(weights_tmp, directory / "weights.npz")
    config_tmp = directory / "config.json.tmp"
    config_tmp.write_text(json.dumps(config, indent=1))
    os.replace(config_tmp, directory / "config.json")


def _read_config(path: Path) -> dict:
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelFileError(f"model config {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"model config {path} is not readable JSON: {error}") from None
    if not isinstance(config, dict) or config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"model config {path}: format_version is not {FORMAT_VERSION}")
    if config.get("vocab") != list(tokens.VOCAB):
        raise ModelFileError(f"model config {path}: its vocabulary does not match this version of the tokenizer")
    return config


def _read_weights(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise ModelFileError(f"model weights {path} do not exist") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as error:
        raise ModelFileError(f"model weights {path} are corrupt or truncated: {type(error).__name__}: {error}") from None
    return arrays


def _check_shapes(path: Path, arrays: dict[str, np.ndarray], model: dict) -> None:
    vocab, hidden = model["vocab_size"], model["hidden_size"]
    expected = {"embed": (vocab, model["embed_dim"]), "head_weight": (vocab, hidden), "head_bias": (vocab,)}
    for layer in range(model["num_layers"]):
        inputs = model["embed_dim"] + model["cond_size"] if layer == 0 else hidden
        expected |= {f"gru_weight_ih_l{layer}": (3 * hidden, inputs), f"gru_weight_hh_l{layer}": (3 * hidden, hidden),
                     f"gru_bias_ih_l{layer}": (3 * hidden,), f"gru_bias_hh_l{layer}": (3 * hidden,)}
    for name, shape in expected.items():
        if name not in arrays or arrays[name].shape != shape:
            found = arrays[name].shape if name in arrays else "missing"
            raise ModelFileError(f"model weights {path}: array {name} should be {shape}, found {found}")
        if not np.all(np.isfinite(arrays[name])):
            raise ModelFileError(f"model weights {path}: array {name} holds NaN or infinity")


def load_model(directory: Path | str | None = None) -> ShippedModel:
    """Load and check a model directory (default: the shipped model)."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    config = _read_config(directory / "config.json")
    arrays = _read_weights(directory / "weights.npz")
    _check_shapes(directory / "weights.npz", arrays, config["model"])
    arrays = {k: v.astype(np.float32, copy=False) for k, v in arrays.items()}
    return ShippedModel(directory, arrays, config["model"], config["conditioning"], config.get("card", {}))
