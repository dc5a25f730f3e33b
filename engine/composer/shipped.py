"""The shipped model's files: ``weights.npz`` (float32 arrays) + ``config.json``, no pickle.

``config.json`` holds everything needed to load and use the weights: the network
hyperparameters (``config.ModelConfig``, whose ``arch`` picks the stepper and
``codec`` the tokenisation), the vocabulary (checked against the codec's), the
tokenizer grid, the conditioning spec (``config.ConditioningSpec``: how an Intent
maps onto the training labels) and the training card. Every part is checked on
load: a missing, mistyped or out-of-range field, a weight array of the wrong shape
(the stepper declares them) or a corrupt file raises ``ModelFileError`` naming the
file and the field. Loading never imports torch.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.composer import tokens
from engine.composer.attributes import CONDITIONING_METERS, POSITION_FIELDS
from engine.composer.codecs import codec_named
from engine.composer.model_config import ConditioningSpec, ModelConfig
from engine.composer.steppers import stepper_class
from engine.errors import EngineError

FORMAT_VERSION = 1
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "moodscore-gru"


class ModelFileError(EngineError, ValueError):
    """A model file is missing, corrupt, truncated or does not match this code."""


@dataclass(frozen=True)
class ShippedModel:
    """Weights and config of a model directory, as loaded and checked."""

    directory: Path
    arrays: dict
    model_config: ModelConfig
    conditioning: ConditioningSpec
    card: dict


def _spec_dict(conditioning) -> dict:
    spec = conditioning if isinstance(conditioning, ConditioningSpec) else ConditioningSpec.from_dict(dict(conditioning), "conditioning")
    return spec.to_dict()


def save_model(directory: Path, arrays: dict[str, np.ndarray], model_config, conditioning, card: dict) -> None:
    """Write weights.npz and config.json atomically (each via a temporary file); the
    conditioning spec (a ``ConditioningSpec`` or its dict) is checked before writing."""
    directory.mkdir(parents=True, exist_ok=True)
    config = {"format_version": FORMAT_VERSION, "model": model_config.to_dict(), "vocab": list(codec_named(model_config.codec).vocab),
              "tokenizer": {"grid_per_quarter": tokens.GRID_PER_QUARTER, "pitch_low": tokens.PITCH_LOW, "pitch_high": tokens.PITCH_HIGH, "meters": list(getattr(codec_named(model_config.codec), "meters", tokens.METERS))},
              "conditioning": _spec_dict(conditioning), "card": card}
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
    for section in ("model", "vocab", "conditioning"):
        if section not in config:
            raise ModelFileError(f"model config {path}: {section} is missing")
    return config


def _parse_config(path: Path, config: dict) -> tuple[ModelConfig, ConditioningSpec]:
    """The checked model config and conditioning spec; ModelFileError naming file and field."""
    try:
        model = ModelConfig.from_dict(config["model"], str(path))
        spec = ConditioningSpec.from_dict(config["conditioning"], str(path))
    except ValueError as error:
        raise ModelFileError(str(error)) from None
    for field, check in (("arch", lambda: stepper_class(model.arch)), ("codec", lambda: codec_named(model.codec))):
        try:
            check()
        except ValueError as error:
            raise ModelFileError(f"{path}: model.{field}: {error}") from None
    if config["vocab"] != list(codec_named(model.codec).vocab):
        raise ModelFileError(f"model config {path}: its vocabulary does not match this version of the tokenizer")
    if model.vocab_size != len(config["vocab"]):
        raise ModelFileError(f"{path}: model.vocab_size: {model.vocab_size}, but the vocabulary holds {len(config['vocab'])} tokens")
    if spec.size != model.cond_size:
        raise ModelFileError(f"{path}: conditioning.size: {spec.size}, but model.cond_size is {model.cond_size}")
    unknown = [m for m in spec.meters if m not in CONDITIONING_METERS]
    if unknown:
        raise ModelFileError(f"{path}: conditioning.meters: {unknown[0]} is not one this code conditions on ({', '.join(CONDITIONING_METERS)})")
    if spec.position_fields and spec.position_fields != POSITION_FIELDS:
        raise ModelFileError(f"{path}: conditioning.position_fields: {list(spec.position_fields)}, this code builds {list(POSITION_FIELDS)}")
    return model, spec


def _read_weights(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise ModelFileError(f"model weights {path} do not exist") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as error:
        raise ModelFileError(f"model weights {path} are corrupt or truncated: {type(error).__name__}: {error}") from None
    return arrays


def _check_shapes(path: Path, arrays: dict[str, np.ndarray], model: ModelConfig) -> None:
    """Every array the model's stepper declares, in its shape and finite."""
    for name, shape in stepper_class(model.arch).expected_shapes(model).items():
        if name not in arrays or arrays[name].shape != shape:
            found = arrays[name].shape if name in arrays else "missing"
            raise ModelFileError(f"model weights {path}: array {name} should be {shape}, found {found}")
        if not np.all(np.isfinite(arrays[name])):
            raise ModelFileError(f"model weights {path}: array {name} holds NaN or infinity")


def load_model(directory: Path | str | None = None) -> ShippedModel:
    """Load and check a model directory (default: the shipped model)."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    config = _read_config(directory / "config.json")
    model, spec = _parse_config(directory / "config.json", config)
    arrays = _read_weights(directory / "weights.npz")
    _check_shapes(directory / "weights.npz", arrays, model)
    arrays = {k: v.astype(np.float32, copy=False) for k, v in arrays.items()}
    return ShippedModel(directory, arrays, model, spec, config.get("card", {}))
