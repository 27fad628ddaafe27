"""Histogram discretiser and discrete information measures shared by the metrics.

These follow the helpers of the study's metric code (Locatello et al. 2019,
disentanglement_lib `evaluation/metrics/utils.py`): codes are arranged
(num_codes, num_points), factors (num_factors, num_points); mutual information
is scikit-learn's `mutual_info_score` in nats.
"""

import numpy as np
from sklearn import metrics as sk_metrics

STUDY_NUM_BINS = 20


def histogram_discretize(codes, num_bins=STUDY_NUM_BINS):
    """Bins each row of `codes` into `num_bins` equal-width bins of its own range.

    Bin edges come from `numpy.histogram` of the row; the last edge is dropped
    so that `numpy.digitize` maps the row maximum into the top bin (labels
    1..num_bins). The result keeps the dtype of `codes`, as the study's does.
    """
    codes = np.asarray(codes)
    discretized = np.zeros_like(codes)
    for row in range(codes.shape[0]):
        edges = np.histogram(codes[row, :], num_bins)[1][:-1]
        discretized[row, :] = np.digitize(codes[row, :], edges)
    return discretized


def discrete_mutual_info(codes, factors):
    """Matrix m[i, j] = I(code i; factor j) of discrete rows, in nats."""
    matrix = np.zeros([codes.shape[0], factors.shape[0]])
    for i in range(codes.shape[0]):
        for j in range(factors.shape[0]):
            matrix[i, j] = sk_metrics.mutual_info_score(factors[j, :], codes[i, :])
    return matrix


def discrete_entropy(factors):
    """H(factor j) = I(factor j; factor j) of each discrete row, in nats."""
    return np.array([sk_metrics.mutual_info_score(row, row) for row in factors], dtype=np.float64)


def normalize_rows(data, mean=None, stddev=None):
    """Standardises each row with the given (or its own) mean and population std."""
    if mean is None:
        mean = np.mean(data, axis=1)
    if stddev is None:
        stddev = np.std(data, axis=1)
    return (data - mean[:, np.newaxis]) / stddev[:, np.newaxis], mean, stddev
