"""The known answers of disentanglement_lib's own metric tests, asserted on disent_tf's metrics.

disentanglement_lib (dlib) tests each metric on `dummy_data.IdentityObservationsData`
(10 factors whose values are drawn by `random_integers(10, size=(n, 10))` and
whose observations are the factor values themselves) with small sample
counts, and its array cores on hand-made importance / covariance matrices.
This file ports the expectation of every assertion in those tests (the
values, not the code) to our compute functions and array cores, at dlib's
own settings and seeds. `IdentityObservations` below is our equivalent of
that fixture.

Ported, dlib test (disentanglement_lib/evaluation/metrics/<file>) -> test here:

beta_vae_test.py
  BetaVaeTest.test_metric -> test_beta_vae_identity
factor_vae_test.py
  FactorVaeTest.test_metric -> test_factor_vae_identity
  FactorVaeTest.test_bad_metric -> test_factor_vae_zero
mig_test.py
  MIGTest.test_metric -> test_mig_identity
  MIGTest.test_bad_metric -> test_mig_zero
  MIGTest.test_duplicated_latent_space -> test_mig_duplicated
dci_test.py
  DisentanglementTest.test_{diagonal, diagonal_empty_codes, zero, redundant_codes,
    missed_factors, one_code_two_factors} -> test_dci_disentanglement_core[<name>]
  CompletenessTest.test_{same six} -> test_dci_completeness_core[<name>]
  DCITest.test_metric -> test_dci_identity
  DCITest.test_bad_metric -> test_dci_permuted
  DCITest.test_duplicated_latent_space -> test_dci_duplicated
sap_score_test.py
  SapScoreTest.test_metric -> test_sap_identity
  SapScoreTest.test_bad_metric -> test_sap_zero
  SapScoreTest.test_duplicated_latent_space -> test_sap_duplicated
modularity_explicitness_test.py
  ModularityTest.test_{diagonal, diagonal_empty_codes, zero, redundant_codes,
    missed_factors, one_code_two_factors} -> test_modularity_core[<name>]
  ModularityExplicitnessTest.test_metric -> test_modularity_identity
  ModularityExplicitnessTest.test_bad_metric -> test_modularity_permuted
  ModularityExplicitnessTest.test_duplicated_latent_space -> test_modularity_duplicated
unsupervised_metrics_test.py
  UnsupervisedMetricsTest.test_gaussian_total_correlation_zero -> test_gaussian_total_correlation_zero
  UnsupervisedMetricsTest.test_gaussian_total_correlation_same -> test_gaussian_total_correlation_is_kl
  UnsupervisedMetricsTest.test_gaussian_wasserstein_correlation_zero -> test_gaussian_wasserstein_correlation_zero
  UnsupervisedMetricsTest.test_gaussian_wasserstein_correlation_same
    -> test_gaussian_wasserstein_correlation_closed_form
utils_test.py
  UtilsTest.test_histogram_discretizer -> test_histogram_discretizer
  UtilsTest.test_discrete_entropy -> test_discrete_entropy
  UtilsTest.test_discrete_mutual_info -> test_discrete_mutual_info
  UtilsTest.test_split_train_test: not ported; disent_tf has no split_train_test
    (its metrics draw their train and test points separately, as the study's did).

dlib's MIG and modularity tests bind an identity discretizer. Our metrics take
the study's 20-bin histogram discretizer instead; on integer codes 0..9 that is
one-to-one (`test_histogram_is_one_to_one_on_the_fixture` checks it), and MI
is invariant under a one-to-one relabelling, so the scores are the same.
"""

import numpy as np
import pytest
import scipy.linalg

from disent_tf.data.base import GroundTruthData
from disent_tf.evaluation import discretize
from disent_tf.evaluation.metrics import beta_vae, dci, factor_vae, mig, modularity, sap, unsupervised

NUM_FACTORS = 10
NUM_VALUES = 10


class IdentityObservations(GroundTruthData):
    """Ten factors of ten values; an observation is its factor vector (our IdentityObservationsData).

    Factors are drawn as dlib's fixture draws them, one `(n, 10)` block from
    the RandomState (`randint(10)` consumes the stream as `random_integers(10)`
    does, giving 0..9 instead of 1..10; every metric here is shift-invariant).
    Our protocol wants images in [0, 1], so the observation is a 1x1 image whose
    10 channels are factor / 9; `identity` below maps it back to the factors.
    """

    name = "identity_observations"

    @property
    def factor_names(self):
        return [f"Factor {i}" for i in range(NUM_FACTORS)]

    @property
    def factor_sizes(self):
        return [NUM_VALUES] * NUM_FACTORS

    @property
    def observation_shape(self):
        return (1, 1, NUM_FACTORS)

    @property
    def data_source(self):
        return "rendered in the test"

    def sample_factors(self, num, rng):
        return rng.randint(NUM_VALUES, size=(num, NUM_FACTORS)).astype(np.int64)

    def sample_observations_from_factors(self, factors, rng):
        factors = self.check_factors(factors)
        return (factors / (NUM_VALUES - 1.)).astype(np.float32).reshape(len(factors), 1, 1, NUM_FACTORS)


def identity(observations):
    """The factors themselves, float64 (dlib: `lambda x: np.array(x, dtype=np.float64)`)."""
    return np.rint(np.reshape(observations, (len(observations), -1)) * (NUM_VALUES - 1.)).astype(np.float64)


def zeros(observations):
    """A constant code (dlib: `np.zeros_like`)."""
    return np.zeros((len(observations), NUM_FACTORS))


def duplicated(observations):
    """Every factor twice (dlib: `np.hstack([x, x])`)."""
    codes = identity(observations)
    return np.hstack([codes, codes])


def permuted_factors():
    """Each point's factors in a random order of its own, from RandomState(0) (dlib's bad DCI/modularity code)."""
    rng = np.random.RandomState(0)

    def representation(observations):
        codes = identity(observations)
        for row in range(codes.shape[0]):
            codes[row, :] = rng.permutation(codes[row, :])
        return codes

    return representation


def assert_between(value, low, high):
    """absltest's assertBetween: low <= value <= high."""
    assert low <= value <= high, f"{value} not in [{low}, {high}]"


@pytest.fixture
def data():
    return IdentityObservations()


def test_histogram_is_one_to_one_on_the_fixture(data):
    # Justifies replacing dlib's identity discretizer (see module docstring).
    factors, observations = data.sample(2000, np.random.RandomState(0))
    codes = identity(observations).T
    np.testing.assert_array_equal(codes, factors.T)
    binned = discretize.histogram_discretize(codes)
    for row in range(codes.shape[0]):
        assert len(set(zip(codes[row], binned[row]))) == len(np.unique(codes[row])) == len(np.unique(binned[row]))


# BetaVAE -------------------------------------------------------------------------------------------------------


def test_beta_vae_identity(data):
    # dlib: beta_vae_test.BetaVaeTest.test_metric (batch_size 5, num_train 2000, num_eval 2000)
    scores = beta_vae.compute_beta_vae(data, identity, np.random.RandomState(0),
                                       batch_size=5, num_train=2000, num_eval=2000)
    assert_between(scores["train_accuracy"], 0.9, 1.0)
    assert_between(scores["eval_accuracy"], 0.9, 1.0)


# FactorVAE -----------------------------------------------------------------------------------------------------

FACTOR_VAE_SETTINGS = dict(batch_size=5, num_train=3000, num_eval=2000, num_variance_estimate=2500)


def test_factor_vae_identity(data):
    # dlib: factor_vae_test.FactorVaeTest.test_metric
    scores = factor_vae.compute_factor_vae(data, identity, np.random.RandomState(0), **FACTOR_VAE_SETTINGS)
    assert_between(scores["train_accuracy"], 0.9, 1.0)
    assert_between(scores["eval_accuracy"], 0.9, 1.0)


def test_factor_vae_zero(data):
    # dlib: factor_vae_test.FactorVaeTest.test_bad_metric
    scores = factor_vae.compute_factor_vae(data, zeros, np.random.RandomState(0), **FACTOR_VAE_SETTINGS)
    assert_between(scores["train_accuracy"], 0.0, 0.2)
    assert_between(scores["eval_accuracy"], 0.0, 0.2)


# MIG -----------------------------------------------------------------------------------------------------------


def test_mig_identity(data):
    # dlib: mig_test.MIGTest.test_metric (num_train 3000)
    scores = mig.compute_mig(data, identity, np.random.RandomState(0), num_train=3000)
    assert_between(scores["discrete_mig"], 0.9, 1.0)


def test_mig_zero(data):
    # dlib: mig_test.MIGTest.test_bad_metric
    scores = mig.compute_mig(data, zeros, np.random.RandomState(0), num_train=3000)
    assert_between(scores["discrete_mig"], 0.0, 0.2)


def test_mig_duplicated(data):
    # dlib: mig_test.MIGTest.test_duplicated_latent_space
    scores = mig.compute_mig(data, duplicated, np.random.RandomState(0), num_train=3000)
    assert_between(scores["discrete_mig"], 0.0, 0.1)


# DCI -----------------------------------------------------------------------------------------------------------

DIAGONAL = np.diag(5. * np.ones(5))
# dlib's hand-made importance matrices (codes x factors), shared by the DCI and modularity core tests.
IMPORTANCE = {
    "diagonal": DIAGONAL,
    "diagonal_empty_codes": np.array([[1., 0.], [0., 1.], [0., 0.]]),
    "zero": np.zeros((10, 10)),
    "redundant_codes": np.vstack([DIAGONAL, DIAGONAL]),
    "missed_factors": DIAGONAL[:2, :],
    "one_code_two_factors": np.hstack([DIAGONAL, DIAGONAL]),
}
TWO_OF_TEN = 1. - np.log(2) / np.log(10)  # 1 - H_10 of a weight split evenly over two of ten


@pytest.mark.parametrize("case, expected", [
    ("diagonal", 1.),  # dlib: dci_test.DisentanglementTest.test_diagonal
    ("diagonal_empty_codes", 1.),  # dlib: dci_test.DisentanglementTest.test_diagonal_empty_codes
    ("zero", 0.),  # dlib: dci_test.DisentanglementTest.test_zero
    ("redundant_codes", 1.),  # dlib: dci_test.DisentanglementTest.test_redundant_codes
    ("missed_factors", 1.),  # dlib: dci_test.DisentanglementTest.test_missed_factors
    ("one_code_two_factors", TWO_OF_TEN),  # dlib: dci_test.DisentanglementTest.test_one_code_two_factors
])
def test_dci_disentanglement_core(case, expected):
    np.testing.assert_allclose(dci.disentanglement(IMPORTANCE[case]), expected)


@pytest.mark.parametrize("case, expected, atol", [
    ("diagonal", 1., 0.),  # dlib: dci_test.CompletenessTest.test_diagonal
    ("diagonal_empty_codes", 1., 0.),  # dlib: dci_test.CompletenessTest.test_diagonal_empty_codes
    ("zero", 0., 1e-7),  # dlib: dci_test.CompletenessTest.test_zero
    ("redundant_codes", TWO_OF_TEN, 0.),  # dlib: dci_test.CompletenessTest.test_redundant_codes
    ("missed_factors", 1., 0.),  # dlib: dci_test.CompletenessTest.test_missed_factors
    ("one_code_two_factors", 1., 0.),  # dlib: dci_test.CompletenessTest.test_one_code_two_factors
])
def test_dci_completeness_core(case, expected, atol):
    np.testing.assert_allclose(dci.completeness(IMPORTANCE[case]), expected, atol=atol)


def test_dci_identity(data):
    # dlib: dci_test.DCITest.test_metric (num_train 1000, num_test 1000)
    scores = dci.compute_dci(data, identity, np.random.RandomState(0), num_train=1000, num_test=1000)
    assert_between(scores["disentanglement"], 0.9, 1.0)
    assert_between(scores["completeness"], 0.9, 1.0)


def test_dci_permuted(data):
    # dlib: dci_test.DCITest.test_bad_metric
    scores = dci.compute_dci(data, permuted_factors(), np.random.RandomState(0), num_train=1000, num_test=1000)
    assert_between(scores["disentanglement"], 0.0, 0.2)
    assert_between(scores["completeness"], 0.0, 0.2)


def test_dci_duplicated(data):
    # dlib: dci_test.DCITest.test_duplicated_latent_space
    scores = dci.compute_dci(data, duplicated, np.random.RandomState(0), num_train=1000, num_test=1000)
    assert_between(scores["disentanglement"], 0.9, 1.0)
    assert_between(scores["completeness"], TWO_OF_TEN - .1, TWO_OF_TEN + .1)


# SAP -----------------------------------------------------------------------------------------------------------

SAP_SETTINGS = dict(num_train=3000, num_test=3000, continuous_factors=True)


def test_sap_identity(data):
    # dlib: sap_score_test.SapScoreTest.test_metric
    scores = sap.compute_sap(data, identity, np.random.RandomState(0), **SAP_SETTINGS)
    assert_between(scores["SAP_score"], 0.9, 1.0)


def test_sap_zero(data):
    # dlib: sap_score_test.SapScoreTest.test_bad_metric
    scores = sap.compute_sap(data, zeros, np.random.RandomState(0), **SAP_SETTINGS)
    assert_between(scores["SAP_score"], 0.0, 0.2)


def test_sap_duplicated(data):
    # dlib: sap_score_test.SapScoreTest.test_duplicated_latent_space
    scores = sap.compute_sap(data, duplicated, np.random.RandomState(0), **SAP_SETTINGS)
    assert_between(scores["SAP_score"], 0.0, 0.2)


# Modularity ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case, expected", [
    ("diagonal", 1.),  # dlib: modularity_explicitness_test.ModularityTest.test_diagonal
    ("diagonal_empty_codes", 2. / 3.),  # dlib: modularity_explicitness_test.ModularityTest.test_diagonal_empty_codes
    ("zero", 0.),  # dlib: modularity_explicitness_test.ModularityTest.test_zero
    ("redundant_codes", 1.),  # dlib: modularity_explicitness_test.ModularityTest.test_redundant_codes
    ("missed_factors", 1.),  # dlib: modularity_explicitness_test.ModularityTest.test_missed_factors
    ("one_code_two_factors", 1 - 1 / 9),  # dlib: modularity_explicitness_test.ModularityTest.test_one_code_two_factors
])
def test_modularity_core(case, expected):
    np.testing.assert_allclose(modularity.modularity(IMPORTANCE[case]), expected)


def test_modularity_identity(data):
    # dlib: modularity_explicitness_test.ModularityExplicitnessTest.test_metric (num_train 3000, num_test 3000)
    scores = modularity.compute_modularity_explicitness(data, identity, np.random.RandomState(0),
                                                        num_train=3000, num_test=3000)
    assert_between(scores["modularity_score"], 0.9, 1.0)


def test_modularity_permuted(data):
    # dlib: modularity_explicitness_test.ModularityExplicitnessTest.test_bad_metric (20000 train, 20000 test)
    scores = modularity.compute_modularity_explicitness(data, permuted_factors(), np.random.RandomState(0),
                                                        num_train=20000, num_test=20000)
    assert_between(scores["modularity_score"], 0.0, 0.2)


def test_modularity_duplicated(data):
    # dlib: modularity_explicitness_test.ModularityExplicitnessTest.test_duplicated_latent_space
    scores = modularity.compute_modularity_explicitness(data, duplicated, np.random.RandomState(0),
                                                        num_train=3000, num_test=3000)
    assert_between(scores["modularity_score"], 0.9, 1.0)


# Unsupervised scores -------------------------------------------------------------------------------------------

CORRELATED = np.array([[1, 0.9], [0.9, 1.0]], dtype=np.float32)


def _gaussian_kl(mean_0, cov_0, mean_1, cov_1):
    """KL(N(mean_0, cov_0) || N(mean_1, cov_1)) by the textbook formula (determinants and inverse)."""
    inverse_1 = np.linalg.inv(cov_1)
    difference = mean_1 - mean_0
    return 0.5 * (np.trace(inverse_1 @ cov_0) + difference @ inverse_1 @ difference - len(mean_0)
                  + np.log(np.linalg.det(cov_1) / np.linalg.det(cov_0)))


def test_gaussian_total_correlation_zero():
    # dlib: unsupervised_metrics_test.UnsupervisedMetricsTest.test_gaussian_total_correlation_zero
    assert_between(unsupervised.gaussian_total_correlation(np.eye(5)), -0.01, 0.01)


def test_gaussian_total_correlation_is_kl():
    # dlib: unsupervised_metrics_test.UnsupervisedMetricsTest.test_gaussian_total_correlation_same
    means = np.zeros(2, dtype=np.float32)
    expected = _gaussian_kl(means, CORRELATED, means, np.diag(np.diag(CORRELATED)))
    assert_between(unsupervised.gaussian_total_correlation(CORRELATED), expected - 0.01, expected + 0.01)


def test_gaussian_wasserstein_correlation_zero():
    # dlib: unsupervised_metrics_test.UnsupervisedMetricsTest.test_gaussian_wasserstein_correlation_zero
    assert_between(unsupervised.gaussian_wasserstein_correlation(np.eye(5)), -0.01, 0.01)


def test_gaussian_wasserstein_correlation_closed_form():
    # dlib: unsupervised_metrics_test.UnsupervisedMetricsTest.test_gaussian_wasserstein_correlation_same
    diagonal = np.diag(np.diag(CORRELATED))
    expected = np.trace(CORRELATED + diagonal - 2 * scipy.linalg.sqrtm(CORRELATED @ diagonal))
    score = unsupervised.gaussian_wasserstein_correlation(CORRELATED)
    assert_between(score, expected - 0.01, expected + 0.01)


# Discretiser and discrete information (dlib's metrics/utils.py) ------------------------------------------------


def test_histogram_discretizer():
    # dlib: utils_test.UtilsTest.test_histogram_discretizer
    target = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.6, .5, .4, .3, .2, .1]])
    np.testing.assert_array_equal(discretize.histogram_discretize(target, num_bins=3),
                                  [[1, 1, 2, 2, 3, 3], [3, 3, 2, 2, 1, 1]])


def test_discrete_entropy():
    # dlib: utils_test.UtilsTest.test_discrete_entropy
    target = np.array([[1, 1, 2, 2, 3, 3], [3, 3, 2, 2, 1, 1]])
    np.testing.assert_allclose(discretize.discrete_entropy(target), [np.log(3), np.log(3)])


def test_discrete_mutual_info():
    # dlib: utils_test.UtilsTest.test_discrete_mutual_info
    xs = np.array([[1, 2, 1, 2], [1, 1, 2, 2]])
    ys = np.array([[1, 2, 1, 2], [2, 2, 1, 1]])
    np.testing.assert_allclose(discretize.discrete_mutual_info(xs, ys), [[np.log(2), 0.], [0., np.log(2)]])
