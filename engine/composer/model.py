"""The conditional GRU (torch, training only): token embedding + conditioning -> GRU -> logits.

PerformanceRNN-style conditioning: the bar's conditioning vector (attributes, mode,
meter; see ``attributes.conditioning_vector``) is concatenated to every step's token
embedding, so the control may change at any bar line. Inference runs the same
network in numpy (``numpy_gru``); ``export_arrays`` gives the weights it loads.
The hyperparameters are ``config.ModelConfig`` (no torch there; re-exported here for
training).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from engine.composer.model_config import ModelConfig

__all__ = ["ComposerNet", "ModelConfig", "export_arrays", "load_arrays"]


class ComposerNet(nn.Module):
    """Embedding(V, E) ++ cond(C) -> GRU(H, L) -> Linear(H, V)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim)
        self.gru = nn.GRU(config.embed_dim + config.cond_size, config.hidden_size, config.num_layers,
                          batch_first=True, dropout=config.dropout if config.num_layers > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, tokens: torch.Tensor, cond: torch.Tensor, hidden: torch.Tensor | None = None):
        """tokens (B, T) int64, cond (B, T, C) -> logits (B, T, V), hidden (L, B, H)."""
        x = torch.cat([self.embed(tokens), cond], dim=-1)  # (B, T, E + C)
        out, hidden = self.gru(x, hidden)  # (B, T, H)
        return self.head(self.drop(out)), hidden

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def export_arrays(net: ComposerNet) -> dict[str, np.ndarray]:
    """float32 numpy copies of the weights, named as ``numpy_gru.GruStepper.expected_shapes`` lists them."""
    arrays = {"embed": net.embed.weight, "head_weight": net.head.weight, "head_bias": net.head.bias}
    for layer in range(net.config.num_layers):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            arrays[f"gru_{name}_l{layer}"] = getattr(net.gru, f"{name}_l{layer}")
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in arrays.items()}


def load_arrays(net: ComposerNet, arrays: dict[str, np.ndarray]) -> None:
    """The inverse of ``export_arrays`` (used by tests for parity)."""
    with torch.no_grad():
        net.embed.weight.copy_(torch.from_numpy(arrays["embed"]))
        net.head.weight.copy_(torch.from_numpy(arrays["head_weight"]))
        net.head.bias.copy_(torch.from_numpy(arrays["head_bias"]))
        for layer in range(net.config.num_layers):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(net.gru, f"{name}_l{layer}").copy_(torch.from_numpy(arrays[f"gru_{name}_l{layer}"]))
