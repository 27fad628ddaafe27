"""tf.data input for training: infinite, reproducible batches of observations.

Every batch is i.i.d. factors drawn uniformly from the grid (with replacement,
as the original's `sample_observations`), keyed only by (seed, batch number),
so the stream is the same whatever the parallelism, and any batch can be
recomputed. Data sets that can render with TF ops (the embedded dSprites) do
so inside the graph; the others run their numpy sampler in the tf.data
threads, off the training thread.
"""

import numpy as np
import tensorflow as tf


def training_dataset(data, batch_size, seed):
    """Infinite tf.data.Dataset of float32 (batch_size, H, W, C) image batches in [0, 1].

    Works with `strategy.experimental_distribute_dataset`, which splits each
    batch of `batch_size` (the global batch) across the replicas.
    """
    batch_size = int(batch_size)
    if batch_size < 1:
        from disent_tf.errors import UserError
        raise UserError(f"batch_size must be a positive integer, got {batch_size}.")
    make_batch = (_graph_batches(data, batch_size, seed)
                  if getattr(data, "supports_graph_sampling", False)
                  else _numpy_batches(data, batch_size, seed))
    dataset = tf.data.Dataset.counter().map(
        make_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _batch_key(seed, step):
    """Stateless key of batch `step`: a pure function of (seed, step), any seed below 2**63."""
    seed = int(seed) % (2 ** 63)
    base = tf.constant([seed % (2 ** 32), seed // (2 ** 32)], dtype=tf.int64)
    return tf.random.experimental.stateless_fold_in(base, step)


def _graph_batches(data, batch_size, seed):
    sizes = tf.constant(data.factor_sizes, dtype=tf.float64)
    shape = [batch_size, *data.observation_shape]

    def make_batch(step):
        factor_key, render_key = tf.unstack(tf.random.experimental.stateless_split(_batch_key(seed, step), 2))
        uniform = tf.random.stateless_uniform([batch_size, len(data.factor_sizes)], factor_key, dtype=tf.float64)
        factors = tf.cast(tf.minimum(tf.floor(uniform * sizes), sizes - 1), tf.int64)
        images = data.graph_observations(factors, render_key)
        return tf.ensure_shape(tf.cast(images, tf.float32), shape)

    return make_batch


def _numpy_batches(data, batch_size, seed):
    shape = [batch_size, *data.observation_shape]
    # One draw here, outside tf.data: a data file that fails on first read
    # (e.g. corrupt compressed pixels) is then one UserError before training
    # starts, not tracebacks from the tf.data threads.
    data.sample(1, np.random.default_rng(0))

    def sample(step):
        rng = np.random.default_rng([int(seed) % (2 ** 63), int(step)])  # a pure function of (seed, step)
        return data.sample(batch_size, rng)[1].astype(np.float32)

    def make_batch(step):
        images = tf.numpy_function(sample, [step], tf.float32, stateful=False)
        return tf.ensure_shape(images, shape)

    return make_batch
