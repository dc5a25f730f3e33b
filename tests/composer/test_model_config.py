"""Model settings as data: ModelConfig and ConditioningSpec rebuilt from config.json, checked on load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.composer.composer import Composer
from engine.composer.model_config import ConditioningSpec, ModelConfig
from engine.composer.guard import GUARD_FILE
from engine.composer.shipped import DEFAULT_MODEL_DIR, ModelFileError, load_model

from .conftest import SPEC, tiny_config


def test_model_config_round_trips_and_defaults_arch_for_old_files():
    config = tiny_config(num_layers=2)
    assert ModelConfig.from_dict(config.to_dict()) == config
    old = {k: v for k, v in config.to_dict().items() if k not in ("arch", "codec")}
    assert ModelConfig.from_dict(old).arch == "gru" and ModelConfig.from_dict(old).codec == "melody_harmony"
    assert ConditioningSpec.from_dict(SPEC.to_dict()) == SPEC


@pytest.mark.parametrize("change, message", [
    ({"hidden_size": None}, "model.hidden_size is missing"),
    ({"hidden_size": "384"}, "model.hidden_size: must be an int"),
    ({"num_layers": 0}, "model.num_layers: 0 is outside 1..16"),
    ({"dropout": 1.5}, "model.dropout"),
    ({"arch": 3}, "model.arch: must be a non-empty string"),
    ({"heads": 4}, "model.heads is not a known field"),
])
def test_model_config_errors_name_the_source_and_field(change, message):
    data = tiny_config().to_dict() | change
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ValueError, match=message) as error:
        ModelConfig.from_dict(data, "m/config.json")
    assert str(error.value).startswith("m/config.json: ")


@pytest.mark.parametrize("change, message", [
    ({"arousal_quantiles": []}, "conditioning.arousal_quantiles: must hold 7 values, got 0"),
    ({"register_quantiles": [0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}, "register_quantiles: quantiles must not decrease"),
    ({"arousal_quantiles": [0, 0, 0, 0, 0, 0, "x"]}, "arousal_quantiles: must be a number"),
    ({"quantile_levels": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]}, "quantile_levels: must be"),
    ({"size": 11}, "conditioning.size: 11 is not 4 fields"),
    ({"meters": "4/4"}, "conditioning.meters: must be a list"),
])
def test_conditioning_spec_errors_name_the_field(change, message):
    with pytest.raises(ValueError, match=message):
        ConditioningSpec.from_dict(SPEC.to_dict() | change, "m/config.json")


def _edit_config(model_dir, edit) -> None:
    path = model_dir / "config.json"
    config = json.loads(path.read_text())
    edit(config)
    path.write_text(json.dumps(config))


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["conditioning"].update(arousal_quantiles=[]), r"config.json: conditioning.arousal_quantiles"),
    (lambda c: c["model"].pop("vocab_size"), r"config.json: model.vocab_size is missing"),
    (lambda c: c["model"].update(arch="transformer"), r"config.json: model.arch: arch 'transformer' has no inference stepper"),
    (lambda c: c["model"].update(codec="abc"), r"config.json: model.codec: codec 'abc' is not known"),
    (lambda c: c["model"].update(hidden_size=33), r"weights.npz: array head_weight should be \(237, 33\)"),
    (lambda c: c["model"].update(cond_size=11), rf"conditioning.size: {SPEC.size}, but model.cond_size is 11"),
    (lambda c: c.pop("conditioning"), r"config.json: conditioning is missing"),
])
def test_a_bad_model_file_fails_on_load_naming_file_and_field(random_model, edit, message):
    _edit_config(random_model, edit)
    with pytest.raises(ModelFileError, match=message):
        load_model(random_model)


def test_a_missing_guard_index_is_an_error_not_a_silent_off(random_model):
    (random_model / GUARD_FILE).unlink()
    with pytest.raises(ModelFileError, match=f"{GUARD_FILE} does not exist.*guard=False"):
        Composer.load(random_model)
    assert Composer.load(random_model, guard=False).copy_guard is None
    (random_model / GUARD_FILE).write_bytes(b"not an npz")
    with pytest.raises(ModelFileError, match="corrupt"):
        Composer.load(random_model)


@pytest.mark.skipif(not (DEFAULT_MODEL_DIR / "weights.npz").exists(), reason="no shipped model")
def test_the_shipped_model_loads_as_typed_settings():
    model = load_model()
    assert isinstance(model.model_config, ModelConfig) and model.model_config.arch == "gru"
    assert isinstance(model.conditioning, ConditioningSpec) and len(model.conditioning.arousal_quantiles) == 7
    assert np.isfinite(model.conditioning.register_quantiles).all()
