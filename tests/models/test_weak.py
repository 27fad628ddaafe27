"""The weakly-supervised methods (models/weak.py): aggregation on hand-made posteriors, training, config."""

import numpy as np
import pytest
import tensorflow as tf

from disent_tf import data, models
from disent_tf.data import pairs
from disent_tf.errors import UserError
from disent_tf.models import hparams as hparam_table
from disent_tf.models import weak
from harness.models import make_train_step

NAMES = list(hparam_table.WEAK_METHODS)


def _model(name, **hparams):
    return models.get(name, **hparams)


def _np(tensor):
    return np.asarray(tensor.numpy())


def test_posterior_kl_matches_the_closed_form_and_tfp():
    rng = np.random.default_rng(0)
    m1, m2, lv1, lv2 = (rng.normal(size=(3, 4)).astype(np.float32) for _ in range(4))
    expected = 0.5 * (np.exp(lv1) / np.exp(lv2) + (m2 - m1) ** 2 / np.exp(lv2) - 1 + lv2 - lv1)
    np.testing.assert_allclose(_np(weak.posterior_kl(m1, lv1, m2, lv2)), expected, rtol=1e-5)
    assert np.all(_np(weak.posterior_kl(m1, lv1, m1, lv1)) == 0)


def test_group_average_is_the_mean_of_means_and_of_variances():
    mean, logvar = weak.group_average(
        tf.constant([[0.0, 2.0]]), tf.math.log([[1.0, 4.0]]), tf.constant([[4.0, -2.0]]), tf.math.log([[3.0, 4.0]])
    )
    np.testing.assert_allclose(_np(mean), [[2.0, 0.0]])
    np.testing.assert_allclose(np.exp(_np(logvar)), [[2.0, 4.0]], rtol=1e-6)


def test_ml_average_has_the_product_of_experts_mean_and_the_harmonic_mean_variance():
    # v1 = 1, v2 = 3: product of experts precision 1 + 1/3, mean (0/1 + 4/3) / (4/3) = 1; dlib's variance 2*3/4.
    mean, logvar = weak.ml_average(
        tf.constant([[0.0, 5.0]]), tf.math.log([[1.0, 2.0]]), tf.constant([[4.0, 5.0]]), tf.math.log([[3.0, 2.0]])
    )
    np.testing.assert_allclose(_np(mean), [[1.0, 5.0]], rtol=1e-6)
    np.testing.assert_allclose(np.exp(_np(logvar)), [[1.5, 2.0]], rtol=1e-6)


def test_adaptive_rule_averages_dimensions_below_the_midpoint_of_max_and_min():
    kl = tf.constant(
        [
            [0.0, 0.1, 5.0, 10.0, 4.9],  # tau = 5: dims 2 and 3 kept
            [1.0, 1.0, 1.0, 1.0, 1.0],  # all equal: dlib's binning gives NaN, so all are averaged
            [2.0, 0.0, 0.5, 0.9, 1.0],  # tau = 1: dims 0 and 4 kept (>= tau)
        ]
    )
    shared = _np(weak.adaptive_shared(kl))
    np.testing.assert_array_equal(
        shared,
        [[True, True, False, False, True], [True] * 5, [False, True, True, True, False]],
    )
    # Same decision as dlib's discretize_in_bins (histogram_fixed_width_bins, 2 bins over [min, max]).
    for row, decision in zip(kl, shared):
        bins = tf.histogram_fixed_width_bins(row, [tf.reduce_min(row), tf.reduce_max(row)], nbins=2).numpy()
        np.testing.assert_array_equal(decision, bins != 1)


def test_label_rule_keeps_only_the_labelled_dimension():
    shared = _np(weak.label_shared(tf.constant([0, 3, 7]), 4))
    np.testing.assert_array_equal(shared, [[False, True, True, True], [True, True, True, False], [False] * 4])


def test_aggregate_replaces_only_the_shared_dimensions():
    mean, logvar = weak.aggregate(
        tf.constant([[1.0, 2.0]]), tf.constant([[0.1, 0.2]]), tf.constant([[9.0, 9.0]]), tf.constant([[0.9, 0.9]]),
        tf.constant([[True, False]]),
    )
    np.testing.assert_allclose(_np(mean), [[9.0, 2.0]])
    np.testing.assert_allclose(_np(logvar), [[0.9, 0.2]])


def _fixed_batch(num=16):
    batch = next(iter(pairs.pair_training_dataset(data.get("dsprites_full"), num, seed=0, k=1)))
    return {key: tf.constant(value) for key, value in batch.items()}


def _train(model, batch, steps):
    """`steps` steps of the trainer's compiled step (Adam 1e-3) on one batch; returns every step's loss."""
    step = make_train_step(model, learning_rate=1e-3)
    return np.array([step(batch, number)["loss"].numpy() for number in range(steps)])


@pytest.mark.parametrize("name", NAMES)
def test_adam_steps_lower_the_loss(name):
    model = _model(name, beta=2.0, seed=1)
    batch = _fixed_batch(8)  # 8 pairs, 16 images: keeps the four runs within the time budget
    zero = tf.constant(0, tf.int64)
    before = {key: float(value) for key, value in model.compute_losses(batch, zero).items()}
    history = _train(model, batch, 40)
    assert np.all(np.isfinite(history)), history
    after = {key: float(value) for key, value in model.compute_losses(batch, zero).items()}
    assert after["loss"] < 0.8 * before["loss"], (before, after)
    assert after["regularizer"] == pytest.approx(2.0 * after["kl_loss"], rel=1e-5)
    assert after["elbo"] == pytest.approx(-(after["reconstruction_loss"] + after["kl_loss"]), rel=1e-5)
    if model.uses_labels:  # every latent dimension but the labelled one is averaged
        assert after["shared_dimensions"] == 9.0


def test_labels_and_adaptive_models_differ_only_in_the_shared_dimensions():
    batch = _fixed_batch(4)
    labels, adaptive = _model("group_vae_labels", seed=3), _model("ada_gvae", seed=3)
    step = tf.constant(5, tf.int64)
    assert float(labels.compute_losses(batch, step)["shared_dimensions"]) == 9.0
    assert 0 <= float(adaptive.compute_losses(batch, step)["shared_dimensions"]) < 10


@pytest.mark.parametrize("name", NAMES)
def test_get_config_round_trips_and_single_image_interface_is_kept(name):
    model = _model(name, beta=4.0, k=-1, pair_rule="paper", num_latent=6, seed=2)
    config = model.get_config()
    assert config["beta"] == 4.0 and config["k"] == -1 and config["pair_rule"] == "paper"
    clone = type(model)(**config)
    assert clone.get_config() == config
    images = np.zeros((2, 64, 64, 1), np.float32)
    assert model(images).shape == (2, 6)
    mean, logvar = model.gaussian_encoder(images)
    assert mean.shape == logvar.shape == (2, 6)
    assert model.decode(mean).shape == (2, 64, 64, 1)


def test_training_dataset_is_the_pair_input_with_the_model_k_and_rule():
    model = _model("ada_ml_vae", k=3, pair_rule="paper")
    batch = next(iter(model.training_dataset(data.get("dsprites_full"), 32, seed=4)))
    np.testing.assert_array_equal(batch["changed"].numpy().sum(axis=1), 3)
    with pytest.raises(UserError, match="k must be -1"):
        _model("ada_gvae", k=5).training_dataset(data.get("dsprites_full"), 8, seed=0)


@pytest.mark.parametrize("k", [0, -2, 1.5, "2", None])
def test_bad_k_is_a_user_error(k):
    with pytest.raises(UserError, match="k"):
        _model("ada_gvae", k=k)


def test_bad_hyperparameters_are_user_errors():
    with pytest.raises(UserError, match="pair_rule"):
        _model("ada_gvae", pair_rule="dlib")
    with pytest.raises(UserError, match="beta"):
        _model("mlvae_labels", beta=-1)


def test_labels_model_without_labels_is_a_user_error():
    batch = _fixed_batch(2)
    del batch["label"]
    with pytest.raises(UserError, match="label"):
        _model("mlvae_labels").compute_losses(batch, 0)
    _model("ada_ml_vae").compute_losses(batch, 0)  # the adaptive rule needs no label
    with pytest.raises(UserError, match="images1"):
        _model("ada_gvae").compute_losses(batch["images1"], 0)
