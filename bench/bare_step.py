"""The trainer's step without the trainer: beta_vae and Adam on one in-memory batch.

Shared by bench/bench_train.py (the trainer's floor), bench/trace_step.py and
bench/profile_step.py. `build_window` computes a batch the trainer's way on
a CPU: in slices, one thread per op (training/strategy.py), a window of
steps in one tf.function call, like the trainer's steps_per_call.
"""

import typing

BATCH = 64


class BareStep(typing.NamedTuple):
    """One model's step on a fixed batch, and its parts."""

    model: object
    variables: list
    optimizer: object
    images: object
    gradients: typing.Callable  # gradients(number) -> (loss, gradients of `variables`)
    step: typing.Callable  # step(number) -> loss, after Adam has applied the gradients


def build_step(precision="float32", batch=BATCH, chunks=1):
    """beta_vae (seed 0) with `chunks` batch slices, a built Adam and a fixed random batch of binary images."""
    import keras
    import numpy as np
    import tensorflow as tf

    from disent_tf import models

    model = models.get("beta_vae", seed=0, precision=precision)
    model.batch_chunks = chunks
    variables = model.vae_variables()
    optimizer = keras.optimizers.Adam(1e-4)
    optimizer.build(variables)
    images = tf.constant((np.random.default_rng(0).random((batch, 64, 64, 1)) > 0.9).astype(np.float32))

    def gradients(number):
        with tf.GradientTape() as tape:
            loss = model.compute_losses(images, number)["loss"]
        return loss, tape.gradient(loss, variables)

    def step(number):
        loss, grads = gradients(number)
        optimizer.apply_gradients(zip(grads, variables))
        return loss

    return BareStep(model, variables, optimizer, images, gradients, step)


def build_window(steps, precision="float32", batch=BATCH):
    """(window(first) -> loss of its last step, batch_chunks); call before TensorFlow starts.

    window(first) runs steps first, ..., first + steps - 1 the trainer's way
    and returns a tensor; the first call traces.
    """
    from disent_tf.training import strategy
    from disent_tf.training.config import TrainConfig

    chunks = strategy.prepare_batch_chunks(TrainConfig(batch_size=batch), print)
    import tensorflow as tf

    step = build_step(precision, batch, chunks).step

    @tf.function
    def steps_from(first):
        loss = step(first)
        for number in tf.range(first + 1, first + steps):
            loss = step(number)
        return loss

    return (lambda first: steps_from(tf.constant(first, tf.int64))), chunks
