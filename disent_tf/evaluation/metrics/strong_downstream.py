"""Strong (out-of-distribution) downstream task: prediction under a covariate shift.

Follows disentanglement_lib's `evaluation/metrics/strong_downstream_task.py`
(no paper is cited there; its test binds the predictor to
GradientBoostingClassifier()). For each train size:

1. `size` train and `num_test` test factor rows are drawn, then their
   observations; one classifier per factor on all codes gives
   `{size}:mean_train_accuracy` and `{size}:mean_test_accuracy`;
2. for each target factor i, `n_experiment` times: another factor k != i is
   picked uniformly, one class v of k uniformly; the train rows get g_k = v,
   the test rows g_k = any other class (uniform per row); both are rendered and
   encoded again and a classifier for g_i is fit on the shifted train set.
   Mean accuracies over all (i, experiment): `{size}:mean_strong_train_accuracy`,
   `{size}:mean_strong_test_accuracy`; `{size}:strong_generalization_gap` =
   1 - strong test accuracy / test accuracy.

Defaults: disentanglement_lib ships no study config for this metric (its
sizes are gin.REQUIRED; its test uses [1000] / 1000 / 2 experiments); we take
the study's downstream-task sizes, train (10, 100, 1000, 10000) and 5,000 test
points, and the `n_experiment` = 10 of its `_compute_loss_intervene`.

Estimators: `predictor="gbt"` is GradientBoostingClassifier() (evaluation/gbt.py,
`gbt_backend`), `predictor="lr"` the LogisticRegressionCV(Cs=10, cv=KFold(5))
of evaluation/estimators.py: by default (`lr_estimator="study"`) scikit-learn
0.20's (lbfgs, one-vs-rest, C per class), "modern" today's multinomial one.
The reference drew the interventions (and the GBT seeds) from numpy's
unseeded global generator; we draw the interventions from
`RandomState(estimator_seed)`, so a run repeats and the metric's own `rng`
stream (factors, observation noise) stays the reference's.
"""

import numpy as np

from disent_tf.errors import UserError
from disent_tf.evaluation import estimators, gbt, parallel
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=(10, 100, 1000, 10000), num_test=5000, n_experiment=10, predictor="gbt")
PREDICTORS = ("gbt", "lr")


def measure_strong_downstream(data, sampler, rng, *, num_train, num_test, n_experiment, predictor,
                              size_labels=None, estimator_seed=0, gbt_backend=gbt.DEFAULT_BACKEND,
                              lr_estimator="study"):
    """Fits of the strong downstream task; all points drawn first, in the reference's order.

    `size_labels` name the train sizes in the keys (reduced runs keep the study's key names).
    """
    _check_data(data)
    check_predictor(predictor)
    intervention_rng = np.random.RandomState(estimator_seed)
    tasks = []
    for size in num_train:
        factors_train = data.sample_factors(size, rng)
        factors_test = data.sample_factors(num_test, rng)
        plain = (sampler.observe(factors_train, rng), sampler.observe(factors_test, rng))
        shifted = []
        for i in range(data.num_factors):
            for _ in range(n_experiment):
                train_int, test_int = intervene(factors_train, factors_test, i, data.factor_sizes, intervention_rng)
                shifted.append((i, train_int, test_int, sampler.observe(train_int, rng),
                                sampler.observe(test_int, rng)))
        codes_train, codes_test = sampler.codes(plain[0]), sampler.codes(plain[1])
        for i in range(data.num_factors):
            tasks.append(accuracy_task(predictor, codes_train, factors_train[:, i], codes_test, factors_test[:, i],
                                       estimator_seed, gbt_backend, lr_estimator))
        for i, train_int, test_int, train_ticket, test_ticket in shifted:
            tasks.append(accuracy_task(predictor, sampler.codes(train_ticket), train_int[:, i],
                                       sampler.codes(test_ticket), test_int[:, i], estimator_seed, gbt_backend,
                                       lr_estimator))

    def finish(results):
        scores, start = {}, 0
        for label in (size_labels if size_labels is not None else num_train):
            plain = results[start:start + data.num_factors]
            start += data.num_factors
            shifted = results[start:start + data.num_factors * n_experiment]
            start += data.num_factors * n_experiment
            scores.update(strong_scores(label, plain, shifted))
        return scores

    return base.Fits(tasks, finish)


def strong_scores(size, plain, shifted):
    """The reference's keys of one train size from (train, test) accuracies of plain and shifted fits."""
    prefix = str(size)
    test_accuracy = float(np.mean([test for _, test in plain]))
    strong_test_accuracy = float(np.mean([test for _, test in shifted]))
    gap = 1. - strong_test_accuracy / test_accuracy if test_accuracy > 0 else float("nan")
    return {f"{prefix}:mean_train_accuracy": float(np.mean([train for train, _ in plain])),
            f"{prefix}:mean_test_accuracy": test_accuracy,
            f"{prefix}:mean_strong_train_accuracy": float(np.mean([train for train, _ in shifted])),
            f"{prefix}:mean_strong_test_accuracy": strong_test_accuracy,
            f"{prefix}:strong_generalization_gap": gap}


def intervene(factors_train, factors_test, target, factor_sizes, rng):
    """Copies of the factor rows shifted on one factor k != target: train g_k = v, test g_k != v.

    Draws as the reference's `intervene` drew from numpy's global generator:
    `choice` of k among the other factors, of v among k's classes, then of
    each test row's class among the rest.
    """
    factors_train, factors_test = factors_train.copy(), factors_test.copy()
    shifted = rng.choice([k for k in range(len(factor_sizes)) if k != target])
    classes = list(range(factor_sizes[shifted]))
    train_value = rng.choice(classes)
    classes.remove(train_value)
    factors_train[:, shifted] = train_value
    factors_test[:, shifted] = rng.choice(classes, size=factors_test.shape[0])
    return factors_train, factors_test


def make_lr(seed=0, lr_estimator="study"):
    """LogisticRegressionCV(Cs=10, cv=KFold(5)) as `estimators.make` builds it (study: scikit-learn 0.20's)."""
    return estimators.make(lr_estimator, "lr_cv", seed)


def make_predictor(predictor, seed=0, gbt_backend=gbt.DEFAULT_BACKEND, lr_estimator="study"):
    """A fresh classifier: "gbt" (GradientBoostingClassifier()) or "lr" (`make_lr`), seeded with `seed`."""
    check_predictor(predictor)
    if predictor == "lr":
        return make_lr(seed, lr_estimator)
    return gbt.make_classifier(gbt_backend, random_state=seed)


def check_predictor(predictor):
    if predictor not in PREDICTORS:
        raise UserError(f"unknown downstream predictor {predictor!r}; choose one of {', '.join(PREDICTORS)}.")


def accuracy_task(predictor, x_train, y_train, x_test, y_test, seed, gbt_backend=gbt.DEFAULT_BACKEND,
                  lr_estimator="study"):
    """A parallel.Task: (train accuracy, test accuracy) of one classifier on codes (n, num_codes)."""
    return parallel.Task(fit_accuracy, (make_predictor(predictor, seed, gbt_backend, lr_estimator), x_train, y_train,
                                        x_test, y_test), fit_cost(predictor, y_train, gbt_backend, lr_estimator))


def fit_cost(predictor, y_train, gbt_backend=gbt.DEFAULT_BACKEND, lr_estimator="study"):
    """Relative cost of one fit (gbt.relative_cost's units; LR-CV: estimators.fit_cost)."""
    if predictor == "gbt":
        return gbt.relative_cost(y_train, gbt_backend)
    return estimators.fit_cost(lr_estimator, "lr_cv", y_train)


def fit_accuracy(model, x_train, y_train, x_test, y_test):
    """(train accuracy, test accuracy) of `model` fit on (x_train, y_train)."""
    model.fit(x_train, y_train)
    return float(np.mean(model.predict(x_train) == y_train)), float(np.mean(model.predict(x_test) == y_test))


def reduce_sizes(arguments, scale):
    """Reduced settings: every train size and `num_test` scaled (not below `base.MIN_POINTS` or the
    size itself), keys still named by the study's sizes."""
    reduced = base.scale_counts("num_test")(arguments, scale)
    sizes = list(arguments["num_train"])
    reduced["num_train"] = tuple(max(min(size, base.MIN_POINTS), int(round(size * scale))) for size in sizes)
    reduced["size_labels"] = tuple(arguments.get("size_labels") or sizes)
    return reduced


def _check_data(data):
    if data.num_factors < 2:
        raise UserError(f"the strong downstream task shifts a factor other than the predicted one, but "
                        f"{data.name} has {data.num_factors} factor; choose a data set with at least two.")
    single = [name for name, size in zip(data.factor_names, data.factor_sizes) if size < 2]
    if single:
        raise UserError(f"the strong downstream task needs two classes of every factor it may shift, but "
                        f"{data.name}'s factors {single} have one; choose another data set.")


METRIC = base.Metric(name="strong_downstream", measure=measure_strong_downstream, defaults=STUDY_DEFAULTS,
                     reduce=reduce_sizes, options=("estimator_seed", "gbt_backend", "lr_estimator"),
                     check_data=_check_data)
compute_strong_downstream = METRIC.compute
