"""Study sweeps: a model_num names one training run of a study.

`unsupervised_study_v1` is the sweep of Locatello et al., ICML 2019
(arXiv:1811.12359, section 5 "Experimental design"): 7 data sets x 6 methods x
6 regularisation strengths x 50 seeds = 12,600 models, enumerated in the order
of REFERENCE.md section 2 (data set, then method, then hyperparameter value,
then seed fastest).
"""

import dataclasses
from typing import Optional, Tuple

from disent_tf.errors import UserError
from disent_tf.evaluation.config import EvaluationConfig
from disent_tf.training.config import TrainConfig

# The study's metric protocol: every metric of the study, on the mean and on the
# sampled representation (Locatello et al. 2019, section 3), each with the seed
# dlib_reproduce derived for it and the study's estimators.
STUDY_EVALUATION = EvaluationConfig(representation="both", seed="study")


@dataclasses.dataclass(frozen=True)
class Method:
    """One method of a sweep: the hyperparameter it sweeps and the values, in order.

    `fixed` holds hyperparameters that the study sets to one value for every
    model of the method (annealed_vae's gamma and iteration_threshold);
    `steps` the training iterations of the method's models when they differ
    from the study's (None: the study's base steps).
    """

    model: str
    hparam: str
    values: Tuple[float, ...]
    fixed: Tuple[Tuple[str, float], ...] = ()
    steps: Optional[int] = None

    def hparams(self, value):
        return dict(self.fixed, **{self.hparam: value})


@dataclasses.dataclass(frozen=True)
class Study:
    """A sweep: model_num -> (data set, method, value, seed) -> TrainConfig.

    Every data set sweeps `methods`, except those listed in `dataset_methods`
    ((data set, methods) pairs), which sweep their own (the weakly-supervised
    study's k runs up to the data set's number of factors). `evaluation` is
    how every model is scored (`disent_tf.study.reproduce` runs it): the
    paper's protocol unless the study says otherwise.
    """

    name: str
    description: str
    datasets: Tuple[str, ...]
    methods: Tuple[Method, ...]
    num_seeds: int
    base: TrainConfig = TrainConfig()
    evaluation: EvaluationConfig = STUDY_EVALUATION
    dataset_methods: Tuple[Tuple[str, Tuple[Method, ...]], ...] = ()

    def methods_of(self, dataset):
        """The methods that `dataset` sweeps, in model_num order."""
        return dict(self.dataset_methods).get(dataset, self.methods)

    def all_methods(self):
        """Every method of the study, each once."""
        return tuple(dict.fromkeys(method for dataset in self.datasets for method in self.methods_of(dataset)))

    def num_settings(self, dataset):
        """(method, value) pairs of one data set."""
        return sum(len(method.values) for method in self.methods_of(dataset))

    @property
    def num_models(self):
        return sum(self.num_settings(dataset) for dataset in self.datasets) * self.num_seeds

    def check_model_num(self, model_num):
        if not 0 <= int(model_num) < self.num_models:
            raise UserError(
                f"model_num {model_num} is out of range for study '{self.name}': "
                f"use a value from 0 to {self.num_models - 1}."
            )
        return int(model_num)

    def setting(self, model_num):
        """(dataset, method, value, seed) of a model_num; the seed varies fastest, the data set slowest."""
        model_num = self.check_model_num(model_num)
        seed = model_num % self.num_seeds
        setting_index = model_num // self.num_seeds
        for dataset in self.datasets:
            for method in self.methods_of(dataset):
                if setting_index < len(method.values):
                    return dataset, method, method.values[setting_index], seed
                setting_index -= len(method.values)
        raise AssertionError("unreachable: model_num < num_models")

    def config(self, model_num):
        """The TrainConfig of one model; everything not swept is `base`."""
        dataset, method, value, seed = self.setting(model_num)
        return self.base.replace(
            model=method.model, hparams=method.hparams(value), dataset=dataset, seed=seed,
            steps=method.steps or self.base.steps,
        )

    def swept_hparam(self, model_num):
        """(name, value) of the hyperparameter the sweep varies for this model."""
        _, method, value, _ = self.setting(model_num)
        return method.hparam, value


def shard(model_nums, task_index, num_tasks):
    """Every `num_tasks`-th entry of `model_nums` starting at `task_index`.

    Tasks 0..num_tasks-1 together cover `model_nums` exactly once, which is
    what a SLURM array or a Kubernetes indexed Job needs.
    """
    if int(num_tasks) < 1:
        raise UserError(f"num_tasks must be at least 1, got {num_tasks}.")
    if not 0 <= int(task_index) < int(num_tasks):
        raise UserError(
            f"task_index {task_index} is out of range: use a value from 0 to {int(num_tasks) - 1}."
        )
    return list(model_nums)[int(task_index) :: int(num_tasks)]


# Where cluster schedulers put a task's index: a SLURM job array, a Kubernetes Indexed Job.
TASK_INDEX_VARIABLES = ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX")


def task_index_from_environment(environ):
    """(index, variable) of the first of TASK_INDEX_VARIABLES set in `environ`, or (None, None)."""
    for name in TASK_INDEX_VARIABLES:
        text = str(environ.get(name, "")).strip()
        if not text:
            continue
        if not text.isdigit():
            raise UserError(f"{name}={text!r} is not a task index (a non-negative integer); pass --task_index "
                            "explicitly.")
        return int(text), name
    return None, None


def parse_range(text, study):
    """Model numbers of a 'START:STOP' range (STOP excluded) within the study.

    An empty string means the whole study.
    """
    if not text:
        return range(study.num_models)
    try:
        start_text, stop_text = text.split(":")
        start = int(start_text) if start_text else 0
        stop = int(stop_text) if stop_text else study.num_models
    except ValueError:
        raise UserError(
            f"model_num_range '{text}' is not START:STOP; write e.g. 0:1800 (STOP excluded)."
        ) from None
    if not 0 <= start < stop <= study.num_models:
        raise UserError(
            f"model_num_range '{text}' must lie within 0:{study.num_models} for study "
            f"'{study.name}' with START < STOP."
        )
    return range(start, stop)


STUDY_DATASETS = (
    "dsprites_full",
    "color_dsprites",
    "noisy_dsprites",
    "scream_dsprites",
    "smallnorb",
    "cars3d",
    "shapes3d",
)

STUDY_METHODS = (
    Method("beta_vae", "beta", (1.0, 2.0, 4.0, 6.0, 8.0, 16.0)),
    # FactorVAE trained 150,000 iterations in the study: its model_fn grouped two
    # `minimize(..., global_step=...)` ops (VAE and discriminator), so every
    # iteration advanced the global step by two, and training stopped at global
    # step 300,000 (REFERENCE.md section 5, docs/models.md).
    Method("factor_vae", "gamma", (10.0, 20.0, 30.0, 40.0, 50.0, 100.0), steps=150_000),
    Method("dip_vae_i", "lambda_od", (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)),
    Method("dip_vae_ii", "lambda_od", (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)),
    Method("beta_tc_vae", "beta", (1.0, 2.0, 4.0, 6.0, 8.0, 10.0)),
    Method(
        "annealed_vae",
        "c_max",
        (5.0, 10.0, 25.0, 50.0, 75.0, 100.0),
        fixed=(("gamma", 1000.0), ("iteration_threshold", 100_000)),
    ),
)

unsupervised_study_v1 = Study(
    name="unsupervised_study_v1",
    description=(
        "Locatello et al. (ICML 2019): 7 data sets x 6 methods x 6 hyperparameter values "
        "x 50 seeds, 300,000 steps each, scored on the mean and the sampled representation."
    ),
    datasets=STUDY_DATASETS,
    methods=STUDY_METHODS,
    num_seeds=50,
)

# Sized so that all of it (training, export, both representations scored,
# visualisations) runs in under 15 minutes on a 2-core CPU: one seed, the
# weakest and a strong regularisation of three methods, 1,000 short steps.
# Its numbers show that the pipeline works, not what the paper found.
smoke = Study(
    name="smoke",
    description=(
        "A quick end-to-end check on the embedded dSprites: 3 methods x 2 hyperparameter "
        "values x 1 seed, 1,000 steps at batch 32 each, reduced metric sample counts."
    ),
    datasets=("dsprites_full",),
    methods=(
        Method("beta_vae", "beta", (1.0, 16.0)),
        Method("factor_vae", "gamma", (10.0, 100.0)),
        Method("dip_vae_ii", "lambda_od", (1.0, 50.0)),
    ),
    num_seeds=1,
    # Batch 32 halves the step time; 1,000 steps is about where dSprites
    # reconstructions start to show each sprite's position and size.
    base=TrainConfig(steps=1000, batch_size=32, log_every=250, summary_every=100, checkpoint_every=500,
                     eval_batches=100),
    # The downstream tasks (no figure uses them) are left out, and sample
    # counts cut 100x, to fit the time budget.
    evaluation=STUDY_EVALUATION.replace(
        metrics=("beta_vae", "factor_vae", "mig", "dci", "sap", "modularity", "unsupervised"), sample_scale=0.01),
)

