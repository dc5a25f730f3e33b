"""Ranks, Spearman's ρ, NRMSE and accuracy on inputs with known answers."""

import math

import numpy as np
import pytest

from engine.composer.evaluation.stats import accuracy, nrmse, pearson_r, rank_average, rmse, spearman_rho


def test_average_ranks_with_ties():
    np.testing.assert_array_equal(rank_average([10, 20, 20, 30]), [1, 2.5, 2.5, 4])
    np.testing.assert_array_equal(rank_average([3, 1, 3, 3]), [3, 1, 3, 3])


def test_spearman_known_values():
    assert spearman_rho([1, 2, 3, 4, 5], [2, 4, 8, 16, 32]) == pytest.approx(1.0)
    assert spearman_rho([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]) == pytest.approx(-1.0)
    # with a tie in y; scipy.stats.spearmanr gives 0.8207826816681233
    assert spearman_rho([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(0.8207826816681233)
    # ties in both (the d² formula would be wrong): ranks [1, 2.5, 2.5, 4] and
    # [1, 3.5, 2, 3.5], centred products sum to 3.75, variances 4.5 each: 5/6
    assert spearman_rho([1, 2, 2, 3], [1, 3, 2, 3]) == pytest.approx(5 / 6)
    assert spearman_rho([1, 1, 2, 2], [1, 2, 1, 2]) == pytest.approx(0.0)


def test_spearman_of_constant_input_is_nan():
    assert math.isnan(spearman_rho([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError, match="length"):
        spearman_rho([1, 2], [1, 2, 3])


def test_pearson_and_errors():
    assert pearson_r([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert nrmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3) / 4)
    assert nrmse([0, 0], [1, 3], normaliser="std") == pytest.approx(math.sqrt(5) / 1.0)
    assert math.isnan(nrmse([1, 2], [3, 3]))


def test_accuracy_on_labels():
    assert accuracy(["major", "minor", "minor"], ["major", "major", "minor"]) == pytest.approx(2 / 3)
    assert accuracy([1, 2], [1, 2]) == 1.0
