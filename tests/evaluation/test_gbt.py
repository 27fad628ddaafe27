"""evaluation/gbt.py fits scikit-learn's GradientBoostingClassifier() model."""

import numpy as np
import pytest
from sklearn import ensemble

from disent_tf.evaluation import gbt


def _codes_and_labels(num_points, num_classes, seed=0):
    """Codes weakly informative of the labels, with the awkward columns real codes have."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(num_classes, size=num_points)
    codes = (rng.randn(num_points, 8) + 0.3 * labels[:, None]).astype(np.float32)
    codes[:, 2] = 0.25  # a collapsed code: constant
    codes[:, 3] = codes[:, 0]  # a duplicated code: every split of 0 ties with 3
    codes[:, 4] = np.round(codes[:, 4])  # few distinct values: long runs of ties
    codes[:, 5] = codes[:, 5] * 1e-8  # values closer than the 1e-7 split threshold
    return codes, labels


def _both(codes, labels, seed, **options):
    replay_ties = options.pop("replay_ties", False)
    ours = gbt.GradientBoostingClassifier(random_state=seed, replay_ties=replay_ties, **options).fit(codes, labels)
    theirs = ensemble.GradientBoostingClassifier(random_state=seed, **options).fit(codes, labels)
    return ours, theirs


def _assert_same_model(ours, theirs, *inputs):
    """Bit for bit: raw predictions on every input, classes and importances."""
    for x in inputs:
        np.testing.assert_array_equal(ours.decision_function(x), theirs.decision_function(x))
        np.testing.assert_array_equal(ours.predict(x), theirs.predict(x))
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.feature_importances_, theirs.feature_importances_)


@pytest.mark.parametrize("num_classes, seed", [(2, 0), (3, 1), (7, 2)])
def test_replaying_ties_gives_scikit_learns_model_to_the_bit(num_classes, seed):
    codes, labels = _codes_and_labels(300, num_classes, seed)
    held_out, _ = _codes_and_labels(200, num_classes, seed + 10)
    ours, theirs = _both(codes, labels, seed, n_estimators=30, replay_ties=True)
    _assert_same_model(ours, theirs, codes, held_out)


@pytest.mark.parametrize("num_classes, seed", [(2, 0), (5, 1), (40, 2)])
def test_default_gives_scikit_learns_model_to_the_bit_without_ties(num_classes, seed):
    rng = np.random.RandomState(seed)
    labels = rng.randint(num_classes, size=400)
    codes = (rng.randn(400, 6) + 0.2 * labels[:, None]).astype(np.float32)
    codes = np.concatenate([codes, codes[:5]])  # repeated points tie in every code, which does not matter
    labels = np.concatenate([labels, labels[:5]])
    ours, theirs = _both(codes, labels, seed, n_estimators=20)
    _assert_same_model(ours, theirs, codes, rng.randn(100, 6).astype(np.float32))


def test_default_with_ties_deviates_less_than_another_random_state():
    # Distinct points sharing a code value are summed in another order than
    # scikit-learn's unstable sort leaves them, which can round differently
    # and, on data this full of ties, tip near-equal splits. scikit-learn
    # with another random_state moves at least as far.
    codes, labels = _codes_and_labels(300, 7, 2)
    held_out, _ = _codes_and_labels(200, 7, 12)
    ours, theirs = _both(codes, labels, 2, n_estimators=30)
    others = [ensemble.GradientBoostingClassifier(random_state=seed, n_estimators=30).fit(codes, labels)
              for seed in (0, 1)]
    reference = theirs.predict(held_out)
    assert np.mean(ours.predict(held_out) == reference) >= min(
        np.mean(other.predict(held_out) == reference) for other in others)
    assert np.abs(ours.feature_importances_ - theirs.feature_importances_).max() <= max(
        np.abs(other.feature_importances_ - theirs.feature_importances_).max() for other in others)


def test_duplicated_code_tie_follows_random_state():
    # Codes 0 and 3 are equal: scikit-learn credits whichever its random_state visits first.
    codes, labels = _codes_and_labels(300, 3, 0)
    for seed in (0, 1, 2):
        ours, theirs = _both(codes, labels, seed, n_estimators=5, max_depth=2, replay_ties=True)
        _assert_same_model(ours, theirs, codes)
        assert ours.feature_importances_[0] != ours.feature_importances_[3]


def test_few_points_and_classes_missing_from_training():
    # The downstream task's 10-point training sets: labels 0..39 with most absent.
    rng = np.random.RandomState(3)
    codes = rng.randn(10, 10).astype(np.float32)
    labels = rng.randint(40, size=10)
    ours, theirs = _both(codes, labels, 0)
    _assert_same_model(ours, theirs, codes, rng.randn(50, 10).astype(np.float32))


def test_single_class_is_an_error_like_scikit_learn():
    with pytest.raises(ValueError, match="1 class"):
        gbt.GradientBoostingClassifier().fit(np.zeros((5, 2)), np.ones(5))


def test_all_constant_codes_give_zero_importances():
    codes = np.ones((20, 3), dtype=np.float32)
    labels = np.arange(20) % 2
    ours, theirs = _both(codes, labels, 0, n_estimators=3)
    _assert_same_model(ours, theirs, codes)
    np.testing.assert_array_equal(ours.feature_importances_, np.zeros(3))


def test_make_classifier_backends():
    assert isinstance(gbt.make_classifier("numba", 0), gbt.GradientBoostingClassifier)
    assert isinstance(gbt.make_classifier("sklearn", 0), ensemble.GradientBoostingClassifier)
    with pytest.raises(ValueError, match="unknown GBT backend"):
        gbt.make_classifier("xgboost")
