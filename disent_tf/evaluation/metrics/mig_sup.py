"""MIG-sup: Li, Murkute, Gyawali & Wang, "Progressive Learning and Disentanglement of
Hierarchical Representations", ICLR 2020 (section 4, "MIG-sup"), discussed with the other
information gaps by Do & Tran, "Theory and Evaluation Metrics for Learning Disentangled
Representations", ICLR 2020.

MIG (Chen et al. 2018) asks, per factor, for a gap between the two codes that know most
about it, so it rewards completeness but not modularity: one code may encode several
factors. MIG-sup swaps the roles: per code z_i, the gap between the two factors it knows
most about,

    MIG-sup = 1/D sum_i (Ibar(z_i; v_(1)) - Ibar(z_i; v_(2))),   Ibar(z_i; v_k) = I(z_i; v_k) / H(v_k),

averaged over all D codes (inactive codes have a gap near 0 and pull the score down, as in
the paper, which averages over every latent dimension).

Estimator (as the study's MIG, so the two are comparable): each code is discretised into 20
equal-width bins of its own range (`discretize.histogram_discretize`), MI is scikit-learn's
`mutual_info_score` in nats, H(v_k) = I(v_k; v_k); 10,000 points drawn in batches of 16.
The normalisation by the factor entropy is the paper's (the same Ibar as MIG). With a single
factor the second-largest term is taken as 0.
"""

import numpy as np

from disent_tf.evaluation import discretize, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, batch_size=16, num_bins=discretize.STUDY_NUM_BINS)


def mig_sup_from_codes(codes, factors, num_bins=discretize.STUDY_NUM_BINS):
    """{"mig_sup"} of codes (num_codes, N) and integer factors (num_factors, N)."""
    normalized = normalized_mutual_info(codes, factors, num_bins)
    return {"mig_sup": float(np.mean(top_two_gap(normalized, axis=1)))}


def normalized_mutual_info(codes, factors, num_bins=discretize.STUDY_NUM_BINS):
    """Ibar[i, j] = I(binned code i; factor j) / H(factor j) (0 for a constant factor)."""
    mutual_info = discretize.discrete_mutual_info(discretize.histogram_discretize(codes, num_bins), factors)
    entropy = discretize.discrete_entropy(factors)
    return np.divide(mutual_info, entropy[np.newaxis, :], out=np.zeros_like(mutual_info),
                     where=entropy[np.newaxis, :] > 0)


def top_two_gap(matrix, axis):
    """Largest minus second-largest entry along `axis` (the largest alone when there is one entry)."""
    ordered = -np.sort(-matrix, axis=axis)
    first = np.take(ordered, 0, axis=axis)
    if matrix.shape[axis] < 2:
        return first
    return first - np.take(ordered, 1, axis=axis)


def measure_mig_sup(data, sampler, rng, *, num_train=10000, batch_size=16, num_bins=discretize.STUDY_NUM_BINS):
    """Fits with the known {"mig_sup"} of `num_train` random points (no estimator fits)."""
    codes, factors = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    return base.scores(mig_sup_from_codes(codes, factors, num_bins))


METRIC = base.Metric(name="mig_sup", measure=measure_mig_sup, defaults=STUDY_DEFAULTS,
                     reduce=base.scale_counts("num_train"))
compute_mig_sup = METRIC.compute
