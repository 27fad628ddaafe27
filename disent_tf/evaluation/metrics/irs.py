"""Interventional robustness score (IRS): Suter, Miladinovic, Schoelkopf & Bauer,
"Robustly Disentangled Causal Mechanisms: Validating Deep Representations for
Interventional Robustness", ICML 2019 (arXiv:1811.00007), section 4 and its
"scalable" estimator (Algorithm 1, appendix).

Follows disentanglement_lib's `evaluation/metrics/irs.py` (its
`compute_irs` and `scalable_disentanglement_score`), config
`config/sample/irs/irs.gin`:

* 10,000 points drawn in batches of 16 (`generate_batch_factor_code`);
* the *factors* (not the codes) go through the histogram discretiser with 20
  bins, so a factor with more than 20 classes has neighbouring classes merged
  (dSprites' orientation 40 and positions 32);
* codes with zero variance over the points are dropped; none left: IRS 0;
* for code z_l and factor g_i: with E_k = E[z_l | g_i = k], the deviation is
  the `diff_quantile` (0.99; 1.0 is the paper's maximum) quantile of
  |z_l - E_k| over the points with g_i = k, averaged over the classes k, and
  normalised by max |z_l - E[z_l]|; IRS_matrix = 1 - that;
* per code the best factor's entry, averaged over the codes weighted by their
  max deviation (uniformly when all those are 0): key `IRS`.

`num_active_dims` is the number of codes kept. (disentanglement_lib stored
`np.sum(active_mus)`, the sum of the kept codes' values, under this key: a
bug; the count is what the name says.)

Needs discrete factors of a finite grid (every GroundTruthData of the study):
the estimator conditions on each factor class, assuming the points cover the
crossed factors with noise-free observations.
"""

import numpy as np

from disent_tf.errors import UserError
from disent_tf.evaluation import discretize, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, batch_size=16, diff_quantile=0.99, num_bins=discretize.STUDY_NUM_BINS)


def measure_irs(data, sampler, rng, *, num_train, batch_size, diff_quantile, num_bins):
    """Fits (none) of the IRS on `num_train` points drawn as the study's sampler draws them."""
    codes, factors = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    return base.scores(irs_from_codes(codes, factors, diff_quantile, num_bins))


def irs_from_codes(codes, factors, diff_quantile=0.99, num_bins=discretize.STUDY_NUM_BINS):
    """{"IRS", "num_active_dims"} of codes (num_codes, N) and integer factors (num_factors, N)."""
    discrete_factors = discretize.histogram_discretize(factors, num_bins)
    active_codes = drop_constant_codes(codes)
    if not active_codes.size:
        return {"IRS": 0.0, "num_active_dims": 0}
    score = interventional_robustness(active_codes, discrete_factors, diff_quantile)["avg_score"]
    return {"IRS": float(score), "num_active_dims": int(active_codes.shape[0])}


def drop_constant_codes(codes):
    """The rows of `codes` (num_codes, N) whose variance over the points is above 0."""
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"codes must be a matrix (num_codes, N), got shape {codes.shape}.")
    return codes[codes.var(axis=1) > 0., :]


def interventional_robustness(codes, factors, diff_quantile=0.99):
    """The scalable IRS estimator on codes (num_codes, N) and discrete factors (num_factors, N).

    Returns `IRS_matrix` (num_codes, num_factors), per code
    `disentanglement_scores` (row maxima), `parents` (their argmax),
    `max_deviations`, and `avg_score`, the scores averaged with the max
    deviations as weights.
    """
    latents = np.asarray(codes).T
    factors = np.asarray(factors)
    # Normaliser: the largest deviation of each code from its mean.
    max_deviations = np.max(np.abs(latents - latents.mean(axis=0)), axis=0)
    deviations = np.zeros([latents.shape[1], factors.shape[0]])
    for i, factor in enumerate(factors):
        classes = np.unique(factor)
        for value in classes:
            group = latents[factor == value, :]
            # Spread of the codes while g_i is held at one value (an intervention on g_i).
            spread = np.abs(group - np.mean(group, axis=0))
            deviations[:, i] += np.percentile(spread, q=diff_quantile * 100, axis=0)
        deviations[:, i] /= len(classes)
    irs_matrix = 1.0 - deviations / max_deviations[:, np.newaxis]
    scores = irs_matrix.max(axis=1)
    if np.sum(max_deviations) > 0.0:
        avg_score = np.average(scores, weights=max_deviations)
    else:
        avg_score = np.mean(scores)
    return {"IRS_matrix": irs_matrix, "disentanglement_scores": scores, "parents": irs_matrix.argmax(axis=1),
            "max_deviations": max_deviations, "avg_score": avg_score}


def check_data(data):
    """IRS conditions on every class of every factor: it needs a finite grid of discrete factors."""
    sizes = getattr(data, "factor_sizes", None)
    if not sizes or not all(isinstance(size, (int, np.integer)) and size > 0 for size in sizes):
        raise UserError(f"IRS needs a data set on a finite grid of discrete factors, but {data.name} has factor "
                        f"sizes {sizes}; choose a grid data set or another metric.")


METRIC = base.Metric(name="irs", measure=measure_irs, defaults=STUDY_DEFAULTS,
                     reduce=base.scale_counts("num_train"), check_data=check_data)
compute_irs = METRIC.compute
