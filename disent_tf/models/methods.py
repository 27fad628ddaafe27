"""The six methods of the study: each is GaussianVAE with its own regularizer.

Defaults are the first value of each method's sweep in Locatello et al. 2019
(REFERENCE.md section 2, disentanglement_lib's unsupervised_study_v1), and the
fixed values of that study (annealed_vae gamma 1000, iteration_threshold
100000; dip_vae lambda_d_factor 10 for DIP-I and 1 for DIP-II).
"""

import keras
import tensorflow as tf

from disent_tf.models import architectures
from disent_tf.models import regularizers
from disent_tf.models.hparams import check
from disent_tf.models.vae import SHUFFLE_STREAM
from disent_tf.models.vae import SERIALIZATION_PACKAGE
from disent_tf.models.vae import GaussianVAE
from disent_tf.models.vae import OptimizerGroup
from disent_tf.models.vae import check_choice

# FactorVAE discriminator probabilities are clipped as in disentanglement_lib.
PROBABILITY_CLIP = 1e-6


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class BetaVAE(GaussianVAE):
    """beta-VAE, Higgins et al. 2017 (Eq. 4): loss = recon + beta * KL."""

    method_name = "beta_vae"

    def __init__(self, beta=1.0, **kwargs):
        self.beta = check("beta", beta)
        super().__init__(**kwargs)

    def method_config(self):
        return {"beta": self.beta}

    def regularizer(self, kl_loss, z_mean, z_logvar, z_sampled, step, noise_step):
        return {"regularizer": self.beta * kl_loss}


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class AnnealedVAE(GaussianVAE):
    """AnnealedVAE, Burgess et al. 2018 (Eq. 8): loss = recon + gamma * |KL - C(step)|."""

    method_name = "annealed_vae"
    extra_losses = ("capacity",)

    def __init__(self, gamma=1000.0, c_max=5.0, iteration_threshold=100000, **kwargs):
        self.gamma = check("gamma", gamma)
        self.c_max = check("c_max", c_max)
        self.iteration_threshold = check("iteration_threshold", iteration_threshold)
        super().__init__(**kwargs)

    def method_config(self):
        return {"gamma": self.gamma, "c_max": self.c_max, "iteration_threshold": self.iteration_threshold}

    def regularizer(self, kl_loss, z_mean, z_logvar, z_sampled, step, noise_step):
        capacity = regularizers.annealed_capacity(self.c_max, step, self.iteration_threshold)
        return {"regularizer": self.gamma * tf.abs(kl_loss - capacity), "capacity": capacity}


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class FactorVAE(GaussianVAE):
    """FactorVAE, Kim & Mnih 2018 (Eq. 2): loss = recon + KL + gamma * TC.

    TC = mean_j (logit_0(z_j) - logit_1(z_j)) from a discriminator trained, by
    its own optimizer, to tell z (class 0) from z shuffled per dimension
    (class 1): discriminator_loss = -(0.5 mean log p_0(z) + 0.5 mean log p_1(z_shuffled)).
    """

    method_name = "factor_vae"
    extra_losses = ("tc", "discriminator_loss")

    def __init__(self, gamma=10.0, **kwargs):
        self.gamma = check("gamma", gamma)
        super().__init__(**kwargs)
        self.discriminator = architectures.discriminator(self.num_latent, self.seed, self.precision)

    def method_config(self):
        return {"gamma": self.gamma}

    def regularizer(self, kl_loss, z_mean, z_logvar, z_sampled, step, noise_step):
        shuffled = regularizers.shuffle_codes(z_sampled, self.noise_seed(noise_step, SHUFFLE_STREAM))
        # One discriminator pass over both halves; the VAE group does not own the
        # discriminator's variables and the discriminator group does not own the
        # encoder's, so each optimizer follows only its own gradient.
        logits = self.discriminator(tf.concat([z_sampled, shuffled], axis=0))
        logits_z, logits_shuffled = tf.split(logits, 2, axis=0)
        probs_z = tf.clip_by_value(tf.nn.softmax(logits_z), PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
        probs_shuffled = tf.clip_by_value(tf.nn.softmax(logits_shuffled), PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
        tc = tf.reduce_mean(logits_z[:, 0] - logits_z[:, 1])
        discriminator_loss = -(
            0.5 * tf.reduce_mean(tf.math.log(probs_z[:, 0])) + 0.5 * tf.reduce_mean(tf.math.log(probs_shuffled[:, 1]))
        )
        return {"regularizer": kl_loss + self.gamma * tc, "tc": tc, "discriminator_loss": discriminator_loss}

    def optimizer_groups(self):
        return (
            OptimizerGroup("vae", "loss", self.vae_variables(), adam="vae"),
            OptimizerGroup("discriminator", "discriminator_loss", self.discriminator.trainable_variables,
                           adam="discriminator"),
        )


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class DIPVAE(GaussianVAE):
    """DIP-VAE, Kumar et al. 2018 (Eqs. 6, 7): loss = recon + KL + DIP penalty of Cov[mu] (i) or Cov[z] (ii).

    penalty = lambda_od * sum_{i!=j} C_ij^2 + lambda_d_factor * lambda_od * sum_i (C_ii - 1)^2.
    """

    method_name = "dip_vae"
    extra_losses = ("cov_penalty",)
    DIP_TYPES = ("i", "ii")

    def __init__(self, lambda_od=1.0, lambda_d_factor=10.0, dip_type="i", name=None, **kwargs):
        self.lambda_od = check("lambda_od", lambda_od)
        self.lambda_d_factor = check("lambda_d_factor", lambda_d_factor)
        self.dip_type = check_choice("dip_type", dip_type, self.DIP_TYPES)
        super().__init__(name=name or f"dip_vae_{dip_type}", **kwargs)

    def method_config(self):
        return {"lambda_od": self.lambda_od, "lambda_d_factor": self.lambda_d_factor, "dip_type": self.dip_type}

    def regularizer(self, kl_loss, z_mean, z_logvar, z_sampled, step, noise_step):
        covariance_of = regularizers.dip_i_covariance if self.dip_type == "i" else regularizers.dip_ii_covariance
        penalty = regularizers.dip_penalty(
            covariance_of(z_mean, z_logvar), self.lambda_od, self.lambda_d_factor * self.lambda_od
        )
        return {"regularizer": kl_loss + penalty, "cov_penalty": penalty}


@keras.saving.register_keras_serializable(package=SERIALIZATION_PACKAGE)
class BetaTCVAE(GaussianVAE):
    """beta-TCVAE, Chen et al. 2018 (Eq. 5, alpha = gamma = 1): loss = recon + KL + (beta - 1) * TC."""

    method_name = "beta_tc_vae"
    extra_losses = ("tc",)

    def __init__(self, beta=1.0, **kwargs):
        self.beta = check("beta", beta)
        super().__init__(**kwargs)

    def method_config(self):
        return {"beta": self.beta}

    def regularizer(self, kl_loss, z_mean, z_logvar, z_sampled, step, noise_step):
        tc = regularizers.total_correlation(z_sampled, z_mean, z_logvar)
        return {"regularizer": kl_loss + (self.beta - 1.0) * tc, "tc": tc}
