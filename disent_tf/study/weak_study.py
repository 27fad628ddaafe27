"""The weakly-supervised study of Locatello et al., ICML 2020 (arXiv:2002.02886, section 5).

disentanglement_lib published the methods (methods/weak/weak_vae.py), the
pair input (train_weak_lib.py) and the per-model pipeline
(bin/dlib_reproduce_weakly_supervised) but no sweep definition for this study,
so the sweep below is ours; docs/study.md gives the source or the reason for
every value. A `Study` sweeps one hyperparameter per `Method`, so the number
of changed factors k is a fixed value of its own Method: one Method per
(model, k), each sweeping beta. The paper's section 5: "For k we consider the
range from 1 to d - 1", each k constant over the data set, and k = Rnd, drawn
per pair; so each data set sweeps its own k values (`dataset_methods`).

model_num order: data set, then model (dlib's order in weak_vae.py:
group_vae_labels, group_vae_argmax = ada_gvae, mlvae_labels,
mlvae_argmax = ada_ml_vae), then k (1, 2, ..., d - 1, then -1 = "Rnd"), then
beta (1, 2, 4, 6, 8, 16), then seed 0..9 fastest: 4 models x 6 betas x 10
seeds x (5 + 4 + 3 + 6 + 7) k values = 6,000 models.
"""

from disent_tf.study.sweep import STUDY_EVALUATION
from disent_tf.study.sweep import Method
from disent_tf.study.sweep import Study

# Data set -> its number of ground-truth factors d (tests/study/test_weak_study.py
# checks them against the data modules, which are not loaded here).
WEAK_NUM_FACTORS = (("dsprites_full", 5), ("smallnorb", 4), ("cars3d", 3), ("shapes3d", 6), ("mpi3d_real", 7))
WEAK_DATASETS = tuple(name for name, _ in WEAK_NUM_FACTORS)
WEAK_MODELS = ("group_vae_labels", "ada_gvae", "mlvae_labels", "ada_ml_vae")
WEAK_BETAS = (1.0, 2.0, 4.0, 6.0, 8.0, 16.0)
WEAK_SEEDS = 10
# The study's pairs came from disentanglement_lib's simple_dynamics.
WEAK_PAIR_RULE = "original"


def weak_ks(num_factors):
    """k = 1 .. d - 1 fixed, then -1: k drawn per pair (the paper's "Rnd")."""
    return tuple(range(1, num_factors)) + (-1,)


def weak_methods(ks, models=WEAK_MODELS, betas=WEAK_BETAS, pair_rule=WEAK_PAIR_RULE):
    """One Method per (model, k), model-major, each sweeping beta."""
    return tuple(
        Method(model, "beta", tuple(betas), fixed=(("k", k), ("pair_rule", pair_rule)))
        for model in models
        for k in ks
    )


weakly_supervised_study = Study(
    name="weakly_supervised_study",
    description=(
        "Locatello et al. (ICML 2020): 5 data sets x 4 weakly-supervised methods x k in 1..d-1 and Rnd x "
        "6 beta values x 10 seeds (6,000 models), 300,000 steps at batch 64 on pairs, scored on the mean "
        "and the sampled representation."
    ),
    datasets=WEAK_DATASETS,
    # No methods shared by all: every data set sweeps its own k values.
    methods=(),
    dataset_methods=tuple((name, weak_methods(weak_ks(d))) for name, d in WEAK_NUM_FACTORS),
    num_seeds=WEAK_SEEDS,
    # dlib_reproduce_weakly_supervised skipped every metric with "unsupervised" in its
    # name, and drew each metric's seed from a pipeline seed of its own (not the 2019
    # study's list): we score the rest of the study's metrics with seed 0.
    evaluation=STUDY_EVALUATION.replace(metrics=("beta_vae", "factor_vae", "mig", "dci", "sap", "modularity",
                                                 "downstream_lr", "downstream_gbt"), seed=0),
)
