"""The semi-supervised methods (models/semi_supervised.py): each supervised loss by hand, annealers, training."""

import math

import numpy as np
import pytest
import tensorflow as tf

from disent_tf import models
from disent_tf.errors import UserError
from disent_tf.models import hparams as hparam_table
from disent_tf.models import semi_supervised as s2
from harness.models import make_train_step

NAMES = list(hparam_table.LABELLED_METHODS)


def _t(values):
    return tf.constant(np.asarray(values, np.float32))


def _xent(logit, target):
    return max(logit, 0) - logit * target + math.log1p(math.exp(-abs(logit)))


def test_xent_sums_sigmoid_cross_entropy_of_the_first_latents_against_normalised_labels():
    # The original's test value: 64 x 5 zero logits, targets 0: 320 log 2.
    assert float(s2.xent_loss(_t(np.zeros((64, 10))), _t(np.zeros((64, 5))), (1,) * 5)) == pytest.approx(221.807,
                                                                                                        abs=1e-3)
    # Labels 1 of 2 values and 0 of 3: targets 0.5 and 0; the third latent is not read.
    value = s2.xent_loss(_t([[1.0, -2.0, 7.0]]), _t([[1.0, 0.0]]), (2, 3))
    assert float(value) == pytest.approx(_xent(1.0, 0.5) + _xent(-2.0, 0.0), rel=1e-6)


def test_l2_sums_squared_errors_of_the_scaled_first_latents():
    value = s2.l2_loss(_t([[1.0, 2.0, 9.0], [0.0, 1.0, 9.0]]), _t([[1.0, 1.0], [2.0, 0.0]]), 2.0)
    assert float(value) == pytest.approx((2 - 1) ** 2 + (4 - 1) ** 2 + (0 - 2) ** 2 + (2 - 0) ** 2)


def test_cov_penalises_only_the_off_diagonal_cross_covariance():
    # Centred z [[.5, -.5], [-.5, .5]], centred y its negative: C = [[-.25, .25], [.25, -.25]], diagonal dropped.
    assert float(s2.cov_loss(_t([[1.0, 0.0], [0.0, 1.0]]), _t([[0.0, 1.0], [1.0, 0.0]]))) == pytest.approx(0.125)
    assert float(s2.cov_loss(_t(np.zeros((64, 10))), _t(np.zeros((64, 5))))) == 0.0
    # More latents than labels: C is (3, 2); only C_00 and C_11 are left out.
    z, y = np.array([[0.0, 1.0, 2.0], [2.0, 0.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 4.0]])
    c = ((z - z.mean(0))[:, :, None] * (y - y.mean(0))[:, None, :]).mean(0)
    expected = (c ** 2).sum() - c[0, 0] ** 2 - c[1, 1] ** 2
    assert float(s2.cov_loss(_t(z), _t(y))) == pytest.approx(expected, rel=1e-6)


def test_embed_is_the_mean_softmax_cross_entropy_of_distances_to_the_value_embeddings():
    embedding = _t([0.0, 1.0, 2.0])
    z, y = [[0.0], [1.5]], [[1.0], [2.0]]
    expected = 0.0
    for (latent,), (label,) in zip(z, y):
        logits = -((latent - np.array([0.0, 1.0, 2.0])) * 2.0) ** 2
        expected += (np.log(np.exp(logits).sum()) - logits[int(label)]) / 2
    assert float(s2.embed_loss(_t(z), _t(y), [embedding], 2.0)) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("annealer,values", [
    ("fixed", [100, 100, 100, 100]), ("anneal", [0, 10, 100, 100]), ("fine_tune", [0, 0, 0, 100])])
def test_annealers_at_steps_0_10_100_101_as_the_original_tests_them(annealer, values):
    got = [float(s2.annealed_weight(100.0, step, 100, annealer)) for step in (0, 10, 100, 101)]
    np.testing.assert_allclose(got, values, atol=1e-4)


def _batch(num=8, seed=0, label_sizes=(3, 6, 40, 32, 32)):
    rng = np.random.RandomState(seed)
    images = (rng.rand(2 * num, 64, 64, 1) > 0.7).astype(np.float32)
    labels = np.stack([rng.randint(size, size=num) for size in label_sizes], axis=1).astype(np.float32)
    return {"images": tf.constant(images[:num]), "labelled_images": tf.constant(images[num:]),
            "labels": tf.constant(labels)}


def _model(name, **hparams):
    return models.get(name, label_sizes=(3, 6, 40, 32, 32), seed=1, **hparams)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "supervised"])
def test_loss_is_the_unsupervised_method_loss_plus_gamma_sup_times_the_supervised_loss(name):
    batch = _batch()
    model = _model(name, gamma_sup=3.0)
    losses = model.compute_losses(batch, tf.constant(0, tf.int64))
    unsupervised = {"s2_beta_vae": "beta_vae", "s2_factor_vae": "factor_vae", "s2_dip_vae_i": "dip_vae_i",
                    "s2_dip_vae_ii": "dip_vae_ii", "s2_beta_tc_vae": "beta_tc_vae"}[name]
    plain = models.get(unsupervised, seed=1)
    plain.set_weights(model.get_weights()[:len(plain.get_weights())])
    reference = plain.compute_losses(batch["images"], tf.constant(0, tf.int64))
    mean, _ = model.gaussian_encoder(batch["labelled_images"])
    expected_sup = float(s2.xent_loss(mean, batch["labels"], model.label_sizes))
    assert float(losses["supervised_loss"]) == pytest.approx(expected_sup, rel=1e-5)
    assert float(losses["loss"]) == pytest.approx(float(reference["loss"]) + 3.0 * expected_sup, rel=1e-5)


def test_supervised_baseline_has_no_kl_term_and_its_decoder_does_not_train_the_encoder():
    model = _model("supervised", supervised_loss="l2")
    batch = _batch()
    with tf.GradientTape() as tape:
        losses = model.compute_losses(batch, 0)
    assert float(losses["loss"]) == pytest.approx(float(losses["reconstruction_loss"] + losses["supervised_loss"]),
                                                  rel=1e-6)
    # The encoder's gradient is the supervised loss's alone.
    grads = tape.gradient(losses["loss"], model.encoder.trainable_variables)
    with tf.GradientTape() as tape:
        mean, _ = model.gaussian_encoder(batch["labelled_images"])
        supervised = s2.l2_loss(mean, batch["labels"], 1.0)
    only = tape.gradient(supervised, model.encoder.trainable_variables)
    for got, want in zip(grads, only):
        if want is not None:
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-6)


def test_supervised_variables_go_to_the_vae_optimizer_except_in_s2_factor_vae_as_in_the_original():
    beta = _model("s2_beta_vae", supervised_loss="embed")
    assert len(beta.vae_variables()) == len(beta.encoder.trainable_variables + beta.decoder.trainable_variables) + 5
    factor = _model("s2_factor_vae", supervised_loss="embed")
    assert len(factor.vae_variables()) == len(factor.encoder.trainable_variables +
                                              factor.decoder.trainable_variables)
    learned = _model("s2_beta_vae", supervised_loss="embed", embed_sigma=0.0, embed_use_order=1)
    assert [v.shape for v in learned.supervised_variables.trainable_variables].count((1,)) == 1  # sigma
    assert len(learned.supervised_variables.trainable_variables) == 2 * 5 + 1  # slope and bias per factor


# s2_beta_vae runs by default (about 8 s on 2 cores); the others, 6-20 s each, with -m slow.
@pytest.mark.parametrize("name", [name if name == "s2_beta_vae" else pytest.param(name, marks=pytest.mark.slow)
                                  for name in NAMES])
def test_twenty_training_steps_stay_finite(name, dsprites):
    model = models.get(name, supervised_loss="embed" if name == "s2_beta_vae" else "xent", num_labelled_samples=20,
                       seed=2)
    model.check_training_data(dsprites)
    batches = iter(model.training_dataset(dsprites, 8, seed=0))
    step = make_train_step(model, learning_rate=1e-3)
    history = [step(next(batches), number) for number in range(20)]
    for losses in history:
        assert all(np.isfinite(float(value)) for value in losses.values()), losses
    assert float(history[-1]["supervised_loss"]) != float(history[0]["supervised_loss"])


def test_get_config_round_trips_with_the_label_sizes(dsprites):
    model = models.get("s2_dip_vae_ii", labeller="partial", num_labelled_samples=10, supervised_loss="cov")
    model.check_training_data(dsprites)
    config = model.get_config()
    assert len(config["label_sizes"]) == 2 and config["dip_type"] == "ii" and config["labeller"] == "partial"
    clone = type(model)(**config)
    assert clone.get_config() == config
    assert model(np.zeros((2, 64, 64, 1), np.float32)).shape == (2, 10)


def test_bad_inputs_are_user_errors(dsprites):
    with pytest.raises(UserError, match="labeller must be one of"):
        models.get("s2_beta_vae", labeller="oracle")
    with pytest.raises(UserError, match="more than the 737,280 images"):
        models.get("s2_beta_vae", num_labelled_samples=800_000).check_training_data(dsprites)
    with pytest.raises(UserError, match="at least as many latents"):
        models.get("s2_beta_vae", num_latent=3).check_training_data(dsprites)
    with pytest.raises(UserError, match="--gamma_sup does not apply to supervised"):
        models.check_hparams("supervised", {"gamma_sup": 1.0})
    with pytest.raises(UserError, match="labelled_images"):
        _model("s2_beta_vae").compute_losses(_batch()["images"], 0)
    with pytest.raises(UserError, match="check_training_data"):
        models.get("s2_beta_vae").compute_losses(_batch(), 0)
