"""Fairness scores: hand-computed distances and aggregates, known answers, parity with disentanglement_lib."""

import pickle

import numpy as np
import pytest

from disent_tf.errors import UserError
from disent_tf.evaluation import sampling
from disent_tf.evaluation.metrics import fairness
from evaluation_fixtures import TinyData, linear_gaussian

SIZES = np.array(TinyData().factor_sizes)


def identity(observations):
    return np.round(observations[:, :3, -1, 0] * SIZES - 1)


def test_inter_group_fairness_hand_example():
    # Predictions (rows) per sensitive class (columns): class 0 -> all predicted 1; class 1 -> half and half.
    counts = np.array([[0, 30], [60, 30]])
    # Pooled distribution (1/4, 3/4); TV to it: class 0 |0 - 1/4| -> 1/4, class 1 |1/2 - 1/4| -> 1/4.
    mean, worst = fairness.inter_group_fairness(counts)
    assert mean == pytest.approx(0.25) and worst == pytest.approx(0.25)
    # Unequal class sizes weight the mean: pooled (1/3, 2/3), TVs 2/3 and 1/6, weights 1/4 and 3/4.
    mean, worst = fairness.inter_group_fairness(np.array([[0, 30], [30, 30]]))
    assert mean == pytest.approx(1 / 3 * 1 / 3 + 2 / 3 * 1 / 6, abs=1e-7) and worst == pytest.approx(1 / 3)


def test_aggregate_scores_hand_example():
    matrix = np.array([[0., 1., 3.], [2., 0., 6.], [4., 5., 0.]])
    scores = fairness.aggregate_scores(matrix, "p")
    assert scores["p:pred1:sens2"] == 6.
    assert scores["p:pred0:mean_sens"] == 2. and scores["p:pred2:max_sens"] == 5.
    assert scores["p:sens0:mean_pred"] == 3. and scores["p:sens2:max_pred"] == 6.
    # Row means 2, 4, 4.5; row maxima 3, 6, 5; column means 3, 3, 4.5; column maxima 4, 5, 6.
    assert scores["p:mean_pred:mean_sens"] == pytest.approx(10.5 / 3)
    assert scores["p:mean_pred:max_sens"] == pytest.approx(14 / 3)
    assert scores["p:max_pred:mean_sens"] == 4.5 and scores["p:max_pred:max_sens"] == 6.
    assert scores["p:mean_sens:mean_pred"] == pytest.approx(3.5)
    assert scores["p:mean_sens:max_pred"] == pytest.approx(5.)
    assert scores["p:max_sens:mean_pred"] == 4.5 and scores["p:max_sens:max_pred"] == 6.
    assert len(scores) == 6 + 3 * 2 + 3 * 2 + 8


def test_identity_is_fair():
    scores = fairness.compute_fairness(TinyData(), identity, np.random.RandomState(0), num_train=200,
                                       num_test_points_per_class=20)
    # Each factor is predicted from its own code, whatever the intervention on another factor.
    assert scores["mean_fairness:mean_pred:mean_sens"] == 0.0
    assert scores["max_fairness:max_pred:max_sens"] == 0.0
    assert len(scores) == 2 * (6 + 3 * 2 + 3 * 2 + 8)


def test_code_mixing_factors_is_unfair():
    # One code f0 + f2: predicting f0 from it depends on the sensitive f2.
    mixed = lambda x: identity(x)[:, [0]] + identity(x)[:, [2]]
    scores = fairness.compute_fairness(TinyData(), mixed, np.random.RandomState(0), num_train=200,
                                       num_test_points_per_class=20)
    assert scores["mean_fairness:pred0:sens2"] > 0.2
    assert scores["mean_fairness:pred0:sens1"] == 0.0  # f1 is not in the code: no effect


def test_needs_two_factors():
    with pytest.raises(UserError, match="at least two factors"):
        fairness.compute_fairness(TinyData(factor_sizes=(5,)), identity, np.random.RandomState(0), num_train=50,
                                  num_test_points_per_class=5)


def test_fits_are_picklable_tasks_and_draw_nothing():
    data = TinyData()
    rng = np.random.RandomState(0)
    fits = fairness.measure_fairness(data, sampling.as_sampler(data, identity), rng, num_train=60,
                                     num_test_points_per_class=5, batch_size=16, estimator_seed=3)
    state = rng.get_state()[1].copy()
    assert len(fits.tasks) == data.num_factors
    pickle.loads(pickle.dumps(fits.tasks))
    scores = fits.run()
    np.testing.assert_array_equal(rng.get_state()[1], state)
    assert scores["max_fairness:max_sens:max_pred"] == 0.0


# Expected values from disentanglement_lib 1.5 (pip, --no-deps, gin keywords mapped as in STACK_NOTES.md):
# fairness.compute_fairness(TinyData adapter, lossy, RandomState(0), None, num_train=300,
# num_test_points_per_class=20, batch_size=16) with predictor.predictor_fn returning
# GradientBoostingClassifier(random_state=0) (scikit-learn 1.9).
PARITY = {
    "mean_fairness:mean_sens:mean_pred": 0.23866898100823164, "mean_fairness:mean_sens:max_pred": 0.29609259151750145,
    "mean_fairness:max_sens:mean_pred": 0.3515625009313226, "mean_fairness:max_sens:max_pred": 0.4125000014901161,
    "mean_fairness:mean_pred:mean_sens": 0.23866898100823164, "mean_fairness:mean_pred:max_sens": 0.28170833451052507,
    "mean_fairness:max_pred:mean_sens": 0.32013889526327455, "mean_fairness:max_pred:max_sens": 0.4125000014901161,
    "max_fairness:mean_sens:mean_pred": 0.3381944497426351, "max_fairness:mean_sens:max_pred": 0.38250001271565753,
    "max_fairness:max_sens:mean_pred": 0.48125000298023224, "max_fairness:max_sens:max_pred": 0.48750001192092896,
    "max_fairness:mean_pred:mean_sens": 0.3381944497426351, "max_fairness:mean_pred:max_sens": 0.4008333384990692,
    "max_fairness:max_pred:mean_sens": 0.41750000417232513, "max_fairness:max_pred:max_sens": 0.48750001192092896,
    "mean_fairness:pred0:sens2": 0.2479999840259552, "max_fairness:pred2:sens1": 0.48750001192092896,
}


def lossy_representation():
    """Two codes of linear_gaussian(4, seed=1) rounded to halves: lossy, so the predictions can be unfair."""
    mean = linear_gaussian(num_latent=4, seed=1)
    return lambda x: np.round(mean(x)[0][:, :2] * 2) / 2


@pytest.mark.parametrize("backend", ["numba", "sklearn"])
def test_parity_with_disentanglement_lib(backend):
    scores = fairness.compute_fairness(TinyData(), lossy_representation(), np.random.RandomState(0), num_train=300,
                                       num_test_points_per_class=20, gbt_backend=backend)
    assert {key: scores[key] for key in PARITY} == pytest.approx(PARITY, abs=1e-9)
    assert len(scores) == 52
