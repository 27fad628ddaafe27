"""The findings study: a reduced unsupervised_study_v1 whose results test the paper's findings.

Locatello et al. (ICML 2019) drew their findings from 12,600 models of
300,000 steps. This study keeps what those findings compare (all six methods,
each method's weakest, log-middle and strongest regularisation of the study's
grid, several seeds at every setting, both representations scored with the
full protocol) at a size that trains and scores in about 5 hours on a 2-core
CPU: dsprites_full only, 5,000 steps, 2 seeds. docs/findings.md gives the
sizes, the reasons and the measured time.

model_num order is the study's: method, then value, then seed fastest.
"""

from disent_tf.study.sweep import STUDY_METHODS
from disent_tf.study.sweep import Method
from disent_tf.study.sweep import Study
from disent_tf.training.config import TrainConfig

FINDINGS_STEPS = 5000
FINDINGS_SEEDS = 2
# Positions in each method's six study values: the weakest, the middle of the
# grid on a log scale (beta_vae 4 of 1..16, factor_vae 30 of 10..100,
# dip_vae lambda_od 5 of 1..50, beta_tc_vae 4 of 1..10, annealed_vae C_max 25
# of 5..100) and the strongest.
FINDINGS_VALUE_POSITIONS = (0, 2, 5)
# The study annealed C over its first 100,000 of 300,000 steps: a third of
# training. Over 5,000 steps the same third is 1,666 steps; the study's
# 100,000 would leave C at 5% of C_max when training stops.
ANNEALED_FRACTION = 100_000 / 300_000


def reduced_method(method, steps=FINDINGS_STEPS, positions=FINDINGS_VALUE_POSITIONS):
    """`method` with the study values at `positions`, every model trained `steps` steps.

    factor_vae's study models trained half the others' steps (sweep.py); at
    this size every method gets the same `steps`, the least a model needs
    here to reconstruct the sprites' position and scale.
    """
    fixed = tuple((name, int(steps * ANNEALED_FRACTION) if name == "iteration_threshold" else value)
                  for name, value in method.fixed)
    return Method(method.model, method.hparam, tuple(method.values[i] for i in positions), fixed=fixed)


findings_study = Study(
    name="findings_study",
    description=(
        "A reduced unsupervised_study_v1 for testing the paper's findings: dsprites_full x 6 methods x "
        "3 hyperparameter values (weakest, middle, strongest) x 2 seeds (36 models), 5,000 steps at batch 64 "
        "in float32, scored with the full protocol on the mean and the sampled representation."
    ),
    datasets=("dsprites_full",),
    methods=tuple(reduced_method(method) for method in STUDY_METHODS),
    num_seeds=FINDINGS_SEEDS,
    base=TrainConfig(steps=FINDINGS_STEPS, checkpoint_every=500),
)
