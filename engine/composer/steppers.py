"""The table of inference steppers: a model's ``arch`` names the class that runs its weights.

A stepper turns a model's weight arrays into token steps in numpy. Each declares the
arrays it needs (``expected_shapes``), checked when a model file is loaded, so a
wrong or truncated file fails there, naming the array. A new architecture (an LSTM)
is one module with a class that fits ``Stepper`` plus one line in ``STEPPERS``; its
state is a tuple of arrays (``(h, c)``), which the composer snapshots as it is.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from engine.composer.model_config import ModelConfig
from engine.composer.numpy_gru import GruStepper

State = tuple[np.ndarray, ...]


class Stepper(Protocol):
    """What the composer and the evaluation need of a network at inference."""

    @staticmethod
    def expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]: ...

    def zero_state(self, batch: int | None = None) -> State: ...

    def cond_gates(self, cond: np.ndarray) -> np.ndarray: ...

    def step(self, token: int, cond_gates: np.ndarray, state: State) -> tuple[np.ndarray, State]: ...

    def cond_gates_batch(self, conds: np.ndarray) -> np.ndarray: ...

    def step_batch(self, tokens: np.ndarray, cond_gates: np.ndarray, state: State) -> tuple[np.ndarray, State]: ...


STEPPERS: dict[str, type] = {"gru": GruStepper}
"""``ModelConfig.arch`` -> stepper class, constructed as ``cls(arrays, config)``."""


def stepper_class(arch: str) -> type:
    """The stepper class of ``arch``; ValueError naming the known ones."""
    if arch not in STEPPERS:
        raise ValueError(f"arch {arch!r} has no inference stepper (known: {', '.join(sorted(STEPPERS))})")
    return STEPPERS[arch]


def make_stepper(arrays: dict[str, np.ndarray], config: ModelConfig) -> Stepper:
    """A ready stepper for weights ``arrays`` of a model with ``config``."""
    return stepper_class(config.arch)(arrays, config)
