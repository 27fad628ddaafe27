"""Test helpers: a tiny deterministic ground-truth data set and stand-in encoders.

A module with its own name, not conftest: several test folders have a
conftest.py, and `from conftest import ...` would pick whichever came first.
"""

import numpy as np

from disent_tf.data.base import GroundTruthData


class TinyData(GroundTruthData):
    """Factors (3, 4, 5) drawn as an 8x8 image: one bright pixel row per factor value.

    Deterministic: the image is a function of the factors and rendering draws
    nothing from the rng, like dsprites_full.
    """

    name = "tiny"

    def __init__(self, factor_sizes=(3, 4, 5)):
        self._sizes = list(factor_sizes)

    @property
    def factor_names(self):
        return [f"f{i}" for i in range(len(self._sizes))]

    @property
    def factor_sizes(self):
        return self._sizes

    @property
    def observation_shape(self):
        return (8, 8, 1)

    @property
    def data_source(self):
        return "rendered in the test"

    def sample_observations_from_factors(self, factors, rng):
        factors = self.check_factors(factors)
        images = np.zeros((len(factors), 8, 8, 1), np.float32)
        for column, size in enumerate(self._sizes):
            images[:, column, :, 0] = (factors[:, column:column + 1] + 1) / size * np.linspace(0.2, 1, 8)
        return images


class NoisyTinyData(TinyData):
    """Like TinyData plus uniform pixel noise drawn from the rng: not deterministic."""

    name = "noisy_tiny"

    @property
    def deterministic(self):
        return False

    def sample_observations_from_factors(self, factors, rng):
        images = super().sample_observations_from_factors(factors, rng)
        noise = rng.uniform(0, 0.05, size=images.shape).astype(np.float32)
        return np.minimum(images + noise, 1)


def linear_gaussian(num_latent=4, seed=1):
    """A deterministic stand-in Gaussian encoder: mean = tanh(W x), logvar = V x - 2."""
    rng = np.random.RandomState(seed)
    weights = rng.normal(size=(64, num_latent)).astype(np.float32)
    logvar_weights = rng.normal(scale=0.1, size=(64, num_latent)).astype(np.float32)

    def encode(observations):
        # Elementwise products and a fixed-order sum: a row's codes do not depend on
        # the batch it is encoded in (BLAS matmuls may round differently per batch size).
        flat = np.asarray(observations, np.float32).reshape(len(observations), -1, 1)
        return np.tanh((flat * weights).sum(axis=1)), (flat * logvar_weights).sum(axis=1) - 2.0

    return encode
