"""A few labelled observations: the supervision of Locatello et al., ICLR 2020 (arXiv:1905.01258).

"Disentangling Factors of Variation Using Few Labels" gives a model (or a
model selection rule) a small, fixed set of labelled observations next to
unlimited unlabelled ones. This module is that set, as disentanglement_lib
drew it (methods/semi_supervised/semi_supervised_utils.py):

- `sample_labelled(data, num, seed, labeller)`: one `RandomState(seed)` draws
  `num` factor vectors uniformly from the grid (`data.sample_factors`), then
  their observations, then whatever noise the labeller needs, in that order
  (dlib's `sample_supervised_data`). The same seed gives the same set in
  training and in few-label model selection.
- the labellers (dlib's `*_labeller`): what a human would write down for
  those factors - exact, binned, noisy, with the order of each factor's
  values scrambled, or only some factors.
- `split`: the first ceil(num * train_percentage) labelled points train the
  model, the rest validate it (dlib's `train_test_split`).
- `semi_supervised_training_dataset`: the training input, dlib's
  `semi_supervised_dataset_from_ground_truth_data`: every batch pairs
  `batch_size` fresh unlabelled observations with the next `batch_size`
  labelled training points, taken in order and cycling through them.
"""

import math
from typing import NamedTuple, Tuple

import numpy as np

from disent_tf.errors import UserError

LABELLERS = ("perfect", "binned", "noisy", "permuted", "partial")
# Our default size of the labelled set: the paper's smaller one (it studies 100 and 1000).
DEFAULT_NUM_LABELLED_SAMPLES = 100
# The original's defaults (its labeller functions' keyword defaults).
DEFAULT_NUM_BINS = 5
DEFAULT_PROB_RANDOM = 0.1
DEFAULT_NUM_OBSERVED_FACTORS = 2


class LabelledSet(NamedTuple):
    """Labelled observations; `labels` float32 (n, L) are class indices of the labeller's factors."""

    observations: np.ndarray  # float32 (n, H, W, C)
    labels: np.ndarray  # float32 (n, L)
    label_sizes: Tuple[int, ...]  # number of values each label column takes (L,)
    factor_indices: Tuple[int, ...]  # the data set factor behind each label column (L,)


# ------------------------------------------------------------------ labellers
def perfect_labels(factors, factor_sizes, rng):
    """The true factors (dlib `perfect_labeller`)."""
    del rng
    return np.float32(factors), tuple(int(s) for s in factor_sizes), tuple(range(len(factor_sizes)))


def binned_labels(factors, factor_sizes, rng, num_bins=DEFAULT_NUM_BINS):
    """Each factor with more than num_bins values cut into num_bins bins (dlib `bin_labeller`).

    bin = min(floor(value / (size / num_bins)), num_bins - 1), with the bin
    width size / num_bins a real number, as there; a factor with at most
    num_bins values keeps its values.
    """
    del rng
    labels = np.float32(factors)
    for column, size in enumerate(factor_sizes):
        if size > num_bins:
            labels[:, column] = np.minimum(labels[:, column] // (size / num_bins), num_bins - 1)
    sizes = tuple(int(min(size, num_bins)) for size in factor_sizes)
    return labels, sizes, tuple(range(len(factor_sizes)))


def noisy_labels(factors, factor_sizes, rng, prob_random=DEFAULT_PROB_RANDOM):
    """Each label, with probability prob_random, replaced by a uniform value of its factor (dlib `noisy_labeller`).

    Drawn as there, point by point and factor by factor: one uniform number
    per label, and a replacement value only where it falls below prob_random,
    so the stream of draws is the original's.
    """
    labels = np.array(factors, dtype=np.int64, copy=True)
    for row in range(labels.shape[0]):
        for column, size in enumerate(factor_sizes):
            if rng.rand() < prob_random:
                labels[row, column] = rng.randint(size)
    return np.float32(labels), tuple(int(s) for s in factor_sizes), tuple(range(len(factor_sizes)))


def permuted_labels(factors, factor_sizes, rng):
    """Each factor's values relabelled by a random permutation, one per factor (dlib `permuted_labeller`).

    The labels keep which points share a value but lose the values' order.
    """
    labels = np.array(factors, dtype=np.int64, copy=True)
    for column, size in enumerate(factor_sizes):
        labels[:, column] = rng.permutation(range(size))[labels[:, column]]
    return np.float32(labels), tuple(int(s) for s in factor_sizes), tuple(range(len(factor_sizes)))


def partial_labels(factors, factor_sizes, rng, num_observed_factors=DEFAULT_NUM_OBSERVED_FACTORS):
    """Exact labels of num_observed_factors factors chosen at random without replacement (dlib `partial_labeller`)."""
    keep = rng.choice(len(factor_sizes), size=num_observed_factors, replace=False)
    labels = np.float32(factors)[:, keep]
    return labels, tuple(int(factor_sizes[i]) for i in keep), tuple(int(i) for i in keep)


def check_labeller(labeller, num_factors=None, num_observed_factors=DEFAULT_NUM_OBSERVED_FACTORS,
                   num_bins=DEFAULT_NUM_BINS, prob_random=DEFAULT_PROB_RANDOM):
    """One-sentence UserError for an unknown labeller or a setting it cannot use."""
    if labeller not in LABELLERS:
        raise UserError(f"labeller must be one of {', '.join(LABELLERS)}, got {labeller!r}.")
    if labeller == "binned" and (int(num_bins) != num_bins or num_bins < 1):
        raise UserError(f"num_bins must be a positive integer, got {num_bins!r}.")
    if labeller == "noisy" and not 0 <= prob_random <= 1:
        raise UserError(f"prob_random must be in [0, 1], got {prob_random!r}.")
    if labeller == "partial" and num_factors is not None and not 1 <= num_observed_factors <= num_factors:
        raise UserError(f"num_observed_factors must be from 1 to the data set's {num_factors} factors, "
                        f"got {num_observed_factors!r}.")
    return labeller


def apply_labeller(labeller, factors, factor_sizes, rng, num_bins=DEFAULT_NUM_BINS, prob_random=DEFAULT_PROB_RANDOM,
                   num_observed_factors=DEFAULT_NUM_OBSERVED_FACTORS):
    """(labels float32 (n, L), label_sizes, factor_indices) of `factors` under `labeller`."""
    check_labeller(labeller, len(factor_sizes), num_observed_factors, num_bins, prob_random)
    if labeller == "perfect":
        return perfect_labels(factors, factor_sizes, rng)
    if labeller == "binned":
        return binned_labels(factors, factor_sizes, rng, int(num_bins))
    if labeller == "noisy":
        return noisy_labels(factors, factor_sizes, rng, float(prob_random))
    if labeller == "permuted":
        return permuted_labels(factors, factor_sizes, rng)
    return partial_labels(factors, factor_sizes, rng, int(num_observed_factors))


# ------------------------------------------------------------ labelled subset
def check_num_labelled(num_labelled_samples, num_observations, dataset_name="the data set"):
    """num_labelled_samples as int if it is in [1, num_observations]; one-sentence UserError otherwise."""
    try:
        valid = (not isinstance(num_labelled_samples, bool) and int(num_labelled_samples) == num_labelled_samples
                 and 1 <= num_labelled_samples)
    except (TypeError, ValueError, OverflowError):
        valid = False
    if not valid:
        raise UserError(f"num_labelled_samples must be a positive integer, got {num_labelled_samples!r}.")
    if num_observations is not None and num_labelled_samples > num_observations:
        raise UserError(f"num_labelled_samples is {num_labelled_samples}, more than the {num_observations:,} images "
                        f"of {dataset_name}; pass at most {num_observations}.")
    return int(num_labelled_samples)


def sample_labelled(data, num_labelled_samples, seed, labeller="perfect", **labeller_args):
    """The labelled set of `seed`: factors, observations, then the labeller's noise from one RandomState(seed).

    As dlib's `sample_supervised_data`, points are drawn uniformly from the
    grid with replacement, so a set may hold a point twice.
    """
    num = check_num_labelled(num_labelled_samples, data.num_observations, getattr(data, "name", "the data set"))
    rng = np.random.RandomState(int(seed) % (2 ** 32))
    factors = data.sample_factors(num, rng)
    observations = np.asarray(data.sample_observations_from_factors(factors, rng), dtype=np.float32)
    labels, sizes, indices = apply_labeller(labeller, factors, data.factor_sizes, rng, **labeller_args)
    return LabelledSet(observations, labels, sizes, indices)


def num_train(num_labelled_samples, train_percentage):
    """ceil(num * train_percentage): how many labelled points train (dlib `train_test_split`)."""
    return int(math.ceil(num_labelled_samples * train_percentage))


def check_train_percentage(train_percentage):
    if not 0 < train_percentage <= 1:
        raise UserError(f"train_percentage must be in (0, 1], got {train_percentage!r}.")
    return float(train_percentage)


def split(labelled, train_percentage):
    """(train, validation) LabelledSets: the first ceil(n * train_percentage) points, then the rest."""
    cut = num_train(len(labelled.labels), check_train_percentage(train_percentage))
    first = labelled._replace(observations=labelled.observations[:cut], labels=labelled.labels[:cut])
    rest = labelled._replace(observations=labelled.observations[cut:], labels=labelled.labels[cut:])
    return first, rest


# ----------------------------------------------------------- training input
def semi_supervised_training_dataset(data, batch_size, seed, labelled):
    """Infinite batches {"images", "labelled_images", "labels"} for a semi-supervised model.

    `images` are `data.pipeline.training_dataset`'s unlabelled batches (fresh
    i.i.d. draws keyed by (seed, batch)); `labelled_images` and `labels` the
    next `batch_size` points of `labelled` (the training part), in order and
    cycling, as dlib zipped `from_tensor_slices(...).repeat()` with its
    unlabelled stream before batching. The cycle starts at the first point in
    every dataset this builds: the trainer builds one per input segment
    (training/inputs.py), so the labelled batch of a step is a function of
    the step and a resumed run sees the same ones.
    """
    import tensorflow as tf

    from disent_tf.data.pipeline import training_dataset

    if len(labelled.labels) == 0:
        raise UserError("the labelled training set is empty; raise num_labelled_samples or train_percentage.")
    unlabelled = training_dataset(data, batch_size, seed)
    points = tf.data.Dataset.from_tensor_slices((tf.constant(labelled.observations, tf.float32),
                                                 tf.constant(labelled.labels, tf.float32)))
    batches = points.repeat().batch(int(batch_size), drop_remainder=True)
    zipped = tf.data.Dataset.zip((unlabelled, batches))
    return zipped.map(lambda images, pair: {"images": images, "labelled_images": pair[0], "labels": pair[1]})
