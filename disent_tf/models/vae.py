"""GaussianVAE: the Keras model every method of the study shares.

The objective is disentanglement_lib's BaseVAE.model_fn (Locatello et al.
2019, section 5 and appendix): loss = reconstruction + regularizer, where a
method changes only `regularizer` (and FactorVAE adds a discriminator).

Randomness. The reparameterisation noise (and FactorVAE's batch shuffle) come
from stateless RNG ops keyed by (seed, step, replica id), so a loss is a pure
function of the weights, the batch, `seed` and `step`: reproducible on CPU,
identical after resuming from a checkpoint, legal under `tf.function`,
`jit_compile=True` and in a `tf.distribute` replica context, and different on
each replica of a MirroredStrategy. `seed` also fixes the initial weights.
XLA implements Philox with another seed-to-stream mapping, so a model compiled
with `jit_compile=True` draws different (equally distributed, equally
reproducible) noise than the same model without XLA.
"""

import dataclasses
from typing import Sequence

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from disent_tf import seeds
from disent_tf.errors import UserError
from disent_tf.models import architectures
from disent_tf.models import regularizers
from disent_tf.models.hparams import PRECISIONS

tfd = tfp.distributions

RECONSTRUCTIONS = ("bernoulli", "l2")
# Streams of the stateless RNG (names of seeds.STREAMS): one per kind of draw, so they never share noise.
LATENT_NOISE_STREAM = "latent_noise"
SHUFFLE_STREAM = "shuffle"
# Named rather than "auto_select", so the generator never depends on the device.
RNG_ALGORITHM = "philox"
# The package under which the model classes are registered for .keras files.
SERIALIZATION_PACKAGE = "disent_tf"
# Room for this many replicas in the second seed word (see `noise_seed`).
_MAX_REPLICAS = 1 << 16


def in_chunks(network, inputs, chunks, training):
    """network(inputs), computed on `chunks` slices of the batch and concatenated.

    The slices are independent ops, so TensorFlow runs them (and their
    gradients) side by side: on a CPU with one thread per op (the trainer's
    batch_chunks, docs/performance.md) every core gets a slice. The outputs
    are the same per example; the weight gradients, summed over slices, agree
    up to round-off. Batches of unknown or smaller size are not split.
    """
    batch = inputs.shape[0]
    if chunks <= 1 or batch is None or batch < chunks:
        return network(inputs, training=training)
    sizes = [batch // chunks + (index < batch % chunks) for index in range(chunks)]
    outputs = [network(part, training=training) for part in tf.split(inputs, sizes)]
    if isinstance(outputs[0], (list, tuple)):
        return [tf.concat(parts, axis=0) for parts in zip(*outputs)]
    return tf.concat(outputs, axis=0)


def check_number(name, value, minimum, integer=False):
    """Returns `value` as float (or int) if it is a number >= minimum; raises UserError otherwise."""
    try:
        number = int(value) if integer else float(value)
        # number == value rejects NaN, strings and, for integers, 2.5.
        valid = number == value and number >= minimum and not isinstance(value, bool)
    except (TypeError, ValueError, OverflowError):
        valid = False
    if not valid:
        kind = "an integer" if integer else "a number"
        raise UserError(f"{name} must be {kind} >= {minimum}, got {value!r}.")
    return number


@dataclasses.dataclass(frozen=True)
class OptimizerGroup:
    """One optimizer of a model: what it minimises, what it updates, which Adam settings it takes.

    `adam` names a set of Adam settings of the TrainConfig ("vae" or
    "discriminator", see TrainConfig.adam); `name` is the optimizer's name in
    checkpoints.
    """

    name: str
    loss: str
    variables: Sequence[tf.Variable]
    adam: str = "vae"


def check_choice(name, value, choices):
    if value not in choices:
        raise UserError(f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}.")
    return value


def reconstruction_loss(images, logits, kind):
    """Per-example reconstruction loss summed over pixels (disentanglement_lib losses.py).

    "bernoulli": sigmoid cross-entropy with logits, valid for targets in [0, 1]
    (the image entropy is not subtracted, as in the study). "l2": squared
    error between sigmoid(logits) and the image.
    """
    if kind == "bernoulli":
        per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=images, logits=logits)
    else:
        per_pixel = tf.square(images - tf.sigmoid(logits))
    return tf.reduce_sum(per_pixel, axis=[1, 2, 3])


def sample_latents(mean, logvar, seed):
    """Reparameterised z = mean + exp(logvar / 2) * eps, eps ~ N(0, I) from a stateless seed."""
    eps = tf.random.stateless_normal(tf.shape(mean), seed=seed, dtype=mean.dtype, alg=RNG_ALGORITHM)
    return mean + tf.exp(0.5 * logvar) * eps


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class GaussianVAE(keras.Model):
    """VAE with a diagonal Gaussian posterior N(mean, exp(logvar)) and prior N(0, I).

    Subclasses set `method_name` and override `regularizer` and `method_config`;
    this base is beta-VAE with beta = 1 (the plain VAE of Kingma & Welling 2014).
    """

    method_name = "vae"
    # compute_losses' keys beyond the five every method has (see loss_names).
    extra_losses = ()

    def __init__(
        self,
        input_shape=(64, 64, 1),
        num_latent=10,
        reconstruction="bernoulli",
        architecture="conv",
        seed=0,
        precision="float32",
        name=None,
        **kwargs,
    ):
        super().__init__(name=name or self.method_name, **kwargs)
        self.image_shape = _check_input_shape(input_shape, architecture)
        self.num_latent = check_number("num_latent", num_latent, 1, integer=True)
        self.reconstruction = check_choice("reconstruction", reconstruction, RECONSTRUCTIONS)
        self.architecture = check_choice("architecture", architecture, architectures.ARCHITECTURES)
        self.seed = check_number("seed", seed, 0, integer=True)
        self.precision = check_choice("precision", precision, PRECISIONS)
        self.encoder = architectures.make_encoder(architecture, self.image_shape, self.num_latent, self.seed,
                                                  self.precision)
        self.decoder = architectures.make_decoder(architecture, self.image_shape, self.num_latent, self.seed,
                                                  self.precision)
        # Not part of the model (get_config leaves it out): how a batch is computed, set by the trainer.
        self.batch_chunks = 1
        # The sub-models are functional, hence built; so is this model.
        self.built = True

    # ----------------------------------------------------------------- config
    def method_config(self):
        """The method's own hyperparameters; subclasses extend it."""
        return {}

    def get_config(self):
        """Exactly the constructor arguments, so `type(m)(**m.get_config())` rebuilds the model."""
        return {
            "name": self.name,
            "input_shape": self.image_shape,
            "num_latent": self.num_latent,
            "reconstruction": self.reconstruction,
            "architecture": self.architecture,
            "seed": self.seed,
            "precision": self.precision,
            **self.method_config(),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # -------------------------------------------------------- encode / decode
    def check_images(self, images):
        """Raises UserError unless images are float32 (N, H, W, C) with (H, W, C) = input_shape."""
        dtype = getattr(images, "dtype", None)
        shape = getattr(images, "shape", None)
        if dtype is None or shape is None:
            raise UserError(f"images must be a float32 array or tensor of shape (N, {_shape_text(self.image_shape)}).")
        if tf.as_dtype(dtype) != tf.float32:
            raise UserError(
                f"images must be float32 in [0, 1], got {tf.as_dtype(dtype).name}; convert with "
                "images.astype('float32') / 255 for uint8 pixels."
            )
        shape = tuple(shape)
        if len(shape) != 4 or tuple(shape[1:]) != self.image_shape:
            raise UserError(
                f"images must have shape (N, {_shape_text(self.image_shape)}) to match the model's input_shape, "
                f"got {shape}."
            )
        return images

    def gaussian_encoder(self, images, training=False):
        """Returns (mean, logvar) of q(z | x), each (N, num_latent)."""
        mean, logvar = in_chunks(self.encoder, self.check_images(images), self.batch_chunks, training)
        return mean, logvar

    def encode(self, images, training=False):
        """The posterior q(z | x) as a diagonal Normal distribution (event shape num_latent)."""
        mean, logvar = self.gaussian_encoder(images, training=training)
        return tfd.MultivariateNormalDiag(loc=mean, scale_diag=tf.exp(0.5 * logvar))

    def decode(self, latents, training=False):
        """Bernoulli logits of p(x | z), shape (N, H, W, C); sigmoid gives pixel means."""
        return in_chunks(self.decoder, latents, self.batch_chunks, training)

    @property
    def prior(self):
        """p(z) = N(0, I)."""
        return tfd.MultivariateNormalDiag(loc=tf.zeros([self.num_latent]))

    def __call__(self, images, *args, **kwargs):
        # Keras would silently cast numpy inputs to float32: check them first.
        return super().__call__(self.check_images(images), *args, **kwargs)

    def call(self, images, training=False):
        """The `mean` representation: the posterior mean of each image."""
        mean, _ = self.gaussian_encoder(images, training=training)
        return mean

    # ------------------------------------------------------------------ losses
    def noise_seed(self, step, stream):
        """Stateless seed (2,) int64 for draw `stream` at `step` on this replica."""
        context = tf.distribute.get_replica_context()
        replica = 0 if context is None else context.replica_id_in_sync_group
        step = tf.cast(step, tf.int64)
        replica = tf.cast(replica, tf.int64)
        return tf.stack([tf.constant(seeds.derive(self.seed, stream), tf.int64), step * _MAX_REPLICAS + replica])

    def regularizer(self, kl_loss, z_mean, z_logvar, z_sampled, step, noise_step):
        """Returns {"regularizer": scalar, **extras}; the default is the plain KL.

        `step` drives annealing; `noise_step` keys the regularizer's own noise.
        """
        del z_mean, z_logvar, z_sampled, step, noise_step
        return {"regularizer": kl_loss}

    def compute_losses(self, images, step, training=True, noise_step=None):
        """All losses of one batch, each a scalar averaged over the (local) batch.

        loss = reconstruction_loss + regularizer (minimised by the VAE optimizer);
        elbo = -(reconstruction_loss + kl_loss). `step` (int or int tensor, the
        global step) drives annealing and, unless `noise_step` is given, keys
        the noise (evaluation batches at the final step draw fresh noise each
        by their own `noise_step`).
        """
        noise_step = step if noise_step is None else noise_step
        mean, logvar = self.gaussian_encoder(images, training=training)
        return self.posterior_losses(images, mean, logvar, step, noise_step, training)

    def posterior_losses(self, images, mean, logvar, step, noise_step, training=True):
        """compute_losses' dict for `images` under the posterior N(mean, exp(logvar)) (weak models average it)."""
        z = sample_latents(mean, logvar, self.noise_seed(noise_step, LATENT_NOISE_STREAM))
        logits = self.decode(z, training=training)
        recon = tf.reduce_mean(reconstruction_loss(images, logits, self.reconstruction))
        kl = tf.reduce_mean(regularizers.gaussian_kl(mean, logvar))
        terms = self.regularizer(kl, mean, logvar, z, step, noise_step)
        return {
            "loss": recon + terms["regularizer"],
            "reconstruction_loss": recon,
            "kl_loss": kl,
            "elbo": -(recon + kl),
            **terms,
        }

    def loss_gradients(self, batch, step, scale=1.0):
        """(losses, {group name: gradients of its loss * scale}) of one batch; the step of bin/train and of fit.

        `scale` is 1 / replicas under tf.distribute, so that the gradients
        summed over replicas are those of the global-batch mean.
        """
        groups = self.optimizer_groups()
        with tf.GradientTape(persistent=len(groups) > 1) as tape:
            losses = self.compute_losses(batch, step, training=True)
            scaled = {group.name: losses[group.loss] * scale for group in groups}
        return losses, {group.name: tape.gradient(scaled[group.name], group.variables) for group in groups}

    def loss_names(self):
        """The keys of compute_losses' dict, in the order fit reports them."""
        return ("loss", "reconstruction_loss", "kl_loss", "elbo", "regularizer") + self.extra_losses

    def vae_variables(self):
        return self.encoder.trainable_variables + self.decoder.trainable_variables

    def optimizer_groups(self):
        """The model's optimizers (OptimizerGroup); the trainer builds one Adam for each."""
        return (OptimizerGroup("vae", "loss", self.vae_variables(), adam="vae"),)

    # -------------------------------------------------------------- Keras fit
    def compile(self, optimizer=None, discriminator_optimizer=None, steps_per_execution=1, jit_compile=False,
                **kwargs):
        """Prepares `fit`, `evaluate`: one optimizer per optimizer group, and a Keras metric per loss.

        `optimizer` trains the VAE, `discriminator_optimizer` FactorVAE's
        discriminator; each is a Keras optimizer, its name (Keras's defaults)
        or None: Adam with the study's settings for that group (TrainConfig's
        learning rates, betas and epsilons). No Keras `loss` is taken: the
        model's own losses are what fit minimises. `jit_compile` defaults to
        False, not Keras's "auto": XLA is slower on CPUs and draws other noise
        (see the module docstring).
        """
        from disent_tf.training import step as steps
        from disent_tf.training.config import TrainConfig

        given = {"vae": optimizer, "discriminator": discriminator_optimizer}
        groups = self.optimizer_groups()
        unused = sorted(name for name, value in given.items()
                        if value is not None and name not in {group.name for group in groups})
        if unused:
            raise UserError(f"{self.name} has no {unused[0]} to train; drop {unused[0]}_optimizer from compile().")
        optimizers = {group.name: steps.built_optimizer(group, steps.adam(TrainConfig(), group)
                                                        if given[group.name] is None
                                                        else keras.optimizers.get(given[group.name]))
                      for group in groups}
        super().compile(optimizer=optimizers["vae"], steps_per_execution=steps_per_execution,
                        jit_compile=jit_compile, **kwargs)
        self.discriminator_optimizer = optimizers.get("discriminator")
        self.loss_trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names()}

    def group_optimizer(self, name):
        """The compiled optimizer of optimizer group `name`."""
        return self.optimizer if name == "vae" else self.discriminator_optimizer

    @property
    def metrics(self):
        # The model's own losses, each a running mean Keras resets every epoch.
        return list(getattr(self, "loss_trackers", {}).values())

    def fit_batch(self, data):
        """The batch compute_losses takes, from what fit's dataset yields: images, or (images, labels...)."""
        return data[0] if isinstance(data, (tuple, list)) else data

    def train_step(self, data):
        """One step of bin/train's loop (training/step.py): the same losses, gradients and optimizer order.

        The step counter is the VAE optimizer's `iterations`, read before the
        update: the number of steps done, as bin/train's counter.
        """
        step = tf.identity(self.optimizer.iterations)
        scale = 1.0 / tf.distribute.get_strategy().num_replicas_in_sync
        losses, grads = self.loss_gradients(self.fit_batch(data), step, scale)
        for group in self.optimizer_groups():
            self.group_optimizer(group.name).apply_gradients(zip(grads[group.name], group.variables))
        return self._track(losses)

    def test_step(self, data):
        losses = self.compute_losses(self.fit_batch(data), tf.identity(self.optimizer.iterations), training=False)
        return self._track(losses)

    def _track(self, losses):
        for name, tracker in self.loss_trackers.items():
            tracker.update_state(losses[name])
        return {name: tracker.result() for name, tracker in self.loss_trackers.items()}

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {"optimizer": keras.optimizers.serialize(self.optimizer),
                "discriminator_optimizer": (keras.optimizers.serialize(self.discriminator_optimizer)
                                            if self.discriminator_optimizer is not None else None),
                "steps_per_execution": self.steps_per_execution, "jit_compile": self.jit_compile}

    def compile_from_config(self, config):
        config = dict(config)
        for name in ("optimizer", "discriminator_optimizer"):
            if config.get(name) is not None:
                config[name] = keras.optimizers.deserialize(config[name])
        self.compile(**config)

    def check_training_data(self, data):
        """Raises a UserError if `training_dataset` cannot serve `data`; any data set gives images."""
        del data

    def training_dataset(self, data, batch_size, seed):
        """The input this model trains on: infinite batches of `batch_size` images of `data`.

        The trainer feeds each batch to `compute_losses`; methods that train
        on something else (pairs of images) override this.
        """
        from disent_tf.data.pipeline import training_dataset

        return training_dataset(data, batch_size, seed)


def _check_input_shape(input_shape, architecture):
    try:
        shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise UserError(f"input_shape must be (height, width, channels), e.g. (64, 64, 1), got {input_shape!r}.")
    if architecture == "conv" and shape[:2] != (64, 64):
        raise UserError(f"the conv architecture needs 64x64 images (input_shape (64, 64, C)), got {input_shape!r}.")
    return shape


def _shape_text(shape):
    return ", ".join(str(d) for d in shape)
