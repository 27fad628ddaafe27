"""The weakly-supervised study sweep (study/weak_study.py): size, order, spot entries, validity."""

import pytest

from disent_tf import data, models
from disent_tf.data import cars3d, mpi3d, pairs, shapes3d, smallnorb
from disent_tf.study.weak_study import WEAK_NUM_FACTORS
from disent_tf.study.weak_study import weakly_supervised_study as STUDY

DATASETS = ["dsprites_full", "smallnorb", "cars3d", "shapes3d", "mpi3d_real"]
NUM_FACTORS = [5, 4, 3, 6, 7]
MODELS = ["group_vae_labels", "ada_gvae", "mlvae_labels", "ada_ml_vae"]
BETAS = [1, 2, 4, 6, 8, 16]


def expected(model_num):
    """The documented order computed independently: seed fastest, then beta, k (1..d-1, Rnd), model, data set."""
    for dataset, d in zip(DATASETS, NUM_FACTORS):
        per_dataset = len(MODELS) * d * len(BETAS) * 10  # d values of k: 1..d-1 and Rnd
        if model_num < per_dataset:
            break
        model_num -= per_dataset
    seed = model_num % 10
    beta = BETAS[model_num // 10 % 6]
    ks = list(range(1, d)) + [-1]
    k = ks[model_num // 60 % d]
    model = MODELS[model_num // (60 * d)]
    return dataset, model, k, beta, seed


def test_study_has_6000_distinct_configs_with_the_training_defaults():
    configs = [STUDY.config(n) for n in range(STUDY.num_models)]
    assert STUDY.num_models == 6000
    assert len({config.to_json() for config in configs}) == 6000
    assert all(c.steps == 300_000 and c.batch_size == 64 and c.num_latent == 10 for c in configs)
    assert all(c.hparams["pair_rule"] == "original" for c in configs)
    for dataset, d in zip(DATASETS, NUM_FACTORS):
        ks = {c.hparams["k"] for c in configs if c.dataset == dataset}
        assert ks == set(range(1, d)) | {-1}


# The first and last model of each data set's block (blocks of 1200, 960, 720, 1440, 1680), and a few inside.
@pytest.mark.parametrize("model_num", [0, 9, 10, 59, 60, 299, 300, 1199, 1200, 1439, 2159, 2160, 2879, 2880,
                                       4319, 4320, 5000, 5999])
def test_entries_follow_the_documented_order(model_num):
    config = STUDY.config(model_num)
    dataset, model, k, beta, seed = expected(model_num)
    assert (config.dataset, config.model, config.hparams["k"], config.hparams["beta"], config.seed) == (
        dataset, model, k, beta, seed)
    assert STUDY.swept_hparam(model_num) == ("beta", beta)


def test_spot_entries_of_the_documentation():
    # docs/study.md: model 0, the first Rnd model, the first smallnorb one and the last one.
    assert expected(0) == ("dsprites_full", "group_vae_labels", 1, 1, 0)
    assert expected(240) == ("dsprites_full", "group_vae_labels", -1, 1, 0)
    assert expected(1200) == ("smallnorb", "group_vae_labels", 1, 1, 0)
    assert expected(5999) == ("mpi3d_real", "ada_ml_vae", -1, 16, 9)


def test_every_setting_builds_a_model_and_is_valid_for_every_data_set():
    # check_k needs only the number of factors; the file-backed sets are not loaded.
    num_factors = {
        "dsprites_full": data.get("dsprites_full").num_factors,
        "smallnorb": len(smallnorb.FACTOR_NAMES),
        "cars3d": len(cars3d.FACTOR_NAMES),
        "shapes3d": len(shapes3d.FACTOR_NAMES),
        "mpi3d_real": len(mpi3d.FACTOR_NAMES),
    }
    assert dict(WEAK_NUM_FACTORS) == num_factors
    built = set()
    for name in STUDY.datasets:
        for method in STUDY.methods_of(name):
            for value in method.values:
                model_args = method.hparams(value)
                assert set(model_args) == {"beta", "k", "pair_rule"}
                models.check_hparams(method.model, model_args)
                assert pairs.check_k(_Factors(num_factors[name], name), model_args["k"]) == model_args["k"]
            # One model per (method, k) (28): building all 600 settings takes 40 s and checks nothing more.
            if (method.model, method.fixed) not in built:
                models.get(method.model, **method.hparams(method.values[-1]))
                built.add((method.model, method.fixed))
    dsprites = data.get("dsprites_full")
    model = models.get("ada_gvae", **STUDY.config(0).hparams)
    assert model.k == 1 and model.pair_rule == "original" and model.beta == 1.0
    assert model.training_dataset(dsprites, 4, seed=0).element_spec["images1"].shape == (4, 64, 64, 1)


class _Factors:
    """Just enough of a GroundTruthData for check_k."""

    def __init__(self, num_factors, name):
        self.num_factors, self.name = num_factors, name
