"""Negative log-likelihood per token (nats) of the network and of its baselines.

The network is run in numpy, batched over tunes, by the composer's own stepper
(``steppers.make_stepper``; its ``step_batch`` advances a (L, B, H) state where
the composer's ``step`` advances one (L, H)). Every tune is scored from a zero state, as the
composer starts, predicting tokens 1..n-1 from tokens 0..n-2; the conditioning of
an input token is the label of the bar it belongs to, exactly as ``train.batches``
feeds it. (Training and its validation figure carry the state across tunes laid
end to end; scoring each tune from zero is what generation does, and is slightly
harsher on each tune's first bar.)

Baselines, on the same tokens, positions and unit:

- the shipped weights with the conditioning replaced (``cond_fn``): by zeros, by
  the training split's mean vector, or by that mean in the per-bar attribute
  columns only (mode and meter kept) — cheap stand-ins for an unconditional
  network of the same size; or a network of the same size *trained* with zeroed
  conditioning, loaded like the shipped one (the honest baseline);
- the Kneser–Ney n-gram (``ngram.KneserNeyLM``) fit on the training split's
  tunes, its order chosen on the validation split (``best_ngram``).
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

from engine.composer.evaluation.ngram import KneserNeyLM, NgramConfig
from engine.composer.evaluation.splits import SplitTunes
from engine.composer.steppers import Stepper

log = logging.getLogger(__name__)


def token_logprobs(stepper: Stepper, tokens: np.ndarray, conds: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """log P(tokens[b, t+1] | tokens[b, :t+1]) for a padded batch: tokens (B, T)
    int64, conds (B, T, C) per input token, lengths (B,). Returns (B, T-1) with
    zeros past each sequence's end."""
    batch, steps = tokens.shape
    state = stepper.zero_state(batch)
    out = np.zeros((batch, max(steps - 1, 0)), np.float64)
    rows = np.arange(batch)
    for t in range(steps - 1):
        live = lengths > t + 1
        logits, state = stepper.step_batch(tokens[:, t], stepper.cond_gates_batch(conds[:, t]), state)
        logits = logits.astype(np.float64)  # (B, V)
        peak = logits.max(axis=1, keepdims=True)
        log_norm = peak[:, 0] + np.log(np.exp(logits - peak).sum(axis=1))
        out[:, t] = np.where(live, logits[rows, tokens[:, t + 1]] - log_norm, 0.0)
    return out


def _pad_batch(seqs: list[np.ndarray], conds: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right-pad a batch of sequences (token 0) and their conditioning rows (zeros)."""
    lengths = np.array([s.size for s in seqs], dtype=np.int64)
    width = int(lengths.max())
    tok = np.zeros((len(seqs), width), np.int64)
    cond = np.zeros((len(seqs), width, conds[0].shape[1]), np.float32)
    for i, (s, c) in enumerate(zip(seqs, conds)):
        tok[i, :s.size], cond[i, :s.size] = s, c
    return tok, cond, lengths


CondFn = Callable[[np.ndarray], np.ndarray]


def zero_conditioning(cond: np.ndarray) -> np.ndarray:
    """Conditioning replaced by zeros (the shipped weights run 'unconditionally')."""
    return np.zeros_like(cond)


def constant_conditioning(vector: np.ndarray, keep: slice = slice(0, 0)) -> CondFn:
    """A conditioning map that replaces every row by ``vector`` except the columns
    ``keep``, which pass through (e.g. ``slice(3, None)`` keeps mode and meter)."""
    def apply(cond: np.ndarray) -> np.ndarray:
        out = np.broadcast_to(vector.astype(np.float32), cond.shape).copy()
        out[:, keep] = cond[:, keep]
        return out
    return apply


def network_logprobs(net: Stepper, split: SplitTunes, cond_fn: CondFn | None = None,
                     batch_size: int = 48) -> np.ndarray:
    """Log-probabilities of every predicted token of a split (tunes in order, each
    from its second token), conditioned on the training labels, or on
    ``cond_fn(labels)`` per tune when given. Tunes are batched by length to keep
    padding small."""
    per_tune: list[np.ndarray | None] = [None] * len(split)
    order = np.argsort([t.size for t in split.tokens], kind="stable")
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        conds = [split.conds[i] if cond_fn is None else cond_fn(split.conds[i]) for i in chosen]
        tok, cond, lengths = _pad_batch([split.tokens[i] for i in chosen], conds)
        logprobs = token_logprobs(net, tok, cond, lengths)
        for row, i in enumerate(chosen):
            per_tune[i] = logprobs[row, :lengths[row] - 1]
    return np.concatenate(per_tune) if per_tune else np.zeros(0)


def ngram_logprobs(lm: KneserNeyLM, split: SplitTunes) -> np.ndarray:
    """The n-gram's log-probabilities of the same positions as ``network_logprobs``
    (each tune's first token, which the network is given, is dropped)."""
    logprobs = lm.token_logprobs(split.tokens)
    lengths = np.array([t.size for t in split.tokens], dtype=np.int64)
    firsts = np.cumsum(lengths) - lengths
    keep = np.ones(logprobs.size, dtype=bool)
    keep[firsts[lengths > 0]] = False
    return logprobs[keep]


def best_ngram(train: SplitTunes, valid: SplitTunes, vocab_size: int,
               orders: tuple[int, ...] = (3, 4, 5)) -> tuple[KneserNeyLM, dict[int, float]]:
    """Fit a KN model of each order on ``train`` and keep the one with the lowest
    NLL per token on ``valid``; returns it and every order's validation NLL."""
    valid_nll, best = {}, None
    for order in orders:
        lm = KneserNeyLM.fit(train.tokens, vocab_size, NgramConfig(order))
        valid_nll[order] = float(-ngram_logprobs(lm, valid).mean())
        log.info("KN %d-gram: valid NLL %.4f nats/token", order, valid_nll[order])
        if best is None or valid_nll[order] < valid_nll[best.config.order]:
            best = lm
    return best, valid_nll


def mean_conditioning(train: SplitTunes) -> np.ndarray:
    """The training split's mean conditioning vector over its tokens' bars."""
    return np.concatenate(train.conds).mean(axis=0)
