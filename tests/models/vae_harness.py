"""Shared test harness for the models (keras-hub style): each method's test stays short.

Imported by the test modules of this folder (pytest puts the folder on sys.path).
"""

import keras
import numpy as np
import tensorflow as tf

from disent_tf import models

BATCH = 64


def binary_images(n=BATCH, channels=1, seed=0):
    """A fixed batch of random binary 64x64 images, float32."""
    rng = np.random.RandomState(seed)
    return (rng.rand(n, 64, 64, channels) > 0.7).astype(np.float32)


def make_train_step(model, groups=None, learning_rate=1e-4, jit_compile=False):
    """A compiled step applying one Adam per loss group of `model` (or only `groups`).

    Mirrors what the trainer does: one tape, each optimizer follows the
    gradient of its own loss key with respect to its own variables.
    """
    loss_groups = model.loss_groups()
    chosen = {k: v for k, v in loss_groups.items() if groups is None or k in groups}
    optimizers = {key: keras.optimizers.Adam(learning_rate) for key in chosen}
    for key, (_, variables) in chosen.items():
        optimizers[key].build(variables)

    @tf.function(jit_compile=jit_compile)
    def step(images, step_number):
        with tf.GradientTape(persistent=True) as tape:
            losses = model.compute_losses(images, step_number)
        for key, (loss_key, variables) in chosen.items():
            gradients = tape.gradient(losses[loss_key], variables)
            optimizers[key].apply_gradients(zip(gradients, variables))
        return losses

    return step


def evaluate_losses(model, images, step_number=0):
    """Losses as floats at a fixed step (so the noise is fixed too)."""
    losses = model.compute_losses(tf.constant(images), tf.constant(step_number, tf.int64))
    return {key: float(value) for key, value in losses.items()}


def run_training_test(name, steps=100, **hparams):
    """Trains `name` for `steps` Adam steps on one fixed batch; asserts the loss fell and stayed finite."""
    model = models.get(name, **hparams)
    images = tf.constant(binary_images())
    before = evaluate_losses(model, images)
    step = make_train_step(model)
    history = [step(images, tf.constant(step_number, tf.int64)) for step_number in range(steps)]
    # Every step is checked: a NaN in the middle could be hidden by a later step.
    for step_number, losses in enumerate(history):
        assert all(np.isfinite(v.numpy()) for v in losses.values()), (name, step_number, losses)
    after = evaluate_losses(model, images)
    assert after["loss"] < before["loss"], (name, before, after)
    assert after["reconstruction_loss"] < before["reconstruction_loss"], (name, before, after)
    return model, before, after


def variable_values(variables):
    return [v.numpy().copy() for v in variables]


def assert_unchanged(variables, saved):
    for variable, value in zip(variables, saved):
        np.testing.assert_array_equal(variable.numpy(), value, err_msg=variable.path)


def assert_changed(variables, saved):
    changed = [not np.array_equal(v.numpy(), s) for v, s in zip(variables, saved)]
    assert any(changed)
