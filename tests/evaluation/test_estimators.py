"""The study's (scikit-learn 0.20) and today's logistic regressions, their per-class tasks, and the metrics on them."""

import numpy as np
import pytest
from scipy import special
from sklearn import linear_model, model_selection, multiclass

from disent_tf.errors import UserError
from disent_tf.evaluation import estimators, parallel, sampling
from disent_tf.evaluation.metrics import beta_vae, downstream, modularity, reduced_downstream, strong_downstream
from evaluation_fixtures import TinyData

DATA = TinyData()
# Two factors: the strong and reduced downstream tasks fit a classifier per factor and experiment.
SMALL_DATA = TinyData(factor_sizes=(2, 3))


def identity_of(data):
    """The factors recovered from TinyData's images."""
    sizes = np.array(data.factor_sizes)
    return lambda observations: np.round(observations[:, :len(sizes), -1, 0] * sizes - 1)


identity = identity_of(DATA)


def blobs(num_points, num_classes, seed, spread=1.0):
    """Points (n, 3) around one random centre per class, and their labels."""
    rng = np.random.RandomState(seed)
    centres = rng.randn(num_classes, 3) * 1.5
    labels = rng.randint(num_classes, size=num_points)
    return centres[labels] + spread * rng.randn(num_points, 3), labels


def ordinal(num_points, seed, num_classes=5):
    """Codes (2, n): one holds a 5-class ordinal factor plus noise, one is noise.

    One-vs-rest cannot single out the middle classes of one code with a
    sigmoid each; a multinomial model can: the two kinds must disagree here.
    """
    rng = np.random.RandomState(seed)
    labels = rng.randint(num_classes, size=num_points)
    return np.stack([labels + 0.4 * rng.randn(num_points), rng.randn(num_points)]), labels


# --- the study's LogisticRegression() --------------------------------------------------------


def test_study_lr_is_one_vs_rest_of_liblinear_binary_fits():
    x, y = blobs(150, 4, seed=0)
    x_test, _ = blobs(60, 4, seed=1)
    prediction = estimators.fit_predict("study", "lr", x, y, (x, x_test))
    tasks, _ = estimators.fit_tasks("study", "lr", x, y, (x_test,))
    fits = [fit for task in tasks for fit in task.function(*task.args)]
    decisions = []
    for c, fit in zip(range(4), fits):
        binary = linear_model.LogisticRegression(solver="liblinear").fit(x, (y == c).astype(int))
        np.testing.assert_array_equal(fit.coef, binary.coef_[0])
        assert fit.intercept == binary.intercept_[0]
        decisions.append(binary.decision_function(x_test))
    decisions = np.column_stack(decisions)
    np.testing.assert_array_equal(prediction.labels[1], np.argmax(decisions, axis=1))
    sigmoid = special.expit(decisions)
    np.testing.assert_allclose(prediction.probabilities[1], sigmoid / sigmoid.sum(axis=1, keepdims=True), rtol=1e-13)
    # ... which is scikit-learn's OneVsRestClassifier of the same binary estimator.
    reference = multiclass.OneVsRestClassifier(linear_model.LogisticRegression(solver="liblinear")).fit(x, y)
    np.testing.assert_array_equal(prediction.labels[1], reference.predict(x_test))
    np.testing.assert_allclose(prediction.probabilities[1], reference.predict_proba(x_test), rtol=1e-13)
    assert prediction.accuracy(0, y) == reference.score(x, y) > 0.5


def test_study_lr_with_two_classes_is_plain_liblinear():
    x, y = blobs(80, 2, seed=2)
    y = y + 3  # labels {3, 4}: one problem, for the second class
    prediction = estimators.fit_predict("study", "lr", x, y, (x,))
    reference = linear_model.LogisticRegression(solver="liblinear").fit(x, y)
    np.testing.assert_array_equal(prediction.classes, [3, 4])
    np.testing.assert_array_equal(prediction.labels[0], reference.predict(x))
    np.testing.assert_allclose(prediction.probabilities[0], reference.predict_proba(x), rtol=1e-13)


def test_absent_classes_are_never_predicted_and_one_class_fails_clearly():
    x, y = blobs(60, 5, seed=3)
    keep = y != 2
    prediction = estimators.fit_predict("study", "lr", x[keep], y[keep], (x[keep], x))
    np.testing.assert_array_equal(prediction.classes, [0, 1, 3, 4])
    assert prediction.probabilities[1].shape == (60, 4) and 2 not in prediction.labels[1]
    # Explicitness scores the classes both present and absent in a split, as the module says.
    train_auc, test_auc = modularity.explicitness_of(prediction, y[keep], y)
    assert 0.5 < test_auc <= 1
    for kind in estimators.KINDS:
        with pytest.raises(UserError, match="at least two classes"):
            estimators.fit_tasks(kind, "lr_cv", x, np.zeros(60, int), (x,))
    with pytest.raises(UserError, match="--lr_estimator"):
        estimators.fit_tasks("new", "lr", x, y, (x,))


# --- the study's LogisticRegressionCV(Cs=10, cv=KFold(5)) ------------------------------------


def test_study_lr_cv_picks_each_class_c_as_its_binary_problem():
    x, y = blobs(100, 4, seed=0, spread=1.5)
    prediction = estimators.fit_predict("study", "lr_cv", x, y, (x,))

    def lr_cv():
        return linear_model.LogisticRegressionCV(Cs=10, cv=model_selection.KFold(n_splits=5), solver="lbfgs",
                                                 scoring="accuracy", l1_ratios=(0.,), use_legacy_attributes=False)

    with parallel.fitting():  # single-threaded BLAS: these tiny fits are ~4x faster
        chosen = [lr_cv().fit(x, (y == c).astype(int)).C_ for c in range(4)]
        reference = multiclass.OneVsRestClassifier(lr_cv()).fit(x, y)
    np.testing.assert_array_equal(prediction.C, chosen)
    assert len(set(chosen)) > 1  # one C per class, not one for all
    np.testing.assert_array_equal(prediction.labels[0], reference.predict(x))
    modern = estimators.fit_predict("modern", "lr_cv", x, y, (x,))
    assert modern.C.shape == (1,)


@pytest.mark.parametrize("num_classes,dtype", [(2, np.float64), (2, np.float32), (4, np.float64)])
def test_the_light_accuracy_scorer_gives_scikit_learns_numbers(num_classes, dtype):
    # estimators.accuracy replaces scoring="accuracy" for speed: every fold score, C and coefficient stay equal.
    x, y = blobs(60, num_classes, seed=3, spread=2.0)
    settings = dict(Cs=10, cv=model_selection.KFold(n_splits=5), solver="lbfgs", l1_ratios=(0.,),
                    use_legacy_attributes=False)
    ours = linear_model.LogisticRegressionCV(scoring=estimators.accuracy, **settings).fit(x.astype(dtype), y)
    theirs = linear_model.LogisticRegressionCV(scoring="accuracy", **settings).fit(x.astype(dtype), y)
    np.testing.assert_array_equal(ours.scores_, theirs.scores_)
    np.testing.assert_array_equal(ours.C_, theirs.C_)
    np.testing.assert_array_equal(ours.coef_, theirs.coef_)
    assert estimators.accuracy(ours, x, y) == theirs.score(x, y)


# --- per-class tasks in processes ------------------------------------------------------------


def test_per_class_tasks_in_worker_processes_equal_the_fits_here():
    x, y = blobs(2000, 12, seed=4)
    x_test, _ = blobs(300, 12, seed=5)
    tasks, combine = estimators.fit_tasks("study", "lr", x, y, (x, x_test))
    assert 1 < len(tasks) < 12  # cheap liblinear fits are grouped
    here = combine([task.function(*task.args) for task in tasks])
    there = combine(parallel.run(tasks, 2))
    single = estimators.fit_predict("study", "lr", x, y, (x, x_test))
    for other in (there, single):
        for index in range(2):
            np.testing.assert_array_equal(other.labels[index], here.labels[index])
            np.testing.assert_array_equal(other.probabilities[index], here.probabilities[index])
    x_cv, y_cv = blobs(60, 3, seed=6)
    cv_tasks, cv_combine = estimators.fit_tasks("study", "lr_cv", x_cv, y_cv, (x_cv,))
    assert len(cv_tasks) == 3  # one binary LR-CV per class
    np.testing.assert_array_equal(cv_combine(parallel.run(cv_tasks, 2)).labels[0],
                                  estimators.fit_predict("study", "lr_cv", x_cv, y_cv, (x_cv,)).labels[0])


def test_explicitness_and_downstream_fits_in_processes_equal_serial():
    codes_train, y_train = ordinal(300, seed=0)
    codes_test, y_test = ordinal(200, seed=1)
    factors_train, factors_test = np.stack([y_train, y_train % 2]), np.stack([y_test, y_test % 2])
    fits = modularity._fits(codes_train, factors_train, codes_test, factors_test, "study")
    assert len(fits.tasks) == 2  # the 5-class factor's problems (grouped: cheap) and the binary factor's one
    assert fits.run(1) == fits.run(2)
    tasks, accuracy = downstream.factor_fits("lr", codes_train.T, y_train, codes_test.T, y_test)
    assert len(tasks) == 5 and accuracy(parallel.run(tasks, 1)) == accuracy(parallel.run(tasks, 2))


# --- study and modern differ where they should -----------------------------------------------


def test_study_and_modern_estimators_give_different_scores():
    codes_train, y_train = ordinal(300, seed=0)
    codes_test, y_test = ordinal(200, seed=1)
    study = modularity.explicitness_per_factor(codes_train, y_train, codes_test, y_test, "study")
    modern = modularity.explicitness_per_factor(codes_train, y_train, codes_test, y_test, "modern")
    assert modern[1] - study[1] > 0.01
    accuracy = {}
    for kind in estimators.KINDS:
        tasks, finish = downstream.factor_fits("lr", codes_train.T, y_train, codes_test.T, y_test, lr_estimator=kind)
        accuracy[kind] = finish(parallel.run(tasks))
    # One C per class and sigmoids per class lose the middle classes of an ordinal code.
    assert accuracy["modern"][1] - accuracy["study"][1] > 0.2
    assert estimators.describe("study", "lr") != estimators.describe("modern", "lr")


# --- the BetaVAE score's RandomState ---------------------------------------------------------


def test_study_lr_draws_from_the_rng_as_scikit_learns_liblinear_fit():
    x, y = blobs(40, 2, seed=7)
    ours, theirs = np.random.RandomState(11), np.random.RandomState(11)
    seed = estimators.fit_random_state("study", "lr", ours)
    linear_model.LogisticRegression(solver="liblinear", random_state=theirs).fit(x, y)
    _assert_same_state(ours, theirs)
    assert seed == np.random.RandomState(11).randint(np.iinfo("i").max)
    # OneVsRestClassifier clones (copies) the RandomState: it would not advance the metric's.
    cloned = np.random.RandomState(11)
    multiclass.OneVsRestClassifier(linear_model.LogisticRegression(solver="liblinear", random_state=cloned)).fit(x, y)
    _assert_same_state(cloned, np.random.RandomState(11))
    # lbfgs (today's default, and every LR-CV) draws nothing.
    for kind, which in (("modern", "lr"), ("study", "lr_cv"), ("modern", "lr_cv")):
        untouched = np.random.RandomState(11)
        assert estimators.fit_random_state(kind, which, untouched) == 0
        _assert_same_state(untouched, np.random.RandomState(11))
    lbfgs = np.random.RandomState(11)
    linear_model.LogisticRegression(random_state=lbfgs).fit(x, y)
    _assert_same_state(lbfgs, np.random.RandomState(11))


@pytest.mark.parametrize("kind", estimators.KINDS)
def test_beta_vae_eval_points_follow_the_liblinear_draw(kind):
    sampler = sampling.as_sampler(DATA, identity)
    rng = np.random.RandomState(5)
    beta_vae.measure_beta_vae(DATA, sampler, rng, batch_size=8, num_train=30, num_eval=20, lr_estimator=kind)
    expected = np.random.RandomState(5)
    points, labels = beta_vae.training_batch(sampling.as_sampler(DATA, identity), 8, 30, expected)
    if kind == "study":  # the study's fit: LogisticRegression(random_state=rng), liblinear
        linear_model.LogisticRegression(solver="liblinear", random_state=expected).fit(points, labels == 0)
    beta_vae.training_batch(sampling.as_sampler(DATA, identity), 8, 20, expected)
    _assert_same_state(rng, expected)


def _assert_same_state(first, second):
    a, b = first.get_state(), second.get_state()
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2:] == b[2:]


# --- the metrics through METRIC.compute, both kinds ------------------------------------------


@pytest.mark.parametrize("kind", estimators.KINDS)
def test_metrics_compute_on_tiny_data(kind):
    rng = np.random.RandomState
    scores = beta_vae.METRIC.compute(DATA, identity, rng(0), num_train=40, num_eval=30, lr_estimator=kind)
    assert scores["eval_accuracy"] == 1.0
    scores = modularity.METRIC.compute(DATA, identity, rng(0), num_train=100, num_test=60, lr_estimator=kind)
    assert 0.9 < scores["explicitness_score_test"] <= 1
    scores = downstream.LR_METRIC.compute(DATA, identity, rng(0), num_train=(30,), num_test=40, lr_estimator=kind)
    assert 0.6 < scores["30:mean_test_accuracy"] <= 1
    small = identity_of(SMALL_DATA)
    scores = strong_downstream.METRIC.compute(SMALL_DATA, small, rng(0), num_train=(30,), num_test=30,
                                              n_experiment=1, predictor="lr", lr_estimator=kind)
    assert 0.6 < scores["30:mean_test_accuracy"] <= 1
    scores = reduced_downstream.METRIC.compute(SMALL_DATA, small, rng(0), num_train=(30,), num_test=30,
                                               predictor="lr", lr_estimator=kind)
    # Removing a factor's only code leaves it at chance; the others stay predictable.
    assert scores["30:mean_test_accuracy_other_factors"] > scores["30:mean_test_accuracy_reduced_factor"]
    for metric in (beta_vae.METRIC, modularity.METRIC, downstream.LR_METRIC, strong_downstream.METRIC,
                   reduced_downstream.METRIC):
        assert metric.arguments(lr_estimator=kind)["lr_estimator"] == kind
