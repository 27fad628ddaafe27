"""The six VAE methods of Locatello et al. 2019 by their study names.

    from disent_tf import models
    model = models.get("factor_vae", input_shape=(64, 64, 3), gamma=20)
    losses = model.compute_losses(images, step)

`get` returns a built keras.Model (all variables exist, FactorVAE's
discriminator included) with the study's default hyperparameters unless
overridden; docs/models.md lists them.
"""

import inspect

from disent_tf.errors import UserError
from disent_tf.models.methods import AnnealedVAE
from disent_tf.models.methods import BetaTCVAE
from disent_tf.models.methods import BetaVAE
from disent_tf.models.methods import DIPVAE
from disent_tf.models.methods import FactorVAE
from disent_tf.models.vae import GaussianVAE

__all__ = ["GaussianVAE", "BetaVAE", "AnnealedVAE", "FactorVAE", "DIPVAE", "BetaTCVAE", "get", "names", "hparam_names"]

# Study name -> (class, defaults that differ from the class's own). The two
# DIP-VAE variants are one class with different defaults, as in the study.
_METHODS = {
    "beta_vae": (BetaVAE, {}),
    "annealed_vae": (AnnealedVAE, {}),
    "factor_vae": (FactorVAE, {}),
    "dip_vae_i": (DIPVAE, {"lambda_od": 1.0, "lambda_d_factor": 10.0, "dip_type": "i"}),
    "dip_vae_ii": (DIPVAE, {"lambda_od": 1.0, "lambda_d_factor": 1.0, "dip_type": "ii"}),
    "beta_tc_vae": (BetaTCVAE, {}),
}
# Constructor arguments every method shares (not study hyperparameters).
_COMMON = ("reconstruction", "architecture", "seed")


def names():
    """The study names `get` accepts."""
    return list(_METHODS)


def hparam_names(name):
    """The keyword arguments `get(name, ...)` accepts besides input_shape and num_latent."""
    cls, _ = _lookup(name)
    own = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "name", "kwargs")]
    return own + list(_COMMON)


def get(name, input_shape=(64, 64, 1), num_latent=10, **hparams):
    """Builds the method `name` with the study defaults, overridden by `hparams`.

    Raises UserError for an unknown name, an unknown hyperparameter or a value
    out of range.
    """
    cls, defaults = _lookup(name)
    allowed = hparam_names(name)
    unknown = sorted(set(hparams) - set(allowed))
    if unknown:
        raise UserError(
            f"unknown hyperparameter(s) {', '.join(unknown)} for {name}; valid ones are {', '.join(allowed)}."
        )
    arguments = {**defaults, **hparams}
    return cls(input_shape=input_shape, num_latent=num_latent, name=name, **arguments)


def _lookup(name):
    if name not in _METHODS:
        raise UserError(f"unknown model {name!r}; choose one of {', '.join(names())}.")
    return _METHODS[name]
