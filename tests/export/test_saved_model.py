"""SavedModel export: TF Serving layout, signatures, plain-TF reload, load_representation."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from disent_tf import data as datasets
from disent_tf import models
from disent_tf.errors import MissingFileError
from disent_tf.errors import UserError
from disent_tf.export import reader, saved_model
from disent_tf.training.config import TrainConfig
from harness.tools import assert_succeeded, run_script

SIGNATURES = {"serving_default", "sampled", "gaussian_encoder", "decode", "reconstruct"}


@pytest.fixture(scope="module")
def dsprites():
    return datasets.get("dsprites_full")


@pytest.fixture(scope="module")
def images(dsprites):
    return dsprites.sample(5, np.random.default_rng(0))[1]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, dsprites):
    """(model, export dir) of an untrained factor_vae (the model with a discriminator to carry along)."""
    config = TrainConfig(model="factor_vae", hparams={"gamma": 20.0}, num_latent=6)
    model = models.get("factor_vae", input_shape=dsprites.observation_shape, num_latent=6, gamma=20.0, seed=3)
    root = tmp_path_factory.mktemp("exported")
    export_dir = saved_model.next_version_dir(str(root), "factor_vae_dsprites_full_seed3")
    assert saved_model.export(model, export_dir, config, dsprites) == export_dir
    return model, export_dir


def test_export_writes_the_serving_layout_and_nothing_else(exported):
    _, export_dir = exported
    root = os.path.dirname(export_dir)
    assert os.path.basename(export_dir) == "1"
    assert os.listdir(root) == ["1"]  # the temporary folder is gone
    assert {"saved_model.pb", "variables", "assets"} <= set(os.listdir(export_dir))
    assert saved_model.next_version_dir(os.path.dirname(root), os.path.basename(root)).endswith("/2")


def test_metadata_records_config_data_set_and_versions(exported, dsprites):
    _, export_dir = exported
    metadata = reader.read_metadata(export_dir)
    assert metadata["config"]["model"] == "factor_vae"
    assert metadata["config"]["hparams"] == {"gamma": 20.0}
    assert metadata["dataset"]["name"] == "dsprites_full"
    assert metadata["dataset"]["factor_names"] == list(dsprites.factor_names)
    assert metadata["dataset"]["factor_sizes"] == [3, 6, 40, 32, 32]
    assert metadata["dataset"]["observation_shape"] == [64, 64, 1]
    assert metadata["num_latent"] == 6
    assert set(metadata["signatures"]) == SIGNATURES
    assert {"disent_tf", "tensorflow", "keras", "tensorflow_probability", "numpy"} <= set(metadata["versions"])


def test_plain_tensorflow_loads_the_export_without_disent_tf(exported, images, tmp_path):
    model, export_dir = exported
    np.save(tmp_path / "images.npy", images)
    done = assert_succeeded(run_script(os.path.join(os.path.dirname(__file__), "reload_plain.py"), export_dir,
                                       tmp_path / "images.npy", cwd=tmp_path))
    report = json.loads([line for line in done.stdout.splitlines() if line.startswith("REPORT ")][-1][7:])

    assert not report["imported_disent_tf"]
    signatures = report["signatures"]
    assert SIGNATURES <= set(signatures)
    assert signatures["serving_default"] == {"inputs": {"images": [None, 64, 64, 1]},
                                             "outputs": {"representation": [None, 6]}}
    assert signatures["gaussian_encoder"]["outputs"] == {"mean": [None, 6], "logvar": [None, 6]}
    assert signatures["decode"] == {"inputs": {"latents": [None, 6]}, "outputs": {"images": [None, 64, 64, 1]}}
    assert signatures["reconstruct"]["outputs"] == {"images": [None, 64, 64, 1]}
    assert report["mean_is_deterministic"] and report["encoder_mean_equals_mean"]
    assert report["sampled_differs_from_mean"]
    low, high = report["decoded_range"]
    assert 0.0 <= low <= high <= 1.0
    assert report["reconstructed_equals_decoded_mean"]
    np.testing.assert_allclose(report["mean"], model.gaussian_encoder(images)[0].numpy(), rtol=1e-5, atol=1e-6)


def test_load_representation_batches_and_matches_the_model(exported, images):
    model, export_dir = exported
    expected = model.gaussian_encoder(images)[0].numpy()
    mean = reader.load_representation(export_dir, batch_size=2)
    np.testing.assert_allclose(mean(images), expected, rtol=1e-5, atol=1e-6)
    assert mean(images[:0]).shape == (0, 6)

    first = reader.load_representation(export_dir, kind="sampled", seed=7, batch_size=3)(images)
    second = reader.load_representation(export_dir, kind="sampled", seed=7)(images)
    assert first.shape == (5, 6)
    np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-6)
    assert not np.allclose(first, expected)


def test_load_representation_rejects_bad_input(exported, images, tmp_path):
    _, export_dir = exported
    with pytest.raises(UserError, match=r"images must have shape \(n, 64, 64, 1\)"):
        reader.load_representation(export_dir)(images[:, :32])
    with pytest.raises(UserError, match="kind must be one of mean, sampled"):
        reader.load_representation(export_dir, kind="median")
    with pytest.raises(MissingFileError, match="does not exist"):
        reader.load_representation(str(tmp_path / "nowhere"))
    with pytest.raises(UserError, match="is not a SavedModel"):
        reader.load_representation(str(tmp_path))


def test_export_refuses_to_overwrite(exported, dsprites):
    model, export_dir = exported
    with pytest.raises(UserError, match="already exists"):
        saved_model.export(model, export_dir, TrainConfig(), dsprites)


# One more TensorFlow import (~7 s): the same signatures, inputs and outputs are checked by
# test_plain_tensorflow_loads_the_export_without_disent_tf in the default suite.
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("saved_model_cli") is None, reason="saved_model_cli is not on PATH")
def test_saved_model_cli_lists_the_signatures(exported):
    _, export_dir = exported
    done = subprocess.run(["saved_model_cli", "show", "--all", "--dir", export_dir],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in SIGNATURES:
        assert f"signature_def['{name}']" in done.stdout
    assert "inputs['images']" in done.stdout and "inputs['latents']" in done.stdout
    assert "outputs['representation']" in done.stdout
