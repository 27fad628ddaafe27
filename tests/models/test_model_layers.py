"""The faster layers compute Keras's: OverlapAddConv2DTranspose and Conv2DTransposeFloat32BiasSum."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from disent_tf.models.layers import Conv2DTransposeFloat32BiasSum, OverlapAddConv2DTranspose


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


def _forward_and_gradients(layer, inputs, upstream):
    """Outputs and the gradients (input, kernel, bias) of sum(outputs * upstream)."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = layer(inputs)
        loss = tf.reduce_sum(tf.cast(outputs, tf.float32) * upstream)
    return [outputs] + tape.gradient(loss, [inputs, layer.kernel, layer.bias])


def _keras_and_bias_sum_results(precision, seed, activation=None, **options):
    """(upstream, Keras's Conv2DTranspose's results, Conv2DTransposeFloat32BiasSum(**options)'s), the same weights.

    d5's shape, 16 images; results as _forward_and_gradients gives them.
    """
    rng = np.random.default_rng(seed)
    inputs = tf.constant(rng.standard_normal((16, 8, 8, 4)).astype(np.float32))
    # Upstream gradients of one sign per channel, so that the bias gradient is a large sum with no cancellation.
    upstream = tf.constant((np.abs(rng.standard_normal((16, 16, 16, 3))) * [1, -1, 1]).astype(np.float32))
    layers = [cls(3, 4, strides=2, padding="same", activation=activation, dtype=precision, name="d5",
                  kernel_initializer=keras.initializers.GlorotUniform(seed=1), **layer_options)
              for cls, layer_options in ((keras.layers.Conv2DTranspose, {}), (Conv2DTransposeFloat32BiasSum, options))]
    for layer in layers:
        layer.build(inputs.shape)
    layers[0].bias.assign(rng.standard_normal(3).astype(np.float32))
    layers[1].set_weights(layers[0].get_weights())
    keras_results, results = (_forward_and_gradients(layer, inputs, upstream) for layer in layers)
    return upstream, keras_results, results


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_float32_bias_sum_matches_keras_and_sums_the_bias_gradient_in_float32(precision):
    upstream, keras_results, results = _keras_and_bias_sum_results(precision, seed=0)

    exact_bias_gradient = upstream.numpy().sum(axis=(0, 1, 2))
    np.testing.assert_allclose(results[3].numpy(), exact_bias_gradient, rtol=1e-2)  # bfloat16's 8 bits
    if precision == "float32":  # Keras's own ops: the same numbers
        for expected, actual in zip(keras_results, results):
            np.testing.assert_array_equal(actual.numpy(), expected.numpy())
    else:  # the same outputs and other gradients; Keras's bias gradient, summed in bfloat16, is far off
        for expected, actual in zip(keras_results[:3], results[:3]):
            np.testing.assert_array_equal(actual.numpy(), expected.numpy())
        assert np.abs(keras_results[3].numpy() / exact_bias_gradient - 1).max() > 0.05


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_float32_output_adds_bias_and_activation_in_float32(precision):
    upstream, keras_results, results = _keras_and_bias_sum_results(precision, seed=1, activation="relu",
                                                                   float32_output=True)

    assert results[0].dtype == tf.float32
    if precision == "float32":  # Keras's own ops: the same numbers
        for expected, actual in zip(keras_results, results):
            np.testing.assert_array_equal(actual.numpy(), expected.numpy())
        return
    # The same bfloat16 conv; its bias add and ReLU, rounded to bfloat16 in Keras's layer, are not here.
    keras_outputs = tf.cast(keras_results[0], tf.float32).numpy()
    np.testing.assert_allclose(results[0].numpy(), keras_outputs, rtol=2 ** -7, atol=1e-2)
    assert not np.array_equal(results[0].numpy(), keras_outputs)
    # The same ReLU mask: no pre-activation here is near enough to 0 for bfloat16's rounding to flip it.
    active = results[0].numpy() > 0
    np.testing.assert_array_equal(active, keras_outputs > 0)
    exact_bias_gradient = (upstream.numpy() * active).sum(axis=(0, 1, 2))
    np.testing.assert_allclose(results[3].numpy(), exact_bias_gradient, rtol=1e-2)
    # The conv's gradients see the same bfloat16 upstream gradient: the same numbers.
    for expected, actual in zip(keras_results[1:3], results[1:3]):
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())


def test_float32_output_is_in_the_config():
    layer = Conv2DTransposeFloat32BiasSum(3, 4, float32_output=True, name="d5")
    assert Conv2DTransposeFloat32BiasSum.from_config(layer.get_config()).float32_output
