"""BetaVAE score: Higgins et al., "beta-VAE: Learning Basic Visual Concepts with a
Constrained Variational Framework", ICLR 2017 (section 3 and appendix).

A training point fixes one factor k (uniform) across `batch_size` pairs of
factor vectors that are otherwise independent; its feature is the mean over
pairs of |z1 - z2| and its label k. A linear classifier (scikit-learn
LogisticRegression, defaults) predicts k; the score is its accuracy.
"""

import numpy as np
from sklearn import linear_model

from disent_tf.evaluation import parallel, sampling

STUDY_DEFAULTS = dict(batch_size=64, num_train=10000, num_eval=5000)


def compute_beta_vae(data, representation_fn, rng, batch_size=64, num_train=10000, num_eval=5000):
    """{"train_accuracy", "eval_accuracy"} of the BetaVAE score (study defaults)."""
    sampler = sampling.as_sampler(data, representation_fn)
    train_points, train_labels = training_batch(sampler, batch_size, num_train, rng)
    # The classifier gets the metric's RandomState, as in the study; it is fit
    # before the evaluation points are drawn so the stream stays in order.
    model = linear_model.LogisticRegression(random_state=rng)
    with parallel.fitting():
        model.fit(train_points, train_labels)
    train_accuracy = np.mean(model.predict(train_points) == train_labels)
    eval_points, eval_labels = training_batch(sampler, batch_size, num_eval, rng)
    eval_accuracy = model.score(eval_points, eval_labels)
    return {"train_accuracy": float(train_accuracy), "eval_accuracy": float(eval_accuracy)}


def beta_vae_from_features(train_points, train_labels, eval_points, eval_labels, random_state=0):
    """Array-level core: accuracies of LogisticRegression on (points, labels) features."""
    model = linear_model.LogisticRegression(random_state=random_state)
    with parallel.fitting():
        model.fit(train_points, train_labels)
    return {"train_accuracy": float(np.mean(model.predict(train_points) == train_labels)),
            "eval_accuracy": float(model.score(eval_points, eval_labels))}


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
