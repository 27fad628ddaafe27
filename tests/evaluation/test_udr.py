"""UDR: relative strength by hand, correlation matrices, hand-made encoders, parity with disentanglement_lib."""

import numpy as np
import pytest
import scipy.stats

from disent_tf.errors import UserError
from disent_tf.evaluation import representation
from disent_tf.evaluation.udr import compute_udr, udr
from evaluation_fixtures import TinyData

DATA = TinyData()
SIZES = np.array(DATA.factor_sizes)


def gaussian_encoder(mean_fn, logvar=-3.0):
    """A GaussianEncoder of `mean_fn(observations) -> (n, L)` with a constant log-variance."""
    def gaussian(observations):
        mean = mean_fn(observations)
        return mean, np.full_like(mean, logvar)
    return representation.GaussianEncoder(gaussian)


def factor_codes(observations):
    """TinyData's factors, centred and scaled: one latent per factor."""
    return (np.round(observations[:, :3, -1, 0] * SIZES - 1) - (SIZES - 1) / 2) / SIZES


def test_relative_strength_hand_cases():
    assert udr.relative_strength_disentanglement(np.eye(3)) == 1.0
    # Columns and rows: max^2 / sum = 1/2, 1/2, 1 -> mean 2/3 each.
    two_shared = np.array([[1., 1., 0.], [1., 1., 0.], [0., 0., 1.]])
    assert udr.relative_strength_disentanglement(two_shared) == pytest.approx(2 / 3)
    assert udr.relative_strength_disentanglement(np.ones((3, 3))) == pytest.approx(1 / 3)
    assert udr.relative_strength_disentanglement(np.zeros((3, 3))) == 0.0
    # A NaN (constant latent under Spearman) counts its row and column as 0.
    with_nan = np.array([[1., np.nan], [0., 1.]])
    assert udr.relative_strength_disentanglement(with_nan) == pytest.approx(0.5)
    assert udr.relative_strength_disentanglement(np.zeros((0, 0))) == 0.0


def test_spearman_matches_scipy_and_copies():
    rng = np.random.RandomState(0)
    first = rng.random_sample((300, 3))
    second = np.column_stack([first[:, 0] ** 3, -first[:, 2], rng.random_sample(300)])
    matrix = udr.spearman_correlation_matrix(first, second)
    expected = np.abs(scipy.stats.spearmanr(first, second).correlation[:3, 3:])
    np.testing.assert_allclose(matrix, expected, atol=1e-12)
    np.testing.assert_allclose(matrix[[0, 2], [0, 1]], [1.0, 1.0], atol=1e-12)
    assert np.isnan(udr.spearman_correlation_matrix(first, np.zeros((300, 3)))).all()


def test_lasso_recovers_a_permutation():
    rng = np.random.RandomState(0)
    first = rng.normal(size=(500, 3))
    matrix = udr.lasso_correlation_matrix(first, -first[:, [1, 2, 0]])
    # Standardised inputs: each coefficient shrinks by alpha = 0.1; rows are latents of `first`.
    np.testing.assert_allclose(matrix, np.array([[0, 0, .9], [.9, 0, 0], [0, .9, 0]]), atol=0.02)


def test_permuted_models_agree_and_random_maps_do_not():
    rng = np.random.RandomState(0)
    permuted = [gaussian_encoder(factor_codes), gaussian_encoder(lambda x: -3 * factor_codes(x)[:, [2, 0, 1]])]
    # Lasso's best is 1 - alpha = 0.9: standardised one-to-one latents get coefficients 0.9, and
    # max^2 / sum of a row with one entry is that entry. Spearman's best is 1, less the sample
    # correlations (~0.05) of independent factors on 1,000 points.
    for correlation, best, tolerance in (("lasso", 0.9, 0.01), ("spearman", 1.0, 0.1)):
        scores = compute_udr(DATA, permuted, np.random.RandomState(0), correlation_matrix=correlation)
        assert [s["udr"] for s in scores] == pytest.approx([best, best], abs=tolerance)
        assert [s["num_active_dims"] for s in scores] == [3, 3]
    maps = [rng.normal(size=(64, 3)) for _ in range(3)]
    random_models = [gaussian_encoder(lambda x, w=w: np.tanh(x.reshape(len(x), -1) @ w / 4)) for w in maps]
    scores = compute_udr(DATA, random_models, np.random.RandomState(0), num_data_points=500)
    assert max(s["udr"] for s in scores) < 0.7


def test_kl_filter_drops_inactive_latents():
    noise = np.random.RandomState(1)

    def one_active(observations):
        # Latent 0 carries factor 0; three near-zero noise latents with logvar 0 have KL ~ 0.5 * 1e-4.
        codes = 0.01 * noise.normal(size=(len(observations), 4))
        codes[:, 0] = factor_codes(observations)[:, 0]
        return codes

    def gaussian(observations):
        mean = one_active(observations)
        logvar = np.zeros_like(mean)
        logvar[:, 0] = -3.0
        return mean, logvar

    models = [representation.GaussianEncoder(gaussian), representation.GaussianEncoder(gaussian)]
    filtered = compute_udr(DATA, models, np.random.RandomState(0))
    assert [s["udr"] for s in filtered] == pytest.approx([0.9, 0.9], abs=0.01)  # Lasso's best, 1 - alpha
    assert [s["num_active_dims"] for s in filtered] == [1, 1]
    unfiltered = compute_udr(DATA, models, np.random.RandomState(0), filter_low_kl=False)
    # The zeroed latents stay as empty rows and columns: 1 of 4 terms each way.
    assert [s["udr"] for s in unfiltered] == pytest.approx([0.9 / 4, 0.9 / 4], abs=0.01)


def test_core_median_over_partners():
    # Three models; model 2 is model 0 permuted, model 1 unrelated noise.
    rng = np.random.RandomState(3)
    base = rng.normal(size=(3, 400))
    codes = [base, rng.normal(size=(3, 400)), base[[1, 2, 0]]]
    result = udr.udr_from_codes(codes, [np.ones(3)] * 3)
    pairwise = result["pairwise_disentanglement_scores"]
    assert pairwise.shape == (3, 3) and np.all(np.diag(pairwise) == 0)
    assert pairwise[0, 2] == pytest.approx(0.9, abs=0.01) and pairwise[0, 1] < 0.5
    np.testing.assert_allclose(result["model_scores"], [np.median(pairwise[[1, 2], 0]), np.median(pairwise[[0, 2], 1]),
                                                        np.median(pairwise[[0, 1], 2])])
    assert result["raw_correlations"].shape == (3, 3, 3, 3)


def test_bad_input_is_a_user_error():
    one = [gaussian_encoder(factor_codes)]
    with pytest.raises(UserError, match="at least two"):
        compute_udr(DATA, one, np.random.RandomState(0))
    different = [gaussian_encoder(factor_codes), gaussian_encoder(lambda x: factor_codes(x)[:, :2])]
    with pytest.raises(UserError, match=r"\[2, 3\] latents"):
        compute_udr(DATA, different, np.random.RandomState(0), num_data_points=20)
    odd = representation.FunctionEncoder(lambda x: np.zeros((len(x), 3)))
    with pytest.raises(UserError, match="side by side"):
        compute_udr(DATA, [odd, odd], np.random.RandomState(0), num_data_points=20)
    with pytest.raises(UserError, match="multiple of its batch_size"):
        compute_udr(DATA, one * 2, np.random.RandomState(0), num_data_points=25)
    with pytest.raises(UserError, match="correlation matrix"):
        compute_udr(DATA, one * 2, np.random.RandomState(0), correlation_matrix="pearson")


# Expected values from disentanglement_lib's evaluation/udr/metrics/udr.py (repository HEAD; not in the 1.5
# release, so run from the repository's file in a scratch environment with gin keywords mapped as in
# STACK_NOTES.md): compute_udr_sklearn(TinyData adapter, [the three models below as (mean, KL) functions],
# RandomState(0), batch_size=10, num_data_points=200, correlation, filter_low_kl), model_scores.
def parity_model(seed, dead=()):
    rng = np.random.RandomState(seed)
    weights, logvar_weights = rng.normal(size=(64, 4)), rng.normal(scale=0.1, size=(64, 4))

    def params(observations):
        flat = observations.reshape(len(observations), -1).astype(np.float64)
        mean, logvar = np.tanh(flat @ weights / 4), flat @ logvar_weights - 1.0
        mean[:, list(dead)], logvar[:, list(dead)] = 0.0, 0.0
        return mean, logvar

    return representation.GaussianEncoder(params)


@pytest.mark.parametrize("correlation,filter_low_kl,expected", [
    ("lasso", True, [0.546987513061, 0.535869198731, 0.530150707013]),
    ("lasso", False, [0.515831854181, 0.505882154905, 0.455738618878]),
    ("spearman", True, [0.429978439133, 0.429827451251, 0.436587602976]),
    ("spearman", False, [0.273671185914, 0.281703385298, 0.132156283804]),
])
def test_parity_with_disentanglement_lib(correlation, filter_low_kl, expected):
    models = [parity_model(1), parity_model(2), parity_model(3, dead=(2,))]
    scores = compute_udr(DATA, models, np.random.RandomState(0), num_data_points=200, correlation_matrix=correlation,
                         filter_low_kl=filter_low_kl)
    assert [s["udr"] for s in scores] == pytest.approx(expected, abs=1e-9)
    assert [s["num_active_dims"] for s in scores] == [4, 4, 3]
