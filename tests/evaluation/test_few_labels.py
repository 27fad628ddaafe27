"""Few-label model selection (evaluation/few_labels.py) and the semi-supervised tools end to end."""

import json
import os

import numpy as np
import pytest

from disent_tf.cli import evaluate as evaluate_tool
from disent_tf.data import labelled
from disent_tf.errors import UserError
from disent_tf.evaluation import few_labels
from disent_tf.evaluation.config import EvaluationConfig
from disent_tf.evaluation.metrics import dci, mig, sap
from harness.tools import assert_one_sentence_error, assert_succeeded, run_tool


def test_scores_are_mig_on_all_points_and_dci_sap_fitted_on_the_first_ceil_of_the_train_fraction():
    rng = np.random.RandomState(0)
    labels = rng.randint(4, size=(25, 2)).astype(np.float32)
    codes = np.concatenate([labels + 0.1 * rng.randn(25, 2), rng.randn(25, 3)], axis=1)
    scores = few_labels.scores_from_codes(codes, labels, 0.8)
    c, y = codes.T.astype(np.float64), labels.T.astype(np.int64)
    assert scores["mig"] == mig.mig_from_codes(c, y)
    assert scores["dci"] == dci.dci_from_codes(c[:, :20], y[:, :20], c[:, 20:], y[:, 20:])  # ceil(25 * 0.8) = 20
    assert scores["sap"] == sap.sap_from_codes(c[:, :20], y[:, :20], c[:, 20:], y[:, 20:])
    # The first two codes are the labels: a clear gap over codes that ignore them (25 points make MI noisy).
    noise = few_labels.scores_from_codes(rng.randn(25, 5), labels, 0.8)
    assert scores["mig"]["discrete_mig"] > noise["mig"]["discrete_mig"] + 0.2


def test_setup_is_the_models_own_labelled_set_unless_overridden():
    model = few_labels.setup_of("s2_beta_vae", {"num_labelled_samples": 1000, "labeller": "noisy", "beta": 4.0})
    assert model == few_labels.FewLabelSetup(num_labelled_samples=1000, labeller="noisy")
    assert few_labels.setup_of("beta_vae", {"beta": 4.0}) is None
    assert few_labels.resolve(model) == model
    assert few_labels.resolve(model, num_labelled_samples=0) is None
    assert few_labels.resolve(model, supervised_seed=3).supervised_seed == 3
    assert few_labels.resolve(None) is None  # an unsupervised model: none unless asked
    assert few_labels.resolve(None, num_labelled_samples=100) == few_labels.FewLabelSetup()
    with pytest.raises(UserError, match="labeller must be one of"):
        few_labels.resolve(None, num_labelled_samples=100, labeller="oracle")


def test_few_label_scores_encode_the_same_points_as_training(dsprites):
    setup = few_labels.FewLabelSetup(num_labelled_samples=30, labeller="binned", supervised_seed=5)
    seen = []

    class Encoder:
        def encode(self, observations):
            seen.append(observations)
            return observations.reshape(len(observations), -1)[:, ::400]

        def codes(self, params, kind, noise_rng=None):
            return params

    result = few_labels.few_label_scores(dsprites, Encoder(), setup)["mean"]
    expected = labelled.sample_labelled(dsprites, 30, 5, "binned")
    np.testing.assert_array_equal(seen[0], expected.observations)
    assert result["setup"]["label_sizes"] == [3, 5, 5, 5, 5]
    assert set(result["metrics"]) == {"mig", "dci", "sap"}


def test_s2_beta_vae_trains_exports_and_is_scored_with_full_and_few_labels(tmp_path):
    assert_succeeded(run_tool("train", "--model=s2_beta_vae", "--num_labelled_samples=20", "--labeller=binned",
                              "--steps=3", "--batch_size=4", "--eval_batches=1", "--output_dir=run", cwd=tmp_path))
    config = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert config["hparams"] == {"labeller": "binned", "num_labelled_samples": 20}
    export_dir = tmp_path / "exported" / "s2_beta_vae_dsprites_full_seed0" / "1"
    lines = []
    evaluate_tool.run_job(EvaluationConfig(metrics=("mig",), sample_scale=0.002, num_workers=1),
                          export_dir=str(export_dir), progress=lines.append)
    results = json.loads((export_dir.parent / "evaluation" / "1" / "mean.json").read_text())
    assert set(results["metrics"]) == {"mig"}
    few = results["few_labels"]
    assert few["setup"]["num_labelled_samples"] == 20 and few["setup"]["labeller"] == "binned"
    assert set(few["metrics"]) == {"mig", "dci", "sap"} and np.isfinite(few["metrics"]["mig"]["discrete_mig"])
    assert any(line.startswith("few labels (mean; 20 samples, binned labeller") for line in lines)
    # The study pipeline on the same run: few-label score files next to the full-label ones, read by aggregate.
    from disent_tf.study import aggregate, reproduce

    reproduce.evaluate_existing(str(tmp_path / "run"), str(tmp_path / "study"), visualize=False, log=lines.append,
                                evaluation=EvaluationConfig(metrics=("mig",), sample_scale=0.002, num_workers=1))
    table = aggregate.collect(str(tmp_path / "study")).table
    row = table.iloc[0]
    assert row["mig_validation.discrete_mig"] == few["metrics"]["mig"]["discrete_mig"]  # same points, same codes
    assert {"mig.discrete_mig", "dci_validation.disentanglement", "sap_validation.SAP_score"} <= set(table.columns)


@pytest.mark.parametrize("flags,message", [
    (("--labeller=oracle",), "labeller must be one of"),
    (("--num_labelled_samples=800000",), "more than the 737,280 images of dsprites_full"),
    (("--num_labelled_samples=5000", "--dataset=smallnorb"), "more than the 4,860 images of smallnorb"),
])
def test_a_bad_labelled_set_is_one_sentence_and_writes_nothing(tmp_path, flags, message):
    result = run_tool("train", "--model=s2_beta_vae", *flags, "--steps=3", "--output_dir=run", cwd=tmp_path)
    assert_one_sentence_error(result, message)
    assert os.listdir(tmp_path) == []
    assert "tensorflow" not in result.stderr.lower()  # answered before TensorFlow loaded (it logs on import)
