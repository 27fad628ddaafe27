"""bin/evaluate end to end on a real export, and its answers to bad input."""

import json

import numpy as np
import pytest

from disent_tf.cli import evaluate as evaluate_tool
from disent_tf.errors import UserError
from disent_tf.evaluation.config import STUDY_SEEDS, EvaluationConfig
from harness.tools import run_tool

SIZES = (10, 100, 1000, 10000)
NUM_FACTORS = 5  # dsprites_full


def study_keys():
    """Every result key of the study (REFERENCE.md section 4) for dSprites, by metric."""
    downstream = [f"{size}:{stat}" for size in SIZES for stat in (
        "mean_train_accuracy", "mean_test_accuracy", "min_train_accuracy", "min_test_accuracy")]
    downstream += [f"{size}:{split}_accuracy_factor_{j}" for size in SIZES for split in ("train", "test")
                   for j in range(NUM_FACTORS)]
    return {
        "beta_vae": ["train_accuracy", "eval_accuracy"],
        "factor_vae": ["train_accuracy", "eval_accuracy", "num_active_dims"],
        "mig": ["discrete_mig"],
        "dci": ["disentanglement", "completeness", "informativeness_train", "informativeness_test"],
        "sap": ["SAP_score"],
        "modularity": ["modularity_score", "explicitness_score_train", "explicitness_score_test"],
        "downstream_lr": downstream,
        "downstream_gbt": downstream,
        "unsupervised": ["gaussian_total_correlation", "gaussian_wasserstein_correlation",
                         "gaussian_wasserstein_correlation_norm", "mutual_info_score"],
    }


@pytest.fixture(scope="module")
def export_root(tmp_path_factory):
    """A freshly exported (untrained) conv beta_vae for dsprites_full, in the TF Serving layout."""
    from disent_tf import data as data_lib
    from disent_tf import models
    from disent_tf.export import saved_model
    from disent_tf.training.config import TrainConfig

    root = tmp_path_factory.mktemp("exported") / "beta_vae_dsprites_full_seed0"
    data = data_lib.get("dsprites_full")
    model = models.get("beta_vae", input_shape=data.observation_shape, num_latent=10)
    config = TrainConfig(model="beta_vae", dataset="dsprites_full", output_dir=str(root.parent / "run"))
    saved_model.export(model, str(root / "1"), config, data)
    return root


def _run(*flags):
    return run_tool("evaluate", *flags, timeout=600)


def test_the_study_protocol_writes_its_keys_seeds_and_estimators(export_root, tmp_path):
    # In process and on a few metrics: the default suite's reduced form of the test below.
    config = EvaluationConfig(metrics=("beta_vae", "mig", "modularity", "downstream_lr"), representation="both",
                              seed="study", sample_scale=0.002, num_workers=1)
    results = evaluate_tool.run_job(config, export_dir=str(export_root), output_dir=str(tmp_path), progress=None)
    for kind in ("mean", "sampled"):
        on_disk = json.loads((tmp_path / f"{kind}.json").read_text())
        assert on_disk == json.loads(json.dumps(results[kind]))
        for metric in config.metric_names:
            assert set(study_keys()[metric]) <= set(on_disk["metrics"][metric])
            assert on_disk["seeds"][metric] == STUDY_SEEDS[kind][metric]
        assert on_disk["estimators"]["beta_vae"]["lr"].startswith("study: OneVsRest(LogisticRegression(liblinear")
        assert on_disk["estimators"]["downstream_lr"]["lr_cv"].startswith("study:")
        assert on_disk["metric_arguments"]["modularity"]["lr_estimator"] == "study"
        assert on_disk["versions"]["scikit-learn"] and on_disk["evaluation_config"]["seed"] == "study"


@pytest.mark.slow
def test_bin_evaluate_writes_every_study_key(export_root):
    # The parent folder: bin/evaluate picks the highest version, and the data set from the export.
    result = _run(f"--export_dir={export_root}", "--representation=both", "--sample_scale=0.002", "--num_workers=2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "unsupervised" in result.stdout and "SAP_score" in result.stdout  # the final table
    encoded = {}
    for kind in ("mean", "sampled"):
        path = export_root / "evaluation" / "1" / f"{kind}.json"
        results = json.loads(path.read_text())
        encoded[kind] = results["images_encoded"]
        assert results["representation"] == kind
        assert results["data"]["name"] == "dsprites_full"
        assert results["comparable_with_study"] is False and results["sample_scale"] == 0.002
        assert {"scikit-learn", "tensorflow", "numpy", "disent_tf"} <= set(results["versions"])
        for metric, keys in study_keys().items():
            missing = set(keys) - set(results["metrics"][metric])
            assert not missing, f"{kind} {metric} lacks {sorted(missing)}"
            assert results["seconds"][metric] >= 0
        assert all(np.isfinite(v) for v in results["metrics"]["dci"].values())
    # The sampled run reuses the mean run's cached encodings; it encodes only the
    # FactorVAE votes the mean run skipped (an untrained mean has no active code).
    assert encoded["sampled"] < encoded["mean"]
    assert not list((export_root / "evaluation" / "1").glob("*.tmp*"))


def test_bad_input_ends_in_one_sentence_and_no_file(tmp_path):
    output = tmp_path / "results.json"
    unknown = _run("--codes=whatever.npy", "--dataset=dsprites_full", "--metrics=mig,golden_ratio",
                   f"--output={output}")
    (tmp_path / "not_a_model").mkdir()
    (tmp_path / "not_a_model" / "weights.h5").write_text("nothing")
    not_saved_model = _run(f"--export_dir={tmp_path / 'not_a_model'}", "--dataset=dsprites_full",
                           f"--output={output}")
    for result, message in ((unknown, "unknown metric golden_ratio"), (not_saved_model, "is not a SavedModel")):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert not list(tmp_path.glob("results.json*"))


def test_bad_flags_in_process(tmp_path):
    np.save(tmp_path / "codes.npy", np.zeros((10, 3), np.float32))
    with pytest.raises(UserError, match="pass --dataset"):
        evaluate_tool.run_job(EvaluationConfig(), codes=str(tmp_path / "codes.npy"), output=str(tmp_path / "r.json"))
    with pytest.raises(UserError, match="exactly one of"):
        evaluate_tool.run_job(EvaluationConfig(), codes="a.npy", serving_url="http://x", dataset="dsprites_full")
    with pytest.raises(UserError, match="one file"):
        evaluate_tool.run_job(EvaluationConfig(representation="both"), codes="a.npy", dataset="dsprites_full",
                              output="r.json")
    with pytest.raises(UserError, match="--gbt_backend must be one of numba, sklearn"):
        EvaluationConfig(gbt_backend="xgboost")


def test_saved_model_without_the_signatures_is_refused(tmp_path):
    import tensorflow as tf

    module = tf.Module()
    module.double = tf.function(lambda x: {"y": 2 * x}, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "other" / "1"), signatures={"double": module.double})
    from disent_tf.evaluation import representation

    with pytest.raises(UserError, match="needs 'gaussian_encoder'"):
        representation.from_saved_model(str(tmp_path / "other"), "mean")
