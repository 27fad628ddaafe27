"""Training input whose position is a function of the step, so resuming is exact.

The batch stream is cut into segments of SEGMENT_STEPS steps; segment k is
`training_dataset(data, global_batch, seed=segment_seed(seed, k))`. The batch
of step s is therefore fixed by (seed, s) alone: a run resumed at step s
rebuilds segment s // SEGMENT_STEPS and skips s % SEGMENT_STEPS batches (at
most SEGMENT_STEPS - 1, a few seconds), instead of checkpointing the
iterator (impossible for generator-backed pipelines) or skipping s batches
(minutes after 300,000 steps). The segment length is a constant, not a flag,
because changing it changes the data a seed trains on.
"""

import tensorflow as tf

from disent_tf import seeds

SEGMENT_STEPS = 1000


def segment_seed(seed, segment):
    """Seed of segment `segment` of a run with seed `seed` (independent streams per segment)."""
    return seeds.derive(seed, "input_segment", segment)


def segment_end(step):
    """First step of the segment after the one that contains `step`."""
    return (step // SEGMENT_STEPS + 1) * SEGMENT_STEPS


class TrainingInput:
    """Builds the strategy's distributed iterator that yields the batch of a given step.

    `make_dataset(data, batch_size, seed)` is the model's `training_dataset`
    (the data layer's pipeline of what it trains on): an infinite
    tf.data.Dataset of global batches. The strategy splits each global batch
    across its replicas.
    """

    def __init__(self, strategy, data, global_batch, seed, make_dataset):
        self._strategy = strategy
        self._data = data
        self._global_batch = global_batch
        self._seed = seed
        self._make_dataset = make_dataset

    def iterator_at(self, step):
        """Iterator whose next batch is the one of `step`; valid until `segment_end(step)`."""
        segment, offset = divmod(step, SEGMENT_STEPS)
        dataset = self._make_dataset(self._data, self._global_batch, segment_seed(self._seed, segment))
        if offset:
            dataset = dataset.skip(offset)
        if isinstance(self._strategy, tf.distribute.MultiWorkerMirroredStrategy):
            # Every worker builds the same global stream and keeps its replicas'
            # slices, so N workers train on exactly the batches one machine would.
            options = tf.data.Options()
            options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
            dataset = dataset.with_options(options)
        return iter(self._strategy.experimental_distribute_dataset(dataset))
