"""Bad names, hyperparameters and images end in one UserError sentence naming the fix."""

import numpy as np
import pytest

from disent_tf import models
from disent_tf.errors import UserError
from harness.models import binary_images


def test_unknown_model_lists_the_valid_names():
    with pytest.raises(UserError, match="unknown model 'vae'.*beta_vae, annealed_vae, factor_vae, dip_vae_i"):
        models.get("vae")


def test_unknown_hyperparameter_names_the_valid_ones():
    with pytest.raises(UserError, match="unknown hyperparameter.*beta for factor_vae; valid ones are gamma"):
        models.get("factor_vae", beta=2.0)


@pytest.mark.parametrize(
    "name,hparams,pattern",
    [
        ("beta_vae", {"beta": -1.0}, "beta must be a number >= 0"),
        ("factor_vae", {"gamma": -10}, "gamma must be a number >= 0"),
        ("annealed_vae", {"c_max": -5}, "c_max must be a number >= 0"),
        ("annealed_vae", {"iteration_threshold": 0}, "iteration_threshold must be an integer >= 1"),
        ("annealed_vae", {"iteration_threshold": 2.5}, "iteration_threshold must be an integer >= 1"),
        ("dip_vae_i", {"lambda_od": -1}, "lambda_od must be a number >= 0"),
        ("dip_vae_ii", {"lambda_d_factor": float("nan")}, "lambda_d_factor must be a number >= 0"),
        ("dip_vae_i", {"dip_type": "iii"}, "dip_type must be one of 'i', 'ii'"),
        ("beta_tc_vae", {"beta": "big"}, "beta must be a number >= 0"),
        ("beta_vae", {"num_latent": 0}, "num_latent must be an integer >= 1"),
        ("beta_vae", {"reconstruction": "gaussian"}, "reconstruction must be one of 'bernoulli', 'l2'"),
        ("beta_vae", {"architecture": "resnet"}, "architecture must be one of 'conv', 'fc'"),
        ("beta_vae", {"input_shape": (32, 32, 1)}, "conv architecture needs 64x64 images"),
        ("beta_vae", {"input_shape": (64, 64)}, "input_shape must be"),
    ],
)
def test_invalid_hyperparameters(name, hparams, pattern):
    with pytest.raises(UserError, match=pattern):
        models.get(name, **hparams)


@pytest.mark.parametrize(
    "images,pattern",
    [
        (np.zeros((2, 64, 64, 1), np.float64), "float32 in \\[0, 1\\], got float64"),
        (np.zeros((2, 64, 64, 1), np.uint8), "got uint8.*astype"),
        (np.zeros((2, 32, 32, 1), np.float32), "shape \\(N, 64, 64, 1\\).*got \\(2, 32, 32, 1\\)"),
        (np.zeros((2, 64, 64, 3), np.float32), "shape \\(N, 64, 64, 1\\)"),
        (np.zeros((64, 64, 1), np.float32), "shape \\(N, 64, 64, 1\\)"),
        ([[0.0]], "float32 array or tensor"),
    ],
)
def test_bad_images_fail_at_the_first_call(images, pattern):
    model = models.get("beta_vae")
    calls = (lambda: model.compute_losses(images, 0), lambda: model.gaussian_encoder(images), lambda: model(images))
    for call in calls:
        with pytest.raises(UserError, match=pattern):
            call()


def test_user_error_is_a_value_error():
    with pytest.raises(ValueError):
        models.get("beta_vae", beta=-1)


def test_good_images_pass_the_check():
    model = models.get("beta_vae", input_shape=(64, 64, 3))
    assert model(binary_images(2, channels=3)).shape == (2, 10)
