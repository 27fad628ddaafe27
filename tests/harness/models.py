"""The model harness (keras-hub style): each method's test stays short, and trains through the trainer's step.

`make_train_step` wraps training/step.py's compiled step (the one bin/train
runs, with the config's Adam settings for each optimizer group), so a model
test exercises exactly what training does.
"""

import numpy as np
import tensorflow as tf

from disent_tf import models
from disent_tf.training import step as steps
from disent_tf.training.config import TrainConfig

BATCH = 64


def binary_images(n=BATCH, channels=1, seed=0):
    """A fixed batch of random binary 64x64 images, float32."""
    rng = np.random.RandomState(seed)
    return (rng.rand(n, 64, 64, channels) > 0.7).astype(np.float32)


class _OnlyGroups:
    """`model` as the trainer sees it, with only some of its optimizer groups."""

    def __init__(self, model, names):
        self._model = model
        self._names = set(names)

    def optimizer_groups(self):
        return tuple(group for group in self._model.optimizer_groups() if group.name in self._names)

    def compute_losses(self, *args, **kwargs):
        return self._model.compute_losses(*args, **kwargs)

    def loss_gradients(self, *args, **kwargs):
        from disent_tf.models.vae import GaussianVAE

        # The model's own gradient code, over this view's groups.
        return GaussianVAE.loss_gradients(self, *args, **kwargs)


def make_train_step(model, groups=None, learning_rate=1e-4, jit_compile=False, strategy=None):
    """`step(batch, step_number) -> losses`: one step of the trainer's compiled step function.

    `groups` restricts training to those optimizer groups (e.g. ["vae"]);
    `strategy` (default: the default strategy) distributes the batch over its
    replicas. Build the model and call this inside `strategy.scope()`.
    """
    strategy = strategy or tf.distribute.get_strategy()
    trained = _OnlyGroups(model, groups) if groups is not None else model
    config = TrainConfig(learning_rate=learning_rate)
    optimizers = steps.make_optimizers(config, trained)
    step_counter = steps.counter("step", 0)
    first_bad_step = steps.counter("first_bad_step", -1)
    train_steps = steps.make_train_function(strategy, trained, optimizers, step_counter, first_bad_step, jit_compile)

    def step(batch, step_number):
        step_counter.assign(int(step_number))
        dataset = tf.data.Dataset.from_tensors(tf.nest.map_structure(tf.convert_to_tensor, batch))
        return train_steps(iter(strategy.experimental_distribute_dataset(dataset)), tf.constant(1, tf.int64))

    return step


def evaluate_losses(model, images, step_number=0):
    """Losses as floats at a fixed step (so the noise is fixed too)."""
    losses = model.compute_losses(tf.constant(images), tf.constant(step_number, tf.int64))
    return {key: float(value) for key, value in losses.items()}


def run_training_test(name, steps=100, batch=BATCH, **hparams):
    """Trains `name` for `steps` Adam steps on one fixed batch; asserts the loss fell and stayed finite."""
    model = models.get(name, **hparams)
    images = tf.constant(binary_images(batch))
    before = evaluate_losses(model, images)
    step = make_train_step(model)
    history = [step(images, step_number) for step_number in range(steps)]
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
