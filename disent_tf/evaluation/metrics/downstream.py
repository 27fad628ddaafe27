"""Downstream tasks of Locatello et al. 2019 (section 4, "downstream task"):
how well the factors can be predicted from the codes with few labels.

For each train size in (10, 100, 1000, 10000) and 5,000 test points, one
classifier per factor on all codes: LogisticRegressionCV(Cs=10,
cv=KFold(n_splits=5)) (`downstream_lr`) or GradientBoostingClassifier()
(`downstream_gbt`, fit by evaluation/gbt.py unless gbt_backend="sklearn");
accuracies per factor, their mean and minimum (disentanglement_lib's
`evaluation/metrics/downstream_task.py` and `utils.logistic_regression_cv`).

LR estimator (`lr_estimator`, evaluation/estimators.py): "study" is the
study's scikit-learn 0.20 LogisticRegressionCV (lbfgs, one-vs-rest, each
class's C chosen by the accuracy of its binary problem; every class's fit is
its own task in the worker pool), "modern" today's multinomial one (one C,
one task per factor).
"""

import functools

import numpy as np

from disent_tf.evaluation import estimators, gbt, parallel, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=(10, 100, 1000, 10000), num_test=5000, batch_size=16)
PREDICTORS = ("lr", "gbt")
# Smallest train size a reduced run (sample_scale < 1) uses.
MIN_TRAIN = 10


def measure_downstream_task(data, sampler, rng, predictor="lr", num_train=(10, 100, 1000, 10000), num_test=5000,
                            batch_size=16, estimator_seed=0, size_labels=None, gbt_backend=gbt.DEFAULT_BACKEND,
                            lr_estimator="study"):
    """Fits of `{size}:{mean,min}_{train,test}_accuracy` and `{size}:{train,test}_accuracy_factor_{j}`.

    All train/test sets are drawn first, in the study's order (the fits draw
    nothing from `rng`), so that every fit of every size can run in one pool.
    `size_labels` names the sizes in the keys (reduced-sample runs keep the
    study's key names).
    """
    splits = []
    for size in num_train:
        train = sampling.generate_batch_factor_code(sampler, size, rng, batch_size)
        test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
        splits.append((train, test))
    tasks, accuracies = [], []
    for (codes, factors), (test_codes, test_factors) in splits:
        x_train, x_test = np.ascontiguousarray(codes.T), np.ascontiguousarray(test_codes.T)
        for j in range(factors.shape[0]):
            factor_tasks, accuracy = factor_fits(predictor, x_train, factors[j, :], x_test, test_factors[j, :],
                                                 estimator_seed, gbt_backend, lr_estimator)
            tasks.extend(factor_tasks)
            accuracies.append((len(factor_tasks), accuracy))
    labels = list(size_labels) if size_labels is not None else list(num_train)

    def finish(results):
        per_factor, start = [], 0
        for count, accuracy in accuracies:
            per_factor.append(accuracy(results[start:start + count]))
            start += count
        per_factor = iter(per_factor)
        scores = {}
        for label, ((_, factors), _) in zip(labels, splits):
            pairs = [next(per_factor) for _ in range(factors.shape[0])]
            scores.update(downstream_scores(label, [a[0] for a in pairs], [a[1] for a in pairs]))
        return scores

    return base.Fits(tasks, finish)


def factor_fits(predictor, x_train, y_train, x_test, y_test, seed=0, gbt_backend=gbt.DEFAULT_BACKEND,
                lr_estimator="study"):
    """(tasks, accuracy(results) -> (train accuracy, test accuracy)) of one factor's classifier.

    "lr": the estimator's per-class tasks (estimators.fit_tasks); "gbt": one task.
    """
    if predictor != "lr":
        return [predictor_task(predictor, x_train, y_train, x_test, y_test, seed, gbt_backend)], lambda r: r[0]
    tasks, combine = estimators.fit_tasks(lr_estimator, "lr_cv", x_train, y_train, (x_train, x_test), seed)

    def accuracy(results):
        prediction = combine(results)
        return prediction.accuracy(0, y_train), prediction.accuracy(1, y_test)

    return tasks, accuracy


def reduce_sizes(arguments, scale):
    """Reduced settings: every train size and the test count scaled; keys keep the study's sizes."""
    reduced = base.scale_counts("num_test")(arguments, scale)
    sizes = arguments["num_train"]
    reduced["num_train"] = tuple(max(MIN_TRAIN, int(round(size * scale))) for size in sizes)
    reduced["size_labels"] = tuple(sizes)
    return reduced


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


def make_predictor(predictor, seed=0, gbt_backend=gbt.DEFAULT_BACKEND, lr_estimator="study"):
    """The classifier of `predictor` ("lr": `estimators.make(lr_estimator, "lr_cv")`); random_state `seed`.

    The study left GBT's random_state unset; we pin it.
    """
    if predictor == "lr":
        return estimators.make(lr_estimator, "lr_cv", seed)
    if predictor == "gbt":
        return gbt.make_classifier(gbt_backend, random_state=seed)
    raise ValueError(f"unknown predictor {predictor!r}; expected one of {PREDICTORS}")


def predictor_task(predictor, x_train, y_train, x_test, y_test, seed=0, gbt_backend=gbt.DEFAULT_BACKEND,
                   lr_estimator="study"):
    """One task fitting a whole classifier (the metric splits "lr" into per-class tasks: `factor_fits`)."""
    if predictor == "gbt":
        cost = gbt.relative_cost(y_train, gbt_backend)
    else:
        cost = estimators.fit_cost(lr_estimator, "lr_cv", y_train)
    return parallel.Task(fit_predictor, (make_predictor(predictor, seed, gbt_backend, lr_estimator), x_train, y_train,
                                         x_test, y_test), cost)


def fit_predictor(model, x_train, y_train, x_test, y_test):
    """(train accuracy, test accuracy) of `model` fit on (x_train, y_train)."""
    model.fit(x_train, y_train)
    return np.mean(model.predict(x_train) == y_train), np.mean(model.predict(x_test) == y_test)


LR_METRIC = base.Metric("downstream_lr", functools.partial(measure_downstream_task, predictor="lr"), STUDY_DEFAULTS,
                        reduce_sizes, options=("estimator_seed", "lr_estimator"),
                        estimators=("lr_cv",))
GBT_METRIC = base.Metric("downstream_gbt", functools.partial(measure_downstream_task, predictor="gbt"),
                         STUDY_DEFAULTS, reduce_sizes, options=("estimator_seed", "gbt_backend"),
                         estimators=("gbt",))
compute_downstream_lr = LR_METRIC.compute
compute_downstream_gbt = GBT_METRIC.compute
