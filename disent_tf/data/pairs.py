"""Pairs of observations that share all but a few factors: the weak supervision of Locatello et al. 2020.

"Weakly-Supervised Disentanglement Without Compromises" (ICML 2020,
arXiv:2002.02886) trains on pairs (x1, x2) whose factors z1, z2 agree except
on k of them. `sample_pairs` draws the factor pairs from any GroundTruthData
under one of two rules, and `pair_training_dataset` turns them into the
infinite, resumable tf.data input of `data.pipeline.training_dataset`.

Rules (docs/data.md, "Pairs", compares them):

- "paper": the generative model of the paper (section 3): z1 uniform on the
  grid, then exactly k factors, chosen uniformly without replacement, take a
  new value drawn uniformly among that factor's *other* values, so z1 and z2
  differ in exactly k factors. k = -1 ("Rnd" in the paper) draws k uniformly
  from {1, ..., num_factors - 1} for every pair.
- "original": disentanglement_lib's `simple_dynamics`
  (methods/weak/train_weak_lib.py), which produced the pairs of the paper's
  study: k_observed = k (or uniform in {1, ..., num_factors - 1} for k = -1),
  then `choice([1, k_observed])` factors - one or k_observed with
  probability 1/2 each - chosen without replacement are resampled uniformly
  over *all* their values, so a resampled factor may keep its value. The
  original drew those values from numpy's global generator (its issue #31),
  so its pairs were not reproducible; here every draw comes from the explicit
  `rng`. The distribution of pairs is the original's, the stream of draws is
  not.

`label` is the original's label: the index of the last factor the rule chose
to resample (the GroupVAE/ML-VAE "labels" variants keep that latent dimension
unshared). Under "paper" the chosen factors are in random order, so it is a
uniformly chosen changed factor.
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from disent_tf.errors import UserError

RULES = ("paper", "original")
RANDOM_K = -1  # the paper's "k = Rnd"


class FactorPairs(NamedTuple):
    """A batch of factor pairs; every field has the pairs as first dimension."""

    factors1: np.ndarray  # int64 (n, F), uniform over the grid
    factors2: np.ndarray  # int64 (n, F), factors1 with some factors resampled
    changed: np.ndarray  # bool (n, F), factors1 != factors2
    label: np.ndarray  # int64 (n,), index of the last factor chosen for resampling
    num_resampled: np.ndarray  # int64 (n,), how many factors the rule resampled


def check_k(data, k):
    """Returns k as int if it is -1 or in [1, num_factors - 1] for `data`; raises UserError otherwise."""
    top = data.num_factors - 1
    try:
        # int(k) == k accepts 2 and 2.0 and rejects 2.5, NaN and strings.
        valid = not isinstance(k, bool) and int(k) == k and (k == RANDOM_K or 1 <= k <= top)
    except (TypeError, ValueError, OverflowError):
        valid = False
    if not valid:
        raise UserError(
            f"k must be -1 (a random number of changed factors per pair) or an integer from 1 to {top} "
            f"for {getattr(data, 'name', 'this data set')} with {data.num_factors} factors, got {k!r}."
        )
    return int(k)


def check_rule(rule):
    if rule not in RULES:
        raise UserError(f"rule must be one of {', '.join(repr(r) for r in RULES)}, got {rule!r}.")
    return rule


def check_pair_input(data, k, rule):
    """(k, rule) checked for `data`, each problem one UserError sentence, before any pair is drawn."""
    k = check_k(data, k)
    rule = check_rule(rule)
    if rule == "paper":
        _check_changeable(data, k, np.asarray(data.factor_sizes) > 1)
    return k, rule


def sample_pairs(data, num, rng, k=1, rule="paper"):
    """`num` factor pairs of `data` sharing all but k factors, as a FactorPairs.

    `rng` is a numpy Generator or RandomState and is the only source of
    randomness. k = -1 draws k per pair. See the module docstring for the rules.
    """
    k, rule = check_pair_input(data, k, rule)
    factors1 = data.sample_factors(num, rng)
    if rule == "paper":
        return _paper_pairs(data, factors1, k, rng)
    return _original_pairs(data, factors1, k, rng)


def _paper_pairs(data, factors1, k, rng):
    num, num_factors = factors1.shape
    sizes = np.asarray(data.factor_sizes, dtype=np.int64)
    changeable = sizes > 1
    _check_changeable(data, k, changeable)
    ks = _draws_of_k(rng, k, num_factors, num)
    ks = np.minimum(ks, changeable.sum())  # only for k = -1 on grids with constant factors
    # Rank the factors by iid uniform keys: the first ks[i] ranks are a uniform
    # subset of size ks[i], in uniformly random order.
    keys = np.where(changeable, _uniform(rng, (num, num_factors)), np.inf)
    order = np.argsort(keys, axis=1)
    rank = np.argsort(order, axis=1)
    resampled = rank < ks[:, None]
    # A uniform offset in [1, size) moves each chosen factor to a uniformly drawn different value.
    offsets = np.floor(_uniform(rng, (num, num_factors)) * (sizes - 1)).astype(np.int64) + 1
    factors2 = np.where(resampled, (factors1 + offsets) % sizes, factors1)
    label = order[np.arange(num), ks - 1]
    return FactorPairs(factors1, factors2, factors2 != factors1, label.astype(np.int64), ks)


def _check_changeable(data, k, changeable):
    """The paper rule changes k factors: it needs k factors with more than one value."""
    if k > changeable.sum():
        raise UserError(f"k={k} exceeds the {changeable.sum()} factors of {data.name} that have more than one value.")


def _original_pairs(data, factors1, k, rng):
    """simple_dynamics of disentanglement_lib, one pair at a time, in its order of draws."""
    num, num_factors = factors1.shape
    factors2 = factors1.copy()
    label = np.empty(num, np.int64)
    num_resampled = np.empty(num, np.int64)
    for i in range(num):
        k_observed = int(_integers(rng, 1, num_factors)) if k == RANDOM_K else k
        count = int(rng.choice([1, k_observed]))
        chosen = rng.choice(num_factors, count, replace=False)
        for index in chosen:
            factors2[i, index] = _integers(rng, 0, data.factor_sizes[index])
        label[i] = chosen[-1]
        num_resampled[i] = count
    return FactorPairs(factors1, factors2, factors2 != factors1, label, num_resampled)


def _draws_of_k(rng, k, num_factors, num):
    if k == RANDOM_K:
        return _integers(rng, 1, num_factors, num).astype(np.int64)
    return np.full(num, k, np.int64)


def _integers(rng, low, high, size=None):
    """Uniform integers in [low, high) from a Generator or a legacy RandomState."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(low, high, size=size)
    return rng.randint(low, high, size=size)


def _uniform(rng, shape):
    return rng.random(shape) if isinstance(rng, np.random.Generator) else rng.random_sample(shape)


# --------------------------------------------------------------- tf.data input
def pair_training_dataset(data, batch_size, seed, k=1, rule="paper"):
    """Infinite tf.data.Dataset of pair batches, the weak counterpart of `pipeline.training_dataset`.

    Each element is a dict of tensors with the batch first, so
    `strategy.experimental_distribute_dataset` splits it across replicas:
    `images1`, `images2` float32 (batch_size, H, W, C) in [0, 1], `changed`
    bool (batch_size, F), `label` int32 (batch_size,). Batch b is a pure
    function of (seed, b). Where `data.supports_graph_sampling`, the images
    are rendered in the graph, and the "paper" rule's pairs drawn there too
    (`graph_paper_pairs`, keyed by (seed, b)); the "original" rule's pairs
    come from `numpy.random.default_rng([seed, b])`. Other data sets draw the
    pairs and images with numpy in the tf.data threads from that generator.
    """
    batch_size = int(batch_size)
    if batch_size < 1:
        raise UserError(f"batch_size must be a positive integer, got {batch_size}.")
    k, rule = check_pair_input(data, k, rule)
    graph = getattr(data, "supports_graph_sampling", False)
    make_pairs = _graph_pairs if graph else _numpy_pairs
    make_batch = make_pairs(data, batch_size, seed, k, rule)
    dataset = tf.data.Dataset.counter().map(make_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _batch_rng(seed, step):
    return np.random.default_rng([int(seed) % (2**63), int(step)])


def _factor_outputs(pairs):
    return (pairs.factors1, pairs.factors2, pairs.changed, pairs.label.astype(np.int32))


def _as_batch(images1, images2, changed, label, data, batch_size):
    image_shape = [batch_size, *data.observation_shape]
    return {
        "images1": tf.ensure_shape(images1, image_shape),
        "images2": tf.ensure_shape(images2, image_shape),
        "changed": tf.ensure_shape(changed, [batch_size, data.num_factors]),
        "label": tf.ensure_shape(label, [batch_size]),
    }


def _graph_pairs(data, batch_size, seed, k, rule):
    base = tf.constant([int(seed) % (2**63) % (2**32), int(seed) % (2**63) // (2**32)], dtype=tf.int64)

    def sample(step):
        return _factor_outputs(sample_pairs(data, batch_size, _batch_rng(seed, step), k, rule))

    def make_batch(step):
        render_key = tf.random.experimental.stateless_fold_in(base, step)
        if rule == "paper":
            factors1, factors2, changed, label = graph_paper_pairs(
                data, batch_size, tf.random.experimental.stateless_fold_in(render_key, _PAIR_STREAM), k)
        else:
            # simple_dynamics draws per pair in a loop: numpy, in the tf.data threads.
            factors1, factors2, changed, label = tf.numpy_function(
                sample, [step], (tf.int64, tf.int64, tf.bool, tf.int32), stateful=False
            )
        factor_shape = [batch_size, data.num_factors]
        factors1, factors2 = tf.ensure_shape(factors1, factor_shape), tf.ensure_shape(factors2, factor_shape)
        # One render call for both halves: the per-row draws stay independent.
        images = data.graph_observations(tf.concat([factors1, factors2], axis=0), render_key)
        images1, images2 = tf.split(tf.cast(images, tf.float32), 2, axis=0)
        return _as_batch(images1, images2, changed, label, data, batch_size)

    return make_batch


# Folded into a batch's render key for its factor pairs, so the two draw independently.
_PAIR_STREAM = 0x7061697273  # "pairs"


def graph_paper_pairs(data, num, key, k=1):
    """(factors1, factors2, changed, label int32) of `num` pairs under the "paper" rule, drawn in the graph.

    The same rule as `sample_pairs(..., rule="paper")` (the same distribution,
    not the same draws): stateless draws keyed by `key` ([2] int64), so the
    pairs are a pure function of it and the tf.data input needs no Python.
    """
    sizes = np.asarray(data.factor_sizes, dtype=np.int64)
    changeable = sizes > 1
    k = check_k(data, k)
    _check_changeable(data, k, changeable)
    num_factors = len(sizes)
    factor_key, k_key, rank_key, offset_key = tf.unstack(tf.random.experimental.stateless_split(key, 4))
    float_sizes = tf.constant(sizes, tf.float64)

    def uniform(draw_key):
        return tf.random.stateless_uniform([num, num_factors], draw_key, dtype=tf.float64)

    factors1 = tf.cast(tf.minimum(tf.floor(uniform(factor_key) * float_sizes), float_sizes - 1), tf.int64)
    if k == RANDOM_K:
        ks = tf.random.stateless_uniform([num], k_key, minval=1, maxval=num_factors, dtype=tf.int64)
    else:
        ks = tf.fill([num], tf.constant(k, tf.int64))
    ks = tf.minimum(ks, int(changeable.sum()))
    # As _paper_pairs: the ks[i] factors of smallest iid keys, each moved by a uniform offset in [1, size).
    keys = tf.where(tf.constant(changeable), uniform(rank_key), np.inf)
    order = tf.argsort(keys, axis=1, stable=True)
    rank = tf.cast(tf.argsort(order, axis=1, stable=True), tf.int64)
    resampled = rank < ks[:, None]
    offsets = tf.cast(tf.floor(uniform(offset_key) * (float_sizes - 1)), tf.int64) + 1
    factors2 = tf.where(resampled, (factors1 + offsets) % sizes, factors1)
    label = tf.gather(order, ks - 1, batch_dims=1)
    return factors1, factors2, tf.not_equal(factors1, factors2), tf.cast(label, tf.int32)


def _numpy_pairs(data, batch_size, seed, k, rule):
    def sample(step):
        rng = _batch_rng(seed, step)
        pairs = sample_pairs(data, batch_size, rng, k, rule)
        images = data.sample_observations_from_factors(np.concatenate([pairs.factors1, pairs.factors2]), rng)
        images = images.astype(np.float32)
        return (images[:batch_size], images[batch_size:], pairs.changed, pairs.label.astype(np.int32))

    def make_batch(step):
        images1, images2, changed, label = tf.numpy_function(
            sample, [step], (tf.float32, tf.float32, tf.bool, tf.int32), stateful=False
        )
        return _as_batch(images1, images2, changed, label, data, batch_size)

    return make_batch
