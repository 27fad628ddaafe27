"""How a representation is scored: one frozen dataclass, validated once, recorded in every result.

bin/evaluate builds its flags from these fields; the study protocol is an
EvaluationConfig too (`disent_tf.study.sweep.Study.evaluation`). Errors name
the flag (`--field`), since that is where a user sets it. This module imports
nothing heavy (the choices of the estimator modules are defined here, and they
import them), so a tool checks its flags before scikit-learn or numba load.
"""

import dataclasses
from typing import Optional, Tuple, Union

from disent_tf.errors import UserError
from disent_tf.evaluation.metrics import GROUPS, names as metric_names
from disent_tf.options import option

REPRESENTATIONS = ("mean", "sampled", "both")
# The logistic regressions (estimators.py) and who fits the gradient boosted trees (gbt.py).
LR_ESTIMATORS = ("study", "modern")
GBT_BACKENDS = ("numba", "sklearn")
DEFAULT_GBT_BACKEND = "numba"
STUDY_SEED = "study"
# The seeds dlib_reproduce drew for each (representation, metric) of the study from
# RandomState(0).randint(2**32), in its order (REFERENCE.md section 5), by our metric names.
STUDY_SEEDS = {
    "mean": {"beta_vae": 3071714933, "dci": 3626093760, "downstream_gbt": 2588848963, "downstream_lr": 3684848379,
             "factor_vae": 2340255427, "mig": 3638918503, "modularity": 1819583497, "sap": 2678185683,
             "unsupervised": 2774094101},
    "sampled": {"beta_vae": 1650906866, "dci": 1879422756, "downstream_gbt": 1277901399,
                "downstream_lr": 3830135878, "factor_vae": 243580376, "mig": 4138900056, "modularity": 1171049868,
                "sap": 1646868794, "unsupervised": 2051556033},
}


def parse_metrics(metrics):
    """Metric names (a list, in run order) from names and groups ("all": the study's, "extended": every metric).

    `metrics` is a sequence or a comma-separated string; UserError for an
    empty or unknown name.
    """
    if isinstance(metrics, str):
        metrics = metrics.split(",")
    metrics = [str(name).strip() for name in metrics]
    if not metrics or any(not name for name in metrics):
        raise UserError(f"--metrics has an empty name ({','.join(metrics)!r}); pass all, extended or a comma list "
                        f"of {', '.join(metric_names())}.")
    unknown = [name for name in metrics if name not in metric_names() and name not in GROUPS]
    if unknown:
        raise UserError(f"unknown metric {', '.join(unknown)}; choose from all, extended, {', '.join(metric_names())}.")
    wanted = {member for name in metrics for member in GROUPS.get(name, [name])}
    return [name for name in metric_names() if name in wanted]


@dataclasses.dataclass(frozen=True)
class EvaluationConfig:
    """Which metrics, on which representation, with which seeds, estimators and resources."""

    metrics: Tuple[str, ...] = option(("all",), "all, or a comma list of metric names (docs/metrics.md).")
    representation: str = option("mean", "Encoder mean, one sample per image, or both (sharing one code cache).",
                                  choices=REPRESENTATIONS)
    seed: Union[int, str] = option(0, "Seed of every metric's RandomState, or 'study' for the seeds the study's "
                                   "pipeline derived per representation and metric (docs/evaluation.md).")
    sample_scale: float = option(1.0, "Multiply every sample count by this (0 < s <= 1) for quick runs; results "
                                 "are then NOT comparable with the paper (recorded in the JSON).")
    gbt_backend: str = option(DEFAULT_GBT_BACKEND, "Who fits DCI's and downstream_gbt's gradient boosted trees: "
                              "the same model, numba ~10x faster.", choices=GBT_BACKENDS)
    lr_estimator: str = option("study", "Logistic regressions of beta_vae, modularity (explicitness) and "
                               "downstream_lr: study (scikit-learn 0.20's defaults: one-vs-rest, liblinear / "
                               "lbfgs CV) or modern (today's multinomial lbfgs).", choices=LR_ESTIMATORS)
    num_workers: Optional[int] = option(None, "Processes for the classifier fits (default: all cores; 1 = serial).")
    cache: bool = option(True, "Cache codes by grid index (--nocache encodes every drawn image as the original "
                         "code did: slow, for comparison).")
    encode_grid: bool = option(False, "Encode the whole factor grid up front instead of on demand.")
    batch_size: int = option(1024, "Images per encoder call.")

    def __post_init__(self):
        # Kept as given ("all" stays "all" in the record); `metric_names` resolves it.
        metrics = self.metrics.split(",") if isinstance(self.metrics, str) else self.metrics
        object.__setattr__(self, "metrics", tuple(metrics))
        parse_metrics(self.metrics)
        object.__setattr__(self, "seed", _parse_seed(self.seed))
        if self.lr_estimator not in LR_ESTIMATORS:
            raise UserError(f"--lr_estimator must be one of {', '.join(LR_ESTIMATORS)}, got {self.lr_estimator!r}.")
        if self.representation not in REPRESENTATIONS:
            raise UserError(f"--representation must be one of {', '.join(REPRESENTATIONS)}, "
                            f"got {self.representation!r}.")
        if not 0 < self.sample_scale <= 1:
            raise UserError(f"--sample_scale must be in (0, 1], got {self.sample_scale}.")
        if self.gbt_backend not in GBT_BACKENDS:
            raise UserError(f"--gbt_backend must be one of {', '.join(GBT_BACKENDS)}, got {self.gbt_backend!r}.")
        if self.num_workers is not None and int(self.num_workers) < 1:
            raise UserError(f"--num_workers must be at least 1, got {self.num_workers}.")
        if int(self.batch_size) < 1:
            raise UserError(f"--batch_size must be at least 1, got {self.batch_size}.")

    @property
    def metric_names(self):
        """The metrics scored, in run order."""
        return parse_metrics(self.metrics)

    @property
    def representations(self):
        """The representation kinds scored, in order."""
        return ("mean", "sampled") if self.representation == "both" else (self.representation,)

    def metric_seed(self, representation, metric):
        """The seed of one (representation, metric): `seed`, or the study's (0 for metrics it did not run)."""
        if self.seed == STUDY_SEED:
            return STUDY_SEEDS[representation].get(metric, 0)
        return self.seed

    @property
    def comparable_with_study(self):
        return self.sample_scale == 1.0

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)

    def record(self):
        """What decides the scores (not where or how fast they are computed)."""
        return {"metrics": list(self.metrics), "representations": list(self.representations),
                "seed": self.seed, "sample_scale": self.sample_scale, "lr_estimator": self.lr_estimator}


def _parse_seed(seed):
    """An integer seed >= 0, or "study"; UserError otherwise."""
    if seed == STUDY_SEED:
        return seed
    text = seed.strip() if isinstance(seed, str) else seed
    integral = isinstance(text, int) and not isinstance(text, bool)
    if not (integral or (isinstance(text, str) and text.isdigit())) or int(text) < 0:
        raise UserError(f"--seed must be a non-negative integer or 'study', got {seed!r}.")
    return int(text)
