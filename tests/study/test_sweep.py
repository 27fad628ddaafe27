"""The study sweep: size, order, spot entries, sharding and bad input."""

import pytest

from disent_tf import study
from disent_tf.errors import UserError
from disent_tf.study import sweep

STUDY = study.get("unsupervised_study_v1")
DATASETS = ["dsprites_full", "color_dsprites", "noisy_dsprites", "scream_dsprites", "smallnorb", "cars3d", "shapes3d"]
METHODS = ["beta_vae", "factor_vae", "dip_vae_i", "dip_vae_ii", "beta_tc_vae", "annealed_vae"]
VALUES = {
    "beta_vae": ("beta", [1, 2, 4, 6, 8, 16]),
    "factor_vae": ("gamma", [10, 20, 30, 40, 50, 100]),
    "dip_vae_i": ("lambda_od", [1, 2, 5, 10, 20, 50]),
    "dip_vae_ii": ("lambda_od", [1, 2, 5, 10, 20, 50]),
    "beta_tc_vae": ("beta", [1, 2, 4, 6, 8, 10]),
    "annealed_vae": ("c_max", [5, 10, 25, 50, 75, 100]),
}


def expected(model_num):
    """The REFERENCE.md order computed independently: seed fastest, then value, method, data set."""
    seed = model_num % 50
    value_index = model_num // 50 % 6
    method = METHODS[model_num // 300 % 6]
    dataset = DATASETS[model_num // 1800]
    name, values = VALUES[method]
    return dataset, method, name, values[value_index], seed


def test_unsupervised_study_v1_has_12600_distinct_configs():
    configs = [STUDY.config(n) for n in range(STUDY.num_models)]
    assert STUDY.num_models == 12_600
    assert len({config.to_json() for config in configs}) == 12_600
    # FactorVAE's study models trained 150,000 iterations (REFERENCE.md section 5), every other 300,000.
    assert all(config.steps == (150_000 if config.model == "factor_vae" else 300_000) and config.batch_size == 64
               and config.num_latent == 10 for config in configs)


@pytest.mark.parametrize("model_num", [0, 49, 50, 299, 300, 1799, 1800, 7200, 9001, 12_599])
def test_entries_follow_the_reference_order(model_num):
    dataset, method, name, value, seed = expected(model_num)
    config = STUDY.config(model_num)
    assert (config.dataset, config.model, config.seed) == (dataset, method, seed)
    assert config.hparams[name] == value


def test_documented_entries():
    first, last, spot = STUDY.config(0), STUDY.config(12_599), STUDY.config(300)
    assert (first.dataset, first.model, first.hparams, first.seed) == ("dsprites_full", "beta_vae", {"beta": 1}, 0)
    assert (last.dataset, last.model, last.hparams["c_max"], last.seed) == ("shapes3d", "annealed_vae", 100, 49)
    assert last.hparams["gamma"] == 1000 and last.hparams["iteration_threshold"] == 100_000
    assert (spot.dataset, spot.model, spot.hparams, spot.seed) == ("dsprites_full", "factor_vae", {"gamma": 10}, 0)
    # 7200 = 4 * 1800: the first model of the fifth data set.
    assert 7200 // (6 * 6 * 50) == 4 and 7200 % 1800 == 0
    config = STUDY.config(7200)
    assert (config.dataset, config.model, config.hparams, config.seed) == ("smallnorb", "beta_vae", {"beta": 1}, 0)


@pytest.mark.parametrize("bad", [-1, 12_600])
def test_out_of_range_model_num_names_the_range(bad):
    with pytest.raises(UserError, match="from 0 to 12599"):
        STUDY.config(bad)


def test_unknown_study_lists_the_studies():
    with pytest.raises(UserError, match="findings_study, semi_supervised_study, smoke, unsupervised_study_v1"):
        study.get("nope")


@pytest.mark.parametrize("num_tasks", [1, 7, 64])
def test_sharding_covers_every_model_exactly_once(num_tasks):
    shards = [sweep.shard(range(STUDY.num_models), i, num_tasks) for i in range(num_tasks)]
    flat = sorted(n for shard in shards for n in shard)
    assert flat == list(range(STUDY.num_models))
    assert shards[1 % num_tasks][0] == 1 % num_tasks and all(
        b - a == num_tasks for shard in shards for a, b in zip(shard, shard[1:]))


def test_sharding_a_range_and_bad_shards():
    assert sweep.shard(sweep.parse_range("100:110", STUDY), 1, 3) == [101, 104, 107]
    with pytest.raises(UserError, match="task_index"):
        sweep.shard(range(10), 3, 3)
    with pytest.raises(UserError, match="START:STOP"):
        sweep.parse_range("12", STUDY)
    with pytest.raises(UserError, match="within 0:12600"):
        sweep.parse_range("0:20000", STUDY)


def test_smoke_study_is_small_and_on_embedded_dsprites():
    smoke = study.get("smoke")
    configs = [smoke.config(n) for n in range(smoke.num_models)]
    assert 4 <= smoke.num_models <= 12
    assert {config.dataset for config in configs} == {"dsprites_full"}
    assert len({config.model for config in configs}) >= 3
    assert all(config.steps <= 1000 for config in configs)


def test_findings_study_keeps_the_studys_weakest_middle_and_strongest_values():
    findings = study.get("findings_study")
    configs = [findings.config(n) for n in range(findings.num_models)]
    assert findings.num_models == 36
    assert {config.dataset for config in configs} == {"dsprites_full"}
    assert {config.steps for config in configs} == {5000}
    assert {config.precision for config in configs} == {"float32"}
    assert findings.evaluation == sweep.STUDY_EVALUATION
    for full, reduced in zip(sweep.STUDY_METHODS, findings.methods):
        assert reduced.values == (full.values[0], full.values[2], full.values[-1])
    # Seeds fastest, as in the study: models 0 and 1 are beta_vae beta 1, seeds 0 and 1.
    assert [(c.model, c.hparams, c.seed) for c in configs[:3]] == [
        ("beta_vae", {"beta": 1.0}, 0), ("beta_vae", {"beta": 1.0}, 1), ("beta_vae", {"beta": 4.0}, 0)]
    # annealed_vae reaches C_max a third of the way through training, as in the study.
    assert configs[-1].hparams == {"c_max": 100.0, "gamma": 1000.0, "iteration_threshold": 1666}
