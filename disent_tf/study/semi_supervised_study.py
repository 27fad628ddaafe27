"""The semi-supervised study of Locatello et al., ICLR 2020 ("Disentangling Factors of Variation Using Few Labels").

disentanglement_lib published the S2 methods (methods/semi_supervised/), the
labellers, the per-model pipeline (bin/dlib_reproduce_semi_supervised) and
test configs, but no sweep or model config of this study: the grid below is
ours, built from the paper's text as far as we could check it, and
docs/study.md flags every value that no source we could read confirms.

A `Study` sweeps one hyperparameter per `Method`, so every other choice is a
fixed value of its own Method: one Method per (model, supervised loss,
number of labels, labeller, gamma_sup), each sweeping the unsupervised
method's own regularisation strength over the values of unsupervised_study_v1.

model_num order: data set, then model (dlib's order in semi_supervised_vae.py:
s2_beta_vae, s2_factor_vae, s2_dip_vae_i, s2_beta_tc_vae), then supervised
loss (xent, l2, cov, embed), then num_labelled_samples (100, 1000), then
labeller (perfect, binned, noisy), then gamma_sup, then the unsupervised
value, then seed 0..2 fastest: 5 x 4 x 4 x 2 x 3 x 6 x 6 x 3 = 51,840 models.
"""

from disent_tf.study.sweep import STUDY_EVALUATION
from disent_tf.study.sweep import Method
from disent_tf.study.sweep import Study

S2_DATASETS = ("dsprites_full", "cars3d", "smallnorb", "shapes3d", "mpi3d_real")
# Each S2 model sweeps its unsupervised method's strength with unsupervised_study_v1's values (config/
# unsupervised_study_v1/sweep.py of the original); s2_factor_vae, like factor_vae, counts two global steps
# per iteration in dlib (two minimize(global_step=...) ops), hence 150,000 iterations.
S2_UNSUPERVISED = (
    ("s2_beta_vae", "beta", (1.0, 2.0, 4.0, 6.0, 8.0, 16.0), None),
    ("s2_factor_vae", "gamma", (10.0, 20.0, 30.0, 40.0, 50.0, 100.0), 150_000),
    ("s2_dip_vae_i", "lambda_od", (1.0, 2.0, 5.0, 10.0, 20.0, 50.0), None),
    ("s2_beta_tc_vae", "beta", (1.0, 2.0, 4.0, 6.0, 8.0, 10.0), None),
)
S2_LOSSES = ("xent", "l2", "cov", "embed")
S2_NUM_LABELLED = (100, 1000)
S2_LABELLERS = ("perfect", "binned", "noisy")
S2_GAMMA_SUP = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
S2_SEEDS = 3
# The labelled set: 90% trains, 10% validates (the original's validation configs' train_percentage), drawn
# from one supervised seed for every model, so that all are selected on the same labelled points.
S2_FIXED = (("train_percentage", 0.9), ("supervised_seed", 0), ("annealer", "fixed"))


def s2_methods():
    """One Method per (model, loss, labels, labeller, gamma_sup), in model_num order, each sweeping its strength."""
    return tuple(
        Method(model, hparam, values, steps=steps,
               fixed=(("supervised_loss", loss), ("num_labelled_samples", num), ("labeller", labeller),
                      ("gamma_sup", gamma_sup)) + S2_FIXED)
        for model, hparam, values, steps in S2_UNSUPERVISED
        for loss in S2_LOSSES
        for num in S2_NUM_LABELLED
        for labeller in S2_LABELLERS
        for gamma_sup in S2_GAMMA_SUP
    )


semi_supervised_study = Study(
    name="semi_supervised_study",
    description=(
        "Locatello et al. (ICLR 2020, few labels): 5 data sets x 4 S2 methods x 4 supervised losses x "
        "100 or 1,000 labels x 3 labellers x 6 gamma_sup x 6 strengths x 3 seeds (51,840 models), 300,000 "
        "steps at batch 64, scored with the study's metrics and on the few labels (docs/study.md: several "
        "values are unverified)."
    ),
    datasets=S2_DATASETS,
    methods=s2_methods(),
    num_seeds=S2_SEEDS,
    # dlib_reproduce_semi_supervised drew every metric's seed from an --eval_seed of its own; we score the
    # study's metrics with seed 0, and reproduce adds the few-label scores (mig/dci/sap_validation).
    evaluation=STUDY_EVALUATION.replace(seed=0),
)
