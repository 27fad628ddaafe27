"""Computing a batch in slices (GaussianVAE.batch_chunks): the same outputs, gradients up to round-off."""

import numpy as np
import pytest
import tensorflow as tf

from disent_tf import models
from disent_tf.models.vae import in_chunks


def _losses_and_gradients(model, images, chunks):
    model.batch_chunks = chunks
    variables = model.vae_variables()
    with tf.GradientTape() as tape:
        losses = model.compute_losses(images, tf.constant(3, tf.int64))
    return losses, tape.gradient(losses["loss"], variables)


@pytest.mark.parametrize("name", ["beta_vae", "beta_tc_vae"])
def test_slices_give_the_whole_batch_losses_and_gradients(name):
    model = models.get(name, seed=1)
    images = tf.constant((np.random.default_rng(0).random((10, 64, 64, 1)) > 0.8).astype(np.float32))
    whole, whole_gradients = _losses_and_gradients(model, images, 1)
    sliced, sliced_gradients = _losses_and_gradients(model, images, 3)  # 4, 3 and 3 images
    for key in whole:
        np.testing.assert_allclose(sliced[key].numpy(), whole[key].numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(whole_gradients, sliced_gradients):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-5 * float(tf.reduce_max(tf.abs(a))))


def test_unknown_or_small_batches_are_not_split():
    calls = []

    def network(inputs, training):
        calls.append(inputs.shape[0])
        return inputs * 2.0

    tf.function(lambda x: in_chunks(network, x, 4, False),
                input_signature=[tf.TensorSpec((None, 3))]).get_concrete_function()
    assert calls == [None]
    calls.clear()
    np.testing.assert_array_equal(in_chunks(network, tf.ones((3, 3)), 4, False), 2 * np.ones((3, 3)))
    assert calls == [3]
    calls.clear()
    in_chunks(network, tf.ones((9, 3)), 4, False)
    assert calls == [3, 2, 2, 2]
