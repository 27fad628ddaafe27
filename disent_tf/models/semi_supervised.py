"""Semi-supervised (S2) VAEs: Locatello et al., "Disentangling Factors of Variation Using Few Labels" (ICLR 2020).

Each S2 model is an unsupervised method of the study plus a supervised term
on a few labelled observations (paper Eq. 2; disentanglement_lib's
methods/semi_supervised/semi_supervised_vae.py, `BaseS2VAE.model_fn`):

    loss = reconstruction(x) + unsupervised regularizer(x) + gamma_sup(step) * R_s(mean(x_l), y_l)

where x is the unlabelled batch, x_l the labelled batch and y_l its labels
(data.labelled), and the supervised loss R_s reads the posterior means of the
labelled images: the first L latent dimensions against the L labels. The
four R_s are dlib's `supervised_regularizer_{xent,l2,cov,embed}`; gamma_sup(step)
its annealers. `supervised` (dlib's `SupervisedVAE`) is the fully supervised
baseline: the encoder learns only from R_s, the decoder reconstructs from a
stopped-gradient sample.

The models keep GaussianVAE's single-image interface (`gaussian_encoder`,
`decode`, `call` = posterior mean), so export, evaluation and serving are
unchanged; `compute_losses` takes the batch of
`data.labelled.semi_supervised_training_dataset`:
{"images", "labelled_images", "labels"}.

The labelled set is part of the model's configuration (num_labelled_samples,
labeller, supervised_seed, train_percentage): `check_training_data(data)`
draws it (data.labelled.sample_labelled) and, from the labels it gives,
creates the supervised loss's variables (l2's scale, embed's embeddings);
the trainer calls it before building the optimizers.
"""

import tensorflow as tf
import keras

from disent_tf.data import labelled as labelled_lib
from disent_tf.errors import UserError
from disent_tf.models import methods
from disent_tf.models.hparams import check
from disent_tf.models.vae import GaussianVAE
from disent_tf.models.vae import LATENT_NOISE_STREAM
from disent_tf.models.vae import SERIALIZATION_PACKAGE
from disent_tf.models.vae import OptimizerGroup
from disent_tf.models.vae import reconstruction_loss
from disent_tf.models.vae import sample_latents
from disent_tf.models import regularizers

SUPERVISED_LOSSES = ("xent", "l2", "cov", "embed")
ANNEALERS = ("fixed", "anneal", "fine_tune")
DEFAULT_NUM_LABELLED = labelled_lib.DEFAULT_NUM_LABELLED_SAMPLES


# ------------------------------------------------------------ pure functions
def _labelled_latents(representation, labels, loss):
    num_factors = labels.shape[1]
    if representation.shape[1] < num_factors:
        raise UserError(f"the {loss} supervised loss needs at least as many latents as labelled factors "
                        f"({num_factors}); raise num_latent.")
    return representation[:, :num_factors]


def xent_loss(representation, labels, label_sizes):
    """sum over points and factors of sigmoid cross-entropy(logits = z_i, targets = y_i / size_i) (dlib `xent`).

    Targets are the labels divided by their number of values, so in
    [0, (size - 1) / size]; z_i is latent i for label column i.
    """
    logits = _labelled_latents(representation, labels, "xent")
    targets = labels / tf.constant(label_sizes, labels.dtype)
    return tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits))


def l2_loss(representation, labels, scale):
    """sum over points and factors of (b * z_i - y_i)^2 with a learned scale b (dlib `l2`, learn_scale=True)."""
    latents = _labelled_latents(representation, labels, "l2")
    return tf.reduce_sum(tf.square(latents * scale - labels))


def cov_loss(representation, labels):
    """Sum of squares of the cross-covariance of all latents and the labels, its diagonal zeroed (dlib `cov`).

    C = E[(z - E z)(y - E y)^T] over the batch (biased), shape (num_latent,
    num_labels); the min(num_latent, num_labels) entries C_ii are not
    penalised. Labels are class indices, not normalised.
    """
    centred_z = representation - tf.reduce_mean(representation, axis=0)
    centred_y = labels - tf.reduce_mean(labels, axis=0)
    covariance = tf.reduce_mean(centred_z[:, :, None] * centred_y[:, None, :], axis=0)
    diagonal = min(int(representation.shape[1]), int(labels.shape[1]))
    covariance = tf.linalg.set_diag(covariance, tf.zeros([diagonal], covariance.dtype))
    return tf.reduce_sum(tf.square(covariance))


def embed_loss(representation, labels, embeddings, sigma):
    """sum_i mean over points of softmax cross-entropy(one_hot(y_i), -((z_i - e_i) * sigma)^2) (dlib `embed`).

    e_i (size_i,) embeds each value of factor i on the line; the logits of
    value v are -((z_i - e_i[v]) * sigma)^2. Labels are truncated to int.
    """
    latents = _labelled_latents(representation, labels, "embed")
    total = 0.0
    for column, embedding in enumerate(embeddings):
        logits = -tf.square((latents[:, column:column + 1] - embedding[None, :]) * sigma)
        one_hot = tf.one_hot(tf.cast(labels[:, column], tf.int32), int(embedding.shape[0]), dtype=logits.dtype)
        total += tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=one_hot, logits=logits))
    return total


def annealed_weight(gamma, step, iteration_threshold, annealer):
    """gamma_sup at `step` (dlib's annealers): fixed gamma; anneal min(gamma, gamma * step / T); fine_tune.

    fine_tune is gamma * min(1, max(0, step - T)): 0 up to step T, gamma from
    step T + 1.
    """
    if annealer == "fixed":
        return tf.constant(gamma, tf.float32)
    step = tf.cast(step, tf.float32)
    if annealer == "anneal":
        return tf.minimum(gamma * 1.0, gamma * step / float(iteration_threshold))
    return gamma * tf.minimum(1.0, tf.maximum(0.0, step - float(iteration_threshold)))


# ------------------------------------------------------------------ layer
class SupervisedLossVariables(keras.layers.Layer):
    """The variables of one supervised loss: l2's scale b (initial 1), embed's embeddings and learned sigma.

    Initial values as TF1's `get_variable` made them in dlib: b = 1; every
    other variable Glorot-uniform (for a vector of size k: U(-sqrt(3/k),
    sqrt(3/k)); for a scalar: U(-sqrt(3), sqrt(3))).
    """

    def __init__(self, kind, label_sizes, learn_sigma=False, use_order=False, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind
        self.label_sizes = tuple(int(s) for s in label_sizes)
        self.learn_sigma = bool(learn_sigma)
        self.use_order = bool(use_order)
        self.embeddings_vars, self.slopes, self.biases = [], [], []
        self.sigma = None
        self.scale = None
        init = keras.initializers.GlorotUniform(seed=seed)
        if kind == "l2":
            self.scale = self.add_weight(name="b", shape=(), initializer=keras.initializers.Constant(1.0))
        if kind == "embed":
            for column, size in enumerate(self.label_sizes):
                if self.use_order:
                    self.biases.append(self.add_weight(name=f"bias_{column}", shape=(), initializer=init))
                    self.slopes.append(self.add_weight(name=f"slope_{column}", shape=(), initializer=init))
                else:
                    self.embeddings_vars.append(self.add_weight(name=f"embedding_{column}", shape=(size,),
                                                                initializer=init))
            if self.learn_sigma:
                self.sigma = self.add_weight(name="sigma", shape=(1,), initializer=init)
        self.built = True

    def embeddings(self):
        """One embedding vector per label column; with use_order the line slope * range(size) + bias."""
        if not self.use_order:
            return list(self.embeddings_vars)
        return [tf.range(size, dtype=tf.float32) * slope + bias
                for size, slope, bias in zip(self.label_sizes, self.slopes, self.biases)]


# ------------------------------------------------------------------ models
class S2Mixin:
    """What every S2 model adds to its unsupervised method: the labelled set and the weighted supervised loss."""

    # dlib's S2FactorVAE minimises with var_list = encoder + decoder variables, so its
    # supervised loss's own variables (l2's b, embed's embeddings) are never trained.
    trains_supervised_variables = True
    # dlib's S2FactorVAE reports regularizer = KL + gamma * TC, without the supervised term.
    supervised_in_regularizer = True
    # What compute_losses adds to the unsupervised method's keys (loss_names).
    supervised_outputs = ("supervised_loss", "gamma_sup")

    def __init__(self, gamma_sup=1.0, supervised_loss="xent", annealer="fixed", iteration_threshold=1,
                 num_labelled_samples=DEFAULT_NUM_LABELLED, labeller="perfect", train_percentage=0.9,
                 supervised_seed=0, num_bins=labelled_lib.DEFAULT_NUM_BINS,
                 prob_random=labelled_lib.DEFAULT_PROB_RANDOM,
                 num_observed_factors=labelled_lib.DEFAULT_NUM_OBSERVED_FACTORS, embed_sigma=1.0, embed_use_order=0,
                 label_sizes=None, **kwargs):
        self.gamma_sup = check("gamma_sup", gamma_sup)
        self.supervised_loss = check("supervised_loss", supervised_loss)
        self.annealer = check("annealer", annealer)
        self.iteration_threshold = check("iteration_threshold", iteration_threshold)
        self.num_labelled_samples = check("num_labelled_samples", num_labelled_samples)
        self.labeller = check("labeller", labeller)
        self.train_percentage = check("train_percentage", train_percentage)
        self.supervised_seed = check("supervised_seed", supervised_seed)
        self.num_bins = check("num_bins", num_bins)
        self.prob_random = check("prob_random", prob_random)
        self.num_observed_factors = check("num_observed_factors", num_observed_factors)
        self.embed_sigma = check("embed_sigma", embed_sigma)
        self.embed_use_order = check("embed_use_order", embed_use_order)
        super().__init__(**kwargs)
        self.label_sizes = None
        self.supervised_variables = None
        self._labelled = None
        if label_sizes is not None:
            self.set_label_sizes(label_sizes)

    def method_config(self):
        return {**super().method_config(), **self.supervision_config()}

    def supervision_config(self):
        return {"gamma_sup": self.gamma_sup, "supervised_loss": self.supervised_loss, "annealer": self.annealer,
                "iteration_threshold": self.iteration_threshold, **self.labelled_set_config(),
                "embed_sigma": self.embed_sigma, "embed_use_order": self.embed_use_order,
                "label_sizes": self.label_sizes}

    def labelled_set_config(self):
        """What decides the labelled set (few-label model selection draws the same one)."""
        return {"num_labelled_samples": self.num_labelled_samples, "labeller": self.labeller,
                "train_percentage": self.train_percentage, "supervised_seed": self.supervised_seed,
                "num_bins": self.num_bins, "prob_random": self.prob_random,
                "num_observed_factors": self.num_observed_factors}

    # ------------------------------------------------------------- labelled set
    def set_label_sizes(self, label_sizes):
        """Fixes the number of values of each label column and creates the supervised loss's variables."""
        label_sizes = tuple(int(s) for s in label_sizes)
        if self.label_sizes is not None:
            if label_sizes != self.label_sizes:
                raise UserError(f"{self.name} was built for labels of sizes {self.label_sizes}, got {label_sizes}.")
            return
        if self.supervised_loss != "cov" and len(label_sizes) > self.num_latent:
            raise UserError(f"{len(label_sizes)} labelled factors need at least as many latents for the "
                            f"{self.supervised_loss} loss; raise num_latent (now {self.num_latent}).")
        self.label_sizes = label_sizes
        self.supervised_variables = SupervisedLossVariables(
            self.supervised_loss, label_sizes, learn_sigma=self.embed_sigma == 0,
            use_order=bool(self.embed_use_order), seed=self.seed, name="supervised_loss")

    def labelled_sets(self, data):
        """(train, validation) LabelledSets of `data` under this model's labelled-set config (drawn once)."""
        key = getattr(data, "name", id(data))
        if self._labelled is None or self._labelled[0] != key:
            subset = labelled_lib.sample_labelled(
                data, self.num_labelled_samples, self.supervised_seed, self.labeller, num_bins=self.num_bins,
                prob_random=self.prob_random, num_observed_factors=self.num_observed_factors)
            self._labelled = (key, labelled_lib.split(subset, self.train_percentage))
        return self._labelled[1]

    def check_training_data(self, data):
        """Checks `data` can give the labelled set, draws it and creates the supervised variables."""
        labelled_lib.check_num_labelled(self.num_labelled_samples, data.num_observations,
                                        getattr(data, "name", "the data set"))
        labelled_lib.check_labeller(self.labeller, data.num_factors, self.num_observed_factors, self.num_bins,
                                    self.prob_random)
        train, _ = self.labelled_sets(data)
        if len(train.labels) == 0:
            raise UserError("the labelled training set is empty; raise num_labelled_samples or train_percentage.")
        self.set_label_sizes(train.label_sizes)

    def training_dataset(self, data, batch_size, seed):
        """Unlabelled batches zipped with cycling labelled ones (data.labelled.semi_supervised_training_dataset)."""
        self.check_training_data(data)
        train, _ = self.labelled_sets(data)
        return labelled_lib.semi_supervised_training_dataset(data, batch_size, seed, train)

    # ------------------------------------------------------------------ losses
    def supervised_term(self, representation, labels):
        """R_s of the posterior means of the labelled batch."""
        if self.label_sizes is None:
            raise UserError(f"{self.name} does not know its labels yet: call model.check_training_data(data) "
                            "(the trainer does), or build it with label_sizes=...")
        if self.supervised_loss == "cov":
            return cov_loss(representation, labels)
        if self.supervised_loss == "embed":
            variables = self.supervised_variables
            sigma = variables.sigma if variables.sigma is not None else self.embed_sigma
            return embed_loss(representation, labels, variables.embeddings(), sigma)
        # xent and l2 sum over the batch: on N replicas the global-batch sum is N times a replica's
        # mean-scaled share, so each replica's sum is multiplied by N (the trainer divides by N).
        replicas = tf.distribute.get_replica_context()
        replicas = 1 if replicas is None else replicas.num_replicas_in_sync
        if self.supervised_loss == "xent":
            return xent_loss(representation, labels, self.label_sizes) * replicas
        return l2_loss(representation, labels, self.supervised_variables.scale) * replicas

    def _split_batch(self, batch):
        if not isinstance(batch, dict) or not {"images", "labelled_images", "labels"} <= set(batch):
            raise UserError(
                f"{self.name} trains on unlabelled and labelled images: pass a dict with 'images', "
                "'labelled_images' and 'labels', e.g. an element of model.training_dataset(data, batch_size, seed)."
            )
        return (self.check_images(batch["images"]), self.check_images(batch["labelled_images"]),
                tf.cast(batch["labels"], tf.float32))

    def compute_losses(self, batch, step, training=True, noise_step=None):
        """The unsupervised method's losses of batch["images"] plus gamma_sup(step) * supervised_loss.

        One encoder pass over both image batches (the encoder is
        per-example). Extra outputs: `supervised_loss` (R_s) and
        `gamma_sup` (its weight at `step`).
        """
        noise_step = step if noise_step is None else noise_step
        images, labelled_images, labels = self._split_batch(batch)
        num = tf.shape(images)[0]
        mean, logvar = self.gaussian_encoder(tf.concat([images, labelled_images], axis=0), training=training)
        losses = self.posterior_losses(images, mean[:num], logvar[:num], step, noise_step, training)
        supervised = self.supervised_term(mean[num:], labels)
        weight = annealed_weight(self.gamma_sup, step, self.iteration_threshold, self.annealer)
        losses["loss"] = losses["loss"] + weight * supervised
        if self.supervised_in_regularizer:
            losses["regularizer"] = losses["regularizer"] + weight * supervised
        losses["supervised_loss"] = supervised
        losses["gamma_sup"] = weight
        return losses

    def loss_names(self):
        return super().loss_names() + self.supervised_outputs

    def vae_variables(self):
        own = (self.supervised_variables.trainable_variables
               if self.trains_supervised_variables and self.supervised_variables is not None else [])
        return super().vae_variables() + list(own)


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class S2BetaVAE(S2Mixin, methods.BetaVAE):
    """S2 beta-VAE: recon + beta * KL + gamma_sup * R_s (dlib `S2BetaVAE`, gin name s2_vae)."""

    method_name = "s2_beta_vae"


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class S2FactorVAE(S2Mixin, methods.FactorVAE):
    """S2 FactorVAE: recon + KL + gamma * TC + gamma_sup * R_s (dlib `S2FactorVAE`), the discriminator as FactorVAE."""

    method_name = "s2_factor_vae"
    trains_supervised_variables = False
    supervised_in_regularizer = False


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class S2DIPVAE(S2Mixin, methods.DIPVAE):
    """S2 DIP-VAE-I / -II: recon + KL + DIP penalty + gamma_sup * R_s (dlib `S2DIPVAE`, dip_type "i" or "ii")."""

    method_name = "s2_dip_vae"

    def __init__(self, dip_type="i", name=None, **kwargs):
        super().__init__(dip_type=dip_type, name=name or f"s2_dip_vae_{dip_type}", **kwargs)


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class S2BetaTCVAE(S2Mixin, methods.BetaTCVAE):
    """S2 beta-TCVAE: recon + KL + (beta - 1) * TC + gamma_sup * R_s (dlib `S2BetaTCVAE`)."""

    method_name = "s2_beta_tc_vae"


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class SupervisedVAE(S2Mixin, GaussianVAE):
    """The fully supervised baseline (dlib `SupervisedVAE`, gin name supervised): loss = recon(sg(z)) + R_s.

    The encoder learns from R_s alone: the decoder reconstructs from the
    sample z with its gradient stopped, and there is no KL term (kl_loss and
    elbo are reported, not minimised). R_s is not weighted by gamma_sup.
    """

    method_name = "supervised"
    supervised_outputs = ("supervised_loss",)  # R_s is not weighted: no gamma_sup

    def __init__(self, **kwargs):
        for unused in ("gamma_sup", "annealer", "iteration_threshold"):
            kwargs.pop(unused, None)
        super().__init__(**kwargs)

    def supervision_config(self):
        config = super().supervision_config()
        for unused in ("gamma_sup", "annealer", "iteration_threshold"):
            config.pop(unused)
        return config

    def compute_losses(self, batch, step, training=True, noise_step=None):
        noise_step = step if noise_step is None else noise_step
        images, labelled_images, labels = self._split_batch(batch)
        num = tf.shape(images)[0]
        mean, logvar = self.gaussian_encoder(tf.concat([images, labelled_images], axis=0), training=training)
        mean, logvar, mean_labelled = mean[:num], logvar[:num], mean[num:]
        z = sample_latents(mean, logvar, self.noise_seed(noise_step, LATENT_NOISE_STREAM))
        logits = self.decode(tf.stop_gradient(z), training=training)
        recon = tf.reduce_mean(reconstruction_loss(images, logits, self.reconstruction))
        kl = tf.reduce_mean(regularizers.gaussian_kl(mean, logvar))
        supervised = self.supervised_term(mean_labelled, labels)
        return {"loss": recon + supervised, "reconstruction_loss": recon, "kl_loss": kl, "elbo": -(recon + kl),
                "regularizer": supervised, "supervised_loss": supervised}

    def optimizer_groups(self):
        return (OptimizerGroup("vae", "loss", self.vae_variables(), adam="vae"),)
