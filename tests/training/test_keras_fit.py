"""model.fit, .keras files and the Keras callbacks: every method trains as any Keras model does."""

import numpy as np
import pytest
import keras
import tensorflow as tf

from disent_tf import models
from disent_tf.training import callbacks, inputs, trainer
from disent_tf.training.config import TrainConfig

BATCH = 4
# annealed_vae's capacity moves within the test's two steps.
HPARAMS = {"annealed_vae": {"iteration_threshold": 2}}


def fit_dataset(model, data, steps, batch=BATCH, seed=0):
    """The batches bin/train's loop gives the first `steps` steps of a run with `seed`."""
    return model.training_dataset(data, batch, inputs.segment_seed(seed, 0)).take(steps)


@pytest.mark.parametrize("name", models.names())
def test_fit_trains_every_method_and_its_keras_file_round_trips(name, dsprites, tmp_path):
    model = models.get(name, seed=1, **HPARAMS.get(name, {}))
    model.compile(steps_per_execution=2)
    history = model.fit(fit_dataset(model, dsprites, 2), verbose=0).history
    assert sorted(history) == sorted(model.loss_names())
    assert all(np.isfinite(values[-1]) for values in history.values())
    assert int(model.optimizer.iterations) == 2

    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = models.load(path)
    images = dsprites.sample(3, np.random.RandomState(0))[1]
    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded(images).numpy(), model(images).numpy())
    # The optimizers come back with their state: training continues where it was.
    assert int(loaded.optimizer.iterations) == 2
    if model.discriminator_optimizer is not None:
        assert int(loaded.discriminator_optimizer.iterations) == 2
        np.testing.assert_array_equal(loaded.discriminator_optimizer.variables[-1].numpy(),
                                      model.discriminator_optimizer.variables[-1].numpy())


@pytest.mark.parametrize("name, hparams", [("factor_vae", {}), ("annealed_vae", {"iteration_threshold": 4})])
def test_fit_and_bin_trains_loop_give_the_same_variables(name, hparams, dsprites, tiny_config):
    # factor_vae: two optimizers and the shuffle noise; annealed_vae: its capacity reads the step.
    config = tiny_config(model=name, hparams=hparams, steps=6, batch_size=8, image_summary_every=0)
    trainer.train(config, data=dsprites, log=lambda line: None)
    looped = trainer.restore_model(config, dsprites)
    fitted = models.get(name, seed=config.seed, **hparams)
    fitted.compile()
    fitted.fit(fit_dataset(fitted, dsprites, 6, batch=8, seed=config.seed), verbose=0)
    assert len(fitted.weights) == len(looped.weights)
    for fit_weight, loop_weight in zip(fitted.weights, looped.weights):
        np.testing.assert_allclose(fit_weight.numpy(), loop_weight.numpy(), rtol=1e-5, atol=1e-6)


def test_compile_defaults_to_the_studys_adam_and_checks_its_optimizers():
    model = models.get("factor_vae")
    model.compile()
    study = TrainConfig()
    assert float(model.optimizer.learning_rate) == pytest.approx(study.learning_rate)
    assert model.optimizer.epsilon == study.adam_epsilon
    assert model.discriminator_optimizer.beta_1 == study.discriminator_beta1
    assert model.jit_compile is False
    model.compile(optimizer="sgd", discriminator_optimizer=keras.optimizers.Adam(1e-3))
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    from disent_tf.errors import UserError

    with pytest.raises(UserError, match="beta_vae has no discriminator to train"):
        models.get("beta_vae").compile(discriminator_optimizer="adam")


def test_evaluate_reports_the_same_losses_as_fit(dsprites):
    model = models.get("beta_tc_vae", beta=4.0)
    model.compile()
    scores = model.evaluate(fit_dataset(model, dsprites, 2), verbose=0, return_dict=True)
    assert sorted(scores) == sorted(model.loss_names()) and np.isfinite(scores["elbo"])


def _plugin_tags(folder):
    from tensorboard.backend.event_processing import plugin_event_accumulator

    accumulator = plugin_event_accumulator.EventAccumulator(str(folder), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def _png_shape(accumulator, tag):
    """(height, width, channels) of the last image summary `tag` (TensorBoard stores width, height, PNG)."""
    event = accumulator.Tensors(tag)[-1]
    png = tf.make_ndarray(event.tensor_proto)[2]
    return tuple(tf.io.decode_png(png).shape), event.step


def test_bin_train_writes_scalars_and_pictures_that_tensorboard_reads(dsprites, tiny_config):
    config = tiny_config(steps=10, summary_every=5, image_summary_every=5)
    trainer.train(config, data=dsprites, log=lambda line: None)
    accumulator = _plugin_tags(f"{config.output_dir}/summaries")
    scalars = accumulator.PluginTagToContent("scalars")
    assert {"losses/loss", "losses/elbo", "losses/kl_loss", "losses/reconstruction_loss"} <= set(scalars)
    assert [event.step for event in accumulator.Tensors("losses/loss")] == [5, 10]
    assert set(accumulator.PluginTagToContent("images")) == {"images/reconstructions", "images/traversals"}
    # 8 inputs over their 8 reconstructions; 10 latents x 9 values; 64-pixel tiles with 2-pixel gaps.
    assert _png_shape(accumulator, "images/reconstructions") == ((2 * 66 + 2, 8 * 66 + 2, 3), 10)
    assert _png_shape(accumulator, "images/traversals")[0] == (10 * 66 + 2, 9 * 66 + 2, 3)


def test_callbacks_score_and_draw_during_fit_next_to_kerass_own(dsprites, tmp_path):
    model = models.get("beta_vae")
    model.compile(steps_per_execution=3)
    metrics = callbacks.DisentanglementMetrics(dsprites, metrics=("mig",), every_n_steps=2, sample_scale=0.01,
                                               log_dir=tmp_path / "metrics")
    pictures = callbacks.TraversalImages(dsprites, every_n_steps=4, log_dir=tmp_path / "images")
    model.fit(fit_dataset(model, dsprites, 6), verbose=0, epochs=2, steps_per_epoch=3, callbacks=[
        metrics, pictures,
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
        keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "checkpoint.keras")),
    ])
    # Batches end at steps 3 and 6: a multiple of 2 was passed at both.
    assert [entry["step"] for entry in metrics.history] == [3, 6]
    assert all(entry["comparable_with_study"] is False and entry["sample_scale"] == 0.01
               for entry in metrics.history)
    scored = _plugin_tags(tmp_path / "metrics").PluginTagToContent("scalars")
    assert {"disentanglement/mean/mig/discrete_mig", "disentanglement/sample_scale"} <= set(scored)
    drawn = _plugin_tags(tmp_path / "images")
    assert [event.step for event in drawn.Tensors("images/traversals")] == [6]
    assert _plugin_tags(tmp_path / "tb" / "train").PluginTagToContent("scalars")
    assert int(models.load(str(tmp_path / "checkpoint.keras")).optimizer.iterations) == 6


def test_bin_trains_loop_runs_the_same_callbacks(dsprites, tiny_config, tmp_path):
    config = tiny_config(steps=20, image_summary_every=0)
    pictures = callbacks.TraversalImages(dsprites, every_n_steps=10, log_dir=tmp_path / "images")
    trainer.train(config, data=dsprites, log=lambda line: None, callbacks=[pictures])
    assert [event.step for event in _plugin_tags(tmp_path / "images").Tensors("images/reconstructions")] == [10, 20]
