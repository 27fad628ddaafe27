"""Downstream tasks of Locatello et al. 2019 (section 4, "downstream task"):
how well the factors can be predicted from the codes with few labels.

For each train size in (10, 100, 1000, 10000) and 5,000 test points, one
classifier per factor on all codes: LogisticRegressionCV(Cs=10,
cv=KFold(n_splits=5)) (`downstream_lr`) or GradientBoostingClassifier()
(`downstream_gbt`, fit by evaluation/gbt.py unless gbt_backend="sklearn");
accuracies per factor, their mean and minimum.
"""

import numpy as np
from sklearn import linear_model, model_selection

from disent_tf.evaluation import gbt, parallel, sampling

STUDY_DEFAULTS = dict(num_train=(10, 100, 1000, 10000), num_test=5000, batch_size=16)
PREDICTORS = ("lr", "gbt")


def compute_downstream_lr(data, representation_fn, rng, **kwargs):
    """Downstream task with logistic regression (5-fold CV over 10 C values)."""
    return compute_downstream_task(data, representation_fn, rng, predictor="lr", **kwargs)


def compute_downstream_gbt(data, representation_fn, rng, **kwargs):
    """Downstream task with gradient boosted trees."""
    return compute_downstream_task(data, representation_fn, rng, predictor="gbt", **kwargs)


def compute_downstream_task(data, representation_fn, rng, predictor="lr", num_train=(10, 100, 1000, 10000),
                            num_test=5000, batch_size=16, num_workers=1, estimator_seed=0, size_labels=None,
                            gbt_backend=gbt.DEFAULT_BACKEND):
    """`{size}:{mean,min}_{train,test}_accuracy` and `{size}:{train,test}_accuracy_factor_{j}`."""
    tasks, finish = prepare_downstream_task(data, representation_fn, rng, predictor, num_train, num_test, batch_size,
                                            estimator_seed, size_labels, gbt_backend)
    return finish(parallel.run(tasks, num_workers))


def prepare_downstream_lr(data, representation_fn, rng, **kwargs):
    return prepare_downstream_task(data, representation_fn, rng, predictor="lr", **kwargs)


def prepare_downstream_gbt(data, representation_fn, rng, **kwargs):
    return prepare_downstream_task(data, representation_fn, rng, predictor="gbt", **kwargs)


def prepare_downstream_task(data, representation_fn, rng, predictor="lr", num_train=(10, 100, 1000, 10000),
                            num_test=5000, batch_size=16, estimator_seed=0, size_labels=None,
                            gbt_backend=gbt.DEFAULT_BACKEND):
    """(fit tasks, finish(results) -> scores).

    All train/test sets are drawn first, in the study's order (the fits draw
    nothing from `rng`), so that every fit of every size can run in one pool.
    `size_labels` names the sizes in the keys (reduced-sample runs keep the
    study's key names).
    """
    sampler = sampling.as_sampler(data, representation_fn)
    splits = []
    for size in num_train:
        train = sampling.generate_batch_factor_code(sampler, size, rng, batch_size)
        test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
        splits.append((train, test))
    tasks = [predictor_task(predictor, codes.T, factors[j, :], test_codes.T, test_factors[j, :], estimator_seed,
                            gbt_backend)
             for (codes, factors), (test_codes, test_factors) in splits for j in range(factors.shape[0])]
    labels = list(size_labels) if size_labels is not None else list(num_train)

    def finish(results):
        results = iter(results)
        scores = {}
        for label, ((_, factors), _) in zip(labels, splits):
            accuracies = [next(results) for _ in range(factors.shape[0])]
            scores.update(downstream_scores(label, [a[0] for a in accuracies], [a[1] for a in accuracies]))
        return scores

    return tasks, finish


def downstream_scores(size, train_accuracy, test_accuracy):
    """The study's result keys of one train size."""
    prefix = str(size)
    scores = {f"{prefix}:mean_train_accuracy": float(np.mean(train_accuracy)),
              f"{prefix}:mean_test_accuracy": float(np.mean(test_accuracy)),
              f"{prefix}:min_train_accuracy": float(np.min(train_accuracy)),
              f"{prefix}:min_test_accuracy": float(np.min(test_accuracy))}
    for j, (train, test) in enumerate(zip(train_accuracy, test_accuracy)):
        scores[f"{prefix}:train_accuracy_factor_{j}"] = float(train)
        scores[f"{prefix}:test_accuracy_factor_{j}"] = float(test)
    return scores


def make_predictor(predictor, seed=0, gbt_backend=gbt.DEFAULT_BACKEND):
    """The study's estimator; GBT's random_state pinned to `seed` (the study left it unset)."""
    if predictor == "lr":
        return linear_model.LogisticRegressionCV(Cs=10, cv=model_selection.KFold(n_splits=5))
    if predictor == "gbt":
        return gbt.make_classifier(gbt_backend, random_state=seed)
    raise ValueError(f"unknown predictor {predictor!r}; expected one of {PREDICTORS}")


def predictor_task(predictor, x_train, y_train, x_test, y_test, seed=0, gbt_backend=gbt.DEFAULT_BACKEND):
    if predictor == "gbt":
        cost = gbt.relative_cost(y_train, gbt_backend)
    else:
        # The 50 lbfgs fits of LogisticRegressionCV take about a fifth of a GBT fit by numba on the same data.
        cost = 0.2 * gbt.relative_cost(y_train, "numba")
    return parallel.Task(fit_predictor, (make_predictor(predictor, seed, gbt_backend), x_train, y_train, x_test,
                                         y_test), cost)


def fit_predictor(model, x_train, y_train, x_test, y_test):
    """(train accuracy, test accuracy) of `model` fit on (x_train, y_train)."""
    model.fit(x_train, y_train)
    return np.mean(model.predict(x_train) == y_train), np.mean(model.predict(x_test) == y_test)
