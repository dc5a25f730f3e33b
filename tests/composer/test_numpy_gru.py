"""numpy inference matches the torch network to 1e-5, one token at a time and in a batch."""

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
        stepper = GruStepper(export_arrays(net), config)
        state = stepper.zero_state()
        for t in range(30):
            logits, state = stepper.step(int(seq[t]), stepper.cond_gates(cond[t]), state)
            np.testing.assert_allclose(logits, expected[0, t].numpy(), atol=1e-5)


def test_batched_steps_match_single_steps():
    torch.manual_seed(1)
    config = ModelConfig(tokens.VOCAB_SIZE, attributes.CONDITIONING_SIZE, embed_dim=24, hidden_size=40, num_layers=2, dropout=0.0)
    stepper = GruStepper(export_arrays(ComposerNet(config).eval()), config)
    rng = np.random.default_rng(4)
    seqs = rng.integers(1, tokens.VOCAB_SIZE, (3, 12))
    conds = rng.random((3, 12, attributes.CONDITIONING_SIZE)).astype(np.float32)
    batch_state = stepper.zero_state(3)
    assert batch_state[0].shape == (2, 3, 40) and stepper.zero_state()[0].shape == (2, 40)
    singles = [stepper.zero_state() for _ in range(3)]
    for t in range(12):
        batch_logits, batch_state = stepper.step_batch(seqs[:, t], stepper.cond_gates_batch(conds[:, t]), batch_state)
        for b in range(3):
            logits, singles[b] = stepper.step(int(seqs[b, t]), stepper.cond_gates(conds[b, t]), singles[b])
            np.testing.assert_allclose(batch_logits[b], logits, atol=1e-5)
            np.testing.assert_allclose(batch_state[0][:, b], singles[b][0], atol=1e-6)


def test_the_steppers_table_declares_the_shapes_training_exports():
    from engine.composer.steppers import STEPPERS, make_stepper

    assert STEPPERS["gru"] is GruStepper
    for layers in (1, 3):
        config = ModelConfig(tokens.VOCAB_SIZE, attributes.CONDITIONING_SIZE, embed_dim=8, hidden_size=16, num_layers=layers)
        arrays = export_arrays(ComposerNet(config))
        assert {k: a.shape for k, a in arrays.items()} == GruStepper.expected_shapes(config)
        assert isinstance(make_stepper(arrays, config), GruStepper)
