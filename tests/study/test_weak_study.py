"""The weakly-supervised study sweep (study/weak_study.py): size, order, spot entries, validity."""

import pytest

from disent_tf import data, models
from disent_tf.data import cars3d, mpi3d, pairs, shapes3d, smallnorb
from disent_tf.study.weak_study import weakly_supervised_study as STUDY

DATASETS = ["dsprites_full", "smallnorb", "cars3d", "shapes3d", "mpi3d_real"]
MODELS = ["group_vae_labels", "ada_gvae", "mlvae_labels", "ada_ml_vae"]
KS = [1, -1]
BETAS = [1, 2, 4, 6, 8, 16]


def expected(model_num):
    """The documented order computed independently: seed fastest, then beta, k, model, data set."""
    seed = model_num % 10
    beta = BETAS[model_num // 10 % 6]
    k = KS[model_num // 60 % 2]
    model = MODELS[model_num // 120 % 4]
    dataset = DATASETS[model_num // 480]
    return dataset, model, k, beta, seed


def test_study_has_2400_distinct_configs_with_the_training_defaults():
    configs = [STUDY.config(n) for n in range(STUDY.num_models)]
    assert STUDY.num_models == 2400
    assert len({config.to_json() for config in configs}) == 2400
    assert all(c.steps == 300_000 and c.batch_size == 64 and c.num_latent == 10 for c in configs)
    assert all(c.hparams["pair_rule"] == "original" for c in configs)


@pytest.mark.parametrize("model_num", [0, 9, 10, 59, 60, 119, 120, 479, 480, 1234, 2399])
def test_entries_follow_the_documented_order(model_num):
    config = STUDY.config(model_num)
    dataset, model, k, beta, seed = expected(model_num)
    assert (config.dataset, config.model, config.hparams["k"], config.hparams["beta"], config.seed) == (
        dataset, model, k, beta, seed)
    assert STUDY.swept_hparam(model_num) == ("beta", beta)


def test_every_setting_builds_a_model_and_is_valid_for_every_data_set():
    # check_k needs only the number of factors; the file-backed sets are not loaded.
    num_factors = {
        "dsprites_full": data.get("dsprites_full").num_factors,
        "smallnorb": len(smallnorb.FACTOR_NAMES),
        "cars3d": len(cars3d.FACTOR_NAMES),
        "shapes3d": len(shapes3d.FACTOR_NAMES),
        "mpi3d_real": len(mpi3d.FACTOR_NAMES),
    }
    for method in STUDY.methods:
        for value in method.values:
            model_args = method.hparams(value)
            assert set(model_args) == {"beta", "k", "pair_rule"}
            models.get(method.model, **model_args)
            for name in STUDY.datasets:
                assert pairs.check_k(_Factors(num_factors[name], name), model_args["k"]) == model_args["k"]
    dsprites = data.get("dsprites_full")
    model = models.get("ada_gvae", **STUDY.config(0).hparams)
    assert model.k == 1 and model.pair_rule == "original" and model.beta == 1.0
    assert model.training_dataset(dsprites, 4, seed=0).element_spec["images1"].shape == (4, 64, 64, 1)


class _Factors:
    """Just enough of a GroundTruthData for check_k."""

    def __init__(self, num_factors, name):
        self.num_factors, self.name = num_factors, name
