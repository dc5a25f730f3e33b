"""One token step of the conditional GRU in numpy: the inference path, no torch.

Same arithmetic as ``torch.nn.GRU`` (gates stacked r, z, n):

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

with x = [embed[token], cond]. The first layer's input projection is split so the
token part is a table lookup (precomputed once per token id) and the conditioning
part is computed once per bar, leaving one (3H x H) matrix-vector product per layer
and the output head per token.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free and exact to float rounding


class GruStepper:
    """Holds the weights in step-friendly layout; ``step`` advances a hidden state (L, H)."""

    def __init__(self, arrays: dict[str, np.ndarray], num_layers: int, embed_dim: int) -> None:
        self.num_layers = num_layers
        self.embed_dim = embed_dim
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

    def zero_state(self) -> np.ndarray:
        return np.zeros((self.num_layers, self.hidden_size), dtype=np.float32)

    def cond_gates(self, cond: np.ndarray) -> np.ndarray:
        """(3H,) the conditioning's share of the first layer's input gates; once per bar."""
        return self.cond_weight @ cond.astype(np.float32)

    def _cell(self, gates_x: np.ndarray, h: np.ndarray, layer: int) -> np.ndarray:
        hs = self.hidden_size
        gates_h = self.w_hh[layer] @ h + self.b_hh[layer]
        r = _sigmoid(gates_x[:hs] + gates_h[:hs])
        z = _sigmoid(gates_x[hs : 2 * hs] + gates_h[hs : 2 * hs])
        n = np.tanh(gates_x[2 * hs :] + r * gates_h[2 * hs :])
        return (1.0 - z) * n + z * h

    def step(self, token: int, cond_gates: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feed one token: returns (logits (V,), new state (L, H)); ``state`` is not modified."""
        new_state = np.empty_like(state)
        x_gates = self.token_gates[token] + cond_gates
        h = self._cell(x_gates, state[0], 0)
        new_state[0] = h
        for layer in range(1, self.num_layers):
            h = self._cell(self.w_ih[layer] @ h + self.b_ih[layer], state[layer], layer)
            new_state[layer] = h
        return self.head_weight @ h + self.head_bias, new_state
