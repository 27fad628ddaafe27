"""The VAE methods by their study names: the six of the 2019 study, the weakly-supervised four, the semi-supervised six.

    from disent_tf import models
    model = models.get("factor_vae", input_shape=(64, 64, 3), gamma=20)
    losses = model.compute_losses(images, step)

`get` returns a built keras.Model (all variables exist, FactorVAE's
discriminator included) with the study's default hyperparameters unless
overridden; docs/models.md lists them. The model classes are imported on
first use (`get`, or an attribute such as `models.BetaVAE`), so that tools
which only check names and flags answer without loading TensorFlow.
"""

import importlib

from disent_tf.errors import UserError
from disent_tf.models import hparams as hparam_table

__all__ = ["GaussianVAE", "BetaVAE", "AnnealedVAE", "FactorVAE", "DIPVAE", "BetaTCVAE", "get", "names", "hparam_names",
           "check_hparams", "load", "custom_objects"]

# Study name -> (module, class, defaults that differ from the class's own).
# The two DIP-VAE variants are one class with different defaults, as in the study.
_METHODS = {
    "beta_vae": ("methods", "BetaVAE", {}),
    "annealed_vae": ("methods", "AnnealedVAE", {}),
    "factor_vae": ("methods", "FactorVAE", {}),
    "dip_vae_i": ("methods", "DIPVAE", {"lambda_od": 1.0, "lambda_d_factor": 10.0, "dip_type": "i"}),
    "dip_vae_ii": ("methods", "DIPVAE", {"lambda_od": 1.0, "lambda_d_factor": 1.0, "dip_type": "ii"}),
    "beta_tc_vae": ("methods", "BetaTCVAE", {}),
    # Weakly-supervised (Locatello et al. 2020), trained on pairs of images.
    "group_vae_labels": ("weak", "GroupVAELabels", {}),
    "ada_gvae": ("weak", "AdaGVAE", {}),
    "mlvae_labels": ("weak", "MLVAELabels", {}),
    "ada_ml_vae": ("weak", "AdaMLVAE", {}),
    # Semi-supervised (Locatello et al. 2020, few labels): unlabelled and labelled batches.
    "s2_beta_vae": ("semi_supervised", "S2BetaVAE", {}),
    "s2_factor_vae": ("semi_supervised", "S2FactorVAE", {}),
    "s2_dip_vae_i": ("semi_supervised", "S2DIPVAE", {"lambda_od": 1.0, "lambda_d_factor": 10.0, "dip_type": "i"}),
    "s2_dip_vae_ii": ("semi_supervised", "S2DIPVAE", {"lambda_od": 1.0, "lambda_d_factor": 1.0, "dip_type": "ii"}),
    "s2_beta_tc_vae": ("semi_supervised", "S2BetaTCVAE", {}),
    "supervised": ("semi_supervised", "SupervisedVAE", {}),
}
# Where the classes of `__all__` live.
_CLASSES = {"GaussianVAE": "vae", "BetaVAE": "methods", "AnnealedVAE": "methods", "FactorVAE": "methods",
            "DIPVAE": "methods", "BetaTCVAE": "methods"}
# Constructor arguments every method shares (not study hyperparameters).
_COMMON = ("reconstruction", "architecture", "seed", "precision")
# Constructor arguments a study name fixes (the DIP-VAE variant).
_FIXED = ("dip_type",)


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module(f"disent_tf.models.{_CLASSES[name]}"), name)
    raise AttributeError(f"module 'disent_tf.models' has no attribute {name!r}")


def names():
    """The study names `get` accepts."""
    return list(_METHODS)


def hparam_names(name):
    """The keyword arguments `get(name, ...)` accepts besides input_shape and num_latent.

    The method's hyperparameters (models/hparams.py), the constructor
    arguments a study name fixes, and the ones every method shares.
    """
    _check_name(name)
    defaults = _METHODS[name][2]
    # A semi-supervised model built outside the trainer may be given its labels' sizes (models/semi_supervised.py).
    extra = ["label_sizes"] if name in hparam_table.LABELLED_METHODS else []
    return (hparam_table.of_method(name) + [fixed for fixed in _FIXED if fixed in defaults] + extra
            + list(_COMMON))


def check_hparams(name, given):
    """`given` hyperparameters (name -> value) checked for method `name`; one-sentence UserError otherwise."""
    _check_name(name)
    return hparam_table.check_given(name, given)


def resolved_hparams(name, given):
    """`given` with every other hyperparameter of method `name` at its default (unknown names: as given)."""
    if name not in _METHODS:
        return dict(given)
    import inspect

    module, class_name, defaults = _METHODS[name]
    cls = getattr(importlib.import_module(f"disent_tf.models.{module}"), class_name)
    # Every class of the MRO: a semi-supervised model's own arguments and its unsupervised method's.
    signature = {key: parameter.default for klass in reversed(cls.__mro__) if "__init__" in vars(klass)
                 for key, parameter in inspect.signature(vars(klass)["__init__"]).parameters.items()
                 if parameter.default is not inspect.Parameter.empty}
    return {**{key: signature[key] for key in hparam_table.of_method(name) if key in signature}, **defaults,
            **{key: value for key, value in given.items()}}


def get(name, input_shape=(64, 64, 1), num_latent=10, **hparams):
    """Builds the method `name` with the study defaults, overridden by `hparams`.

    Raises UserError for an unknown name, an unknown hyperparameter or a value
    out of range.
    """
    _check_name(name)
    module, class_name, defaults = _METHODS[name]
    allowed = hparam_names(name)
    unknown = sorted(set(hparams) - set(allowed))
    if unknown:
        raise UserError(
            f"unknown hyperparameter(s) {', '.join(unknown)} for {name}; valid ones are {', '.join(allowed)}."
        )
    cls = getattr(importlib.import_module(f"disent_tf.models.{module}"), class_name)
    return cls(input_shape=input_shape, num_latent=num_latent, name=name, **{**defaults, **hparams})


def custom_objects():
    """{registered name: class} of every model class, for keras.saving.load_model(..., custom_objects=...).

    The classes register themselves with Keras when their module is
    imported; this imports them all, so a new process can load a .keras file.
    """
    import keras

    classes = {getattr(importlib.import_module(f"disent_tf.models.{module}"), class_name)
               for module, class_name, _ in _METHODS.values()}
    return {keras.saving.get_registered_name(cls): cls for cls in classes}


def load(path):
    """The model saved by `model.save(path)` to a .keras file: its config, weights and compiled optimizers."""
    import keras

    return keras.saving.load_model(path, custom_objects=custom_objects())


def _check_name(name):
    if name not in _METHODS:
        raise UserError(f"unknown model {name!r}; choose one of {', '.join(names())}.")
