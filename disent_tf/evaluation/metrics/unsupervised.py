"""Unsupervised scores of Locatello et al. 2019 (section 5): no labels used.

With C = numpy.cov(codes) of 10,000 points:
* Gaussian total correlation = KL(N(0, C) || N(0, diag C)) = 0.5 (sum log diag C - log det C);
* Gaussian Wasserstein correlation = W_2^2 between N(0, C) and N(0, diag C) as
  the study computes it: 2 tr C - 2 tr sqrtm(C * diag(C) as a column), and its
  normalised form divided by tr C;
* mutual information score = mean of the off-diagonal entries of the
  discretised (20 bins) code-code MI matrix.
"""

import numpy as np
import scipy.linalg

from disent_tf.evaluation import discretize, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, batch_size=16)


def measure_unsupervised(data, sampler, rng, num_train=10000, batch_size=16):
    """{"gaussian_total_correlation", "gaussian_wasserstein_correlation",
    "gaussian_wasserstein_correlation_norm", "mutual_info_score"}."""
    codes, _ = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    return base.scores(unsupervised_from_codes(codes))


def unsupervised_from_codes(codes, num_bins=discretize.STUDY_NUM_BINS):
    """Array-level core: codes (num_codes, N)."""
    num_codes = codes.shape[0]
    covariance = np.cov(codes)
    wasserstein = gaussian_wasserstein_correlation(covariance)
    discrete = discretize.histogram_discretize(codes, num_bins)
    mutual_info = discretize.discrete_mutual_info(discrete, discrete)
    np.fill_diagonal(mutual_info, 0)
    return {"gaussian_total_correlation": float(gaussian_total_correlation(covariance)),
            "gaussian_wasserstein_correlation": wasserstein,
            "gaussian_wasserstein_correlation_norm": float(wasserstein / np.sum(np.diag(covariance))),
            "mutual_info_score": float(np.sum(mutual_info) / (num_codes ** 2 - num_codes))}


def gaussian_total_correlation(covariance):
    """0.5 (sum log diag C - log det C): KL between N(0, C) and the product of its marginals."""
    return 0.5 * (np.sum(np.log(np.diag(covariance))) - np.linalg.slogdet(covariance)[1])


def gaussian_wasserstein_correlation(covariance):
    """2 tr C - 2 tr sqrtm(C * diag(C)[:, None]); the real part (sqrtm may return complex round-off)."""
    root = scipy.linalg.sqrtm(covariance * np.expand_dims(np.diag(covariance), axis=1))
    return float(np.real(2 * np.trace(covariance) - 2 * np.trace(root)))


METRIC = base.Metric("unsupervised", measure_unsupervised, STUDY_DEFAULTS, base.scale_counts("num_train"))
compute_unsupervised = METRIC.compute
