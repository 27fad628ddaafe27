"""Faster implementations of standard Keras layers: same variables, same outputs up to float round-off.

The decoder's last layer is a Conv2DTranspose with kernel 4, stride 2 and a
single output channel (dSprites). oneDNN computes it as the backward-data
pass of a convolution with one input channel, which runs at about 9 GFLOP/s
on the AVX-512 CPUs of docs/performance.md, a tenth of the other layers.
`OverlapAddConv2DTranspose` computes the same sum as one matrix product
(every input pixel times the whole kernel, a 4x4 patch per output channel)
followed by an overlap-add of the patches, and keeps TensorFlow's own
gradient ops, which are fast: the layer's forward pass takes under half the
time and its variables, checkpoints and outputs are those of the Keras layer.

`Conv2DTransposeFloat32BiasSum` is the other transposed convolutions (d3-d5):
Keras's layer in float32; in bfloat16 it sums its bias gradient in float32,
which TensorFlow's BiasAddGrad does not, and d5 can add its bias and ReLU in
float32 for the float32 d6 that reads it.
"""

import keras
import tensorflow as tf


class OverlapAddConv2DTranspose(keras.layers.Conv2DTranspose):
    """keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same"), computed by matmul and overlap-add."""

    def __init__(self, filters, **kwargs):
        super().__init__(filters, 4, strides=2, padding="same", **kwargs)

    def get_config(self):
        config = super().get_config()
        for fixed in ("kernel_size", "strides", "padding"):
            config.pop(fixed)
        return config

    def call(self, inputs):
        # Keras has cast `inputs` to the compute dtype; a tensor, not the variable, enters the custom gradient.
        outputs = _transposed_conv_k4s2(inputs, tf.convert_to_tensor(self.kernel))
        if self.use_bias:
            outputs = outputs + tf.convert_to_tensor(self.bias)
        return self.activation(outputs)


@tf.custom_gradient
def _transposed_conv_k4s2(inputs, kernel):
    """tf.nn.conv2d_transpose(inputs, kernel, 2H x 2W, strides 2, "SAME") for a 4x4 kernel (kh, kw, out, in).

    Output row i gets input row o through kernel row k where i + 1 = 2o + k
    ("SAME" pads one row before). Writing k = 2a + b, input row o lands on
    row 2(o + a) + b of a (2H + 2)-row canvas: the patch of each input pixel
    splits into four 2x2 blocks (a_h, a_w) that are added at offsets o + a,
    and depth_to_space interleaves the (b_h, b_w) phases.
    """
    batch, height, width, in_channels = tf.shape(inputs)[0], inputs.shape[1], inputs.shape[2], inputs.shape[3]
    out_channels = kernel.shape[2]
    # (kh, kw, out, in) = (a_h b_h, a_w b_w, out, in) -> (in, a_h a_w b_h b_w out).
    weights = tf.reshape(kernel, (2, 2, 2, 2, out_channels, in_channels))
    weights = tf.reshape(tf.transpose(weights, (5, 0, 2, 1, 3, 4)), (in_channels, 16 * out_channels))
    patches = tf.matmul(tf.reshape(inputs, (-1, in_channels)), weights)
    patches = tf.reshape(patches, (batch, height, width, 2, 2, 4 * out_channels))
    canvas = tf.add_n([tf.pad(patches[:, :, :, a_h, a_w, :], [[0, 0], [a_h, 1 - a_h], [a_w, 1 - a_w], [0, 0]])
                       for a_h in range(2) for a_w in range(2)])
    outputs = tf.nn.depth_to_space(canvas, 2)[:, 1:2 * height + 1, 1:2 * width + 1, :]

    def gradient(upstream):
        # The gradient ops TensorFlow registers for Conv2DBackpropInput (the op conv2d_transpose runs).
        grad_inputs = tf.nn.conv2d(upstream, kernel, strides=2, padding="SAME")
        grad_kernel = tf.raw_ops.Conv2DBackpropFilter(input=upstream, filter_sizes=tf.shape(kernel),
                                                      out_backprop=inputs, strides=[1, 2, 2, 1], padding="SAME")
        return grad_inputs, grad_kernel

    return outputs, gradient


class Conv2DTransposeFloat32BiasSum(keras.layers.Conv2DTranspose):
    """keras.layers.Conv2DTranspose whose bias gradient, in a bfloat16 layer, is summed in float32.

    TensorFlow sums a bfloat16 bias gradient (BiasAddGrad) in bfloat16. Over
    the batch's 32 x 32 pixels of d5 that loses most of it: against the
    float32 model's gradient, mixed_bfloat16's bias gradients of d3, d4 and
    d5 were off by 22%, 72% and 94%, where every other variable's were off by
    0.1-10%. Here the upstream gradient is cast to float32 and summed, which
    is also faster. A float32 layer is Keras's own, op for op.

    With float32_output=True a bfloat16 layer adds its bias and applies its
    activation in float32, and returns float32: for the layer a float32 layer
    reads (d5, read by the logits d6), whose output would be cast to float32
    anyway. Its conv stays bfloat16; the bias add, ReLU and their gradients
    skip TensorFlow's bfloat16 element-wise kernels, several times slower
    than float32's, and the casts of the output and of its gradient both ways
    (docs/performance.md: the bare bfloat16 step 45-50 -> 55-57 steps/s).
    """

    def __init__(self, *args, float32_output=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.float32_output = float32_output

    def get_config(self):
        return {**super().get_config(), "float32_output": self.float32_output}

    def call(self, inputs):
        if not self.use_bias or self.compute_dtype == "float32" or self.data_format != "channels_last":
            return super().call(inputs)
        outputs = keras.ops.conv_transpose(inputs, self.kernel, strides=list(self.strides), padding=self.padding,
                                           output_padding=self.output_padding, dilation_rate=self.dilation_rate,
                                           data_format=self.data_format)
        if self.float32_output:  # float32's own BiasAddGrad sums the bias gradient
            outputs = tf.nn.bias_add(tf.cast(outputs, tf.float32), tf.cast(self.bias, tf.float32))
        else:  # Keras has cast the variable to the compute dtype; a tensor enters the custom gradient.
            outputs = _add_bias_summed_in_float32(outputs, tf.convert_to_tensor(self.bias))
        return outputs if self.activation is None else self.activation(outputs)


@tf.custom_gradient
def _add_bias_summed_in_float32(outputs, bias):
    """tf.nn.bias_add(outputs, bias) (channels last); the bias gradient is summed in float32."""

    def gradient(upstream):
        pixels = list(range(len(upstream.shape) - 1))
        return upstream, tf.cast(tf.reduce_sum(tf.cast(upstream, tf.float32), axis=pixels), bias.dtype)

    return tf.nn.bias_add(outputs, bias), gradient
