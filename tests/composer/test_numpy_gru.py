"""numpy inference matches the torch network to 1e-5, one token at a time."""

from __future__ import annotations

import numpy as np
import torch

from engine.composer import attributes, tokens
from engine.composer.model import ComposerNet, ModelConfig, export_arrays
from engine.composer.numpy_gru import GruStepper


def test_numpy_step_matches_torch():
    torch.manual_seed(0)
    for layers in (1, 2):
        config = ModelConfig(tokens.VOCAB_SIZE, attributes.CONDITIONING_SIZE, embed_dim=24, hidden_size=40, num_layers=layers, dropout=0.0)
        net = ComposerNet(config).eval()
        rng = np.random.default_rng(layers)
        seq = rng.integers(1, tokens.VOCAB_SIZE, 30)
        cond = rng.random((30, attributes.CONDITIONING_SIZE)).astype(np.float32)
        with torch.no_grad():
            expected, _ = net(torch.from_numpy(seq)[None], torch.from_numpy(cond)[None])
        stepper = GruStepper(export_arrays(net), layers, config.embed_dim)
        state = stepper.zero_state()
        for t in range(30):
            logits, state = stepper.step(int(seq[t]), stepper.cond_gates(cond[t]), state)
            np.testing.assert_allclose(logits, expected[0, t].numpy(), atol=1e-5)
