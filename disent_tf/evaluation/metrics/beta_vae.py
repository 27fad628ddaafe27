"""BetaVAE score: Higgins et al., "beta-VAE: Learning Basic Visual Concepts with a
Constrained Variational Framework", ICLR 2017 (section 3 and appendix).

A training point fixes one factor k (uniform) across `batch_size` pairs of
factor vectors that are otherwise independent; its feature is the mean over
pairs of |z1 - z2| and its label k. A linear classifier predicts k; the
score is its accuracy (disentanglement_lib's `evaluation/metrics/beta_vae.py`:
`model.score` on 10,000 train and 5,000 eval points of 64 pairs).

Estimator (`lr_estimator`, evaluation/estimators.py): "study" is the study's
`LogisticRegression(random_state=random_state)` of scikit-learn 0.20
(liblinear, one-vs-rest), which drew liblinear's seed from the metric's
RandomState between the train and the eval points, so at the same seed the
eval points are the study's; "modern" is today's multinomial lbfgs, which
draws nothing.
"""

import numpy as np

from disent_tf.evaluation import estimators, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(batch_size=64, num_train=10000, num_eval=5000)


def measure_beta_vae(data, sampler, rng, batch_size=64, num_train=10000, num_eval=5000, lr_estimator="study"):
    """Fits of {"train_accuracy", "eval_accuracy"}, the BetaVAE score (study defaults).

    The study's classifier got the metric's RandomState and consumed it while
    fitting, between the draws of the train and the evaluation points;
    `estimators.fit_random_state` consumes it the same way at that moment,
    and the fit itself runs after both draws (it draws nothing more).
    """
    train_points, train_labels = training_batch(sampler, batch_size, num_train, rng)
    seed = estimators.fit_random_state(lr_estimator, "lr", rng)
    eval_points, eval_labels = training_batch(sampler, batch_size, num_eval, rng)
    tasks, combine = estimators.fit_tasks(lr_estimator, "lr", train_points, train_labels,
                                          (train_points, eval_points), random_state=seed)

    def finish(results):
        prediction = combine(results)
        return {"train_accuracy": prediction.accuracy(0, train_labels),
                "eval_accuracy": prediction.accuracy(1, eval_labels)}

    return base.Fits(tasks, finish)


def training_batch(sampler, batch_size, num_points, rng):
    """(features (num_points, num_codes), labels (num_points,)) drawn in the study's rng order."""
    data = sampler.data
    labels = np.zeros(num_points, dtype=np.int64)
    tickets = []
    for point in range(num_points):
        index = sampling.random_index(rng, data.num_factors)
        factors1 = data.sample_factors(batch_size, rng)
        factors2 = data.sample_factors(batch_size, rng)
        factors2[:, index] = factors1[:, index]
        first = sampler.observe(factors1, rng)
        second = sampler.observe(factors2, rng)
        labels[point] = index
        tickets.append((first, second))
    points = None
    for point, (first, second) in enumerate(tickets):
        codes1 = sampler.codes(first)
        codes2 = sampler.codes(second)
        feature = np.mean(np.abs(codes1 - codes2), axis=0)
        if points is None:
            points = np.zeros((num_points, feature.shape[0]))
        points[point, :] = feature
    return points, labels


METRIC = base.Metric("beta_vae", measure_beta_vae, STUDY_DEFAULTS, base.scale_counts("num_train", "num_eval"),
                     options=("lr_estimator",), estimators=("lr",))
compute_beta_vae = METRIC.compute
