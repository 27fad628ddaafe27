"""The trainer's step without the trainer: beta_vae on one in-memory batch, a window of steps per call.

Shared by bench/bench_train.py (the trainer's floor) and bench/trace_step.py.
It computes a batch the trainer's way on a CPU: in slices, one thread per op
(training/strategy.py), and runs a window of steps in one tf.function call,
like the trainer's steps_per_call.
"""

BATCH = 64


def build_window(steps, precision="float32", batch=BATCH):
    """(window(first) -> loss of its last step, batch_chunks); call before TensorFlow starts.

    window(first) runs steps first, ..., first + steps - 1 on one fixed batch
    and returns a tensor; the first call traces.
    """
    from disent_tf.training import strategy
    from disent_tf.training.config import TrainConfig

    chunks = strategy.prepare_batch_chunks(TrainConfig(batch_size=batch), print)
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

    def step(number):
        with tf.GradientTape() as tape:
            loss = model.compute_losses(images, number)["loss"]
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    @tf.function
    def steps_from(first):
        loss = step(first)
        for number in tf.range(first + 1, first + steps):
            loss = step(number)
        return loss

    return (lambda first: steps_from(tf.constant(first, tf.int64))), chunks
