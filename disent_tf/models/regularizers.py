"""Pure tensor functions behind the six regularizers of the study (REFERENCE.md section 2).

Every function takes and returns plain tensors, has no variables and no hidden
random state, and runs inside `tf.function`, under XLA and in a replica context.
Each one is checked against an independent numpy computation in
tests/models/test_regularizers.py.
"""

import math

import tensorflow as tf


def gaussian_kl(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, I)) per example, summed over the latents.

    Closed form 0.5 * sum_l (mean_l^2 + exp(logvar_l) - logvar_l - 1)
    (Kingma & Welling 2014, appendix B). Returns shape (batch,).
    """
    return 0.5 * tf.reduce_sum(tf.square(mean) + tf.exp(logvar) - logvar - 1.0, axis=1)


def annealed_capacity(c_max, step, iteration_threshold):
    """Capacity C = min(c_max, c_max * step / iteration_threshold).

    The linear schedule of Burgess et al. 2018, "Understanding disentangling in
    beta-VAE" (arXiv:1804.03599), Eq. 8, as disentanglement_lib's `anneal`.
    """
    step = tf.cast(step, tf.float32)
    c_max = tf.cast(c_max, tf.float32)
    return tf.minimum(c_max, c_max * step / float(iteration_threshold))


def gaussian_log_density(samples, mean, logvar):
    """Elementwise log N(samples; mean, exp(logvar)), including the log(2 pi) constant."""
    normalization = math.log(2.0 * math.pi)
    diff = samples - mean
    return -0.5 * (diff * diff * tf.exp(-logvar) + logvar + normalization)


def total_correlation(z, mean, logvar):
    """Minibatch-weighted estimate of TC(z) on one batch.

    Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs"
    (arXiv:1802.04942), section 4.1, as disentanglement_lib's
    `total_correlation`:
        mean_j [ logsumexp_k sum_l log q(z_jl | x_k)
                 - sum_l logsumexp_k log q(z_jl | x_k) ].
    The log(batch * dataset size) weights are dropped (they only shift the
    value by a constant); the log(2 pi) terms cancel between the two sums.
    """
    # log q(z_j,l | x_k) for every pair (j, k): shape (batch j, batch k, latent l).
    log_q = gaussian_log_density(z[:, None, :], mean[None, :, :], logvar[None, :, :])
    log_qz = tf.reduce_logsumexp(tf.reduce_sum(log_q, axis=2), axis=1)
    log_qz_product = tf.reduce_sum(tf.reduce_logsumexp(log_q, axis=1), axis=1)
    return tf.reduce_mean(log_qz - log_qz_product)


def batch_covariance(x):
    """Biased batch covariance E[x x^T] - E[x] E[x]^T of x with shape (batch, dim)."""
    mean = tf.reduce_mean(x, axis=0)
    second_moment = tf.reduce_mean(x[:, :, None] * x[:, None, :], axis=0)
    return second_moment - mean[:, None] * mean[None, :]


def dip_penalty(covariance, lambda_od, lambda_d):
    """lambda_od * sum_{i != j} C_ij^2 + lambda_d * sum_i (C_ii - 1)^2.

    The covariance-matching term of Kumar et al. 2018, "Variational Inference
    of Disentangled Latent Concepts from Unlabeled Observations"
    (arXiv:1711.00848), Eqs. 6 and 7.
    """
    diagonal = tf.linalg.diag_part(covariance)
    off_diagonal = covariance - tf.linalg.diag(diagonal)
    return lambda_od * tf.reduce_sum(tf.square(off_diagonal)) + lambda_d * tf.reduce_sum(
        tf.square(diagonal - 1.0)
    )


def dip_i_covariance(mean, logvar):
    """DIP-VAE-I matches Cov_p(x)[mu(x)] to the identity (Eq. 6)."""
    del logvar  # DIP-I ignores the encoder variance.
    return batch_covariance(mean)


def dip_ii_covariance(mean, logvar):
    """DIP-VAE-II matches Cov_q(z)[z] = E_p(x)[diag(exp(logvar))] + Cov_p(x)[mu(x)] (Eq. 7)."""
    return tf.linalg.diag(tf.reduce_mean(tf.exp(logvar), axis=0)) + batch_covariance(mean)


def shuffle_codes(z, seed):
    """Permutes each latent dimension independently across the batch.

    Samples from the product of the marginals q(z_1)...q(z_d), as Kim & Mnih
    2018, "Disentangling by Factorizing" (arXiv:1802.05983), Algorithm 2.
    `seed` is a shape-(2,) integer tensor for the stateless RNG, so the same
    seed gives the same permutations (XLA maps a seed to other permutations
    than plain TF, but as reproducibly).
    """
    # argsort of iid uniform keys is a uniform random permutation per column.
    keys = tf.random.stateless_uniform(tf.shape(z), seed=seed, alg="philox")
    permutation = tf.argsort(keys, axis=0)
    return _gather_columns(z, permutation)


def _gather_columns(z, permutation):
    """out[i, l] = z[permutation[i, l], l]."""
    return tf.transpose(tf.gather(tf.transpose(z), tf.transpose(permutation), batch_dims=1))
