"""Interventional robustness score: hand-computed core, known answers, parity with disentanglement_lib."""

import numpy as np
import pytest

from disent_tf.evaluation.metrics import irs
from evaluation_fixtures import TinyData, linear_gaussian


def identity(observations):
    """TinyData's factors read back from its image (row f holds (f + 1) / size at the last pixel)."""
    sizes = np.array(TinyData().factor_sizes)
    return np.round(observations[:, :3, -1, 0] * sizes - 1)


def test_hand_computed_two_groups():
    # One code, one factor with two classes; the constant second code is dropped.
    codes = np.array([[0., 1., 0., 3.], [5., 5., 5., 5.]])
    factors = np.array([[0, 0, 1, 1]])
    # Mean 1, max deviation 2. Class 0: {0, 1} spread 0.5; class 1: {0, 3} spread 1.5; mean 1.0 -> 1 - 1/2.
    assert irs.irs_from_codes(codes, factors, diff_quantile=1.0) == {"IRS": pytest.approx(0.5), "num_active_dims": 1}
    result = irs.interventional_robustness(codes[:1], factors, 1.0)
    np.testing.assert_allclose(result["IRS_matrix"], [[0.5]])
    np.testing.assert_allclose(result["max_deviations"], [2.0])


def test_weighting_by_max_deviation_and_parents():
    factors = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    # Code 0 = factor 0 exactly (score 1, deviation 0.5); code 1 = 3 * factor 1 (score 1, deviation 1.5);
    # code 2 mixes both equally: within any class of either factor it spreads by 0.5 of max 1 -> 0.5.
    codes = np.array([[0., 0., 1., 1.], [0., 3., 0., 3.], [0., 1., 1., 2.]])
    result = irs.interventional_robustness(codes, factors, 1.0)
    np.testing.assert_allclose(result["disentanglement_scores"], [1., 1., 0.5])
    np.testing.assert_array_equal(result["parents"][:2], [0, 1])
    assert result["avg_score"] == pytest.approx((0.5 + 1.5 + 0.5 * 1.0) / 3.0)


def test_factors_above_twenty_classes_are_binned():
    # 40 classes become 20 bins of two: a code equal to the class then varies inside each bin.
    factors = np.arange(40)[np.newaxis].repeat(5, axis=0).reshape(1, -1)
    codes = factors.astype(np.float64)
    assert irs.irs_from_codes(codes, factors)["IRS"] < 1.0
    assert irs.irs_from_codes(codes, factors, num_bins=40)["IRS"] == pytest.approx(1.0)


def test_identity_scores_one_and_constant_scores_zero():
    data = TinyData()
    scores = irs.compute_irs(data, identity, np.random.RandomState(0), num_train=600)
    assert scores == {"IRS": pytest.approx(1.0), "num_active_dims": 3}
    constant = irs.compute_irs(data, lambda x: np.zeros((len(x), 3)), np.random.RandomState(0), num_train=300)
    assert constant == {"IRS": 0.0, "num_active_dims": 0}


def test_noise_codes_score_low():
    noise = np.random.RandomState(5)
    scores = irs.compute_irs(TinyData(), lambda x: noise.normal(size=(len(x), 3)), np.random.RandomState(0),
                             num_train=1000)
    # The floor for noise is not 0: the 99% quantile of |z - E[z | g]| (~2.6 sd) against the largest
    # deviation of 1,000 draws (~3.5 sd) leaves ~0.3.
    assert 0.15 < scores["IRS"] < 0.4 and scores["num_active_dims"] == 3


def test_reduced_settings_scale_the_sample_count():
    arguments = irs.METRIC.arguments(sample_scale=0.01)
    assert arguments["num_train"] == 100 and arguments["batch_size"] == 16 and arguments["diff_quantile"] == 0.99


# Expected values from disentanglement_lib 1.5 (pip, --no-deps, gin keywords mapped as in STACK_NOTES.md),
# irs.compute_irs(TinyData adapter, the mean of linear_gaussian(4, seed=1), RandomState(0), None, 0.99,
# 500, 16) with discretizer.num_bins=20 and @histogram_discretizer; and its scalable_disentanglement_score on
# the arrays of `_core_fixture` (after _drop_constant_dims and the histogram discretiser). Its
# num_active_dims was 664.258 there, the sum of the kept codes' values (see irs.py); ours is the count.
def _core_fixture():
    rs = np.random.RandomState(3)
    factors = np.stack([rs.randint(size, size=400) for size in (3, 30)])
    codes = np.stack([factors[0] + 0.3 * rs.normal(size=400), np.sin(factors[1] / 5.) + 0.1 * rs.normal(size=400),
                      rs.normal(size=400), np.zeros(400)])
    return codes, factors


def test_parity_with_disentanglement_lib():
    codes, factors = _core_fixture()
    assert irs.irs_from_codes(codes, factors)["IRS"] == pytest.approx(0.556504361536388, abs=1e-12)
    assert irs.irs_from_codes(codes, factors, 1.0)["IRS"] == pytest.approx(0.5230967403570245, abs=1e-12)
    mean = linear_gaussian(num_latent=4, seed=1)
    scores = irs.compute_irs(TinyData(), lambda x: mean(x)[0], np.random.RandomState(0), num_train=500)
    assert scores["IRS"] == pytest.approx(0.5359908409506394, abs=1e-9)
    assert scores["num_active_dims"] == 4
