"""Keras callbacks for disentanglement: scores and pictures of the encoder while it trains.

    model.fit(dataset, callbacks=[
        callbacks.DisentanglementMetrics(data, metrics=("mig", "dci"), every_n_steps=1000, log_dir="runs/x/metrics"),
        callbacks.TraversalImages(data, every_n_steps=1000, log_dir="runs/x/images"),
        keras.callbacks.TensorBoard("runs/x"),
    ])

Both act on the model's training step (its VAE optimizer's iterations under
`fit`), every `every_n_steps` steps and once more at the end of training, so
a `steps_per_execution` that does not divide `every_n_steps` delays a score
to the next batch end rather than skipping it. bin/train's loop takes the
same callbacks (`trainer.train(config, callbacks=[...])`), calling
`at_start` with the step it starts from and `at_step` after each of its
calls.
"""

import keras
import numpy as np
import tensorflow as tf

from disent_tf.errors import UserError
from disent_tf.training import summaries


class _EveryNSteps(keras.callbacks.Callback):
    """Runs `act(step)` when the training step passes a multiple of `every_n_steps`, and at the end."""

    def __init__(self, every_n_steps, log_dir):
        super().__init__()
        if int(every_n_steps) < 1:
            raise UserError(f"every_n_steps must be a positive integer, got {every_n_steps!r}.")
        self.every_n_steps = int(every_n_steps)
        self.log_dir = str(log_dir)
        self._last = None
        self._writer = None

    @property
    def writer(self):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        return self._writer

    def at_start(self, step):
        """Training starts (or resumes) at `step`: the multiples up to it count as done."""
        self._last = int(step)

    def at_step(self, step):
        """Acts at `step` if a multiple of every_n_steps was passed since the last time; bin/train calls it."""
        step = int(step)
        if step // self.every_n_steps > (self._last or 0) // self.every_n_steps:
            self._act_once(step)

    def at_end(self, step):
        """Acts at the final step unless that step was just handled."""
        if self._last != int(step):
            self._act_once(int(step))
        self.writer.flush()

    def _act_once(self, step):
        self._last = step
        self.act(step)

    def act(self, step):
        raise NotImplementedError

    # Keras's hooks, under fit: the step is the VAE optimizer's iteration count.
    def on_train_begin(self, logs=None):
        self.at_start(self.model.optimizer.iterations.numpy())

    def on_train_batch_end(self, batch, logs=None):
        self.at_step(self.model.optimizer.iterations.numpy())

    def on_train_end(self, logs=None):
        self.at_end(self.model.optimizer.iterations.numpy())


class DisentanglementMetrics(_EveryNSteps):
    """Scores the model's encoder with the library's metrics and writes them to TensorBoard.

    Scalars `disentanglement/<representation>/<metric>/<key>` (and
    `disentanglement/sample_scale`); `history` keeps every evaluation's step,
    scores and sample scale. `sample_scale` < 1 cuts every metric's sample
    counts (the default, 0.05, scores MIG and DCI in seconds); such scores are
    recorded as not comparable with the study (`comparable_with_study`). Fits
    run in this process (`num_workers` 1) unless told otherwise.
    """

    def __init__(self, data, metrics=("mig", "dci"), every_n_steps=1000, log_dir="runs/metrics", sample_scale=0.05,
                 representation="mean", seed=0, num_workers=1):
        super().__init__(every_n_steps, log_dir)
        from disent_tf.evaluation.config import EvaluationConfig

        self.data = data
        self.config = EvaluationConfig(metrics=tuple(metrics), representation=representation, seed=seed,
                                       sample_scale=sample_scale, num_workers=num_workers)
        self.history = []

    def act(self, step):
        from disent_tf.evaluation import evaluate, representation

        model = self.model
        encoder = representation.from_gaussian_callable(
            lambda images: tuple(part.numpy() for part in model.gaussian_encoder(tf.constant(images))))
        results = evaluate.evaluate(self.data, encoder, self.config, progress=lambda line: None)
        entry = {"step": step, "sample_scale": self.config.sample_scale,
                 "comparable_with_study": self.config.comparable_with_study,
                 "scores": {kind: result["metrics"] for kind, result in results.items()}}
        self.history.append(entry)
        with self.writer.as_default(step=step):
            tf.summary.scalar("disentanglement/sample_scale", self.config.sample_scale)
            for kind, metrics in entry["scores"].items():
                for metric, scores in metrics.items():
                    for key, value in scores.items():
                        tf.summary.scalar(f"disentanglement/{kind}/{metric}/{key}", float(value))


class TraversalImages(_EveryNSteps):
    """Reconstructions and latent traversals of fixed images as TensorBoard images (training/summaries.py)."""

    def __init__(self, data, every_n_steps=1000, log_dir="runs/images", num_images=summaries.NUM_IMAGES, seed=0):
        super().__init__(every_n_steps, log_dir)
        self.images = np.asarray(summaries.picture_images(data, seed, num_images), np.float32)

    def act(self, step):
        summaries.write_pictures(self.writer, step, self.model, self.images)
