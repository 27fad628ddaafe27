"""MirroredStrategy over two logical CPUs trains the same model as one device with the same global batch."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from disent_tf.errors import UserError
from disent_tf.training import strategy as strategies


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    script = os.path.join(os.path.dirname(__file__), "mirrored_run.py")
    done = subprocess.run([sys.executable, script, str(tmp_path_factory.mktemp("mirrored"))],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT "):])


def test_two_replicas_train_like_one_device_with_the_same_global_batch(report):
    one, two = report["noiseless/default"], report["noiseless/mirrored"]
    assert (one["num_replicas"], two["num_replicas"]) == (1, 2)
    assert two["strategy"] == "mirrored"
    assert len(one["losses"]) == len(two["losses"]) == 8
    np.testing.assert_allclose(two["losses"], one["losses"], rtol=1e-5)
    for expected, actual in zip(one["weights"], two["weights"]):
        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-6)


def test_factor_vae_trains_both_optimizers_on_two_replicas(report):
    run = report["factor_vae/mirrored"]
    assert run["num_replicas"] == 2
    assert np.all(np.isfinite(list(run["final_losses"].values())))
    assert "discriminator_loss" in run["final_losses"]


def test_strategy_names_and_tf_config_errors(monkeypatch):
    assert strategies.strategy_name(strategies.make_strategy("default")) == "default"
    assert strategies.strategy_name(strategies.make_strategy("auto")) == "default"  # no GPUs here
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(UserError, match="needs the TF_CONFIG environment variable"):
        strategies.make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(UserError, match="TF_CONFIG is not valid JSON"):
        strategies.make_strategy("multi_worker")
