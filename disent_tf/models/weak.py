"""Weakly-supervised VAEs trained on pairs: Locatello et al., ICML 2020 (arXiv:2002.02886), section 4.

Each model encodes both images of a pair (x1, x2) with the shared encoder,
replaces the posterior of every *shared* latent dimension of both images by
an average of the two posteriors, and maximises the beta-ELBO of both images
under the averaged posteriors. Two choices make the four methods:

- the average a(q1, q2) per dimension: GroupVAE (Hosoya 2019,
  arXiv:1809.02383) takes the arithmetic mean of the means and of the
  variances; ML-VAE (Bouchacourt et al. 2018, arXiv:1705.08841) a product of
  experts, in disentanglement_lib's form (`MLVae.model_fn`): the normalised
  product q1^(1/2) q2^(1/2), whose mean is the product-of-experts mean
  (m1/v1 + m2/v2) / (1/v1 + 1/v2) and whose variance is the harmonic mean
  2 v1 v2 / (v1 + v2) (twice the product-of-experts variance);
- which dimensions are shared: the "labels" variants (dlib's
  `aggregate_labels`) keep only the latent dimension whose index is the
  pair's `label` (a changed factor) and average all others; the adaptive
  variants, Ada-GVAE and Ada-ML-VAE (the paper's Eq. 7 and dlib's
  `aggregate_argmax`), compute delta_i = KL(q(z_i|x1) || q(z_i|x2)) per pair
  and average the dimensions with delta_i below tau = (max_i delta_i +
  min_i delta_i) / 2.

Objective, averaged as dlib does (`GroupVAEBase.model_fn`):
loss = 0.5 (recon(x1) + recon(x2)) + beta * 0.5 (KL(q~(z|x1) || p) + KL(q~(z|x2) || p)),
each term a batch mean; the paper writes the sum of the two images' terms,
i.e. twice this.

The models keep GaussianVAE's single-image interface (`gaussian_encoder`,
`decode`, `call` = posterior mean), so export is unchanged; only
`compute_losses` takes a pair batch (data.pairs.pair_training_dataset).
"""

import keras
import tensorflow as tf

from disent_tf.data import pairs
from disent_tf.errors import UserError
from disent_tf.models.hparams import check
from disent_tf.models.vae import SERIALIZATION_PACKAGE
from disent_tf.models.vae import GaussianVAE


# ------------------------------------------------------------ pure functions
def posterior_kl(mean1, logvar1, mean2, logvar2):
    """KL(N(mean1, exp(logvar1)) || N(mean2, exp(logvar2))) per dimension, shape (n, d).

    dlib's `compute_kl` returns twice this (it omits the 1/2); the adaptive
    threshold is the same for both, since it is invariant to scaling delta.
    """
    ratio = tf.exp(logvar1 - logvar2)
    return 0.5 * (ratio + tf.square(mean2 - mean1) * tf.exp(-logvar2) - 1.0 + logvar2 - logvar1)


def group_average(mean1, logvar1, mean2, logvar2):
    """GroupVAE's average: mean (m1 + m2) / 2, variance (v1 + v2) / 2; returns (mean, logvar)."""
    mean = 0.5 * mean1 + 0.5 * mean2
    logvar = tf.math.log(0.5 * tf.exp(logvar1) + 0.5 * tf.exp(logvar2))
    return mean, logvar


def ml_average(mean1, logvar1, mean2, logvar2):
    """ML-VAE's average as dlib: variance 2 v1 v2 / (v1 + v2), mean (m1/v1 + m2/v2) * variance / 2."""
    var1, var2 = tf.exp(logvar1), tf.exp(logvar2)
    var = 2.0 * var1 * var2 / (var1 + var2)
    mean = (mean1 / var1 + mean2 / var2) * var * 0.5
    return mean, tf.math.log(var)


AVERAGES = {"group": group_average, "ml": ml_average}


def adaptive_shared(kl):
    """True where a dimension is averaged: delta_i < (max delta + min delta) / 2, per row of kl (n, d).

    Decided as dlib's `discretize_in_bins` (tf.histogram_fixed_width_bins with
    2 bins over [min, max]): a dimension is kept when
    (delta_i - min) / (max - min) * 2 >= 1. When every delta of a pair is
    equal the ratio is NaN, the comparison false, and all dimensions are
    averaged, as there.
    """
    low = tf.reduce_min(kl, axis=1, keepdims=True)
    high = tf.reduce_max(kl, axis=1, keepdims=True)
    keep = (kl - low) / (high - low) * 2.0 >= 1.0
    return tf.logical_not(keep)


def label_shared(label, num_latent):
    """True where a dimension is averaged: every dimension except the one indexed by `label` (n,).

    As dlib's `aggregate_labels`: a dimension is kept where its one-hot entry
    equals the row maximum, so a label >= num_latent (an all-zero row) keeps
    every dimension.
    """
    one_hot = tf.one_hot(tf.cast(label, tf.int32), num_latent)
    return tf.not_equal(one_hot, tf.reduce_max(one_hot, axis=1, keepdims=True))


def aggregate(mean, logvar, average_mean, average_logvar, shared):
    """The posterior of one image with its shared dimensions replaced by the pair's average."""
    return tf.where(shared, average_mean, mean), tf.where(shared, average_logvar, logvar)


# -------------------------------------------------------------------- models


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class WeakVAE(GaussianVAE):
    """A GaussianVAE trained on pairs; subclasses fix `average` and `uses_labels`.

    k and pair_rule describe the training pairs (data.pairs.sample_pairs):
    k changed factors per pair (-1: random per pair), under the "paper" or
    the "original" (disentanglement_lib) rule. They do not enter the loss;
    `training_dataset` builds the matching input.
    """

    average = "group"
    uses_labels = False
    extra_losses = ("shared_dimensions",)

    def __init__(self, beta=1.0, k=1, pair_rule="paper", **kwargs):
        self.beta = check("beta", beta)
        self.k = check("k", k)
        self.pair_rule = check("pair_rule", pair_rule)
        super().__init__(**kwargs)

    def method_config(self):
        return {"beta": self.beta, "k": self.k, "pair_rule": self.pair_rule}

    def check_training_data(self, data):
        """Raises a UserError if `data` cannot give this model's pairs (e.g. k >= its number of factors)."""
        pairs.check_pair_input(data, self.k, self.pair_rule)

    def training_dataset(self, data, batch_size, seed):
        """The pair input this model trains on (data.pairs.pair_training_dataset with its k and rule)."""
        return pairs.pair_training_dataset(data, batch_size, seed, k=self.k, rule=self.pair_rule)

    def regularizer(self, kl_loss, z_mean, z_logvar, z_sampled, step, noise_step):
        del z_mean, z_logvar, z_sampled, step, noise_step
        return {"regularizer": self.beta * kl_loss}

    def fit_batch(self, data):
        """fit's dataset yields the pair dicts of `training_dataset` as they are."""
        return data

    def shared_dimensions(self, batch, mean1, logvar1, mean2, logvar2):
        """bool (n, num_latent): True where both posteriors are replaced by their average."""
        if self.uses_labels:
            return label_shared(batch["label"], self.num_latent)
        return adaptive_shared(posterior_kl(mean1, logvar1, mean2, logvar2))

    def compute_losses(self, batch, step, training=True, noise_step=None):
        """All losses of one pair batch (a dict with `images1`, `images2` and, for labels models, `label`).

        Scalars averaged over the (local) batch, as GaussianVAE.compute_losses
        (`noise_step` as there); `shared_dimensions` is the mean number of
        averaged latent dimensions per pair.
        """
        noise_step = step if noise_step is None else noise_step
        images1, images2 = self._check_batch(batch)
        num = tf.shape(images1)[0]
        # One encoder pass over both halves: the encoder is per-example.
        mean, logvar = self.gaussian_encoder(tf.concat([images1, images2], axis=0), training=training)
        mean1, mean2 = mean[:num], mean[num:]
        logvar1, logvar2 = logvar[:num], logvar[num:]
        shared = self.shared_dimensions(batch, mean1, logvar1, mean2, logvar2)
        average_mean, average_logvar = AVERAGES[self.average](mean1, logvar1, mean2, logvar2)
        post1 = aggregate(mean1, logvar1, average_mean, average_logvar, shared)
        post2 = aggregate(mean2, logvar2, average_mean, average_logvar, shared)
        post_mean = tf.concat([post1[0], post2[0]], axis=0)
        post_logvar = tf.concat([post1[1], post2[1]], axis=0)
        # Both halves have the same size, so each batch mean over 2n is 0.5 * (mean1 + mean2).
        losses = self.posterior_losses(tf.concat([images1, images2], axis=0), post_mean, post_logvar, step,
                                       noise_step, training)
        losses["shared_dimensions"] = tf.reduce_mean(tf.reduce_sum(tf.cast(shared, tf.float32), axis=1))
        return losses

    def _check_batch(self, batch):
        if not isinstance(batch, dict) or "images1" not in batch or "images2" not in batch:
            raise UserError(
                f"{self.name} trains on pairs: pass a dict with 'images1' and 'images2', e.g. an element of "
                "model.training_dataset(data, batch_size, seed)."
            )
        if self.uses_labels and "label" not in batch:
            raise UserError(
                f"{self.name} needs the index of a changed factor per pair: pass a batch with 'label' "
                "(data.pairs.pair_training_dataset provides it), or use the adaptive ada_gvae / ada_ml_vae."
            )
        return self.check_images(batch["images1"]), self.check_images(batch["images2"])


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class GroupVAELabels(WeakVAE):
    """GroupVAE with the changed factor known (dlib `group_vae_labels`)."""

    method_name = "group_vae_labels"
    average = "group"
    uses_labels = True


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class AdaGVAE(WeakVAE):
    """Ada-GVAE: GroupVAE average, adaptive shared dimensions (paper section 4; dlib `group_vae_argmax`)."""

    method_name = "ada_gvae"
    average = "group"
    uses_labels = False


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class MLVAELabels(WeakVAE):
    """ML-VAE with the changed factor known (dlib `mlvae_labels`)."""

    method_name = "mlvae_labels"
    average = "ml"
    uses_labels = True


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class AdaMLVAE(WeakVAE):
    """Ada-ML-VAE: ML-VAE average, adaptive shared dimensions (paper section 4; dlib `mlvae_argmax`)."""

    method_name = "ada_ml_vae"
    average = "ml"
    uses_labels = False
