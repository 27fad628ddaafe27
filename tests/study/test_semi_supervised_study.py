"""semi_supervised_study: its size, its model_num order and the config of its first and last models."""

from disent_tf import study as studies
from disent_tf.study import semi_supervised_study as s2


def test_the_grid_has_51840_models_in_the_documented_order():
    study = studies.get("semi_supervised_study")
    assert study.num_models == 5 * 4 * 4 * 2 * 3 * 6 * 6 * 3 == 51_840
    first = study.config(0)
    assert (first.model, first.dataset, first.seed) == ("s2_beta_vae", "dsprites_full", 0)
    assert first.hparams == {"beta": 1.0, "gamma_sup": 1.0, "labeller": "perfect", "num_labelled_samples": 100,
                             "supervised_loss": "xent", "train_percentage": 0.9, "supervised_seed": 0,
                             "annealer": "fixed"}
    # model_num = 3 (6 (6 (3 (2 (4 m + loss) + labels) + labeller) + gamma_sup) + strength) + seed within a data set.
    index = 3 * (6 * (6 * (3 * (2 * (4 * 1 + 3) + 1) + 2) + 5) + 4) + 2
    config = study.config(index)
    assert (config.model, config.steps, config.seed) == ("s2_factor_vae", 150_000, 2)
    assert config.hparams["supervised_loss"] == "embed" and config.hparams["num_labelled_samples"] == 1000
    assert config.hparams["labeller"] == "noisy" and config.hparams["gamma_sup"] == 32.0
    assert config.hparams["gamma"] == 50.0
    last = study.config(study.num_models - 1)
    assert (last.model, last.dataset, last.hparams["beta"]) == ("s2_beta_tc_vae", "mpi3d_real", 10.0)
    assert study.swept_hparam(0) == ("beta", 1.0)


def test_every_method_takes_its_fixed_hyperparameters():
    from disent_tf import models

    for method in s2.s2_methods()[:: len(s2.s2_methods()) // 8]:
        models.check_hparams(method.model, method.hparams(method.values[0]))
