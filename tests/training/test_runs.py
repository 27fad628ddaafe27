"""A run end to end: train, export once per final step, record the export; and bin/train."""

import json
import os

import numpy as np
import pytest

from disent_tf import models
from disent_tf.errors import UserError
from disent_tf.export import reader
from disent_tf.training import runs
from harness.tools import assert_one_sentence_error, assert_succeeded, run_tool


def test_run_name_is_a_safe_folder_name():
    assert runs.run_name("beta_vae", "dsprites_full", 3) == "beta_vae_dsprites_full_seed3"
    assert runs.run_name("factor_vae", "tfds:shapes3d", 0) == "factor_vae_tfds-shapes3d_seed0"


def test_train_and_export_adds_a_version_only_when_training_moved_on(tiny_config, dsprites, tmp_path):
    config = tiny_config(steps=4, log_every=2, checkpoint_every=2)
    root = str(tmp_path / "exported")
    quiet = dict(export_root=root, data=dsprites, log=lambda line: None)

    results, first = runs.train_and_export(config, **quiet)
    assert first == f"{root}/beta_vae_dsprites_full_seed0/1"
    assert results["export_dir"] == first
    with open(os.path.join(config.output_dir, "train_results.json")) as handle:
        assert json.load(handle)["export_dir"] == first
    assert reader.load_representation(first)(dsprites.sample(3, np.random.default_rng(0))[1]).shape == (3, 10)

    _, again = runs.train_and_export(config, **quiet)
    assert again == first
    _, explicit = runs.train_and_export(config, export_dir=first, **quiet)
    assert explicit == first
    with pytest.raises(UserError, match="already exists; choose another export directory"):
        runs.train_and_export(config.replace(steps=6), export_dir=first, **quiet)
    _, second = runs.train_and_export(config.replace(steps=6), **quiet)
    assert second == f"{root}/beta_vae_dsprites_full_seed0/2"
    assert reader.read_metadata(second)["config"]["steps"] == 6


def test_bin_train_trains_exports_and_says_where(tmp_path):
    done = assert_succeeded(run_tool("train", "--model=dip_vae_ii", "--lambda_od=2", "--steps=3", "--batch_size=4",
                                     "--log_every=1", "--eval_batches=2", "--output_dir=run", cwd=tmp_path))
    export_dir = "exported/dip_vae_ii_dsprites_full_seed0/1"
    assert f"SavedModel:  {export_dir}" in done.stdout
    assert "checkpoints: run/checkpoints" in done.stdout
    assert "step 3/3" in done.stdout
    metadata = reader.read_metadata(str(tmp_path / export_dir))
    assert metadata["config"]["hparams"] == {"lambda_od": 2.0}
    assert metadata["model"]["dip_type"] == "ii"


def test_hyperparameters_must_belong_to_the_model():
    assert models.check_hparams("dip_vae_i", {"lambda_od": 2.0}) == {"lambda_od": 2.0}
    with pytest.raises(UserError, match="--gamma does not apply to beta_vae; its hyperparameter flags are --beta."):
        models.check_hparams("beta_vae", {"gamma": 3.0})
    with pytest.raises(UserError, match="unknown model 'nope'; choose one of beta_vae"):
        models.check_hparams("nope", {})


def test_bin_train_errors_are_one_sentence(tmp_path):
    done = run_tool("train", "--model=nope", cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: unknown model 'nope'; choose one of beta_vae")
    assert_one_sentence_error(done, "unknown model 'nope'")
    assert os.listdir(tmp_path) == []


def test_mixed_bfloat16_trains_without_nan_and_exports_a_float32_encoder(tiny_config, dsprites, tmp_path):
    # factor_vae: both optimizers, the discriminator and the KL in one run.
    config = tiny_config(model="factor_vae", steps=20, eval_batches=1, precision="mixed_bfloat16")
    results, export_dir = runs.train_and_export(config, export_root=str(tmp_path / "exported"), data=dsprites,
                                                log=lambda line: None)
    assert results["step"] == 20
    assert all(np.isfinite(value) for value in results["last_batch_losses"].values())
    metadata = reader.read_metadata(export_dir)
    assert metadata["config"]["precision"] == metadata["model"]["precision"] == "mixed_bfloat16"

    import tensorflow as tf

    loaded = tf.saved_model.load(export_dir)
    images = tf.constant(dsprites.sample(3, np.random.default_rng(0))[1])
    outputs = loaded.signatures["gaussian_encoder"](images=images)
    assert {name: value.dtype for name, value in outputs.items()} == {"mean": tf.float32, "logvar": tf.float32}
    assert np.isfinite(outputs["mean"].numpy()).all()
    assert loaded.signatures["decode"](latents=outputs["mean"])["images"].dtype == tf.float32


def test_mixed_bfloat16_computes_hidden_layers_in_bfloat16_and_outputs_in_float32():
    model = models.get("factor_vae", precision="mixed_bfloat16")
    layers = {layer.name: layer for part in (model.encoder, model.decoder, model.discriminator)
              for layer in part.layers}
    assert layers["e2"].compute_dtype == layers["d5"].compute_dtype == "bfloat16"
    assert layers["discriminator_d1"].compute_dtype == "bfloat16"
    for output in ("means", "log_var", "d6", "discriminator_logits"):
        assert layers[output].compute_dtype == "float32"
    assert all(variable.dtype == "float32" for variable in model.trainable_variables)
    with pytest.raises(UserError, match="precision must be one of 'float32', 'mixed_bfloat16', got 'float16'"):
        models.get("beta_vae", precision="float16")
