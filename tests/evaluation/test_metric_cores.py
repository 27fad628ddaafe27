"""Array-level metric cores: known answers on hand-made codes and factors."""

import numpy as np
import pytest

from disent_tf.evaluation.metrics import dci, factor_vae, mig, modularity, sap, unsupervised

SIZES = (4, 5, 6)


def _factors(num, seed=0):
    rng = np.random.RandomState(seed)
    return np.stack([rng.randint(size, size=num) for size in SIZES])


def _identity_codes(factors):
    """Codes equal to the factors, scaled and permuted (code i = 3 * factor perm[i] + 1)."""
    permutation = [2, 0, 1]
    return 3.0 * factors[permutation].astype(np.float64) + 1.0


def test_identity_representation_scores_near_one():
    train, test = _factors(600, seed=0), _factors(300, seed=1)
    codes_train, codes_test = _identity_codes(train), _identity_codes(test)
    assert mig.mig_from_codes(codes_train, train)["discrete_mig"] > 0.95
    scores = dci.dci_from_codes(codes_train, train, codes_test, test)
    assert scores["disentanglement"] > 0.9 and scores["completeness"] > 0.9
    assert scores["informativeness_test"] > 0.99
    assert sap.sap_from_codes(codes_train, train, codes_test, test)["SAP_score"] > 0.3
    result = modularity.modularity_explicitness_from_codes(codes_train, train, codes_test, test)
    assert result["modularity_score"] > 0.95
    assert result["explicitness_score_test"] > 0.9


def test_random_representation_scores_near_zero():
    train, test = _factors(400, seed=0), _factors(200, seed=1)
    rng = np.random.RandomState(2)
    codes_train, codes_test = rng.normal(size=(3, 400)), rng.normal(size=(3, 200))
    assert mig.mig_from_codes(codes_train, train)["discrete_mig"] < 0.05
    scores = dci.dci_from_codes(codes_train, train, codes_test, test)
    assert scores["disentanglement"] < 0.2 and scores["completeness"] < 0.2
    assert sap.sap_from_codes(codes_train, train, codes_test, test)["SAP_score"] < 0.05


def test_code_duplicated_for_two_factors_drops_mig_and_sap():
    train, test = _factors(600, seed=0), _factors(300, seed=1)
    codes_train, codes_test = _identity_codes(train), _identity_codes(test)
    duplicated_train = np.concatenate([codes_train, codes_train[:1]])  # code 3 copies code 0 = factor 2
    duplicated_test = np.concatenate([codes_test, codes_test[:1]])
    # Factor 2 now has two equally informative codes: its gap is 0, the others keep theirs.
    before = mig.mig_from_codes(codes_train, train)["discrete_mig"]
    after = mig.mig_from_codes(duplicated_train, train)["discrete_mig"]
    assert after == pytest.approx(before * 2 / 3, abs=0.01)
    sap_before = sap.score_matrix(codes_train, train, codes_test, test)
    sap_after = sap.sap_from_codes(duplicated_train, train, duplicated_test, test)["SAP_score"]
    expected = sap.avg_diff_top_two(sap_before) - (np.sort(sap_before[:, 2])[-1] - np.sort(sap_before[:, 2])[-2]) / 3
    assert sap_after == pytest.approx(expected, abs=1e-9)


def test_dci_entropy_weighting_hand_example():
    # Code 0 informs only factor 0; code 1 informs both factors equally.
    importance = np.array([[2.0, 0.0], [1.0, 1.0]])
    # Per code: 1 - H_2 = 1 and 0; weights rho = (2/4, 2/4) -> 0.5.
    assert dci.disentanglement(importance) == pytest.approx(0.5, abs=1e-6)
    # Per factor: factor 0 has P = (2/3, 1/3): 1 - H_2 = 1 - 0.9183; factor 1 has P = (0, 1): 1.
    h = -(2 / 3 * np.log2(2 / 3) + 1 / 3 * np.log2(1 / 3))
    assert dci.completeness(importance) == pytest.approx(0.75 * (1 - h) + 0.25 * 1.0, abs=1e-6)
    # An all-zero importance matrix scores 0, weighted uniformly instead of dividing by zero.
    assert dci.disentanglement(np.zeros((2, 2))) == pytest.approx(0.0, abs=1e-6)


def test_factor_vae_vote_classifier_hand_example():
    train_votes = np.array([[5, 0, 1], [2, 3, 0]])  # code 0 -> factor 0, code 1 -> factor 1, code 2 -> 0
    eval_votes = np.array([[1, 1, 0], [1, 2, 1]])
    scores = factor_vae.factor_vae_from_votes(train_votes, eval_votes)
    assert scores["train_accuracy"] == pytest.approx((5 + 3 + 1) / 11)
    assert scores["eval_accuracy"] == pytest.approx((1 + 2 + 0) / 6)
    np.testing.assert_array_equal(factor_vae.prune_dims(np.array([0.01, 0.0025, 0.0024])), [True, True, False])


def test_unsupervised_scores_of_diagonal_covariance_are_zero():
    rng = np.random.RandomState(0)
    codes = rng.normal(size=(3, 20000)) * np.array([[1.0], [2.0], [0.5]])
    scores = unsupervised.unsupervised_from_codes(codes)
    assert scores["gaussian_total_correlation"] == pytest.approx(0.0, abs=1e-3)
    assert scores["gaussian_wasserstein_correlation"] == pytest.approx(0.0, abs=1e-2)
    exact = np.diag([1.0, 4.0, 0.25])
    assert unsupervised.gaussian_total_correlation(exact) == pytest.approx(0.0, abs=1e-12)
    assert unsupervised.gaussian_wasserstein_correlation(exact) == pytest.approx(0.0, abs=1e-9)
    assert scores["mutual_info_score"] < 0.05


def test_unsupervised_scores_of_correlated_codes():
    covariance = np.array([[1.0, 0.8], [0.8, 1.0]])
    # Total correlation of a bivariate Gaussian: -0.5 log(1 - rho^2).
    assert unsupervised.gaussian_total_correlation(covariance) == pytest.approx(-0.5 * np.log(1 - 0.64))


def test_modularity_of_hand_mutual_information():
    mutual_info = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    # Code 0: delta 0 -> 1; code 1: delta (2 - 1) / (1 * 1) = 1 -> 0; code 2: no MI -> 0.
    assert modularity.modularity(mutual_info) == pytest.approx(1 / 3)
