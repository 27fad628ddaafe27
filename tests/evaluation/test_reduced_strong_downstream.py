"""Reduced and strong downstream tasks: known answers, hand-made cases, parity with disentanglement_lib."""

import numpy as np
import pytest
from sklearn import linear_model, model_selection, multiclass

from disent_tf.errors import UserError
from disent_tf.evaluation import estimators, parallel
from disent_tf.evaluation.metrics import reduced_downstream, strong_downstream
from evaluation_fixtures import TinyData, linear_gaussian

DATA = TinyData()
SIZES = np.array(DATA.factor_sizes)


def identity(observations):
    return np.round(observations[:, :3, -1, 0] * SIZES - 1)


def grid_index(observations):
    """One code holding every factor at once: the grid index."""
    return DATA.index(identity(observations).astype(np.int64))[:, np.newaxis].astype(np.float64)


def lossy_representation():
    """Two codes of linear_gaussian(4, seed=1) rounded to halves (the parity fixture)."""
    mean = linear_gaussian(num_latent=4, seed=1)
    return lambda x: np.round(mean(x)[0][:, :2] * 2) / 2


# --- strong downstream ------------------------------------------------------------------------

def test_intervene_shifts_another_factor_apart():
    rng = np.random.RandomState(0)
    train, test = DATA.sample_factors(200, rng), DATA.sample_factors(300, rng)
    for target in range(3):
        shifted_train, shifted_test = strong_downstream.intervene(train, test, target, DATA.factor_sizes,
                                                                  np.random.RandomState(target))
        changed = [k for k in range(3) if not np.array_equal(shifted_train[:, k], train[:, k])]
        assert len(changed) == 1 and changed[0] != target
        k = changed[0]
        assert len(np.unique(shifted_train[:, k])) == 1
        assert not np.any(shifted_test[:, k] == shifted_train[0, k])
        np.testing.assert_array_equal(np.delete(shifted_test, k, axis=1), np.delete(test, k, axis=1))


def test_strong_scores_hand_example():
    scores = strong_downstream.strong_scores(50, [(1.0, 0.8), (0.9, 0.6)], [(1.0, 0.35), (0.8, 0.35)])
    assert scores == pytest.approx({"50:mean_train_accuracy": 0.95, "50:mean_test_accuracy": 0.7,
                                    "50:mean_strong_train_accuracy": 0.9, "50:mean_strong_test_accuracy": 0.35,
                                    "50:strong_generalization_gap": 0.5})


def test_identity_generalises_and_a_mixed_code_does_not():
    kwargs = dict(num_train=(200,), num_test=100, n_experiment=2)
    scores = strong_downstream.compute_strong_downstream(DATA, identity, np.random.RandomState(0), **kwargs)
    assert scores["200:mean_strong_test_accuracy"] == 1.0 and scores["200:strong_generalization_gap"] == 0.0
    mixed = strong_downstream.compute_strong_downstream(DATA, grid_index, np.random.RandomState(0), **kwargs)
    assert mixed["200:mean_test_accuracy"] > 0.95
    assert mixed["200:strong_generalization_gap"] > 0.25


def test_strong_needs_two_factors():
    with pytest.raises(UserError, match="at least two"):
        strong_downstream.compute_strong_downstream(TinyData(factor_sizes=(5,)), identity, np.random.RandomState(0),
                                                    num_train=(20,), num_test=20, n_experiment=1)


def test_make_lr_is_the_studys_logistic_regression_cv():
    model = strong_downstream.make_lr(seed=7)
    assert isinstance(model, multiclass.OneVsRestClassifier)
    inner = model.estimator
    assert isinstance(inner, linear_model.LogisticRegressionCV)
    # Accuracy, by scikit-learn's numbers without its scorer's checks (tests/evaluation/test_estimators.py).
    assert (inner.Cs, inner.solver, inner.scoring) == (10, "lbfgs", estimators.accuracy)
    assert isinstance(inner.cv, model_selection.KFold) and inner.cv.n_splits == 5 and not inner.cv.shuffle
    # Three linearly separable classes of one code: perfectly fit.
    x = np.repeat([[0.], [5.], [10.]], 20, axis=0)
    y = np.repeat([0, 1, 2], 20)
    rng = np.random.RandomState(0)
    x = x + rng.uniform(-1, 1, size=x.shape)
    # Through parallel.run, as the suite fits it (single-threaded BLAS: ~4x faster for such tiny fits).
    task = strong_downstream.accuracy_task("lr", x[::2], y[::2], x[1::2], y[1::2], seed=0)
    assert parallel.run([task]) == [(1.0, 1.0)]
    with pytest.raises(UserError, match="unknown downstream predictor"):
        strong_downstream.make_predictor("svm")


def test_reduced_settings_keep_the_studys_key_names():
    arguments = strong_downstream.METRIC.arguments(sample_scale=0.01)
    assert arguments["num_train"] == (10, 20, 20, 100) and arguments["num_test"] == 50
    assert arguments["size_labels"] == (10, 100, 1000, 10000)
    scores = strong_downstream.compute_strong_downstream(DATA, identity, np.random.RandomState(0), num_train=(20,),
                                                         num_test=20, n_experiment=1, size_labels=(1000,))
    assert sorted(scores) == sorted(f"1000:{key}" for key in (
        "mean_train_accuracy", "mean_test_accuracy", "mean_strong_train_accuracy", "mean_strong_test_accuracy",
        "strong_generalization_gap"))


# Expected values from disentanglement_lib 1.5 (pip, --no-deps, gin keywords mapped as in STACK_NOTES.md):
# strong_downstream_task.compute_strong_downstream_task(TinyData adapter, rep, RandomState(seed), None,
# num_train, num_test, n_experiment) with predictor.predictor_fn returning
# GradientBoostingClassifier(random_state=0) (scikit-learn 1.9) and numpy.random.seed(global_seed) just
# before, as its interventions draw from numpy's global generator (ours from RandomState(estimator_seed)).
STRONG_PARITY = [
    # (representation, seed, global seed, num_train, num_test, n_experiment, expected)
    ("mean", 0, 0, (100,), 100, 2, {
        "100:mean_train_accuracy": 1.0, "100:mean_test_accuracy": 0.9266666666666666,
        "100:mean_strong_train_accuracy": 1.0, "100:mean_strong_test_accuracy": 0.4483333333333333,
        "100:strong_generalization_gap": 0.5161870503597122}),
    ("lossy", 2, 5, (60, 150), 80, 3, {
        "60:mean_train_accuracy": 0.6444444444444444, "60:mean_test_accuracy": 0.5499999999999999,
        "60:mean_strong_train_accuracy": 0.6814814814814816, "60:mean_strong_test_accuracy": 0.42500000000000004,
        "60:strong_generalization_gap": 0.22727272727272707, "150:mean_train_accuracy": 0.5755555555555555,
        "150:mean_test_accuracy": 0.5375, "150:mean_strong_train_accuracy": 0.6592592592592592,
        "150:mean_strong_test_accuracy": 0.4513888888888889, "150:strong_generalization_gap": 0.16020671834625322}),
]


def _representation(name):
    if name == "lossy":
        return lossy_representation()
    mean = linear_gaussian(num_latent=4, seed=1)
    return lambda x: mean(x)[0]


@pytest.mark.parametrize("name,seed,global_seed,num_train,num_test,n_experiment,expected", STRONG_PARITY)
def test_strong_parity_with_disentanglement_lib(name, seed, global_seed, num_train, num_test, n_experiment,
                                                expected):
    scores = strong_downstream.compute_strong_downstream(
        DATA, _representation(name), np.random.RandomState(seed), num_train=num_train, num_test=num_test,
        n_experiment=n_experiment, estimator_seed=global_seed)
    assert scores == pytest.approx(expected, abs=1e-12)


# --- reduced downstream -----------------------------------------------------------------------

def test_reduced_scores_hand_example():
    results = [([1.0, 0.5], [0.9, 0.4]), ([0.8, 0.2], [0.6, 0.1])]
    scores = reduced_downstream.reduced_scores(10, results)
    assert scores["10:reduced_factor_0:mean_test_accuracy_reduced_factor"] == 0.9
    assert scores["10:reduced_factor_1:mean_train_accuracy_reduced_factor"] == 0.2
    assert scores["10:reduced_factor_1:mean_test_accuracy_factor_0"] == 0.6
    assert scores["10:reduced_factor_0:mean_train_accuracy_non_reduced_factor"] == 0.5
    assert scores["10:mean_test_accuracy_reduced_factor"] == pytest.approx(0.5)
    assert scores["10:mean_train_accuracy_other_factors"] == pytest.approx(0.65)
    assert len(scores) == 2 * (2 + 4 + 2) + 4


def test_removing_the_only_informative_code_destroys_its_factor():
    scores = reduced_downstream.compute_reduced_downstream(DATA, identity, np.random.RandomState(0), num_train=(200,),
                                                           num_test=100)
    # Each factor lives in its own code: without it, chance level (1/3, 1/4, 1/5); the others stay perfect.
    assert scores["200:mean_test_accuracy_reduced_factor"] < 0.4
    assert scores["200:mean_test_accuracy_other_factors"] == 1.0
    # A duplicated code keeps factor 0 fully predictable after one removal.
    duplicated = lambda x: np.concatenate([identity(x), identity(x)[:, :1]], axis=1)
    scores = reduced_downstream.compute_reduced_downstream(DATA, duplicated, np.random.RandomState(0),
                                                           num_train=(200,), num_test=100)
    assert scores["200:reduced_factor_0:mean_test_accuracy_reduced_factor"] == 1.0
    assert scores["200:reduced_factor_1:mean_test_accuracy_reduced_factor"] < 0.5


def test_reduced_core_on_arrays_matches_the_entry_point():
    rng = np.random.RandomState(4)
    factors_train, factors_test = DATA.sample_factors(120, rng).T, DATA.sample_factors(60, rng).T
    codes_train = factors_train + 0.1 * rng.normal(size=factors_train.shape)
    codes_test = factors_test + 0.1 * rng.normal(size=factors_test.shape)
    scores = reduced_downstream.reduced_downstream_from_codes(codes_train, factors_train, codes_test, factors_test)
    assert scores["120:mean_train_accuracy_other_factors"] == 1.0
    assert scores["120:mean_test_accuracy_reduced_factor"] < 0.45


def test_cannot_remove_every_code():
    with pytest.raises(UserError, match="num_factors_to_remove"):
        reduced_downstream.compute_reduced_downstream(DATA, grid_index, np.random.RandomState(0), num_train=(20,),
                                                      num_test=20)


# Expected values from disentanglement_lib 1.5 (as above): reduced_downstream_task.
# compute_reduced_downstream_task(TinyData adapter, rep, RandomState(seed), None, num_factors_to_remove=1,
# num_train, num_test, batch_size=16) with reduced_representation.correlation_measure=@factorwise_dci, its
# dci module's GradientBoostingClassifier and predictor.predictor_fn both random_state=0 (scikit-learn 1.9).
REDUCED_PARITY = [
    ("mean", 0, (50, 200), 100, {
        "50:mean_train_accuracy_reduced_factor": 1.0, "50:mean_test_accuracy_reduced_factor": 0.7466666666666667,
        "50:mean_train_accuracy_other_factors": 1.0, "50:mean_test_accuracy_other_factors": 0.8133333333333335,
        "200:mean_train_accuracy_reduced_factor": 1.0, "200:mean_test_accuracy_reduced_factor": 0.9366666666666666,
        "200:mean_train_accuracy_other_factors": 1.0, "200:mean_test_accuracy_other_factors": 0.9566666666666667,
        "200:reduced_factor_1:mean_test_accuracy_factor_0": 0.97,
        "200:reduced_factor_1:mean_test_accuracy_factor_2": 0.92,
        "200:reduced_factor_1:mean_test_accuracy_non_reduced_factor": 0.9450000000000001}),
    ("lossy", 1, (100,), 100, {
        "100:reduced_factor_2:mean_train_accuracy_reduced_factor": 0.27,
        "100:reduced_factor_2:mean_test_accuracy_reduced_factor": 0.15,
        "100:reduced_factor_2:mean_train_accuracy_factor_0": 0.41,
        "100:reduced_factor_2:mean_test_accuracy_factor_0": 0.29,
        "100:reduced_factor_2:mean_train_accuracy_factor_1": 0.69,
        "100:reduced_factor_2:mean_test_accuracy_factor_1": 0.63,
        "100:reduced_factor_2:mean_train_accuracy_non_reduced_factor": 0.5499999999999999,
        "100:reduced_factor_2:mean_test_accuracy_non_reduced_factor": 0.45999999999999996,
        "100:mean_train_accuracy_reduced_factor": 0.3933333333333333,
        "100:mean_test_accuracy_reduced_factor": 0.3166666666666667,
        "100:mean_train_accuracy_other_factors": 0.48166666666666663,
        "100:mean_test_accuracy_other_factors": 0.4166666666666667}),
]


@pytest.mark.parametrize("name,seed,num_train,num_test,expected", REDUCED_PARITY)
def test_reduced_parity_with_disentanglement_lib(name, seed, num_train, num_test, expected):
    scores = reduced_downstream.compute_reduced_downstream(DATA, _representation(name), np.random.RandomState(seed),
                                                           num_train=num_train, num_test=num_test)
    assert {key: scores[key] for key in expected} == pytest.approx(expected, abs=1e-12)
    assert len(scores) == len(num_train) * (3 * (2 + 6 + 2) + 4)


def test_cached_sampler_gives_the_same_scores():
    # The suite's CodeSampler caches codes by grid index and encodes many tickets at once.
    from disent_tf.evaluation import representation, sampling

    mean = linear_gaussian(num_latent=4, seed=1)
    cached = sampling.CodeSampler(DATA, representation.from_gaussian_callable(mean), "mean", cache=True)
    assert cached.mode == "cache"
    arguments = dict(num_train=(40,), num_test=30, n_experiment=1, predictor="gbt")
    direct = strong_downstream.compute_strong_downstream(DATA, lambda x: mean(x)[0], np.random.RandomState(0),
                                                         **arguments)
    measured = strong_downstream.measure_strong_downstream(DATA, cached, np.random.RandomState(0), **arguments)
    assert measured.run() == direct
