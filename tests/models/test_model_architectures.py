"""Layer sizes and parameter counts equal disentanglement_lib's architectures."""

import numpy as np
import pytest

from disent_tf import models
from disent_tf.models import architectures


def conv_params(kernel, in_channels, filters):
    return kernel * kernel * in_channels * filters + filters


def dense_params(inputs, units):
    return inputs * units + units


def expected_conv_encoder(channels, num_latent):
    # (kernel, filters) of e1..e4, stride 2 "same": 64 -> 32 -> 16 -> 8 -> 4.
    total, in_channels = 0, channels
    for kernel, filters in ((4, 32), (4, 32), (2, 64), (2, 64)):
        total += conv_params(kernel, in_channels, filters)
        in_channels = filters
    return total + dense_params(4 * 4 * 64, 256) + 2 * dense_params(256, num_latent)


def expected_deconv_decoder(channels, num_latent):
    total = dense_params(num_latent, 256) + dense_params(256, 1024)
    in_channels = 64
    for filters in (64, 32, 32, channels):
        total += conv_params(4, in_channels, filters)
        in_channels = filters
    return total


@pytest.mark.parametrize("channels", [1, 3])
def test_conv_encoder_and_decoder_match_the_layer_list(channels):
    encoder = architectures.conv_encoder((64, 64, channels), 10)
    decoder = architectures.deconv_decoder((64, 64, channels), 10)
    assert encoder.count_params() == expected_conv_encoder(channels, 10)
    assert decoder.count_params() == expected_deconv_decoder(channels, 10)
    mean, logvar = encoder(np.zeros((2, 64, 64, channels), np.float32))
    assert mean.shape == logvar.shape == (2, 10)
    assert decoder(np.zeros((2, 10), np.float32)).shape == (2, 64, 64, channels)


def test_full_conv_vae_has_the_original_parameter_count():
    # Same number as /work/shared/bench/torch_vae.py and disentanglement_lib.
    assert models.get("beta_vae").count_params() == 690_517


def test_fc_architecture_matches_the_layer_list():
    encoder = architectures.fc_encoder((64, 64, 1), 10)
    decoder = architectures.fc_decoder((64, 64, 1), 10)
    assert encoder.count_params() == dense_params(4096, 1200) + dense_params(1200, 1200) + 2 * dense_params(1200, 10)
    assert decoder.count_params() == dense_params(10, 1200) + 2 * dense_params(1200, 1200) + dense_params(1200, 4096)
    assert decoder(np.zeros((1, 10), np.float32)).shape == (1, 64, 64, 1)


def test_discriminator_matches_factor_vae_appendix():
    disc = architectures.discriminator(10)
    expected = dense_params(10, 1000) + 5 * dense_params(1000, 1000) + dense_params(1000, 2)
    assert disc.count_params() == expected
    assert disc(np.zeros((3, 10), np.float32)).shape == (3, 2)
    slopes = [layer.negative_slope for layer in disc.layers if layer.__class__.__name__ == "LeakyReLU"]
    assert slopes == [0.2] * 6


def test_seed_fixes_initial_weights():
    first = architectures.conv_encoder((64, 64, 1), 10, seed=5).get_weights()
    same = architectures.conv_encoder((64, 64, 1), 10, seed=5).get_weights()
    other = architectures.conv_encoder((64, 64, 1), 10, seed=6).get_weights()
    for a, b in zip(first, same):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    # Layers of one model must not share an initial kernel.
    assert not np.array_equal(first[-2][:, :], first[-4][:, :])
