"""The training loop on the real models and the embedded dSprites: every model, files, resume, NaN."""

import json
import os
import signal

import numpy as np
import pytest
import tensorflow as tf

from disent_tf import models
from disent_tf.errors import UserError
from disent_tf.training import inputs
from disent_tf.training import step as steps
from disent_tf.training import trainer

make_train_function = steps.make_train_function


def final_weights(config, data):
    model = trainer.restore_model(config, data)
    return [v.numpy() for v in model.weights]


def summary_tags(summary_dir):
    tags = set()
    for name in tf.io.gfile.listdir(summary_dir):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(summary_dir, name)):
            tags.update(value.tag for value in event.summary.value)
    return tags


# The six methods of the study and one weakly-supervised method (the others train like it: tests/models/test_weak.py).
# The default suite runs two (images, pairs); every method's compiled step also trains in tests/models/,
# and factor_vae's two optimizers through the trainer in the fresh-batch test below and in
# tests/study/test_reproduce.py. All seven run with -m slow.
DEFAULT_SUITE_MODELS = ("beta_vae", "ada_gvae")


@pytest.mark.parametrize("model", [name if name in DEFAULT_SUITE_MODELS else pytest.param(name, marks=pytest.mark.slow)
                                   for name in models.names()[:6] + ["ada_gvae"]])
def test_every_model_trains_and_records_its_run(model, tiny_config, dsprites):
    config = tiny_config(model=model)
    lines = []
    results = trainer.train(config, data=dsprites, log=lines.append)

    assert results["step"] == 30
    assert set(results["last_batch_losses"]) >= {"loss", "reconstruction_loss", "kl_loss", "regularizer", "elbo"}
    assert all(np.isfinite(value) for value in results["last_batch_losses"].values())
    assert results["strategy"] == "default" and results["num_replicas"] == 1
    assert results["data_source"] == dsprites.data_source
    on_disk = json.loads(open(os.path.join(config.output_dir, "train_results.json")).read())
    assert on_disk["last_batch_losses"] == results["last_batch_losses"]
    assert on_disk["config"]["model"] == model
    assert tf.train.latest_checkpoint(os.path.join(config.output_dir, "checkpoints")).endswith("ckpt-30")
    assert {f"losses/{name}" for name in results["last_batch_losses"]} <= summary_tags(
        os.path.join(config.output_dir, "summaries"))
    assert [line.split()[1] for line in lines] == ["10/30", "20/30", "30/30"]
    if model == "factor_vae":
        assert "discriminator_loss" in results["last_batch_losses"]


def test_trained_model_is_evaluated_on_fresh_batches_as_the_study_did(tiny_config, dsprites):
    config = tiny_config(steps=4, eval_batches=3, model="factor_vae")
    evaluation = trainer.train(config, data=dsprites, log=lambda line: None)["evaluation"]
    assert (evaluation["num_batches"], evaluation["num_examples"]) == (3, 24)
    means = evaluation["means"]
    assert {"loss", "reconstruction_loss", "kl_loss", "regularizer", "elbo", "tc"} <= set(means)
    assert means["elbo"] == pytest.approx(-(means["reconstruction_loss"] + means["kl_loss"]), rel=1e-5)
    # A rerun keeps the evaluation; eval_batches=0 skips it.
    again = trainer.train(config.replace(eval_batches=5), data=dsprites, log=lambda line: None)["evaluation"]
    assert again == evaluation
    assert trainer.train(tiny_config("skip", steps=2, eval_batches=0), data=dsprites,
                         log=lambda line: None)["evaluation"] == {}
    with pytest.raises(UserError, match="eval_batches must be 0"):
        tiny_config(eval_batches=-1)


def test_resume_after_sigterm_equals_one_run(tiny_config, dsprites, monkeypatch):
    # Short input segments, so that both runs cross several and the resumed
    # one starts mid-segment (20 = 2 * 8 + 4 skipped batches).
    monkeypatch.setattr(inputs, "SEGMENT_STEPS", 8)
    step_functions = []

    def recording(*args, **kwargs):
        step_functions.append(make_train_function(*args, **kwargs))
        return step_functions[-1]

    monkeypatch.setattr(steps, "make_train_function", recording)
    straight = tiny_config("straight", steps=40)
    trainer.train(straight, data=dsprites, log=lambda line: None)

    # The same run with several steps per call, stopped by SIGTERM at step 20,
    # then rerun with the same config: it must end where the straight run
    # ended, with the same weights (input and noise are keyed by the step).
    pieces = tiny_config("pieces", steps=40, steps_per_call=7)

    def stop_at_20(line):
        if line.startswith("step 20/"):
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(trainer.TrainingInterrupted, match="SIGTERM at step 20") as stopped:
        trainer.train(pieces, data=dsprites, log=stop_at_20)
    assert stopped.value.signum == signal.SIGTERM
    assert tf.train.latest_checkpoint(os.path.join(pieces.output_dir, "checkpoints")).endswith("ckpt-20")
    lines = []
    results = trainer.train(pieces, data=dsprites, log=lines.append)
    assert results["start_step"] == 20 and results["step"] == 40
    assert lines[0].startswith("resuming from") and lines[-1].startswith("step 40/40")

    for expected, actual in zip(final_weights(straight, dsprites), final_weights(pieces, dsprites)):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    # New segments' iterators and calls of different lengths reuse one trace.
    assert [function.experimental_get_tracing_count() for function in step_functions] == [1, 1, 1]


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tiny_config, dsprites):
    def poisoned_beta_vae(config, observation_shape):
        model = trainer.build_model(config, observation_shape)
        honest = model.compute_losses

        def compute_losses(images, step, training=True):
            losses = honest(images, step, training)
            poison = tf.where(tf.cast(step, tf.int64) >= 15, np.float32(np.nan), np.float32(0.0))
            return {**losses, "loss": losses["loss"] + poison}

        model.compute_losses = compute_losses
        return model

    config = tiny_config()
    with pytest.raises(trainer.TrainingDiverged, match="NaN or Inf at step 15.*ckpt-10"):
        trainer.train(config, data=dsprites, model_factory=poisoned_beta_vae, log=lambda line: None)
    checkpoint_dir = os.path.join(config.output_dir, "checkpoints")
    assert tf.train.latest_checkpoint(checkpoint_dir).endswith("ckpt-10")
    assert not os.path.exists(os.path.join(config.output_dir, "train_results.json"))
    assert all(np.all(np.isfinite(w)) for w in final_weights(config, dsprites))


def test_more_steps_continue_and_a_different_config_is_refused(tiny_config, dsprites):
    config = tiny_config(steps=10)
    trainer.train(config, data=dsprites, log=lambda line: None)
    with pytest.raises(UserError, match=r"different config \(model 'beta_vae' -> 'beta_tc_vae'\)"):
        trainer.train(config.replace(model="beta_tc_vae"), data=dsprites)
    with pytest.raises(UserError, match="at step 10, beyond steps=5"):
        trainer.train(config.replace(steps=5), data=dsprites)
    # More steps (and other intervals) continue the same run.
    results = trainer.train(config.replace(steps=12, log_every=1), data=dsprites, log=lambda line: None)
    assert (results["start_step"], results["step"]) == (10, 12)


def test_hparams_may_not_hold_the_seed_or_unknown_names(tiny_config, dsprites):
    for hparams, message in (({"seed": 3}, "--seed does not apply to beta_vae"),
                             ({"gama": 2.0}, "--gama does not apply to beta_vae")):
        with pytest.raises(UserError, match=message):
            trainer.train(tiny_config(hparams=hparams), data=dsprites, log=lambda line: None)


def test_restore_model_needs_a_checkpoint(tiny_config, dsprites):
    with pytest.raises(UserError, match="no checkpoint in .*train the run first"):
        trainer.restore_model(tiny_config(), dsprites)


def test_batch_chunks_are_resolved_and_recorded(tiny_config, dsprites, monkeypatch):
    from disent_tf.training import strategy

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert strategy.batch_chunks(tiny_config(batch_size=64)) == 2  # one slice per core, 32 images each
    assert strategy.batch_chunks(tiny_config(batch_size=16)) == 1  # 8 images a core: not worth it
    assert strategy.batch_chunks(tiny_config(batch_size=64, strategy="mirrored")) == 1
    assert strategy.batch_chunks(tiny_config(batch_size=16, batch_chunks=3)) == 3
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert strategy.batch_chunks(tiny_config(batch_size=64)) == 1  # 8 images a core
    results = trainer.train(tiny_config(steps=3, batch_chunks=2, eval_batches=1), data=dsprites,
                            log=lambda line: None)
    assert results["batch_chunks"] == 2 and results["intra_op_threads"] == strategy.intra_op_threads() == 1
    assert all(np.isfinite(value) for value in results["last_batch_losses"].values())
    with pytest.raises(UserError, match="batch_chunks must be 0"):
        tiny_config(batch_chunks=-1)


def test_one_thread_per_op_is_set_before_tensorflow_starts_else_noted(monkeypatch):
    import subprocess
    import sys

    from disent_tf.training import strategy

    code = ("import tensorflow as tf\n"
            "from disent_tf.training import strategy\n"
            "strategy.use_one_thread_per_op(print)\n"
            "print('threads', tf.config.threading.get_intra_op_parallelism_threads())\n")
    env = {key: value for key, value in os.environ.items() if key != "TF_NUM_INTRAOP_THREADS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout.splitlines() == ["threads 1"], done.stderr[-2000:]
    # Where TensorFlow already runs with other threads, they stay, with a note.
    def refuse(threads):
        raise RuntimeError("Intra op parallelism cannot be modified after initialization.")

    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    monkeypatch.setattr(tf.config.threading, "get_intra_op_parallelism_threads", lambda: 0)
    monkeypatch.setattr(tf.config.threading, "set_intra_op_parallelism_threads", refuse)
    lines = []
    strategy.use_one_thread_per_op(lines.append)
    assert len(lines) == 1 and "already initialised" in lines[0]
