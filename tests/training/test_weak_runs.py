"""A weakly-supervised method end to end: bin/train on pairs, then bin/evaluate on its one-image export."""

import json
import os

import pytest

from disent_tf import models
from disent_tf.cli import evaluate as evaluate_tool
from disent_tf.errors import UserError
from disent_tf.evaluation.config import EvaluationConfig
from harness.tools import assert_one_sentence_error, assert_succeeded, run_tool


def test_ada_gvae_trains_on_pairs_and_its_export_is_scored_like_any_other(tmp_path):
    assert_succeeded(run_tool("train", "--model=ada_gvae", "--k=1", "--steps=3", "--batch_size=4", "--eval_batches=1",
                              "--output_dir=run", cwd=tmp_path))
    export_dir = tmp_path / "exported" / "ada_gvae_dsprites_full_seed0" / "1"
    config = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert config["model"] == "ada_gvae" and config["hparams"] == {"k": 1}
    # bin/evaluate's job in process (its command line is tested in tests/evaluation/test_bin_evaluate.py).
    lines = []
    evaluate_tool.run_job(EvaluationConfig(metrics=("mig", "unsupervised"), sample_scale=0.002, num_workers=1),
                          export_dir=str(export_dir), progress=lines.append)
    results = json.loads((tmp_path / "exported" / "ada_gvae_dsprites_full_seed0" / "evaluation" / "1" /
                          "mean.json").read_text())
    assert set(results["metrics"]) == {"mig", "unsupervised"} and any("discrete_mig" in line for line in lines)


def test_k_out_of_range_for_the_data_set_is_one_sentence_and_writes_nothing(tmp_path):
    result = run_tool("train", "--model=ada_gvae", "--k=5", "--steps=3", "--output_dir=run", cwd=tmp_path)
    assert_one_sentence_error(result, "k must be -1")
    assert os.listdir(tmp_path) == []
    with pytest.raises(UserError, match="k must be an integer >= 1 or -1"):
        models.check_hparams("ada_gvae", {"k": 0})
    with pytest.raises(UserError, match="--k does not apply to beta_vae"):
        models.check_hparams("beta_vae", {"k": 1})
