"""Each regularizer against an independent numpy computation (loops on purpose)."""

import math

import numpy as np
import pytest
import tensorflow as tf

from disent_tf.models import regularizers
from disent_tf.models import vae

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture
def gaussian_batch():
    rng = np.random.RandomState(3)
    mean = rng.randn(16, 5).astype(np.float32)
    logvar = (0.5 * rng.randn(16, 5)).astype(np.float32)
    z = (mean + np.exp(logvar / 2) * rng.randn(16, 5)).astype(np.float32)
    return z, mean, logvar


def numpy_kl(mean, logvar):
    out = np.zeros(mean.shape[0])
    for i in range(mean.shape[0]):
        for l in range(mean.shape[1]):
            var = math.exp(logvar[i, l])
            # KL of two univariate normals, N(m, var) || N(0, 1).
            out[i] += 0.5 * (var + mean[i, l] ** 2 - 1.0 - math.log(var))
    return out


def numpy_log_normal(x, mean, logvar):
    var = math.exp(logvar)
    return -0.5 * math.log(2 * math.pi * var) - (x - mean) ** 2 / (2 * var)


def numpy_total_correlation(z, mean, logvar):
    batch, dim = z.shape
    values = []
    for j in range(batch):
        joint = [sum(numpy_log_normal(z[j, l], mean[k, l], logvar[k, l]) for l in range(dim)) for k in range(batch)]
        log_qz = np.logaddexp.reduce(joint)
        log_marginals = 0.0
        for l in range(dim):
            log_marginals += np.logaddexp.reduce([numpy_log_normal(z[j, l], mean[k, l], logvar[k, l]) for k in range(batch)])
        values.append(log_qz - log_marginals)
    return np.mean(values)


def numpy_covariance(x):
    n, d = x.shape
    mu = x.mean(axis=0)
    cov = np.zeros((d, d))
    for i in range(d):
        for j in range(d):
            cov[i, j] = sum((x[k, i] - mu[i]) * (x[k, j] - mu[j]) for k in range(n)) / n
    return cov


def numpy_dip(cov, lambda_od, lambda_d):
    total = 0.0
    for i in range(cov.shape[0]):
        for j in range(cov.shape[1]):
            total += lambda_d * (cov[i, i] - 1) ** 2 if i == j else lambda_od * cov[i, j] ** 2
    return total


def test_gaussian_kl_matches_closed_form(gaussian_batch):
    _, mean, logvar = gaussian_batch
    np.testing.assert_allclose(regularizers.gaussian_kl(mean, logvar).numpy(), numpy_kl(mean, logvar), **TOL)


def test_gaussian_kl_agrees_with_tfp():
    import tensorflow_probability as tfp

    rng = np.random.RandomState(0)
    mean, logvar = rng.randn(4, 3).astype(np.float32), rng.randn(4, 3).astype(np.float32)
    posterior = tfp.distributions.MultivariateNormalDiag(mean, np.exp(logvar / 2))
    prior = tfp.distributions.MultivariateNormalDiag(np.zeros(3, np.float32))
    np.testing.assert_allclose(
        regularizers.gaussian_kl(mean, logvar).numpy(), posterior.kl_divergence(prior).numpy(), rtol=1e-5
    )


@pytest.mark.parametrize("step", [0, 1, 250, 999, 1000, 5000])
def test_annealed_capacity_is_linear_then_flat(step):
    expected = min(25.0, 25.0 * step / 1000)
    assert float(regularizers.annealed_capacity(25.0, tf.constant(step, tf.int64), 1000)) == pytest.approx(expected)


def test_total_correlation_matches_loops(gaussian_batch):
    z, mean, logvar = gaussian_batch
    np.testing.assert_allclose(
        float(regularizers.total_correlation(z, mean, logvar)), numpy_total_correlation(z, mean, logvar), **TOL
    )


def test_total_correlation_of_one_latent_is_zero(gaussian_batch):
    # With a single latent the joint and the product of marginals coincide.
    z, mean, logvar = (a[:, :1] for a in gaussian_batch)
    assert abs(float(regularizers.total_correlation(z, mean, logvar))) < 1e-5


def test_batch_covariance_is_biased_covariance(gaussian_batch):
    _, mean, _ = gaussian_batch
    np.testing.assert_allclose(regularizers.batch_covariance(mean).numpy(), numpy_covariance(mean), **TOL)


def test_dip_i_penalty_matches_loops(gaussian_batch):
    _, mean, logvar = gaussian_batch
    cov = regularizers.dip_i_covariance(mean, logvar)
    expected = numpy_dip(numpy_covariance(mean), 2.0, 20.0)
    np.testing.assert_allclose(float(regularizers.dip_penalty(cov, 2.0, 20.0)), expected, **TOL)


def test_dip_ii_covariance_adds_mean_encoder_variance(gaussian_batch):
    _, mean, logvar = gaussian_batch
    expected = numpy_covariance(mean)
    for l in range(mean.shape[1]):
        expected[l, l] += np.mean([math.exp(logvar[k, l]) for k in range(mean.shape[0])])
    cov = regularizers.dip_ii_covariance(mean, logvar)
    np.testing.assert_allclose(cov.numpy(), expected, **TOL)
    np.testing.assert_allclose(float(regularizers.dip_penalty(cov, 1.0, 1.0)), numpy_dip(expected, 1.0, 1.0), **TOL)


def test_dip_penalty_is_zero_at_identity():
    assert float(regularizers.dip_penalty(tf.eye(4), 3.0, 7.0)) == 0.0


def test_shuffle_codes_permutes_each_dimension_independently():
    z = tf.constant(np.arange(64 * 6, dtype=np.float32).reshape(64, 6))
    seed = tf.constant([1, 2], tf.int64)
    shuffled = regularizers.shuffle_codes(z, seed).numpy()
    permutations = []
    for l in range(6):
        np.testing.assert_array_equal(np.sort(shuffled[:, l]), z.numpy()[:, l])
        permutations.append(tuple(((shuffled[:, l] - l) / 6).astype(int)))
    assert len(set(permutations)) == 6  # every dimension has its own permutation
    np.testing.assert_array_equal(regularizers.shuffle_codes(z, seed).numpy(), shuffled)  # same seed, same shuffle
    assert not np.array_equal(regularizers.shuffle_codes(z, tf.constant([1, 3], tf.int64)).numpy(), shuffled)


def test_bernoulli_reconstruction_for_grey_targets():
    rng = np.random.RandomState(1)
    images = rng.rand(3, 4, 4, 2).astype(np.float32)  # non-binary targets in [0, 1]
    logits = rng.randn(3, 4, 4, 2).astype(np.float32)
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    expected = -(images * np.log(p) + (1 - images) * np.log(1 - p)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(vae.reconstruction_loss(images, logits, "bernoulli").numpy(), expected, **TOL)


def test_l2_reconstruction_is_squared_error_of_sigmoid():
    rng = np.random.RandomState(2)
    images = rng.rand(3, 4, 4, 1).astype(np.float32)
    logits = rng.randn(3, 4, 4, 1).astype(np.float32)
    expected = ((images - 1 / (1 + np.exp(-logits))) ** 2).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(vae.reconstruction_loss(images, logits, "l2").numpy(), expected, **TOL)


def test_sample_latents_is_reparameterised_and_seeded():
    mean = tf.fill([20000, 2], 3.0)
    logvar = tf.fill([20000, 2], math.log(4.0))
    z = vae.sample_latents(mean, logvar, tf.constant([0, 1], tf.int64)).numpy()
    np.testing.assert_allclose(z.mean(axis=0), [3.0, 3.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [2.0, 2.0], atol=0.05)
    np.testing.assert_array_equal(vae.sample_latents(mean, logvar, tf.constant([0, 1], tf.int64)).numpy(), z)
