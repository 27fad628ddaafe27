"""Training configuration: a frozen dataclass whose defaults are the study's (REFERENCE.md section 2)."""

import dataclasses
import json
from typing import Mapping, Optional

from disent_tf.errors import UserError
from disent_tf.models.hparams import PRECISIONS
from disent_tf.options import option

STRATEGIES = ("auto", "default", "mirrored", "multi_worker")
# The Adam settings a model's optimizer groups name (OptimizerGroup.adam), as TrainConfig field prefixes.
ADAM_SETTINGS = ("vae", "discriminator")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run; recorded next to every output.

    `hparams` holds the method's own hyperparameters (models/hparams.py); a
    name left out takes the study default of `disent_tf.models.get`.
    """

    model: str = option("beta_vae", "Method (see docs/models.md).")
    hparams: Mapping[str, object] = option(default_factory=dict, help="The method's hyperparameters (models/hparams.py).")
    dataset: str = option("dsprites_full", "Data set (see docs/data.md); dsprites_full needs no files.")
    data_dir: Optional[str] = option(None, "Folder with the data set files (default: $DISENT_TF_DATA).")
    batch_size: int = option(64, "Global batch size, split across replicas.")
    num_latent: int = option(10, "Number of latent dimensions.")
    steps: int = option(300_000, "Total training iterations (the study: 300000; factor_vae's study models: "
                        "150000, see docs/models.md).")
    # Adam of the VAE (all methods).
    learning_rate: float = option(1e-4, "Adam learning rate of the VAE.")
    adam_beta1: float = option(0.9, "Adam beta1 of the VAE.")
    adam_beta2: float = option(0.999, "Adam beta2 of the VAE.")
    adam_epsilon: float = option(1e-8, "Adam epsilon of the VAE.")
    # Adam of FactorVAE's discriminator.
    discriminator_learning_rate: float = option(1e-4, "Adam learning rate of FactorVAE's discriminator.")
    discriminator_beta1: float = option(0.5, "Adam beta1 of FactorVAE's discriminator.")
    discriminator_beta2: float = option(0.9, "Adam beta2 of FactorVAE's discriminator.")
    discriminator_epsilon: float = option(1e-8, "Adam epsilon of FactorVAE's discriminator.")
    seed: int = option(0, "Seed of the initial weights, the noise and the input stream.")
    output_dir: str = option("runs/default", "Run folder (checkpoints, summaries, train_results.json).")
    strategy: str = option("auto", "auto: MirroredStrategy over all GPUs when there are several, else one device.",
                           choices=STRATEGIES)
    # bfloat16 arithmetic on float32 weights; outputs, losses and optimizer stay float32 (docs/performance.md).
    precision: str = option("float32", "Arithmetic of the hidden layers: float32 (the study's) or mixed_bfloat16 "
                            "(faster on CPUs with AVX512_BF16 or AMX, and on GPUs).", choices=PRECISIONS)
    jit_compile: bool = option(False, "Compile the step with XLA (faster on GPUs, slower on CPUs).")
    # Without a timeout a collective waits forever for a worker that died, and
    # so does the whole cluster (docs/training.md, "Several GPUs and several machines").
    collective_timeout_s: int = option(600, "multi_worker only: seconds a collective (the gradients' all-reduce, "
                                       "a checkpoint) waits for the other workers before the run stops; 0: forever.")
    log_every: int = option(100, "Steps between progress lines.")
    summary_every: int = option(100, "Steps between TensorBoard summaries.")
    checkpoint_every: int = option(1000, "Steps between checkpoints.")
    image_summary_every: int = option(1000, "Steps between TensorBoard images of reconstructions and latent "
                                      "traversals (0: none).")
    # On a CPU, one thread per op and the batch in slices computed side by side
    # beat every op split across the cores (docs/performance.md); the sums
    # over slices change gradients by round-off only.
    batch_chunks: int = option(0, "Slices of each replica's batch whose encoder and decoder run as independent "
                               "ops, one thread each. 0: one per core on a CPU with one replica and at least "
                               "16 images per core, else 1 (GPUs, several replicas); 1: no slicing.")
    # Training steps per call of the compiled step function. Between calls
    # the cores wait on Python and on the executor's start and finish; on a
    # 2-core CPU with batch slices that cost 10-14% of the step time
    # (docs/performance.md). A call also ends at every event (log, summary,
    # checkpoint), so the calls' boundaries follow the step count and a
    # resumed run repeats an uninterrupted one exactly; another value
    # changes round-off only. A stop request waits for the call in flight.
    steps_per_call: int = option(50, "Steps per call of the compiled step, at most; a call also ends at every "
                                 "log, summary and checkpoint step, and Ctrl-C or SIGTERM waits for it.")
    # The study evaluated every trained model on 1,000 fresh batches (REFERENCE.md section 5).
    eval_batches: int = option(1000, "Fresh batches the trained model is evaluated on for train_results.json "
                               "(the study: 1000; 0 skips it).")

    def __post_init__(self):
        # A plain, sorted dict keeps equality, hashing of the JSON and reprs stable.
        object.__setattr__(self, "hparams", dict(sorted(dict(self.hparams).items())))
        for name in ("batch_size", "num_latent", "steps", "log_every", "summary_every", "checkpoint_every",
                     "steps_per_call"):
            if int(getattr(self, name)) < 1:
                raise UserError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if int(self.batch_chunks) < 0:
            raise UserError(f"batch_chunks must be 0 (one per core on a CPU) or a positive integer, "
                            f"got {self.batch_chunks}.")
        if int(self.collective_timeout_s) < 0:
            raise UserError(f"collective_timeout_s must be 0 (wait forever) or a positive number of seconds, "
                            f"got {self.collective_timeout_s}.")
        if int(self.image_summary_every) < 0:
            raise UserError(f"image_summary_every must be 0 (no images) or a positive integer, "
                            f"got {self.image_summary_every}.")
        if int(self.eval_batches) < 0:
            raise UserError(f"eval_batches must be 0 (skip) or a positive integer, got {self.eval_batches}.")
        if self.strategy not in STRATEGIES:
            raise UserError(f"strategy must be one of {', '.join(STRATEGIES)}, got '{self.strategy}'.")
        if self.precision not in PRECISIONS:
            raise UserError(f"precision must be one of {', '.join(PRECISIONS)}, got '{self.precision}'.")

    def adam(self, settings):
        """Keyword arguments of keras.optimizers.Adam for the settings `settings` ("vae" or "discriminator")."""
        if settings == "vae":
            values = (self.learning_rate, self.adam_beta1, self.adam_beta2, self.adam_epsilon)
        elif settings == "discriminator":
            values = (self.discriminator_learning_rate, self.discriminator_beta1, self.discriminator_beta2,
                      self.discriminator_epsilon)
        else:
            raise ValueError(f"unknown Adam settings {settings!r}; expected one of {ADAM_SETTINGS}")
        return dict(zip(("learning_rate", "beta_1", "beta_2", "epsilon"), values))

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
