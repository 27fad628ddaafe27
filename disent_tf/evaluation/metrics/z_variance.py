"""Z-min and Z-max variance: the two variance-vote metrics of the review by Carbonneau, Zaidi,
Boilard & Gagnon, "Measuring Disentanglement: A Review of Metrics", arXiv:2012.09276
(section 3.1, intervention-based metrics; reference code ubisoft/ubisoft-laforge-disentanglement-
metrics, src/metrics/z_min_var.py and z_max_var.py).

* **Z-min variance** is the FactorVAE score (Kim & Mnih, "Disentangling by Factorising", ICML
  2018, section 4): a batch fixes factor k and lets the others vary; the code of smallest
  normalised variance votes for k. Run with the study's defaults it equals `factor_vae` exactly
  (same points from the same rng); it is here so that the pair can be reported side by side.
* **Z-max variance** (Kim, Wang, Sahu & Pavlovic, "Relevance Factor VAE: Learning and
  Identifying Disentangled Factors", arXiv:1902.01568, 2019) swaps the roles: a batch lets only
  factor k vary and fixes all the others; the code of LARGEST normalised variance votes for k.

Common protocol (the study's FactorVAE protocol): global variances (ddof=1) of codes of
`num_variance_estimate` random points; codes whose global std is below `threshold` (0.05,
absolute) are pruned; each vote draws k uniformly, then `batch_size` factor rows, and fixes in
all rows the factor(s) above to the first row's value; local variance (ddof=1) / global variance
over the active codes; the argmin / argmax indexes the list of active codes (as the study's
code). Votes matrix (num_factors, num_codes); classifier = majority factor per code column on
the train votes; `train_accuracy` and `eval_accuracy` as in the study; `num_active_dims`.

Choices. For Z-max the varied factor takes fresh uniform values per row (the review's code
resamples rows of a finite data set with replacement, so values can repeat there too). We keep
the study's batch of 64 and 10,000 / 5,000 votes for both (the review's code defaults to batches
of 200 and 800 / 800 votes on its synthetic sets). We report raw accuracies as Kim & Mnih and
the study do; the review's code additionally rescales them to (acc - 1/K) / (1 - 1/K).
"""

import numpy as np

from disent_tf.evaluation import sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(batch_size=64, num_train=10000, num_eval=5000, num_variance_estimate=10000, threshold=0.05)
MODES = ("min", "max")


def z_variance_from_codes(train_batches, train_factors, eval_batches, eval_factors, global_variances, mode,
                          threshold=0.05):
    """Array-level core: vote batches (num_votes, batch_size, num_codes) and their factor indices.

    `mode` "min" (Z-min: the fixed factor's code has least variance) or "max" (Z-max: the
    varied factor's code has most). {"train_accuracy", "eval_accuracy", "num_active_dims"}.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
    active = np.sqrt(global_variances) >= threshold
    if not active.any():
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}
    num_factors = int(max(np.max(train_factors), np.max(eval_factors))) + 1
    train_votes = vote_matrix(train_batches, train_factors, global_variances, active, mode, num_factors)
    eval_votes = vote_matrix(eval_batches, eval_factors, global_variances, active, mode, num_factors)
    return {**majority_vote_accuracy(train_votes, eval_votes), "num_active_dims": int(active.sum())}


def vote_matrix(batches, factor_indices, global_variances, active, mode, num_factors):
    """(num_factors, num_codes) counts of (factor, position in the active list of the chosen code)."""
    ratios = np.var(batches, axis=1, ddof=1)[:, active] / global_variances[active]
    chosen = np.argmin(ratios, axis=1) if mode == "min" else np.argmax(ratios, axis=1)
    votes = np.zeros((num_factors, len(global_variances)), dtype=np.int64)
    np.add.at(votes, (np.asarray(factor_indices), chosen), 1)
    return votes


def majority_vote_accuracy(train_votes, eval_votes):
    """Classifier code column -> majority train factor; its train and eval accuracies."""
    classifier = np.argmax(train_votes, axis=0)
    columns = np.arange(train_votes.shape[1])
    return {"train_accuracy": float(np.sum(train_votes[classifier, columns]) / np.sum(train_votes)),
            "eval_accuracy": float(np.sum(eval_votes[classifier, columns]) / np.sum(eval_votes))}


def measure_z_min_variance(data, sampler, rng, *, batch_size=64, num_train=10000, num_eval=5000,
                           num_variance_estimate=10000, threshold=0.05):
    """Z-min variance (= the FactorVAE score) in the study's rng order."""
    return _measure(sampler, rng, "min", batch_size, num_train, num_eval, num_variance_estimate, threshold)


def measure_z_max_variance(data, sampler, rng, *, batch_size=64, num_train=10000, num_eval=5000,
                           num_variance_estimate=10000, threshold=0.05):
    """Z-max variance: only the voted factor varies within a batch."""
    return _measure(sampler, rng, "max", batch_size, num_train, num_eval, num_variance_estimate, threshold)


def _measure(sampler, rng, mode, batch_size, num_train, num_eval, num_variance_estimate, threshold):
    factors = sampler.data.sample_factors(num_variance_estimate, rng)
    global_variances = np.var(sampler.codes(sampler.observe(factors, rng)), axis=0, ddof=1)
    if not (np.sqrt(global_variances) >= threshold).any():
        # The study draws no votes when every code is pruned; neither do we.
        return base.scores({"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0})
    train_batches, train_factors = vote_batches(sampler, rng, mode, batch_size, num_train)
    eval_batches, eval_factors = vote_batches(sampler, rng, mode, batch_size, num_eval)
    return base.scores(z_variance_from_codes(train_batches, train_factors, eval_batches, eval_factors,
                                             global_variances, mode, threshold))


def vote_batches(sampler, rng, mode, batch_size, num_votes):
    """Codes (num_votes, batch_size, num_codes) of the vote batches and their factor indices.

    Each vote draws k = randint(num_factors), then `batch_size` factor rows (the study's
    order), then fixes factor k ("min") or every factor but k ("max") to the first row's value.
    """
    data = sampler.data
    fixed, tickets = [], []
    for _ in range(num_votes):
        factor_index = sampling.random_index(rng, data.num_factors)
        factors = data.sample_factors(batch_size, rng)
        if mode == "min":
            factors[:, factor_index] = factors[0, factor_index]
        else:
            others = np.arange(data.num_factors) != factor_index
            factors[:, others] = factors[0, others]
        fixed.append(factor_index)
        tickets.append(sampler.observe(factors, rng))
    return np.stack([sampler.codes(ticket) for ticket in tickets]), np.array(fixed, dtype=np.int64)


_REDUCE = base.scale_counts("num_train", "num_eval", "num_variance_estimate")
Z_MIN_METRIC = base.Metric(name="z_min_variance", measure=measure_z_min_variance, defaults=STUDY_DEFAULTS,
                           reduce=_REDUCE)
Z_MAX_METRIC = base.Metric(name="z_max_variance", measure=measure_z_max_variance, defaults=STUDY_DEFAULTS,
                           reduce=_REDUCE)
compute_z_min_variance = Z_MIN_METRIC.compute
compute_z_max_variance = Z_MAX_METRIC.compute
