"""Histogram discretiser and discrete information measures: hand-computed answers."""

import numpy as np

from disent_tf.evaluation import discretize


def test_histogram_discretize_hand_example():
    # Row range [0, 4] in 4 bins: edges 0, 1, 2, 3 (the last edge, 4, is dropped),
    # so the maximum lands in the top bin and labels run 1..4.
    codes = np.array([[0.0, 0.5, 1.0, 2.5, 3.9, 4.0]])
    assert discretize.histogram_discretize(codes, num_bins=4).tolist() == [[1, 1, 2, 3, 4, 4]]


def test_histogram_discretize_bins_each_row_on_its_own_range():
    codes = np.array([[0.0, 1.0, 2.0], [-100.0, 0.0, 100.0]])
    discrete = discretize.histogram_discretize(codes, num_bins=2)
    assert discrete.tolist() == [[1, 2, 2], [1, 2, 2]]
    assert discrete.dtype == codes.dtype  # the study's discretiser keeps the input dtype


def test_entropy_and_mutual_information_in_nats():
    factors = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    np.testing.assert_allclose(discretize.discrete_entropy(factors), [np.log(2), np.log(2)])
    codes = np.array([[5, 5, 7, 7]])  # a copy of factor 0, independent of factor 1
    np.testing.assert_allclose(discretize.discrete_mutual_info(codes, factors), [[np.log(2), 0.0]], atol=1e-12)
