"""Kneser–Ney n-gram baseline: normalisation, a brute-force reference, repetition."""

from collections import Counter

import numpy as np
import pytest

from engine.composer.evaluation.ngram import KneserNeyLM, NgramConfig

VOCAB = 7
TRAIN = [[0, 1, 2, 3, 1, 2, 4, 0, 1, 2], [3, 3, 3, 5, 1, 2], [6, 0, 1], [2, 2, 4, 4, 0, 1, 2, 3]]


def _reference_prob(model: KneserNeyLM, sequences, context, token) -> float:
    """Interpolated modified KN spelled out with dicts, one query at a time."""
    n, pad = model.config.order, model.vocab_size
    types = {k: Counter() for k in range(1, n + 1)}
    for seq in sequences:
        padded = [pad] * (n - 1) + list(seq)
        for t in range(n - 1, len(padded)):
            for k in range(1, n + 1):
                types[k][tuple(padded[t - k + 1:t + 1])] += 1
    counts = {n: types[n]}
    for k in range(1, n):  # continuation counts: distinct left neighbours
        counts[k] = Counter(gram[1:] for gram in types[k + 1])
    history = ([pad] * (n - 1) + list(context))[-(n - 1):] if n > 1 else []

    def prob(k: int, hist: tuple, w: int) -> float:
        if k == 0:
            return 1.0 / model.vocab_size
        d = model.tables[k - 1].discounts
        h = hist[len(hist) - (k - 1):] if k > 1 else ()
        with_context = {g: c for g, c in counts[k].items() if g[:-1] == h}
        total = sum(with_context.values())
        lower = prob(k - 1, hist, w)
        if total == 0:
            return lower
        c = with_context.get(h + (w,), 0)
        freed = sum(d[min(cc, 3)] for cc in with_context.values())
        return (c - d[min(c, 3)]) / total + freed / total * lower

    return prob(n, tuple(history), token)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_distribution_sums_to_one_for_several_contexts(order):
    model = KneserNeyLM.fit(TRAIN, VOCAB, NgramConfig(order))
    for context in ([], [0], [0, 1], [1, 2, 3], [6, 6, 6, 6], [5, 4, 3, 2, 1]):
        dist = model.distribution(context)
        assert dist.shape == (VOCAB,)
        assert np.all(dist > 0)
        assert dist.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("order", [2, 3, 4])
def test_matches_a_brute_force_reference(order):
    model = KneserNeyLM.fit(TRAIN, VOCAB, NgramConfig(order))
    for context in ([], [0, 1], [3, 3], [2, 2, 4], [6]):
        for token in range(VOCAB):
            expected = _reference_prob(model, TRAIN, context, token)
            assert np.exp(model.logprob(context, token)) == pytest.approx(expected, rel=1e-12)


def test_token_logprobs_agree_with_logprob():
    model = KneserNeyLM.fit(TRAIN, VOCAB, NgramConfig(3))
    seq = [0, 1, 2, 6, 6, 3]
    expected = [model.logprob(seq[:i], tok) for i, tok in enumerate(seq)]
    np.testing.assert_allclose(model.token_logprobs([seq]), expected, rtol=1e-12)


def test_repetitive_sequence_has_low_nll_and_random_high():
    pattern = [0, 1, 2, 3, 4, 5] * 40
    model = KneserNeyLM.fit([pattern], 10, NgramConfig(4))
    assert model.nll_per_token([pattern[:60]]) < 0.2
    noise = np.random.default_rng(0).integers(0, 10, 200)
    assert model.nll_per_token([noise]) > np.log(10)


def test_bad_tokens_are_rejected():
    with pytest.raises(ValueError, match="0..6"):
        KneserNeyLM.fit([[0, 7]], VOCAB)
    model = KneserNeyLM.fit(TRAIN, VOCAB)
    with pytest.raises(ValueError):
        model.logprob([1], VOCAB)
    with pytest.raises(ValueError):
        NgramConfig(0)
