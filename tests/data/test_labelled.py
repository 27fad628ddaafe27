"""The labelled set of the few-label methods (data/labelled.py): labellers, the seeded draw, the split, the input."""

import numpy as np
import pytest

from disent_tf import data
from disent_tf.data import labelled, registry
from disent_tf.errors import UserError


def _factors(num, sizes, seed=0):
    rng = np.random.RandomState(seed)
    return np.stack([rng.randint(size, size=num) for size in sizes], axis=1).astype(np.int64)


def test_perfect_labeller_returns_the_factors_and_their_sizes():
    factors = _factors(50, (3, 6, 40))
    labels, sizes, indices = labelled.apply_labeller("perfect", factors, (3, 6, 40), np.random.RandomState(0))
    assert labels.dtype == np.float32 and sizes == (3, 6, 40) and indices == (0, 1, 2)
    np.testing.assert_array_equal(labels, factors)


def test_binned_labeller_cuts_each_large_factor_into_equal_real_width_bins():
    values = np.arange(32)[:, None]  # dSprites' x position: bin width 32 / 5 = 6.4
    labels, sizes, _ = labelled.apply_labeller("binned", values, (32,), np.random.RandomState(0))
    expected = [0] * 7 + [1] * 6 + [2] * 7 + [3] * 6 + [4] * 6  # floor(v / 6.4)
    np.testing.assert_array_equal(labels[:, 0], expected)
    assert sizes == (5,)
    # The original's own cases: 5 values in 3 bins (width 5/3) and in 2; at most num_bins values are kept.
    five = np.arange(5)[:, None]
    np.testing.assert_array_equal(labelled.binned_labels(five, (5,), None, num_bins=3)[0][:, 0], [0, 0, 1, 1, 2])
    np.testing.assert_array_equal(labelled.binned_labels(five, (5,), None, num_bins=2)[0][:, 0], [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(labelled.binned_labels(five, (5,), None, num_bins=5)[0][:, 0], five[:, 0])
    assert labelled.binned_labels(five, (5,), None, num_bins=7)[1] == (5,)


def test_noisy_labeller_replaces_a_tenth_of_the_labels_by_uniform_values():
    factors = _factors(10_000, (5,) * 10)
    labels, sizes, _ = labelled.apply_labeller("noisy", factors, (5,) * 10, np.random.RandomState(1))
    changed = labels != factors
    # A replaced label is uniform over 5 values, so it differs with probability 0.1 * 4/5 = 0.08 (sd 0.0009).
    assert 0.075 < changed.mean() < 0.085
    assert sizes == (5,) * 10 and labels.min() >= 0 and labels.max() <= 4
    # The replaced values are uniform: each of the 5 values about a fifth of the changed entries' new values
    # (their old value excluded, each other value holds about a quarter).
    counts = np.bincount(labels[changed].astype(int), minlength=5) / changed.sum()
    assert np.all(np.abs(counts - 0.2) < 0.03), counts
    assert np.array_equal(labelled.noisy_labels(factors, (5,) * 10, np.random.RandomState(1), 0.0)[0], factors)


def test_permuted_labeller_relabels_each_factor_by_a_bijection():
    factors = _factors(2_000, (3, 40))
    labels, sizes, _ = labelled.apply_labeller("permuted", factors, (3, 40), np.random.RandomState(2))
    assert sizes == (3, 40)
    for column, size in enumerate(sizes):
        mapping = {}
        for old, new in zip(factors[:, column], labels[:, column]):
            assert mapping.setdefault(old, new) == new  # one new value per old value
        assert sorted(mapping.values()) == list(range(size))  # and all values used: a permutation
    assert not np.array_equal(labels[:, 1], factors[:, 1])


def test_partial_labeller_keeps_a_random_pair_of_factors_exactly():
    factors = _factors(100, (3, 6, 40, 32, 32))
    kept = []
    for seed in range(500):
        labels, sizes, indices = labelled.apply_labeller("partial", factors, (3, 6, 40, 32, 32),
                                                         np.random.RandomState(seed))
        assert labels.shape == (100, 2) and len(set(indices)) == 2
        np.testing.assert_array_equal(labels, factors[:, list(indices)])
        assert sizes == tuple((3, 6, 40, 32, 32)[i] for i in indices)
        kept.extend(indices)
    # Each factor is kept with probability 2/5: 200 of the 500 draws (sd about 11).
    assert np.all(np.abs(np.bincount(kept, minlength=5) - 200) < 50)


def test_labeller_settings_are_checked():
    with pytest.raises(UserError, match="labeller must be one of"):
        labelled.check_labeller("oracle")
    with pytest.raises(UserError, match="num_observed_factors must be from 1 to the data set's 5"):
        labelled.check_labeller("partial", num_factors=5, num_observed_factors=6)
    with pytest.raises(UserError, match="num_labelled_samples is 737281, more than the 737,280 images"):
        labelled.check_num_labelled(737_281, 737_280, "dsprites_full")
    with pytest.raises(UserError, match="positive integer"):
        labelled.check_num_labelled(0, 10)


def test_the_labelled_set_is_drawn_once_from_its_seed_in_the_original_order(dsprites):
    first = labelled.sample_labelled(dsprites, 20, seed=3, labeller="noisy")
    again = labelled.sample_labelled(dsprites, 20, seed=3, labeller="noisy")
    np.testing.assert_array_equal(first.labels, again.labels)
    np.testing.assert_array_equal(first.observations, again.observations)
    # dlib's sample_supervised_data: factors, then their observations, then the labeller, from one RandomState.
    rng = np.random.RandomState(3)
    factors = dsprites.sample_factors(20, rng)
    dsprites.sample_observations_from_factors(factors, rng)
    expected, _, _ = labelled.noisy_labels(factors, dsprites.factor_sizes, rng)
    np.testing.assert_array_equal(first.labels, expected)
    assert first.observations.shape == (20, 64, 64, 1)
    assert not np.array_equal(labelled.sample_labelled(dsprites, 20, seed=4).labels, first.labels)


def test_split_gives_the_first_ceil_of_the_train_fraction_to_training(dsprites):
    subset = labelled.sample_labelled(dsprites, 15, seed=0)
    train, validation = labelled.split(subset, 0.9)
    assert len(train.labels) == 14 and len(validation.labels) == 1  # ceil(13.5) = 14
    np.testing.assert_array_equal(np.concatenate([train.labels, validation.labels]), subset.labels)
    assert len(labelled.split(subset, 1.0)[1].labels) == 0


def test_training_input_pairs_fresh_unlabelled_batches_with_cycling_labelled_ones(dsprites):
    train, _ = labelled.split(labelled.sample_labelled(dsprites, 10, seed=0), 0.5)  # 5 labelled points
    batches = list(labelled.semi_supervised_training_dataset(dsprites, 4, 7, train).take(3))
    assert set(batches[0]) == {"images", "labelled_images", "labels"}
    order = np.concatenate([batch["labels"].numpy() for batch in batches])
    np.testing.assert_array_equal(order, train.labels[np.arange(12) % 5])  # in order, wrapping around
    np.testing.assert_array_equal(batches[1]["labelled_images"].numpy()[1], train.observations[0])
    assert not np.array_equal(batches[0]["images"].numpy(), batches[1]["images"].numpy())


def test_grid_sizes_match_the_data_modules():
    for name in ("dsprites_full", "dsprites_noshape", "color_dsprites", "noisy_dsprites"):
        assert registry.grid_size(name) == data.get(name).num_observations
    from disent_tf.data import cars3d, mpi3d, shapes3d, smallnorb

    for module, name in ((smallnorb, "smallnorb"), (cars3d, "cars3d"), (shapes3d, "shapes3d")):
        assert registry.grid_size(name) == int(np.prod(module.FACTOR_SIZES)), name
    # MPI3D: the larger of its two grids (the files published today), an upper bound for the older ones.
    assert registry.grid_size("mpi3d_real") == max(int(np.prod(s)) for s in mpi3d.SIZES_BY_COUNT.values())
