"""Reduced downstream task: how much of a factor leaks into the codes left after
removing its most informative ones.

Follows disentanglement_lib's `evaluation/metrics/reduced_downstream_task.py`
(no paper is cited there) with its test config
`config/tests/evaluation/evaluate_test_configs/reduced_downstream_task.gin`:
`reduced_representation.correlation_measure = @factorwise_dci` and a
GradientBoostingClassifier() predictor. For each train size (train and test
points drawn in batches of 16) and each factor of interest f:

1. `num_factors_to_remove` times: a GBT for f gives the DCI importance of each
   remaining code (its feature importances); the most important code is
   deleted from train and test codes (argmax, first on ties);
2. one classifier per factor on the remaining codes.

Keys, with s the train size: `s:reduced_factor_{f}:mean_{train,test}_accuracy_reduced_factor`
(factor f itself), `s:reduced_factor_{f}:mean_{train,test}_accuracy_factor_{j}`
(every factor j), `s:reduced_factor_{f}:mean_{train,test}_accuracy_non_reduced_factor`
(mean over j != f), and over f: `s:mean_{train,test}_accuracy_reduced_factor`,
`s:mean_{train,test}_accuracy_other_factors`.

The reference fit the importance GBTs of all factors at every removal and
used only f's column; each factor's GBT is independent of the others, so we
fit f's alone (same result, 1/F of the fits). Defaults: the reference ships
no study config (sizes gin.REQUIRED; its test uses [100] / 100 / 1 removal);
we take the study's downstream-task sizes, train (10, 100, 1000, 10000) and
5,000 test points, and 1 removal. Estimators: as the strong downstream task
(`strong_downstream.make_predictor`: "gbt" or "lr", the latter the
LogisticRegressionCV of evaluation/estimators.py chosen by `lr_estimator`);
the importance GBT is always gradient boosting, random_state `estimator_seed`
where the reference left it unset.
"""

import numpy as np

from disent_tf.errors import UserError
from disent_tf.evaluation import gbt, parallel, sampling
from disent_tf.evaluation.metrics import base, strong_downstream

STUDY_DEFAULTS = dict(num_train=(10, 100, 1000, 10000), num_test=5000, num_factors_to_remove=1, batch_size=16,
                      predictor="gbt")


def measure_reduced_downstream(data, sampler, rng, *, num_train, num_test, num_factors_to_remove, batch_size,
                               predictor, size_labels=None, estimator_seed=0, gbt_backend=gbt.DEFAULT_BACKEND,
                               lr_estimator="study"):
    """Fits of the reduced downstream task: one task per (train size, factor of interest).

    `size_labels` name the train sizes in the keys (reduced runs keep the study's key names).
    """
    strong_downstream.check_predictor(predictor)
    splits = []
    for size in num_train:
        train = sampling.generate_batch_factor_code(sampler, size, rng, batch_size)
        test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
        splits.append((train, test))
    num_codes = splits[0][0][0].shape[0] if splits else 0
    if num_factors_to_remove >= num_codes:
        raise UserError(f"the reduced downstream task cannot remove {num_factors_to_remove} of {num_codes} codes "
                        "and still predict; pass num_factors_to_remove below the number of codes.")
    tasks = []
    for (codes_train, factors_train), (codes_test, factors_test) in splits:
        predictor_cost = sum(strong_downstream.fit_cost(predictor, y, gbt_backend, lr_estimator) for y in factors_train)
        for factor in range(data.num_factors):
            cost = num_factors_to_remove * gbt.relative_cost(factors_train[factor], gbt_backend) + predictor_cost
            tasks.append(parallel.Task(reduced_accuracies, (codes_train, factors_train, codes_test, factors_test,
                                                            factor, num_factors_to_remove, predictor,
                                                            estimator_seed, gbt_backend, lr_estimator), cost))

    def finish(results):
        scores = {}
        labels = size_labels if size_labels is not None else num_train
        for index, label in enumerate(labels):
            scores.update(reduced_scores(label, results[index * data.num_factors:(index + 1) * data.num_factors]))
        return scores

    return base.Fits(tasks, finish)


def reduced_accuracies(codes_train, factors_train, codes_test, factors_test, factor, num_to_remove, predictor,
                       seed=0, gbt_backend=gbt.DEFAULT_BACKEND, lr_estimator="study"):
    """(train accuracies, test accuracies) per factor after removing `factor`'s most important codes.

    Codes (num_codes, N), factors (num_factors, N), as the other cores.
    """
    codes_train, codes_test = remove_informative_codes(codes_train, factors_train[factor], codes_test, num_to_remove,
                                                       seed, gbt_backend)
    accuracies = [strong_downstream.fit_accuracy(strong_downstream.make_predictor(predictor, seed, gbt_backend,
                                                                                  lr_estimator),
                                                 codes_train.T, y_train, codes_test.T, y_test)
                  for y_train, y_test in zip(factors_train, factors_test)]
    return [train for train, _ in accuracies], [test for _, test in accuracies]


def remove_informative_codes(codes_train, y_train, codes_test, num_to_remove, seed=0,
                             gbt_backend=gbt.DEFAULT_BACKEND):
    """Train and test codes without the `num_to_remove` codes a GBT for `y_train` finds most important.

    One code at a time, refitting on the codes left, as the reference's
    `compute_reduced_representation` (its `factorwise_dci` importance).
    """
    for _ in range(num_to_remove):
        model = gbt.make_classifier(gbt_backend, random_state=seed)
        model.fit(codes_train.T, y_train)
        most_important = int(np.argmax(np.abs(model.feature_importances_)))
        codes_train = np.delete(codes_train, most_important, axis=0)
        codes_test = np.delete(codes_test, most_important, axis=0)
    return codes_train, codes_test


def reduced_downstream_from_codes(codes_train, factors_train, codes_test, factors_test, num_factors_to_remove=1,
                                  predictor="gbt", size_label=None, estimator_seed=0,
                                  gbt_backend=gbt.DEFAULT_BACKEND, lr_estimator="study"):
    """Array-level core for one train set: the reference's keys prefixed by `size_label` (default N)."""
    results = [reduced_accuracies(codes_train, factors_train, codes_test, factors_test, factor,
                                  num_factors_to_remove, predictor, estimator_seed, gbt_backend, lr_estimator)
               for factor in range(factors_train.shape[0])]
    return reduced_scores(codes_train.shape[1] if size_label is None else size_label, results)


def reduced_scores(size, results):
    """The reference's keys of one train size from [(train accuracies, test accuracies)] per factor of interest."""
    prefix = str(size)
    scores = {}
    reduced_train, reduced_test, other_train, other_test = [], [], [], []
    for factor, (train_accuracy, test_accuracy) in enumerate(results):
        key = f"{prefix}:reduced_factor_{factor}"
        scores[f"{key}:mean_train_accuracy_reduced_factor"] = float(train_accuracy[factor])
        scores[f"{key}:mean_test_accuracy_reduced_factor"] = float(test_accuracy[factor])
        reduced_train.append(train_accuracy[factor])
        reduced_test.append(test_accuracy[factor])
        for j, (train, test) in enumerate(zip(train_accuracy, test_accuracy)):
            scores[f"{key}:mean_train_accuracy_factor_{j}"] = float(train)
            scores[f"{key}:mean_test_accuracy_factor_{j}"] = float(test)
        others = [j for j in range(len(train_accuracy)) if j != factor]
        # One factor only: no other factors, the mean of nothing (NaN) as the reference's np.mean([]).
        other_train.append(np.mean([train_accuracy[j] for j in others]) if others else np.nan)
        other_test.append(np.mean([test_accuracy[j] for j in others]) if others else np.nan)
        scores[f"{key}:mean_train_accuracy_non_reduced_factor"] = float(other_train[-1])
        scores[f"{key}:mean_test_accuracy_non_reduced_factor"] = float(other_test[-1])
    scores[f"{prefix}:mean_train_accuracy_reduced_factor"] = float(np.mean(reduced_train))
    scores[f"{prefix}:mean_test_accuracy_reduced_factor"] = float(np.mean(reduced_test))
    scores[f"{prefix}:mean_train_accuracy_other_factors"] = float(np.mean(other_train))
    scores[f"{prefix}:mean_test_accuracy_other_factors"] = float(np.mean(other_test))
    return scores


METRIC = base.Metric(name="reduced_downstream", measure=measure_reduced_downstream, defaults=STUDY_DEFAULTS,
                     reduce=strong_downstream.reduce_sizes, options=("estimator_seed", "gbt_backend", "lr_estimator"))
compute_reduced_downstream = METRIC.compute
