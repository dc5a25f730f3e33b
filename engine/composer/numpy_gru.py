"""The conditional GRU's token step in numpy: the inference path, no torch.

Same arithmetic as ``torch.nn.GRU`` (gates stacked r, z, n):

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

with x = [embed[token], cond]. The first layer's input projection is split so the
token part is a table lookup (precomputed once per token id) and the conditioning
part is computed once per bar, leaving one (3H x H) matrix-vector product per layer
and the output head per token. ``step`` runs one sequence (the composer, a (L, H)
state); ``step_batch`` runs B sequences at once (the evaluation's likelihood, a
(L, B, H) state) with the same gates on the last axis. The state is a tuple of
arrays, here ``(h,)``, so a cell with more state (an LSTM's ``(h, c)``) fits the same
composer and snapshots.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from engine.composer.model_config import ModelConfig

State = tuple[np.ndarray, ...]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free and exact to float rounding


def _gru_update(gates_x: np.ndarray, gates_h: np.ndarray, h: np.ndarray, hs: int) -> np.ndarray:
    """The GRU cell's nonlinear part on the last axis: gates (..., 3H), h (..., H) -> (..., H)."""
    r = _sigmoid(gates_x[..., :hs] + gates_h[..., :hs])
    z = _sigmoid(gates_x[..., hs : 2 * hs] + gates_h[..., hs : 2 * hs])
    n = np.tanh(gates_x[..., 2 * hs :] + r * gates_h[..., 2 * hs :])
    return (1.0 - z) * n + z * h


class GruStepper:
    """Holds the weights in step-friendly layout; advances a ``(h,)`` state one token."""

    @staticmethod
    def expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
        """Every weight array this stepper needs and its shape, as ``export_arrays`` names them."""
        vocab, hidden = config.vocab_size, config.hidden_size
        shapes = {"embed": (vocab, config.embed_dim), "head_weight": (vocab, hidden), "head_bias": (vocab,)}
        for layer in range(config.num_layers):
            inputs = config.embed_dim + config.cond_size if layer == 0 else hidden
            shapes |= {f"gru_weight_ih_l{layer}": (3 * hidden, inputs), f"gru_weight_hh_l{layer}": (3 * hidden, hidden),
                       f"gru_bias_ih_l{layer}": (3 * hidden,), f"gru_bias_hh_l{layer}": (3 * hidden,)}
        return shapes

    def __init__(self, arrays: dict[str, np.ndarray], config: ModelConfig) -> None:
        self.num_layers = num_layers = config.num_layers
        self.embed_dim = embed_dim = config.embed_dim
        w_ih0 = arrays["gru_weight_ih_l0"].astype(np.float64)
        self.hidden_size = arrays["gru_weight_hh_l0"].shape[1]
        # (V, 3H): token embedding through the first layer's input weights, plus its bias
        self.token_gates = (arrays["embed"].astype(np.float64) @ w_ih0[:, :embed_dim].T + arrays["gru_bias_ih_l0"]).astype(np.float32)
        self.cond_weight = np.ascontiguousarray(w_ih0[:, embed_dim:].astype(np.float32))  # (3H, C)
        self.w_ih = [None] + [np.ascontiguousarray(arrays[f"gru_weight_ih_l{k}"]) for k in range(1, num_layers)]
        self.b_ih = [None] + [arrays[f"gru_bias_ih_l{k}"] for k in range(1, num_layers)]
        self.w_hh = [np.ascontiguousarray(arrays[f"gru_weight_hh_l{k}"]) for k in range(num_layers)]
        self.b_hh = [arrays[f"gru_bias_hh_l{k}"] for k in range(num_layers)]
        self.head_weight = np.ascontiguousarray(arrays["head_weight"])
        self.head_bias = arrays["head_bias"]

    def zero_state(self, batch: int | None = None) -> State:
        """The start state: ``(h,)`` of shape (L, H), or (L, B, H) for ``step_batch``."""
        shape = (self.num_layers, self.hidden_size) if batch is None else (self.num_layers, batch, self.hidden_size)
        return (np.zeros(shape, dtype=np.float32),)

    def cond_gates(self, cond: np.ndarray) -> np.ndarray:
        """(3H,) the conditioning's share of the first layer's input gates; once per bar."""
        return self.cond_weight @ cond.astype(np.float32)

    def step(self, token: int, cond_gates: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed one token: returns (logits (V,), new state); ``state`` is not modified."""
        (hidden,) = state
        new_hidden = np.empty_like(hidden)
        gates_x = self.token_gates[token] + cond_gates
        for layer in range(self.num_layers):
            if layer:
                gates_x = self.w_ih[layer] @ h + self.b_ih[layer]
            h = _gru_update(gates_x, self.w_hh[layer] @ hidden[layer] + self.b_hh[layer], hidden[layer], self.hidden_size)
            new_hidden[layer] = h
        return self.head_weight @ h + self.head_bias, (new_hidden,)

    @cached_property
    def _transposed(self) -> dict[str, list]:
        """Row-major (in, out) copies for batched products, made on first use (the composer never needs them)."""
        return {"cond": np.ascontiguousarray(self.cond_weight.T),
                "w_ih": [None] + [np.ascontiguousarray(w.T) for w in self.w_ih[1:]],
                "w_hh": [np.ascontiguousarray(w.T) for w in self.w_hh],
                "head": np.ascontiguousarray(self.head_weight.T)}

    def cond_gates_batch(self, conds: np.ndarray) -> np.ndarray:
        """(B, 3H) the conditioning share of B rows of conditioning (B, C)."""
        return conds.astype(np.float32) @ self._transposed["cond"]

    def step_batch(self, tokens: np.ndarray, cond_gates: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed one token to each of B sequences: tokens (B,), cond_gates (B, 3H), state ``(h,)``
        with h (L, B, H) -> (logits (B, V), new state)."""
        (hidden,) = state
        t = self._transposed
        new_hidden = np.empty_like(hidden)
        gates_x = self.token_gates[tokens] + cond_gates
        for layer in range(self.num_layers):
            if layer:
                gates_x = h @ t["w_ih"][layer] + self.b_ih[layer]
            h = _gru_update(gates_x, hidden[layer] @ t["w_hh"][layer] + self.b_hh[layer], hidden[layer], self.hidden_size)
            new_hidden[layer] = h
        return h @ t["head"] + self.head_bias, (new_hidden,)
