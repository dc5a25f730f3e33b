"""A composer model's settings as data: the network (``ModelConfig``) and the intent mapping
(``ConditioningSpec``), both frozen, both rebuilt from the model's ``config.json``.

No torch here: the runtime loads a model through these, training builds the network
from the same ``ModelConfig``. Each dataclass checks its fields once when built
(``TypeError`` for a wrong type, ``ValueError`` for a wrong value, the message naming
the field); ``from_json`` adds missing and unknown keys and prefixes every message with
where the JSON came from (``file: model.hidden_size: ...``), so a hand-edited or
truncated model file fails on load with one clear line instead of deep in a bar.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

QUANTILE_LEVELS = (0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98)
"""The label quantiles a conditioning spec stores; the intent mapping reads them by position."""


def _check_int(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: must be an int, got {type(value).__name__} {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value} is outside {lo}..{hi}")


def _check_number(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: {value} is not finite")


def _check_name(name: str, value) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name}: must be a non-empty string, got {type(value).__name__} {value!r}")


def _check_sequence(name: str, value, length: int | None = None) -> None:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name}: must be a list, got {type(value).__name__} {value!r}")
    if length is not None and len(value) != length:
        raise ValueError(f"{name}: must hold {length} values, got {len(value)}")


def _from_json(cls, data, source: str, section: str, optional: tuple[str, ...] = ()):
    """``cls(**data)`` with missing/unknown keys and field errors named ``source: section.field``;
    every field but ``optional`` must be present (a file states its shapes, never leans on defaults)."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: {section} must be an object, got {type(data).__name__}")
    names = [f.name for f in fields(cls)]
    required = [name for name in names if name not in optional]
    missing = [name for name in required if name not in data]
    if missing:
        raise ValueError(f"{source}: {section}.{missing[0]} is missing")
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"{source}: {section}.{unknown[0]} is not a known field (known: {', '.join(names)})")
    try:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{source}: {section}.{error}") from None


@dataclass(frozen=True)
class ModelConfig:
    """The network's hyperparameters, stored in ``config.json`` under ``model``.

    ``arch`` names the stepper that runs the weights at inference (``steppers.STEPPERS``)
    and ``codec`` the bar tokenisation (``codec.CODECS``); files written before these
    fields existed were GRUs on the melody+harmony codec, hence the defaults.
    """

    vocab_size: int
    cond_size: int
    embed_dim: int = 96
    hidden_size: int = 384
    num_layers: int = 1
    dropout: float = 0.1
    arch: str = "gru"
    codec: str = "melody_harmony"

    def __post_init__(self) -> None:
        _check_int("vocab_size", self.vocab_size, 2, 1 << 20)
        _check_int("cond_size", self.cond_size, 0, 1 << 16)
        _check_int("embed_dim", self.embed_dim, 1, 1 << 16)
        _check_int("hidden_size", self.hidden_size, 1, 1 << 16)
        _check_int("num_layers", self.num_layers, 1, 16)
        _check_number("dropout", self.dropout)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout: {self.dropout} is outside 0..1 (1 excluded)")
        _check_name("arch", self.arch)
        _check_name("codec", self.codec)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, source: str = "model config") -> "ModelConfig":
        """Rebuild from a JSON object; ValueError naming ``source`` and the field on any fault."""
        return _from_json(cls, data, source, "model", optional=("arch", "codec"))


@dataclass(frozen=True)
class ConditioningSpec:
    """How an Intent maps onto the labels the network was trained on (``config.json``'s
    ``conditioning``): the vector's size, its named fields and one-hot meters, and the
    training labels' arousal and register at ``QUANTILE_LEVELS``; ``position_fields`` names the
    form-position part (``attributes.POSITION_FIELDS``) after the meters, empty for a model
    trained without it."""

    size: int
    fields: tuple[str, ...]
    meters: tuple[str, ...]
    quantile_levels: tuple[float, ...]
    arousal_quantiles: tuple[float, ...]
    register_quantiles: tuple[float, ...]
    position_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_int("size", self.size, 1, 1 << 16)
        for name in ("fields", "meters", "position_fields"):
            _check_sequence(name, getattr(self, name))
            for item in getattr(self, name):
                _check_name(name, item)
        if self.size != len(self.fields) + len(self.meters) + len(self.position_fields):
            raise ValueError(f"size: {self.size} is not {len(self.fields)} fields + {len(self.meters)} meters + {len(self.position_fields)} position fields")
        _check_sequence("quantile_levels", self.quantile_levels, len(QUANTILE_LEVELS))
        if tuple(self.quantile_levels) != QUANTILE_LEVELS:
            raise ValueError(f"quantile_levels: must be {list(QUANTILE_LEVELS)}, got {list(self.quantile_levels)}")
        for name in ("arousal_quantiles", "register_quantiles"):
            self._check_quantiles(name, getattr(self, name))

    @staticmethod
    def _check_quantiles(name: str, values) -> None:
        _check_sequence(name, values, len(QUANTILE_LEVELS))
        for value in values:
            _check_number(name, value)
        if any(b < a for a, b in zip(values, values[1:])):
            raise ValueError(f"{name}: quantiles must not decrease, got {list(values)}")

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict, source: str = "model config") -> "ConditioningSpec":
        """Rebuild from a JSON object; ValueError naming ``source`` and the field on any fault."""
        return _from_json(cls, data, source, "conditioning", optional=("position_fields",))
