"""--metrics=extended, what each later metric needs from the data set, and UDR over several exports."""

import json

import numpy as np
import pytest

from disent_tf.cli import evaluate_udr
from disent_tf.errors import UserError
from disent_tf.evaluation import evaluate, representation
from disent_tf.evaluation.config import EvaluationConfig, parse_metrics

from evaluation_fixtures import TinyData, linear_gaussian


def test_all_is_the_study_and_extended_adds_every_later_metric():
    study = ["beta_vae", "factor_vae", "mig", "dci", "sap", "modularity", "downstream_lr", "downstream_gbt",
             "unsupervised"]
    assert parse_metrics("all") == study
    assert parse_metrics("extended")[:len(study)] == study
    assert parse_metrics("mig,irs") == ["mig", "irs"]
    assert {"irs", "fairness", "reduced_downstream", "strong_downstream", "dci_es", "infomec", "mig_sup", "jemmig",
            "dcimig", "z_min_variance", "z_max_variance"} <= set(parse_metrics("extended"))


class _OneFactor(TinyData):
    name = "one_factor"

    def __init__(self):
        super().__init__((5,))


class _NoGrid(TinyData):
    name = "no_grid"

    @property
    def factor_sizes(self):
        return [3.5, 4, 5]


@pytest.mark.parametrize("data,metric,message", [
    (_OneFactor(), "fairness", "fairness metric needs at least two factors"),
    (_OneFactor(), "strong_downstream", "at least two"),
    (_NoGrid(), "irs", "IRS needs a data set on a finite grid"),
])
def test_a_metric_the_data_set_cannot_serve_is_refused_before_any_work(data, metric, message):
    encoder = representation.from_gaussian_callable(linear_gaussian())
    with pytest.raises(UserError, match=message):
        evaluate.evaluate(data, encoder, EvaluationConfig(metrics=("mig", metric), sample_scale=0.003))
    assert encoder.images_encoded == 0


def test_every_extended_metric_scores_the_tiny_data_set(tiny_data):
    cheap = [name for name in parse_metrics("extended") if name not in parse_metrics("all") and name != "dci_es"]
    config = EvaluationConfig(metrics=tuple(cheap), sample_scale=0.003, num_workers=1, seed=1)
    scores = evaluate.evaluate(tiny_data, representation.from_gaussian_callable(linear_gaussian()), config,
                               progress=None)["mean"]["metrics"]
    assert set(scores) == set(cheap)
    assert all(np.isfinite(value) or np.isnan(value) for values in scores.values() for value in values.values())
    assert 0 <= scores["irs"]["IRS"] <= 1 and 0 <= scores["mig_sup"]["mig_sup"] <= 1


@pytest.fixture(scope="module")
def three_exports(tmp_path_factory):
    """Three untrained conv beta_vae exports of one setting (seeds 0, 1, 2), and one with 6 latents."""
    from disent_tf import data as data_lib
    from disent_tf import models
    from disent_tf.export import saved_model
    from disent_tf.training.config import TrainConfig

    root = tmp_path_factory.mktemp("udr")
    dsprites = data_lib.get("dsprites_full")
    paths = {}
    for seed, num_latent in ((0, 10), (1, 10), (2, 10), (3, 6)):
        config = TrainConfig(seed=seed, num_latent=num_latent, output_dir=str(root / f"run{seed}"))
        model = models.get("beta_vae", num_latent=num_latent, seed=seed)
        paths[seed] = saved_model.export(model, str(root / f"model{seed}" / "1"), config, dsprites)
    return root, paths


def test_udr_ranks_three_models_of_one_setting(three_exports):
    root, paths = three_exports
    output = root / "udr.json"
    results = evaluate_udr.run_job([str(root / "model[012]" / "1")], str(output), num_data_points=200)
    assert [model["export_dir"] for model in results["models"]] == [paths[0], paths[1], paths[2]]
    on_disk = json.loads(output.read_text())
    assert len(on_disk["models"]) == 3 and on_disk["correlation_matrix"] == "lasso"
    assert all(0 <= model["udr"] <= 1 for model in on_disk["models"])


def test_udr_needs_two_models_of_one_latent_size(three_exports, tmp_path):
    _, paths = three_exports
    with pytest.raises(UserError, match="needs at least two exports, got 1"):
        evaluate_udr.run_job([paths[0]], str(tmp_path / "udr.json"))
    with pytest.raises(UserError, match=r"the exports have \[6, 10\] latents"):
        evaluate_udr.run_job([paths[0], paths[3]], str(tmp_path / "udr.json"))
    assert not (tmp_path / "udr.json").exists()
