"""The logistic regressions of the metrics: the study's (scikit-learn 0.20) and today's.

The study (Locatello et al. 2019) ran disentanglement_lib on scikit-learn
0.20, whose defaults were not today's (REFERENCE.md section 5):

- `LogisticRegression()` (BetaVAE score, explicitness): 0.20's `solver="warn"`
  meant liblinear and `multi_class="warn"` meant one-vs-rest
  (`linear_model/logistic.py`: `_check_solver`, `_check_multi_class`), with
  C=1, L2, dual=False, tol=1e-4, an intercept (intercept_scaling 1, itself
  penalised by liblinear) and max_iter=100. liblinear solved one binary
  problem per class (one for two classes); predict was the argmax of the
  per-class decision functions (first on ties) and predict_proba the
  per-class sigmoids normalised to sum 1 (`_predict_proba_lr`; no
  normalisation for two classes).
- `LogisticRegressionCV(Cs=10, cv=KFold(5))` (downstream_lr): lbfgs,
  one-vs-rest: per class (one for two classes) a binary problem, the 10 Cs of
  `np.logspace(-4, 4, 10)` warm-started along the path in each of the 5
  unshuffled folds, the class's C the first with the highest summed fold
  accuracy, refit on all points from the mean fold coefficients at that C.

`kind="study"` reproduces that: one pinned binary estimator per class
(`binary_estimator`), here `LogisticRegression(solver="liblinear")` and
`LogisticRegressionCV(Cs=10, cv=KFold(n_splits=5), solver="lbfgs",
scoring="accuracy")`, combined as 0.20 combined them (`combine` below;
`OneVsRestClassifier` of the same binary estimator gives the same model,
which `make` returns). `kind="modern"` is today's default (scikit-learn 1.9):
`LogisticRegression(solver="lbfgs")` and `LogisticRegressionCV(Cs=10,
cv=KFold(5), solver="lbfgs", scoring="accuracy")`, multinomial, one C for all
classes. Every argument whose default changed since 0.20 or is announced to
change (C, penalty, which 1.9 spells `l1_ratio=0` / `l1_ratios=(0,)`, dual,
tol, fit_intercept, intercept_scaling, class_weight, max_iter, solver,
scoring, use_legacy_attributes) is pinned, so a newer scikit-learn cannot move
the numbers silently (a removed argument fails loudly).

What is not emulated: today's lbfgs minimises the mean (not the sum) of the
losses and stops on other tolerances than 0.20's `fmin_l_bfgs_b(pgtol=tol)`,
so the study LR-CV's coefficients can differ within the solver tolerance,
and the per-class binary liblinear problems are solved on the points in
their given order where 0.20's multiclass liblinear grouped them by class
(a rounding-level difference). This stack cannot run 0.20 (no wheels for
Python 3.11), so both are documented, not measured.

Parallel fits: one-vs-rest over 40 classes is 40 binary fits. `fit_tasks`
returns them as independent `parallel.Task`s (grouped so that each takes at
least ~10 ms) and a `combine` that assembles the model's predictions and
probabilities from their results, so a metric can queue every binary fit in
the suite's worker pool; `fit_predict` runs the same tasks here. Costs are
in `gbt.relative_cost`'s units (one numba GBT tree-set per class and point).

A class absent from the training labels gets no binary problem and is never
predicted, as in 0.20 (its `classes_` came from the training labels). A
training set with a single class fails with a UserError, as 0.20 (and
today's estimators) failed with a ValueError.
"""

import dataclasses
import math
from typing import Optional, Sequence

import numpy as np
from scipy import special
from sklearn import linear_model, model_selection, multiclass

from disent_tf.errors import UserError
from disent_tf.evaluation import config, parallel

KINDS = config.LR_ESTIMATORS
# "lr": LogisticRegression(); "lr_cv": LogisticRegressionCV(Cs=10, cv=KFold(5)).
WHICH = ("lr", "lr_cv")
# scikit-learn 0.20's defaults, unchanged since but pinned.
C = 1.0
TOL = 1e-4
MAX_ITER = 100
NUM_CS = 10
NUM_FOLDS = 5
# A task groups binary problems until it costs at least this much (~10 ms, see `fit_cost`).
MIN_TASK_COST = 400.0

_DESCRIPTIONS = {
    ("study", "lr"): "study: OneVsRest(LogisticRegression(liblinear, C=1, L2, tol=1e-4)) as scikit-learn 0.20",
    ("study", "lr_cv"): "study: OneVsRest(LogisticRegressionCV(Cs=10, KFold(5), lbfgs, accuracy)), one C per class, "
                        "as scikit-learn 0.20",
    ("modern", "lr"): "modern: LogisticRegression(lbfgs, multinomial, C=1, L2, tol=1e-4) as scikit-learn 1.9",
    ("modern", "lr_cv"): "modern: LogisticRegressionCV(Cs=10, KFold(5), lbfgs, multinomial, accuracy), one C, "
                         "as scikit-learn 1.9",
}


def check(kind, which="lr"):
    """UserError for an unknown `kind` (a user's option); ValueError for an unknown `which` (ours)."""
    if kind not in KINDS:
        raise UserError(f"--lr_estimator must be one of {', '.join(KINDS)}, got {kind!r}.")
    if which not in WHICH:
        raise ValueError(f"unknown logistic regression {which!r}; expected one of {WHICH}")


def describe(kind, which):
    """A short string naming the estimator, for the results."""
    check(kind, which)
    return _DESCRIPTIONS[kind, which]


def binary_estimator(which, random_state=0):
    """The study's estimator of one class against the rest (what 0.20 fit per class), pinned."""
    check("study", which)
    return _logistic_regression("liblinear", random_state) if which == "lr" else _cv_estimator(random_state)


def multinomial_estimator(which, random_state=0):
    """Today's default estimator (lbfgs, multinomial), pinned."""
    check("modern", which)
    return _logistic_regression("lbfgs", random_state) if which == "lr" else _cv_estimator(random_state)


def _logistic_regression(solver, random_state):
    """LogisticRegression with every argument whose default moved or may move pinned (C=1, L2, ...)."""
    return linear_model.LogisticRegression(
        C=C, l1_ratio=0.0, dual=False, tol=TOL, fit_intercept=True, intercept_scaling=1.0, class_weight=None,
        random_state=random_state, solver=solver, max_iter=MAX_ITER)


def accuracy(estimator, x, y):
    """The fraction of `y` that the linear `estimator` predicts: scoring="accuracy" without its checks.

    The same number as scikit-learn's accuracy scorer: the prediction is
    `LinearClassifierMixin.predict`'s (the decision's sign for one column,
    else its argmax) and the score the mean of the matches. The scorer's and
    predict's input validation took half of a small LR-CV's time (10 Cs x 5
    folds scored per fit).
    """
    # LR-CV's scoring path sets a binary problem's coef_ as a vector, a fitted model's as one row.
    decision = np.asarray(x) @ np.asarray(estimator.coef_).T + estimator.intercept_
    if decision.ndim == 2 and decision.shape[1] == 1:
        decision = decision[:, 0]
    indices = (decision > 0).astype(int) if decision.ndim == 1 else decision.argmax(axis=1)
    return float(np.mean(estimator.classes_[indices] == y))


def _cv_estimator(random_state):
    # Binary labels make it the study's per-class problem, multiclass ones today's multinomial one.
    return linear_model.LogisticRegressionCV(
        Cs=NUM_CS, l1_ratios=(0.0,), fit_intercept=True, cv=model_selection.KFold(n_splits=NUM_FOLDS), dual=False,
        scoring=accuracy, solver="lbfgs", tol=TOL, max_iter=MAX_ITER, class_weight=None, refit=True,
        intercept_scaling=1.0, random_state=random_state, use_legacy_attributes=False)


def make(kind, which, random_state=0):
    """A scikit-learn estimator for a whole problem: study `OneVsRestClassifier(binary_estimator)`, or modern.

    For code that wants one model object (strong/reduced downstream tasks).
    Its predictions equal `fit_predict`'s; unlike `fit_predict`, a
    single-class training set gives a constant predictor (OneVsRestClassifier's
    behaviour) for the study kind.
    """
    check(kind, which)
    if kind == "study":
        return multiclass.OneVsRestClassifier(binary_estimator(which, random_state))
    return multinomial_estimator(which, random_state)


def fit_random_state(kind, which, rng):
    """The random_state for a fit the study gave the metric's RandomState `rng`; consumes `rng` as 0.20 did.

    scikit-learn 0.20's `LogisticRegression(random_state=rng).fit` with
    liblinear called `_fit_liblinear` once (also for several classes:
    liblinear did one-vs-rest inside), which called
    `check_random_state(random_state)` (the same RandomState object) and drew
    `rnd.randint(np.iinfo('i').max)` exactly once as liblinear's srand seed
    (sklearn/svm/base.py of 0.20.4, `liblinear.train_wrap(..., rnd.randint(
    np.iinfo('i').max), ...)`); the single-class check before it raised
    without drawing. lbfgs (0.20's LogisticRegressionCV, today's defaults)
    draws nothing. We draw that seed here and hand it to every per-class fit
    as an integer (OneVsRestClassifier clones a RandomState parameter, so
    passing `rng` would not advance it). liblinear's primal L2
    logistic-regression solver (trust-region Newton) uses no random numbers,
    so the seed's value does not change the fit; the draw moves `rng` to
    where the study's next draws began.
    """
    check(kind, which)
    if kind == "study" and which == "lr":
        return int(rng.randint(np.iinfo("i").max))
    return 0


@dataclasses.dataclass(frozen=True)
class Prediction:
    """A fitted model's output on each evaluation set, in the order they were given.

    `classes`: the training classes (sorted), the columns of `probabilities`;
    `C`: the chosen C per binary problem (study LR-CV), the one C (modern
    LR-CV) or None (LR).
    """

    classes: np.ndarray
    labels: Sequence[np.ndarray]
    probabilities: Sequence[np.ndarray]
    C: Optional[np.ndarray] = None

    def accuracy(self, index, y):
        """Fraction of evaluation set `index` predicted as `y`."""
        return float(np.mean(self.labels[index] == np.asarray(y)))


@dataclasses.dataclass(frozen=True)
class BinaryFit:
    """One binary problem's result: decision values per evaluation set, its coefficients and the C it used."""

    decisions: Sequence[np.ndarray]
    coef: np.ndarray
    intercept: float
    C: float


def training_classes(y_train):
    """The sorted classes of the training labels; UserError when there is only one."""
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise UserError(f"a logistic regression needs at least two classes, but its {len(y_train)} training "
                        f"labels are all {classes[0] if len(classes) else 'missing'}; draw more training points "
                        "(a larger --sample_scale) or leave the constant factor out.")
    return classes


def positive_classes(classes):
    """The classes that get a binary problem: all of them, or only the second of two (as 0.20)."""
    return classes[1:] if len(classes) == 2 else classes


def fit_tasks(kind, which, x_train, y_train, x_evals, random_state=0):
    """(tasks, combine): the fits of one model as independent tasks, and `combine(results) -> Prediction`.

    `x_train` (n, num_features) with labels `y_train`; `x_evals` a sequence of
    arrays to predict (pass `x_train` itself among them for train accuracy:
    pickling sends it once). Study: one binary problem per class, grouped into
    tasks of at least `MIN_TASK_COST`; modern: one task.
    """
    check(kind, which)
    classes = training_classes(y_train)
    x_evals = tuple(x_evals)
    if kind == "modern":
        task = parallel.Task(fit_multinomial, (which, x_train, y_train, x_evals, random_state),
                             fit_cost(kind, which, y_train))
        return [task], lambda results: results[0]
    positives = positive_classes(classes)
    per_class = fit_cost(kind, which, y_train) / len(positives)
    size = max(1, min(len(positives), math.ceil(MIN_TASK_COST / per_class)))
    groups = [positives[start:start + size] for start in range(0, len(positives), size)]
    tasks = [parallel.Task(fit_binary_problems, (which, x_train, y_train, group, x_evals, random_state),
                           per_class * len(group)) for group in groups]

    def combine(results):
        return combine_one_vs_rest(classes, [fit for group in results for fit in group])

    return tasks, combine


def fit_predict(kind, which, x_train, y_train, x_evals, random_state=0):
    """The Prediction of `fit_tasks`' model, fitting its tasks here."""
    tasks, combine = fit_tasks(kind, which, x_train, y_train, x_evals, random_state)
    return combine(parallel.run(tasks, 1))


def fit_binary_problems(which, x_train, y_train, positives, x_evals, random_state=0):
    """[BinaryFit] of the study's binary estimator for each class in `positives` against the rest."""
    fits = []
    for positive in positives:
        # 0/1 labels as OneVsRestClassifier's LabelBinarizer makes them.
        model = binary_estimator(which, random_state).fit(x_train, (np.asarray(y_train) == positive).astype(int))
        chosen = float(model.C_) if which == "lr_cv" else model.C
        fits.append(BinaryFit([model.decision_function(x) for x in x_evals], model.coef_[0], float(model.intercept_[0]),
                              chosen))
    return fits


def combine_one_vs_rest(classes, fits):
    """The Prediction of scikit-learn 0.20's one-vs-rest model from its binary problems' fits.

    Two classes: one problem for the second class, label `classes[d > 0]`,
    probabilities [1 - s, s] with s = sigmoid(d). More: label the argmax of
    the decision values (first on ties), probabilities the sigmoids divided by
    their sum (0.20's `LinearClassifierMixin._predict_proba_lr`).
    """
    num_evals = len(fits[0].decisions)
    labels, probabilities = [], []
    for index in range(num_evals):
        if len(classes) == 2:
            decision = fits[0].decisions[index]
            sigmoid = special.expit(decision)
            labels.append(classes[(decision > 0).astype(int)])
            probabilities.append(np.vstack([1 - sigmoid, sigmoid]).T)
        else:
            decision = np.column_stack([fit.decisions[index] for fit in fits])
            sigmoid = special.expit(decision)
            labels.append(classes[np.argmax(decision, axis=1)])
            probabilities.append(sigmoid / sigmoid.sum(axis=1).reshape((-1, 1)))
    chosen = np.array([fit.C for fit in fits])
    return Prediction(classes, labels, probabilities, chosen)


def fit_multinomial(which, x_train, y_train, x_evals, random_state=0):
    """The Prediction of today's multinomial estimator fit on (x_train, y_train)."""
    model = multinomial_estimator(which, random_state).fit(x_train, y_train)
    chosen = np.array([model.C_]) if which == "lr_cv" else None
    return Prediction(model.classes_, [model.predict(x) for x in x_evals], [model.predict_proba(x) for x in x_evals],
                      chosen)


def fit_cost(kind, which, y_train):
    """Relative time of all fits of one model on labels `y_train`, in `gbt.relative_cost`'s units.

    Measured on 10-dimensional codes, single-threaded (one unit ~24 us, a
    numba GBT's 100 trees per class and point): a liblinear binary fit ~0.8 ms
    + 0.6 us per point; a binary LR-CV (50 lbfgs path fits and a refit) ~90 ms
    almost regardless of size; multinomial lbfgs ~2.5 ms + 0.08 us per point
    and class; multinomial LR-CV ~0.12 s + 2.4 us per point and class.
    """
    num_points = len(y_train)
    num_classes = len(np.unique(y_train))
    if kind == "study":
        problems = 1 if num_classes <= 2 else num_classes
        per_problem = 33 + 0.027 * num_points if which == "lr" else 3500 + 0.1 * num_points
        return problems * per_problem
    if which == "lr":
        return 100 + 0.0035 * num_points * num_classes
    return 5000 + 0.1 * num_points * num_classes
