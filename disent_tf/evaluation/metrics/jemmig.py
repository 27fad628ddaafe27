"""JEMMIG: Do & Tran, "Theory and Evaluation Metrics for Learning Disentangled
Representations", ICLR 2020 (section 4, "joint entropy minus mutual information gap").

Per factor y_k, with z* the code of largest I(z; y_k) and z' the code of second largest,

    JEMMIG(y_k) = H(z*, y_k) - I(z*; y_k) + I(z'; y_k),

which is 0 when z* and y_k determine each other and no other code knows y_k, and at most
H(z*) + H(y_k). The paper normalises by that bound, with H(z*) <= log(number of bins) for a
quantised code, and averages over factors:

    jemmig = 1/K sum_k JEMMIG(y_k) / (H(y_k) + log num_bins)     in [0, 1], LOWER is better.

Keys: `jemmig` (that normalised mean) and `jemmig_nats` (the mean of the unnormalised
JEMMIG(y_k)). Identity codes of factors with at most `num_bins` values give 0; codes
independent of the factors give about 1.

Estimator choices. The paper estimates the code's marginals by sampling q(z|x) and
quantising z; a representation function here gives one code per observation, so we
quantise the codes themselves with the study's 20-bin histogram discretiser
(`discretize.histogram_discretize`, the same bins as the study's MIG) and compute every
term from the discrete joint histogram in nats: I by scikit-learn's `mutual_info_score`,
H(z) = I(z; z), H(z, y) = H(z) + H(y) - I(z; y). 10,000 points drawn in batches of 16,
as the study's MIG. With a single code I(z'; y_k) is taken as 0.
"""

import numpy as np

from disent_tf.evaluation import discretize, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, batch_size=16, num_bins=discretize.STUDY_NUM_BINS)


def jemmig_from_codes(codes, factors, num_bins=discretize.STUDY_NUM_BINS):
    """{"jemmig", "jemmig_nats"} of codes (num_codes, N) and integer factors (num_factors, N)."""
    binned = discretize.histogram_discretize(codes, num_bins)
    mutual_info = discretize.discrete_mutual_info(binned, factors)  # (num_codes, num_factors)
    code_entropy = discretize.discrete_entropy(binned)
    factor_entropy = discretize.discrete_entropy(factors)
    per_factor = []
    for k in range(factors.shape[0]):
        order = np.argsort(-mutual_info[:, k], kind="stable")
        best = order[0]
        second = mutual_info[order[1], k] if len(order) > 1 else 0.0
        joint_entropy = code_entropy[best] + factor_entropy[k] - mutual_info[best, k]
        per_factor.append(joint_entropy - mutual_info[best, k] + second)
    per_factor = np.array(per_factor)
    normalized = per_factor / (factor_entropy + np.log(num_bins))
    return {"jemmig": float(np.mean(normalized)), "jemmig_nats": float(np.mean(per_factor))}


def measure_jemmig(data, sampler, rng, *, num_train=10000, batch_size=16, num_bins=discretize.STUDY_NUM_BINS):
    """Fits with the known {"jemmig", "jemmig_nats"} of `num_train` random points."""
    codes, factors = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    return base.scores(jemmig_from_codes(codes, factors, num_bins))


METRIC = base.Metric(name="jemmig", measure=measure_jemmig, defaults=STUDY_DEFAULTS,
                     reduce=base.scale_counts("num_train"))
compute_jemmig = METRIC.compute
