"""MirroredStrategy over two logical CPUs trains the same model as one device with the same global batch."""

import json
import os

import numpy as np
import pytest

from disent_tf.errors import UserError
from disent_tf.training import strategy as strategies
from harness.tools import assert_succeeded, run_script


def _report_of(script, folder):
    done = assert_succeeded(run_script(os.path.join(os.path.dirname(__file__), script), folder, timeout=600))
    line = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT "):])


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return _report_of("mirrored_run.py", tmp_path_factory.mktemp("mirrored"))


@pytest.fixture(scope="module")
def fit_report(tmp_path_factory):
    return _report_of("mirrored_fit.py", tmp_path_factory.mktemp("mirrored_fit"))


# Two logical CPUs in a subprocess train three runs (about 35 s): slow, run with -m slow.
@pytest.mark.slow
def test_two_replicas_train_like_one_device_with_the_same_global_batch(report):
    one, two = report["noiseless/default"], report["noiseless/mirrored"]
    assert (one["num_replicas"], two["num_replicas"]) == (1, 2)
    assert two["strategy"] == "mirrored"
    assert len(one["losses"]) == len(two["losses"]) == 8
    np.testing.assert_allclose(two["losses"], one["losses"], rtol=1e-5)
    for expected, actual in zip(one["weights"], two["weights"]):
        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_factor_vae_trains_both_optimizers_on_two_replicas(report):
    run = report["factor_vae/mirrored"]
    assert run["num_replicas"] == 2
    assert np.all(np.isfinite(list(run["last_batch_losses"].values())))
    assert "discriminator_loss" in run["last_batch_losses"]


@pytest.mark.slow
def test_fit_under_mirrored_strategy_trains_like_one_device_and_like_bin_train(report, fit_report):
    one, two = fit_report["noiseless/default"], fit_report["noiseless/mirrored"]
    assert (one["num_replicas"], two["num_replicas"]) == (1, 2)
    loop = report["noiseless/default"]["weights"]
    for expected, fitted_one, fitted_two in zip(loop, one["weights"], two["weights"]):
        np.testing.assert_allclose(fitted_one, expected, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(fitted_two, expected, rtol=1e-4, atol=1e-6)
    factor = fit_report["factor_vae/mirrored"]
    assert factor["num_replicas"] == 2 and np.all(np.isfinite(list(factor["last_losses"].values())))
    assert "discriminator_loss" in factor["last_losses"]


def test_strategy_names_and_tf_config_errors(monkeypatch):
    assert strategies.strategy_name(strategies.make_strategy("default")) == "default"
    assert strategies.strategy_name(strategies.make_strategy("auto")) == "default"  # no GPUs here
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(UserError, match="needs the TF_CONFIG environment variable"):
        strategies.make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(UserError, match="TF_CONFIG is not valid JSON"):
        strategies.make_strategy("multi_worker")


def test_the_chief_is_known_from_tf_config_before_any_strategy(monkeypatch):
    """bin/train asks this before training, to let the chief alone export (tests/training/test_multi_worker.py)."""
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert not strategies.is_chief_process("multi_worker")
    assert strategies.is_chief_process("default")  # TF_CONFIG matters to multi_worker only
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    assert strategies.is_chief_process("multi_worker")
    with_chief = dict(cluster, chief=["127.0.0.1:3"])
    assert strategies.is_chief_task("chief", 0, with_chief) and not strategies.is_chief_task("worker", 0, with_chief)


def test_a_negative_collective_timeout_is_refused():
    from disent_tf.training.config import TrainConfig

    with pytest.raises(UserError, match="collective_timeout_s must be 0"):
        TrainConfig(collective_timeout_s=-1)
