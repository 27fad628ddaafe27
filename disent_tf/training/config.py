"""Training configuration: frozen dataclasses whose defaults are the study's (REFERENCE.md section 2)."""

import dataclasses
import json
from typing import Mapping, Optional

from disent_tf.errors import UserError

STRATEGIES = ("auto", "default", "mirrored", "multi_worker")
# The hyperparameters the study sets per method (REFERENCE.md section 2), one bin/train flag each.
STUDY_HPARAMS = ("beta", "gamma", "c_max", "iteration_threshold", "lambda_od", "lambda_d_factor")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run; recorded next to every output.

    `hparams` holds the method's own hyperparameters (beta, gamma, c_max,
    iteration_threshold, lambda_od, lambda_d_factor, ...); a name left out takes
    the study default of `disent_tf.models.get`.
    """

    model: str = "beta_vae"
    hparams: Mapping[str, float] = dataclasses.field(default_factory=dict)
    dataset: str = "dsprites_full"
    data_dir: Optional[str] = None
    batch_size: int = 64
    num_latent: int = 10
    steps: int = 300_000
    # Adam of the VAE (all methods).
    learning_rate: float = 1e-4
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    # Adam of FactorVAE's discriminator.
    discriminator_learning_rate: float = 1e-4
    discriminator_beta1: float = 0.5
    discriminator_beta2: float = 0.9
    discriminator_epsilon: float = 1e-8
    seed: int = 0
    output_dir: str = "runs/default"
    strategy: str = "auto"
    jit_compile: bool = False
    log_every: int = 100
    summary_every: int = 100
    checkpoint_every: int = 1000
    # Training steps per call of the compiled step function: >1 saves the
    # per-call Python overhead where a step is very short (fast GPUs).
    steps_per_call: int = 1

    def __post_init__(self):
        # A plain, sorted dict keeps equality, hashing of the JSON and reprs stable.
        object.__setattr__(self, "hparams", dict(sorted(dict(self.hparams).items())))
        for name in ("batch_size", "num_latent", "steps", "log_every", "summary_every", "checkpoint_every",
                     "steps_per_call"):
            if int(getattr(self, name)) < 1:
                raise UserError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if self.strategy not in STRATEGIES:
            raise UserError(f"strategy must be one of {', '.join(STRATEGIES)}, got '{self.strategy}'.")

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values):
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UserError(f"unknown TrainConfig fields {unknown}; valid fields are {sorted(known)}.")
        return cls(**values)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))
