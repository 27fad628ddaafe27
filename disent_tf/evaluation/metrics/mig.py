"""Mutual Information Gap: Chen et al., "Isolating Sources of Disentanglement in
Variational Autoencoders", NeurIPS 2018 (Eq. 5), with the study's histogram
estimator: codes discretised into 20 bins, discrete MI in nats.

MIG = mean_j (m[(1), j] - m[(2), j]) / H(factor j), where m[(1), j] >= m[(2), j]
are the two largest MI between a code and factor j.
"""

import numpy as np

from disent_tf.evaluation import discretize, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, batch_size=16)


def measure_mig(data, sampler, rng, num_train=10000, batch_size=16):
    """{"discrete_mig"} on `num_train` random points."""
    codes, factors = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    return base.scores(mig_from_codes(codes, factors))


def mig_from_codes(codes, factors, num_bins=discretize.STUDY_NUM_BINS):
    """Array-level core: codes (num_codes, N), integer factors (num_factors, N)."""
    mutual_info = discretize.discrete_mutual_info(discretize.histogram_discretize(codes, num_bins), factors)
    entropy = discretize.discrete_entropy(factors)
    sorted_mi = np.sort(mutual_info, axis=0)[::-1]
    return {"discrete_mig": float(np.mean(np.divide(sorted_mi[0, :] - sorted_mi[1, :], entropy[:])))}


METRIC = base.Metric("mig", measure_mig, STUDY_DEFAULTS, base.scale_counts("num_train"))
compute_mig = METRIC.compute
