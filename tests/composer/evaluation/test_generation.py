"""Phrase plans for the evaluation: the intent mapping's inverse and real-phrase cutting."""

import numpy as np
import pytest

from engine.composer.composer import intent_conditioning
from engine.composer.evaluation import generation

from ..conftest import SPEC


@pytest.mark.parametrize("minor", [False, True])
def test_intent_for_labels_inverts_the_composer_mapping(minor):
    for valence, arousal, intensity in [(0.2, 0.0, 0.3), (0.9, 0.6, 1.0), (0.5, 1.0, 0.0)]:
        request = generation.PhraseRequest(valence, arousal, intensity, minor, "6/8", 0)
        cond = intent_conditioning(generation.request_intent(request), SPEC)
        back = generation.intent_for_labels(float(cond[0]), float(cond[1]), float(cond[2]), minor, SPEC)
        np.testing.assert_allclose(back, (valence, arousal, intensity), atol=1e-5)


def test_control_plan_covers_the_grid_and_asks_minor_below_half():
    plan = generation.control_plan(seeds_per_cell=2)
    assert len(plan) == 4 * 5 * 2 * 2 and len({p.seed for p in plan}) == len(plan)
    assert all(p.minor == (p.valence < 0.5) for p in plan)


def test_real_phrases_and_per_bar_requests(fixture_tunes):
    tunes = [(bars, minor) for bars, minor, _ in fixture_tunes]
    phrases = generation.real_phrases(tunes, 4)
    assert phrases and all(len(bars) == 4 for bars, _ in phrases)
    plan = generation.matched_plan(phrases[:3], SPEC, per_bar=True)
    assert all(len(p.bar_arousal) == 4 and len(p.bar_intensity) == 4 for p in plan)
    assert generation.request_intent(plan[0], 2).arousal == plan[0].bar_arousal[2]
    assert generation.subsample(list(range(10)), 4) == sorted(generation.subsample(list(range(10)), 4))
