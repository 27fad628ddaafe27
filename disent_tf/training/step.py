"""The compiled training step: one Adam per optimizer group of the model, under any tf.distribute strategy.

One call of `train_steps(iterator, num_steps)` runs `num_steps` steps in one
`tf.function`: each runs the replica step on every replica (`strategy.run`),
all-reduces the gradients (SUM) and applies them with the model's optimizers
(`model.optimizer_groups()`). Each replica's loss is the mean over its local
batch, scaled by 1 / num_replicas_in_sync, so the summed gradient is the
gradient of the global-batch mean: N replicas train the same model as one
device with the same global batch (exactly so for losses that are
per-example means, e.g. beta_vae; batch statistics such as DIP-VAE's
covariance or FactorVAE's shuffle are taken over the local batch).
"""

import keras
import tensorflow as tf


def make_optimizers(config, model):
    """{group name: built Adam} for the model's optimizer groups, with the config's Adam settings.

    Built here, inside the strategy scope, because Keras 3 optimizers must
    own their slots before the first distributed step (STACK_NOTES.md).
    """
    return {group.name: built_optimizer(group, adam(config, group)) for group in model.optimizer_groups()}


def adam(config, group):
    """The Adam of optimizer group `group` with the config's settings for it (the study's by default)."""
    return keras.optimizers.Adam(name=group.name, **config.adam(group.adam))


def built_optimizer(group, optimizer):
    """`optimizer` with its slots for the group's variables (inside a strategy scope: STACK_NOTES.md)."""
    optimizer.build(group.variables)
    return optimizer


def make_train_function(strategy, model, optimizers, step, first_bad_step, jit_compile=False):
    """`train_steps(iterator, num_steps) -> losses of the last step`, one tf.function.

    `num_steps` is a tensor so that calls of different lengths share one
    trace. The losses come back reduced (MEAN over replicas) but not fetched:
    the host reads them only when it reports. `first_bad_step` records the
    first step whose losses were not finite, so the host need not check every
    step. With `jit_compile` the gradient computation is compiled by XLA; the
    optimizer update stays outside because it all-reduces across replicas.
    """
    groups = model.optimizer_groups()
    scale = 1.0 / strategy.num_replicas_in_sync

    def gradients(batch, step_value):
        return model.loss_gradients(batch, step_value, scale)

    if jit_compile:
        gradients = tf.function(gradients, jit_compile=True)

    def replica_step(batch):
        losses, grads = gradients(batch, step.read_value())
        for group in groups:
            optimizers[group.name].apply_gradients(zip(grads[group.name], group.variables))
        return losses

    def one_step(iterator):
        per_replica = strategy.run(replica_step, args=(next(iterator),))
        losses = {name: strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
                  for name, value in per_replica.items()}
        finite = tf.reduce_all(tf.stack([tf.math.is_finite(value) for value in losses.values()]))
        first_bad_step.assign(tf.where((first_bad_step < 0) & tf.logical_not(finite), step, first_bad_step))
        step.assign_add(1)
        return losses

    @tf.function
    def train_steps(iterator, num_steps):
        losses = one_step(iterator)
        for _ in tf.range(num_steps - 1):
            losses = one_step(iterator)
        return losses

    return train_steps


def counter(name, initial):
    """An int64 step counter: updated once per step in cross-replica context; replicas only read it."""
    return tf.Variable(initial, dtype=tf.int64, trainable=False, name=name,
                       aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
