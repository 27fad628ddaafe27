"""FactorVAE score: Kim & Mnih, "Disentangling by Factorising", ICML 2018 (section 4).

Codes are standardised by their global standard deviation; codes whose global
std is below `threshold` (absolute, 0.05 in the study) are pruned. A vote fixes
factor k (uniform) across `batch_size` points and votes (k, argmin over active
codes of local variance / global variance). The classifier maps each code to
its majority factor among the training votes; the score is its accuracy.
"""

import numpy as np

from disent_tf.evaluation import sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(batch_size=64, num_train=10000, num_eval=5000, num_variance_estimate=10000,
                      threshold=0.05)


def measure_factor_vae(data, sampler, rng, batch_size=64, num_train=10000, num_eval=5000,
                       num_variance_estimate=10000, threshold=0.05):
    """{"train_accuracy", "eval_accuracy", "num_active_dims"} of the FactorVAE score."""
    factors = data.sample_factors(num_variance_estimate, rng)
    global_variances = np.var(sampler.codes(sampler.observe(factors, rng)), axis=0, ddof=1)
    active_dims = prune_dims(global_variances, threshold)
    if not active_dims.any():
        return base.scores({"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0})
    train_votes = votes(sampler, batch_size, num_train, rng, global_variances, active_dims)
    eval_votes = votes(sampler, batch_size, num_eval, rng, global_variances, active_dims)
    return base.scores({**factor_vae_from_votes(train_votes, eval_votes), "num_active_dims": int(active_dims.sum())})


def prune_dims(variances, threshold=0.05):
    """Mask of active codes: global standard deviation >= threshold (absolute)."""
    return np.sqrt(variances) >= threshold


def factor_vae_from_votes(train_votes, eval_votes):
    """Array-level core: majority-vote classifier accuracies from (num_factors, num_codes) votes.

    Classifier: code column c -> argmax_k train_votes[k, c]. Train accuracy =
    sum of column maxima / number of train votes; eval accuracy = eval votes
    that agree with the classifier / number of eval votes.
    """
    classifier = np.argmax(train_votes, axis=0)
    columns = np.arange(train_votes.shape[1])
    train_accuracy = np.sum(train_votes[classifier, columns]) * 1. / np.sum(train_votes)
    eval_accuracy = np.sum(eval_votes[classifier, columns]) * 1. / np.sum(eval_votes)
    return {"train_accuracy": float(train_accuracy), "eval_accuracy": float(eval_accuracy)}


def votes(sampler, batch_size, num_points, rng, global_variances, active_dims):
    """Votes matrix (num_factors, num_codes) of `num_points` votes in the study's rng order.

    The argmin indexes the list of active codes, as in the study's code.
    """
    data = sampler.data
    fixed, tickets = [], []
    for _ in range(num_points):
        factor_index = sampling.random_index(rng, data.num_factors)
        factors = data.sample_factors(batch_size, rng)
        factors[:, factor_index] = factors[0, factor_index]
        fixed.append(factor_index)
        tickets.append(sampler.observe(factors, rng))
    matrix = np.zeros((data.num_factors, global_variances.shape[0]), dtype=np.int64)
    for factor_index, ticket in zip(fixed, tickets):
        local_variances = np.var(sampler.codes(ticket), axis=0, ddof=1)
        argmin = np.argmin(local_variances[active_dims] / global_variances[active_dims])
        matrix[factor_index, argmin] += 1
    return matrix


METRIC = base.Metric("factor_vae", measure_factor_vae, STUDY_DEFAULTS,
                     base.scale_counts("num_train", "num_eval", "num_variance_estimate"))
compute_factor_vae = METRIC.compute
