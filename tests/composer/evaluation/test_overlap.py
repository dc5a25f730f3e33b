"""Overlapping area of two feature distributions."""

import math

import numpy as np
import pytest

from engine.composer.evaluation.overlap import (
    OverlapConfig, bandwidth, compare_feature_sets, kl_divergence_of_values, overlap_of_distances,
    overlap_of_values)

RNG = np.random.default_rng(7)


def test_identical_sets_give_one():
    values = RNG.normal(size=500)
    assert overlap_of_values(values, values.copy()) == pytest.approx(1.0, abs=1e-12)
    assert overlap_of_values([3, 3, 3], [3, 3]) == pytest.approx(1.0, abs=1e-9)
    assert kl_divergence_of_values(values, values) == pytest.approx(0.0, abs=1e-12)


def test_disjoint_sets_give_about_zero():
    a = RNG.normal(0, 1, 300)
    assert overlap_of_values(a, a + 50) < 1e-6
    assert overlap_of_values([1, 1, 1], [2, 2, 2]) < 1e-6


def test_shifted_gaussians_match_the_analytic_overlap():
    # OA of N(0,1) and N(1,1) is 2 Φ(-1/2) ≈ 0.617
    a, b = RNG.normal(0, 1, 4000), RNG.normal(1, 1, 4000)
    expected = 1 + math.erf(-0.5 / math.sqrt(2))
    assert overlap_of_values(a, b) == pytest.approx(expected, abs=0.04)
    assert overlap_of_values(a, b) == pytest.approx(overlap_of_values(b, a), abs=1e-9)


def test_nan_values_are_dropped():
    assert overlap_of_values([1.0, np.nan, 2.0], [1.0, 2.0]) == pytest.approx(1.0, abs=1e-12)
    assert math.isnan(overlap_of_values([np.nan], [1.0]))


def test_bandwidth_rules_follow_scipy():
    x = np.arange(10.0)
    assert bandwidth(x, "scott") == pytest.approx(x.std(ddof=1) * 10 ** -0.2)
    assert bandwidth(x, "silverman") == pytest.approx(x.std(ddof=1) * 7.5 ** -0.2)
    with pytest.raises(ValueError):
        OverlapConfig(bandwidth="wide")


def test_distance_overlap_for_histogram_features():
    real = RNG.dirichlet(np.ones(12), size=150)
    assert overlap_of_distances(real, real) > 0.9
    alike = RNG.dirichlet(np.ones(12), size=150)
    peaked = RNG.dirichlet(np.full(12, 0.05), size=150)
    assert overlap_of_distances(alike, real) > 0.85
    assert overlap_of_distances(peaked, real) < 0.6


def test_compare_feature_sets_picks_the_method_by_shape():
    from engine.composer.evaluation.features import collect_phrase_features, table_from_triples

    tables = [table_from_triples([(60 + i, i * 480, 480) for i in range(n)], 1920) for n in (4, 6, 8, 9)]
    feats = collect_phrase_features(tables)
    assert feats["pitch_class_histogram"].shape == (4, 12) and feats["pitch_count"].shape == (4,)
    result = compare_feature_sets(feats, feats)
    assert result["pitch_count"] == pytest.approx(1.0)
    assert 0.5 < result["pitch_class_histogram"] <= 1.0
