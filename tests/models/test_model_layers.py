"""OverlapAddConv2DTranspose computes Keras's Conv2DTranspose(k4, s2, same): outputs and gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from disent_tf.models.layers import OverlapAddConv2DTranspose


@pytest.mark.parametrize("height, in_channels, out_channels", [(32, 32, 1), (4, 8, 3), (5, 3, 2)])
def test_matches_keras_conv2d_transpose_forward_and_backward(height, in_channels, out_channels):
    rng = np.random.default_rng(height)
    inputs = tf.constant(rng.standard_normal((3, height, height + 1, in_channels)).astype(np.float32))
    # Linear, with seeded weights: under a ReLU, a pre-activation within round-off of 0 could flip its gradient.
    reference = keras.layers.Conv2DTranspose(out_channels, 4, strides=2, padding="same",
                                             kernel_initializer=keras.initializers.GlorotUniform(seed=height))
    fast = OverlapAddConv2DTranspose(out_channels)
    reference.build(inputs.shape)
    fast.build(inputs.shape)
    reference.bias.assign(rng.standard_normal(out_channels).astype(np.float32))
    fast.set_weights(reference.get_weights())

    gradients = []
    for layer in (reference, fast):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs)
            loss = tf.reduce_sum(tf.sin(outputs))
        gradients.append([outputs] + tape.gradient(loss, [inputs, layer.kernel, layer.bias]))
    assert gradients[1][0].shape == (3, 2 * height, 2 * height + 2, out_channels)
    for expected, actual in zip(*gradients):
        # Round-off of sums taken in another order: relative to the array's scale (kernel gradients sum
        # thousands of terms, and an element near zero after cancellation has no relative precision).
        scale = float(np.abs(expected.numpy()).max())
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5 * scale)


def test_config_rebuilds_the_layer():
    layer = OverlapAddConv2DTranspose(3, name="d6")
    rebuilt = OverlapAddConv2DTranspose.from_config(layer.get_config())
    assert (rebuilt.filters, rebuilt.kernel_size, rebuilt.strides, rebuilt.padding) == (3, (4, 4), (2, 2), "same")
