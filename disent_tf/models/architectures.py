"""Encoders, decoders and the FactorVAE discriminator of the study, as built Keras models.

Layer lists follow disentanglement_lib's methods/shared/architectures.py, which
take them from Higgins et al. 2017, "beta-VAE" (Table 1, rows 1 and 3) and
Kim & Mnih 2018, "Disentangling by Factorizing" (appendix A). Each builder
returns a functional `keras.Model`, so its variables exist as soon as it is
made. Layer names are unique across the three parts (variable paths do not
include the parent model's name). Kernels use Glorot-uniform and biases zeros (the TF1 `tf.layers`
defaults of the original), seeded from `seed` so that one integer fixes the
initial weights without touching global state: layer n of a part gets
`seeds.derive(seed, part, n)` with part "encoder", "decoder" or "discriminator".

Precision. `precision` is the Keras dtype policy of the hidden layers:
"float32" (the study's), or "mixed_bfloat16" (bfloat16 arithmetic on float32
variables). The output layers (the encoder's mean and log-variance heads, the
decoder's logits, the discriminator's logits) always compute in float32, so
every loss, KL, TC and DIP term downstream is float32 and the parts take and
return float32 tensors under either policy.
"""

import math

import keras

from disent_tf import seeds
from disent_tf.models import layers

ARCHITECTURES = ("conv", "fc")
# The dtype policy of the layers whose outputs the losses read.
OUTPUT_PRECISION = "float32"


class _Initializers:
    """Hands out a distinct seeded Glorot-uniform initializer per layer of one part."""

    def __init__(self, seed, part):
        self._seed = seed
        self._part = part
        self._count = 0

    def __call__(self):
        self._count += 1
        seed = None if self._seed is None else seeds.derive(self._seed, self._part, self._count)
        return keras.initializers.GlorotUniform(seed=seed)


def _dense(units, init, precision, activation=None, name=None):
    return keras.layers.Dense(units, activation=activation, kernel_initializer=init(), dtype=precision, name=name)


def conv_encoder(input_shape, num_latent, seed=None, precision="float32"):
    """Conv 32k4s2, 32k4s2, 64k2s2, 64k2s2 (ReLU, same), Dense 256 ReLU, mean and logvar heads."""
    init = _Initializers(seed, "encoder")
    images = keras.Input(shape=tuple(input_shape), name="images")
    hidden = images
    for index, (filters, kernel) in enumerate(((32, 4), (32, 4), (64, 2), (64, 2)), start=1):
        hidden = keras.layers.Conv2D(
            filters, kernel, strides=2, padding="same", activation="relu", kernel_initializer=init(), dtype=precision,
            name=f"e{index}",
        )(hidden)
    hidden = keras.layers.Flatten(dtype=precision)(hidden)
    hidden = _dense(256, init, precision, "relu", name="e5")(hidden)
    return _gaussian_encoder_model(images, hidden, num_latent, init)


def fc_encoder(input_shape, num_latent, seed=None, precision="float32"):
    """Flatten, Dense 1200 ReLU, Dense 1200 ReLU, mean and logvar heads."""
    init = _Initializers(seed, "encoder")
    images = keras.Input(shape=tuple(input_shape), name="images")
    hidden = keras.layers.Flatten(dtype=precision)(images)
    hidden = _dense(1200, init, precision, "relu", name="e1")(hidden)
    hidden = _dense(1200, init, precision, "relu", name="e2")(hidden)
    return _gaussian_encoder_model(images, hidden, num_latent, init)


def _gaussian_encoder_model(images, hidden, num_latent, init):
    """The encoder model: mean and log-variance heads (Dense num_latent each) on `hidden`."""
    mean = _dense(num_latent, init, OUTPUT_PRECISION, name="means")(hidden)
    logvar = _dense(num_latent, init, OUTPUT_PRECISION, name="log_var")(hidden)
    return keras.Model(images, [mean, logvar], name="encoder")


def deconv_decoder(output_shape, num_latent, seed=None, precision="float32"):
    """Dense 256, Dense 1024 (ReLU), reshape 4x4x64, ConvT 64, 32, 32 k4s2 ReLU, ConvT C k4s2 logits."""
    init = _Initializers(seed, "decoder")
    latents = keras.Input(shape=(num_latent,), name="latents")
    hidden = _dense(256, init, precision, "relu", name="d1")(latents)
    hidden = _dense(1024, init, precision, "relu", name="d2")(hidden)
    hidden = keras.layers.Reshape((4, 4, 64), dtype=precision)(hidden)
    for index, filters in enumerate((64, 32, 32), start=3):
        # Keras's layer; in bfloat16 its bias gradient is summed in float32, and d5, read by the float32
        # logits, adds its bias and ReLU in float32 (models/layers.py).
        hidden = layers.Conv2DTransposeFloat32BiasSum(
            filters, 4, strides=2, padding="same", activation="relu", kernel_initializer=init(), dtype=precision,
            float32_output=index == 5, name=f"d{index}",
        )(hidden)
    # The Keras layer's sum, computed faster (models/layers.py).
    logits = layers.OverlapAddConv2DTranspose(
        output_shape[2], kernel_initializer=init(), dtype=OUTPUT_PRECISION, name="d6"
    )(hidden)
    return keras.Model(latents, logits, name="decoder")


def fc_decoder(output_shape, num_latent, seed=None, precision="float32"):
    """Dense 1200 tanh x3, Dense H*W*C logits reshaped to the image."""
    init = _Initializers(seed, "decoder")
    latents = keras.Input(shape=(num_latent,), name="latents")
    hidden = latents
    for index in range(1, 4):
        hidden = _dense(1200, init, precision, "tanh", name=f"d{index}")(hidden)
    logits = _dense(math.prod(output_shape), init, OUTPUT_PRECISION, name="d4")(hidden)
    logits = keras.layers.Reshape(tuple(output_shape), dtype=OUTPUT_PRECISION)(logits)
    return keras.Model(latents, logits, name="decoder")


def discriminator(num_latent, seed=None, precision="float32"):
    """FactorVAE discriminator: 6 x Dense 1000 leaky ReLU (slope 0.2, `tf.nn.leaky_relu`'s default), 2 logits."""
    init = _Initializers(seed, "discriminator")
    codes = keras.Input(shape=(num_latent,), name="codes")
    hidden = codes
    for index in range(1, 7):
        hidden = _dense(1000, init, precision, name=f"discriminator_d{index}")(hidden)
        hidden = keras.layers.LeakyReLU(negative_slope=0.2, dtype=precision)(hidden)
    logits = _dense(2, init, OUTPUT_PRECISION, name="discriminator_logits")(hidden)
    return keras.Model(codes, logits, name="discriminator")


def make_encoder(architecture, input_shape, num_latent, seed=None, precision="float32"):
    return {"conv": conv_encoder, "fc": fc_encoder}[architecture](input_shape, num_latent, seed, precision)


def make_decoder(architecture, output_shape, num_latent, seed=None, precision="float32"):
    return {"conv": deconv_decoder, "fc": fc_decoder}[architecture](output_shape, num_latent, seed, precision)
