"""DCIMIG: Sepliarskaia, Kiseleva & de Rijke, "Evaluating Disentangled Representations",
arXiv:1910.05587 (2019), section 4 ("DCIMIG").

MIG rewards a factor captured by one code but ignores whether that code also captures other
factors. DCIMIG first lets each code choose its factor, then lets each factor keep its best
code:

1. m[i, j] = I(z_i; v_j). For code i, j1(i) = argmax_j m[i, j] and its gap
   gap_i = m[i, j1(i)] - max_{j != j1(i)} m[i, j] (the top-two gap over factors, in nats).
2. Per factor j, S_j = max of gap_i over the codes with j1(i) = j (0 when no code chose j).
3. DCIMIG = sum_j S_j / sum_j H(v_j), in [0, 1], higher is better.

The gaps are not normalised per factor; the single normalisation by the total factor
entropy is the paper's (it makes DCIMIG 1 exactly when every factor has a code that
determines it and knows nothing of the other factors). Ties in step 1 go to the lowest factor
index (numpy argmax).

Estimator: the study's (as its MIG): codes discretised into 20 equal-width bins of their own
range, scikit-learn `mutual_info_score` in nats, H(v_j) = I(v_j; v_j); 10,000 points drawn in
batches of 16. With a single factor the gap is m[i, j1] itself.
"""

import numpy as np

from disent_tf.evaluation import discretize, sampling
from disent_tf.evaluation.metrics import base, mig_sup

STUDY_DEFAULTS = dict(num_train=10000, batch_size=16, num_bins=discretize.STUDY_NUM_BINS)


def dcimig_from_codes(codes, factors, num_bins=discretize.STUDY_NUM_BINS):
    """{"dcimig"} of codes (num_codes, N) and integer factors (num_factors, N)."""
    mutual_info = discretize.discrete_mutual_info(discretize.histogram_discretize(codes, num_bins), factors)
    return {"dcimig": float(dcimig_from_mutual_info(mutual_info, discretize.discrete_entropy(factors)))}


def dcimig_from_mutual_info(mutual_info, factor_entropy):
    """Steps 1-3 above on an MI matrix (num_codes, num_factors) and the factor entropies."""
    chosen = np.argmax(mutual_info, axis=1)
    gaps = mig_sup.top_two_gap(mutual_info, axis=1)
    best_gap = np.zeros(mutual_info.shape[1])
    for code, factor in enumerate(chosen):
        best_gap[factor] = max(best_gap[factor], gaps[code])
    total_entropy = np.sum(factor_entropy)
    return np.sum(best_gap) / total_entropy if total_entropy > 0 else 0.0


def measure_dcimig(data, sampler, rng, *, num_train=10000, batch_size=16, num_bins=discretize.STUDY_NUM_BINS):
    """Fits with the known {"dcimig"} of `num_train` random points (no estimator fits)."""
    codes, factors = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    return base.scores(dcimig_from_codes(codes, factors, num_bins))


METRIC = base.Metric(name="dcimig", measure=measure_dcimig, defaults=STUDY_DEFAULTS,
                     reduce=base.scale_counts("num_train"))
compute_dcimig = METRIC.compute
