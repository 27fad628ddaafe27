"""The pair sampler and the pair input of the weakly-supervised methods (data/pairs.py)."""

import numpy as np
import pytest
import tensorflow as tf

from disent_tf import data
from disent_tf.data import pairs
from disent_tf.data.base import GroundTruthData
from disent_tf.errors import UserError


class TinyGrid(GroundTruthData):
    """A numpy-only data set: each image holds its factors in its first pixels (no graph rendering)."""

    name = "tiny_grid"

    def __init__(self, factor_sizes=(2, 3, 4, 50)):
        self._sizes = list(factor_sizes)

    @property
    def factor_names(self):
        return [f"f{i}" for i in range(len(self._sizes))]

    @property
    def factor_sizes(self):
        return self._sizes

    @property
    def observation_shape(self):
        return (4, 4, 1)

    def sample_observations_from_factors(self, factors, rng):
        factors = self.check_factors(factors)
        images = np.zeros((len(factors), 16), np.float32)
        images[:, : self.num_factors] = factors / 100.0
        return images.reshape(-1, 4, 4, 1)


DSPRITES = data.get("dsprites_full")


@pytest.mark.parametrize("k", [1, 2, 4])
def test_paper_rule_changes_exactly_k_factors_and_marks_them(k):
    result = pairs.sample_pairs(DSPRITES, 3000, np.random.default_rng(0), k=k)
    assert result.factors1.shape == result.factors2.shape == result.changed.shape == (3000, 5)
    np.testing.assert_array_equal(result.changed, result.factors1 != result.factors2)
    np.testing.assert_array_equal(result.changed.sum(axis=1), k)
    np.testing.assert_array_equal(result.num_resampled, k)
    assert result.changed[np.arange(3000), result.label].all()
    DSPRITES.check_factors(result.factors2)  # inside the grid


def test_paper_rule_draws_factors_and_new_values_uniformly():
    result = pairs.sample_pairs(DSPRITES, 20000, np.random.default_rng(1), k=1)
    # Each factor is the changed one 1/5 of the time; shape's new value is one of its 2 others, 50/50.
    np.testing.assert_allclose(np.bincount(result.label, minlength=5) / 20000, 0.2, atol=0.015)
    shape_changed = result.changed[:, 0]
    step = (result.factors2[shape_changed, 0] - result.factors1[shape_changed, 0]) % 3
    assert set(np.unique(step)) == {1, 2}
    assert abs(np.mean(step == 1) - 0.5) < 0.04
    np.testing.assert_allclose(np.bincount(result.factors1[:, 2], minlength=40) / 20000, 1 / 40, atol=0.01)


def test_paper_rule_random_k_is_uniform_over_1_to_f_minus_1():
    result = pairs.sample_pairs(DSPRITES, 8000, np.random.default_rng(2), k=-1)
    counts = np.bincount(result.changed.sum(axis=1), minlength=5)
    assert counts[0] == 0
    np.testing.assert_allclose(counts[1:] / 8000, 0.25, atol=0.02)
    np.testing.assert_array_equal(result.changed.sum(axis=1), result.num_resampled)


def test_original_rule_resamples_one_or_k_factors_with_probability_one_half():
    result = pairs.sample_pairs(DSPRITES, 4000, np.random.default_rng(3), k=3, rule="original")
    counts = np.bincount(result.num_resampled, minlength=4)
    assert counts[0] == counts[2] == 0
    assert abs(counts[1] / 4000 - 0.5) < 0.03
    # A resampled factor may draw its old value, so at most that many differ.
    assert np.all(result.changed.sum(axis=1) <= result.num_resampled)
    assert np.any(result.changed.sum(axis=1) < result.num_resampled)
    # With one factor resampled (uniformly chosen), the pair is unchanged with probability mean_j 1 / size_j.
    sizes = np.array(DSPRITES.factor_sizes)
    single = result.num_resampled == 1
    unchanged_single = np.mean(result.changed[single].sum(axis=1) == 0)
    assert abs(unchanged_single - np.mean(1.0 / sizes)) < 0.03


def test_original_rule_random_k():
    result = pairs.sample_pairs(DSPRITES, 8000, np.random.default_rng(4), k=-1, rule="original")
    # k_observed uniform on 1..4, then one or k_observed: P(1) = 1/2 + 1/8, P(j) = 1/8 for j = 2, 3, 4.
    frequencies = np.bincount(result.num_resampled, minlength=5)[1:] / 8000
    np.testing.assert_allclose(frequencies, [0.625, 0.125, 0.125, 0.125], atol=0.02)


def test_original_rule_label_is_a_resampled_factor():
    tiny = TinyGrid(factor_sizes=(1000, 1000, 1000))  # values repeat rarely: changed == resampled
    result = pairs.sample_pairs(tiny, 2000, np.random.default_rng(5), k=2, rule="original")
    assert result.changed[np.arange(2000), result.label].mean() > 0.99
    assert np.mean(result.changed.sum(axis=1) == result.num_resampled) > 0.99


@pytest.mark.parametrize("rule", ["paper", "original"])
def test_pairs_are_a_function_of_the_seed(rule):
    first = pairs.sample_pairs(DSPRITES, 50, np.random.default_rng(7), k=-1, rule=rule)
    again = pairs.sample_pairs(DSPRITES, 50, np.random.default_rng(7), k=-1, rule=rule)
    other = pairs.sample_pairs(DSPRITES, 50, np.random.default_rng(8), k=-1, rule=rule)
    for one, two in zip(first, again):
        np.testing.assert_array_equal(one, two)
    assert not np.array_equal(first.factors2, other.factors2)
    legacy = pairs.sample_pairs(DSPRITES, 50, np.random.RandomState(7), k=2, rule=rule)
    assert legacy.factors1.shape == (50, 5)


@pytest.mark.parametrize("k", [0, -2, 5, 9, 2.5, "1", True, None])
def test_bad_k_is_a_user_error(k):
    with pytest.raises(UserError, match="k must be -1"):
        pairs.sample_pairs(DSPRITES, 4, np.random.default_rng(0), k=k)
    with pytest.raises(UserError, match="k must be -1"):
        pairs.pair_training_dataset(DSPRITES, 4, 0, k=k)


def test_bad_rule_is_a_user_error():
    with pytest.raises(UserError, match="rule must be one of"):
        pairs.sample_pairs(DSPRITES, 4, np.random.default_rng(0), rule="dlib")


def _take(dataset, count):
    return [{key: value.numpy() for key, value in batch.items()} for batch in dataset.take(count)]


def _assert_same(batches, others):
    for batch, other in zip(batches, others):
        for key in batch:
            np.testing.assert_array_equal(batch[key], other[key])


def test_graph_pipeline_renders_the_pairs_and_resumes_exactly():
    dataset = pairs.pair_training_dataset(DSPRITES, 8, seed=3, k=2)
    assert dataset.element_spec == {
        "images1": tf.TensorSpec((8, 64, 64, 1), tf.float32),
        "images2": tf.TensorSpec((8, 64, 64, 1), tf.float32),
        "changed": tf.TensorSpec((8, 5), tf.bool),
        "label": tf.TensorSpec((8,), tf.int32),
    }
    batches = _take(dataset, 3)
    _assert_same(batches, _take(pairs.pair_training_dataset(DSPRITES, 8, seed=3, k=2), 3))
    # Batch 2 is a function of (seed, 2) alone: skipping to it gives the same batch.
    _assert_same(batches[2:], _take(pairs.pair_training_dataset(DSPRITES, 8, seed=3, k=2).skip(2), 1))
    assert not np.array_equal(batches[0]["images1"], batches[1]["images1"])
    # The images are the graph-drawn pairs' sprites (dsprites_full is a function of its factors).
    expected = _graph_pairs_of_batch(seed=3, step=0, num=8, k=2)
    np.testing.assert_array_equal(batches[0]["changed"], expected[2])
    np.testing.assert_array_equal(batches[0]["label"], expected[3])
    render = DSPRITES.sample_observations_from_factors
    np.testing.assert_array_equal(batches[0]["images1"], render(expected[0], np.random.default_rng(0)))
    np.testing.assert_array_equal(batches[0]["images2"], render(expected[1], np.random.default_rng(0)))


def _graph_pairs_of_batch(seed, step, num, k):
    """The "paper" pairs that pair_training_dataset draws in the graph for batch `step`, as numpy."""
    render_key = tf.random.experimental.stateless_fold_in(tf.constant([seed, 0], tf.int64),
                                                          tf.constant(step, tf.int64))  # the counter's dtype
    key = tf.random.experimental.stateless_fold_in(render_key, pairs._PAIR_STREAM)
    return [t.numpy() for t in pairs.graph_paper_pairs(DSPRITES, num, key, k)]


@pytest.mark.parametrize("k", [1, 3, -1])
def test_graph_paper_rule_has_the_paper_rules_distribution(k):
    # What the numpy tests above check of sample_pairs, on the graph's draws.
    factors1, factors2, changed, label = _graph_pairs_of_batch(seed=5, step=1, num=8000, k=k)
    counts = changed.sum(axis=1)
    if k == -1:
        np.testing.assert_allclose(np.bincount(counts, minlength=5)[1:] / len(counts), 0.25, atol=0.03)
    else:
        assert np.all(counts == k)
    assert np.all(changed[np.arange(len(label)), label])  # the label marks a changed factor
    np.testing.assert_allclose(changed.mean(axis=0), counts.mean() / 5, atol=0.03)  # factors chosen uniformly
    sizes = np.array(DSPRITES.factor_sizes)
    assert np.all((0 <= factors1) & (factors1 < sizes)) and np.all((0 <= factors2) & (factors2 < sizes))
    np.testing.assert_allclose(factors1.mean(axis=0) / (sizes - 1), 0.5, atol=0.03)


def test_numpy_pipeline_renders_the_pairs_and_resumes_exactly():
    tiny = TinyGrid()
    dataset = pairs.pair_training_dataset(tiny, 6, seed=11, k=-1, rule="original")
    batches = _take(dataset, 2)
    _assert_same(batches[1:], _take(pairs.pair_training_dataset(tiny, 6, seed=11, k=-1, rule="original").skip(1), 1))
    expected = pairs.sample_pairs(tiny, 6, np.random.default_rng([11, 1]), k=-1, rule="original")
    np.testing.assert_allclose(batches[1]["images1"].reshape(6, 16)[:, :4], expected.factors1 / 100.0, rtol=1e-6)
    np.testing.assert_allclose(batches[1]["images2"].reshape(6, 16)[:, :4], expected.factors2 / 100.0, rtol=1e-6)
    np.testing.assert_array_equal(batches[1]["changed"], expected.changed)
