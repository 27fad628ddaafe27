"""The six methods: training lowers the loss, each regularizer is wired as the study defines it."""

import numpy as np
import pytest
import tensorflow as tf

from disent_tf import models
from disent_tf.models import regularizers
from harness.models import assert_changed
from harness.models import assert_unchanged
from harness.models import binary_images
from harness.models import evaluate_losses
from harness.models import make_train_step
from harness.models import run_training_test
from harness.models import variable_values

STUDY_DEFAULTS = {
    "beta_vae": {"beta": 1.0},
    "annealed_vae": {"gamma": 1000.0, "c_max": 5.0, "iteration_threshold": 100000},
    "factor_vae": {"gamma": 10.0},
    "dip_vae_i": {"lambda_od": 1.0, "lambda_d_factor": 10.0, "dip_type": "i"},
    "dip_vae_ii": {"lambda_od": 1.0, "lambda_d_factor": 1.0, "dip_type": "ii"},
    "beta_tc_vae": {"beta": 1.0},
}
EXTRAS = {
    "annealed_vae": {"capacity"},
    "factor_vae": {"tc", "discriminator_loss"},
    "dip_vae_i": {"cov_penalty"},
    "dip_vae_ii": {"cov_penalty"},
    "beta_tc_vae": {"tc"},
}


def test_names_are_the_six_study_methods():
    # Then the weakly-supervised methods (tests/models/test_weak.py).
    assert models.names()[:len(STUDY_DEFAULTS)] == list(STUDY_DEFAULTS)


@pytest.mark.parametrize("name", list(STUDY_DEFAULTS))
def test_defaults_losses_and_config_round_trip(name):
    model = models.get(name)
    config = model.get_config()
    assert {k: config[k] for k in STUDY_DEFAULTS[name]} == STUDY_DEFAULTS[name]
    assert config["name"] == name and config["num_latent"] == 10 and config["input_shape"] == (64, 64, 1)
    assert model.built and model.count_params() > 0

    losses = evaluate_losses(model, binary_images(8))
    assert set(losses) == {"loss", "reconstruction_loss", "kl_loss", "regularizer", "elbo"} | EXTRAS.get(name, set())
    assert losses["loss"] == pytest.approx(losses["reconstruction_loss"] + losses["regularizer"], rel=1e-6)
    assert losses["elbo"] == pytest.approx(-(losses["reconstruction_loss"] + losses["kl_loss"]), rel=1e-6)

    # Rebuilt from its config (the class, or get), the model has the same weights (seeded) and losses.
    for rebuilt in (type(model)(**config), models.get(**config)):
        assert rebuilt.get_config() == config
        assert evaluate_losses(rebuilt, binary_images(8)) == losses


@pytest.mark.parametrize("name", list(STUDY_DEFAULTS))
def test_adam_steps_lower_the_loss(name):
    # Reduced for the default suite: 20 steps on 16 images; the full-size run is marked slow below.
    run_training_test(name, steps=20, batch=16)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(STUDY_DEFAULTS))
def test_hundred_adam_steps_lower_the_loss(name):
    run_training_test(name)


def test_factor_vae_optimizers_touch_only_their_own_variables():
    model = models.get("factor_vae")
    images = tf.constant(binary_images())
    groups = {group.name: group for group in model.optimizer_groups()}
    vae_vars = groups["vae"].variables
    disc_vars = groups["discriminator"].variables
    assert {v.path for v in vae_vars}.isdisjoint({v.path for v in disc_vars})
    assert len(vae_vars) + len(disc_vars) == len(model.trainable_variables)

    saved_vae, saved_disc = variable_values(vae_vars), variable_values(disc_vars)
    make_train_step(model, groups=["vae"])(images, tf.constant(0, tf.int64))
    assert_unchanged(disc_vars, saved_disc)
    assert_changed(vae_vars, saved_vae)

    saved_vae, saved_disc = variable_values(vae_vars), variable_values(disc_vars)
    make_train_step(model, groups=["discriminator"])(images, tf.constant(1, tf.int64))
    assert_unchanged(vae_vars, saved_vae)
    assert_changed(disc_vars, saved_disc)


def test_factor_vae_tc_and_discriminator_loss_follow_the_discriminator():
    model = models.get("factor_vae", gamma=20.0)
    images = binary_images(16)
    step = tf.constant(3, tf.int64)
    losses = model.compute_losses(images, step)
    mean, logvar = model.gaussian_encoder(images)
    from disent_tf.models.vae import LATENT_NOISE_STREAM, SHUFFLE_STREAM, sample_latents

    z = sample_latents(mean, logvar, model.noise_seed(step, LATENT_NOISE_STREAM))
    shuffled = regularizers.shuffle_codes(z, model.noise_seed(step, SHUFFLE_STREAM))
    logits_z = model.discriminator(z).numpy().astype(np.float64)
    logits_s = model.discriminator(shuffled).numpy().astype(np.float64)

    def clipped_softmax(logits):
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.clip(p / p.sum(axis=1, keepdims=True), 1e-6, 1 - 1e-6)

    tc = np.mean(logits_z[:, 0] - logits_z[:, 1])
    disc = -(0.5 * np.mean(np.log(clipped_softmax(logits_z)[:, 0])) + 0.5 * np.mean(np.log(clipped_softmax(logits_s)[:, 1])))
    assert float(losses["tc"]) == pytest.approx(tc, abs=1e-5)
    assert float(losses["discriminator_loss"]) == pytest.approx(disc, abs=1e-5)
    assert float(losses["regularizer"]) == pytest.approx(float(losses["kl_loss"]) + 20.0 * tc, abs=1e-4)


@pytest.mark.parametrize("step", [0, 40, 100, 250])
def test_annealed_capacity_follows_the_schedule(step):
    model = models.get("annealed_vae", c_max=25.0, iteration_threshold=100, gamma=3.0)
    losses = evaluate_losses(model, binary_images(8), step)
    capacity = min(25.0, 25.0 * step / 100)
    assert losses["capacity"] == pytest.approx(capacity)
    assert losses["regularizer"] == pytest.approx(3.0 * abs(losses["kl_loss"] - capacity), rel=1e-5)


@pytest.mark.parametrize("name,use_logvar", [("dip_vae_i", False), ("dip_vae_ii", True)])
def test_dip_penalty_is_on_the_right_covariance(name, use_logvar):
    model = models.get(name, lambda_od=2.0)
    images = binary_images(16)
    mean, logvar = (t.numpy().astype(np.float64) for t in model.gaussian_encoder(images))
    cov = np.cov(mean, rowvar=False, bias=True)
    if use_logvar:
        cov += np.diag(np.exp(logvar).mean(axis=0))
    lambda_d = 2.0 * (10.0 if name == "dip_vae_i" else 1.0)
    off = cov - np.diag(np.diag(cov))
    expected = 2.0 * (off**2).sum() + lambda_d * ((np.diag(cov) - 1) ** 2).sum()
    losses = evaluate_losses(model, images)
    assert losses["cov_penalty"] == pytest.approx(expected, rel=1e-4)
    assert losses["regularizer"] == pytest.approx(losses["kl_loss"] + expected, rel=1e-4)


def test_beta_tc_vae_with_beta_one_equals_beta_vae():
    # Same seed: same noise at the same step; weights copied so they are the same by construction.
    beta_vae = models.get("beta_vae", beta=1.0, seed=4)
    beta_tc = models.get("beta_tc_vae", beta=1.0, seed=4)
    beta_tc.set_weights(beta_vae.get_weights())
    images = binary_images(32)
    a = evaluate_losses(beta_vae, images, 17)
    b = evaluate_losses(beta_tc, images, 17)
    assert b["tc"] != 0.0  # the TC term is there, only weighted by beta - 1 = 0
    for key in ("loss", "reconstruction_loss", "kl_loss", "regularizer", "elbo"):
        assert a[key] == pytest.approx(b[key], rel=1e-6), key
    # With beta != 1 the TC term enters: regularizer = KL + (beta - 1) TC.
    c = evaluate_losses(models.get("beta_tc_vae", beta=4.0, seed=4), images, 17)
    assert c["regularizer"] == pytest.approx(c["kl_loss"] + 3.0 * c["tc"], rel=1e-5)


def test_noise_is_a_function_of_seed_and_step():
    model = models.get("beta_vae")
    images = binary_images(8)
    assert evaluate_losses(model, images, 5) == evaluate_losses(model, images, 5)
    assert evaluate_losses(model, images, 5) != evaluate_losses(model, images, 6)


def test_encode_decode_prior_and_call():
    model = models.get("beta_vae", input_shape=(64, 64, 3), num_latent=6)
    images = binary_images(4, channels=3)
    posterior = model.encode(images)
    mean, logvar = model.gaussian_encoder(images)
    assert posterior.event_shape == [6] and posterior.batch_shape == [4]
    np.testing.assert_allclose(posterior.mean().numpy(), mean.numpy())
    np.testing.assert_allclose(posterior.variance().numpy(), np.exp(logvar.numpy()), rtol=1e-5)
    np.testing.assert_allclose(model(images).numpy(), mean.numpy())
    assert model.prior.event_shape == [6]
    np.testing.assert_allclose(model.prior.stddev().numpy(), np.ones(6))
    assert model.decode(mean).shape == (4, 64, 64, 3)


def test_l2_reconstruction_and_fc_architecture_train():
    run_training_test("beta_vae", steps=3, reconstruction="l2", architecture="fc")
