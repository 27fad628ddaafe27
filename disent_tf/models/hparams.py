"""The methods' hyperparameters, listed once: name, type, methods, label, allowed range, help.

bin/train's hyperparameter flags, the checks every constructor makes, the
hyperparameters a method accepts and the plot labels all come from HPARAMS.
A method's constructor still names its own hyperparameters (they are its
arguments); `check` validates each value against this table.
"""

import dataclasses
import math
from typing import Optional, Tuple

from disent_tf.errors import UserError

# The Keras dtype policies a model's hidden layers may use (models/architectures.py); the first is the study's.
PRECISIONS = ("float32", "mixed_bfloat16")


@dataclasses.dataclass(frozen=True)
class HParam:
    """One hyperparameter of one or more methods."""

    name: str
    type: type
    methods: Tuple[str, ...]
    label: str
    help: str
    minimum: float = 0
    # Values below `minimum` that still mean something (e.g. k = -1: drawn per pair).
    special: Tuple[float, ...] = ()
    maximum: Optional[float] = None
    # The allowed values of a string hyperparameter.
    choices: Tuple[str, ...] = ()


WEAK_METHODS = ("group_vae_labels", "ada_gvae", "mlvae_labels", "ada_ml_vae")
# Semi-supervised (Locatello et al. 2020, few labels): the S2 methods weight a supervised loss by gamma_sup;
# `supervised`, the fully supervised baseline, does not.
S2_METHODS = ("s2_beta_vae", "s2_factor_vae", "s2_dip_vae_i", "s2_dip_vae_ii", "s2_beta_tc_vae")
LABELLED_METHODS = S2_METHODS + ("supervised",)
HPARAMS = (
    HParam("beta", float, ("beta_vae", "beta_tc_vae", "s2_beta_vae", "s2_beta_tc_vae") + WEAK_METHODS, "β", "Weight of the KL (beta_vae and the "
           "weakly-supervised methods) or of the total correlation (beta_tc_vae, as beta - 1)."),
    HParam("gamma", float, ("annealed_vae", "factor_vae", "s2_factor_vae"), "γ", "Weight of the capacity term (annealed_vae) "
           "or of the total correlation (factor_vae)."),
    HParam("c_max", float, ("annealed_vae",), "C_max", "Final KL capacity (annealed_vae)."),
    HParam("iteration_threshold", int, ("annealed_vae",) + S2_METHODS, "iteration threshold",
           "Steps over which the capacity grows to c_max (annealed_vae), or the step T of the S2 methods' "
           "annealer (anneal: gamma_sup * min(1, step / T); fine_tune: 0 until step T).", minimum=1),
    HParam("lambda_od", float, ("dip_vae_i", "dip_vae_ii", "s2_dip_vae_i", "s2_dip_vae_ii"), "λ_od",
           "Weight of the off-diagonal covariance penalty (dip_vae_i, dip_vae_ii)."),
    HParam("lambda_d_factor", float, ("dip_vae_i", "dip_vae_ii", "s2_dip_vae_i", "s2_dip_vae_ii"), "λ_d / λ_od",
           "Diagonal weight = lambda_d_factor * lambda_od (dip_vae_i, dip_vae_ii)."),
    HParam("k", int, WEAK_METHODS, "k", "Factors that differ within a training pair, or -1 for a number drawn "
           "per pair (weakly-supervised methods; at most the number of factors - 1).", minimum=1, special=(-1,)),
    HParam("pair_rule", str, WEAK_METHODS, "pair rule", "How pairs are drawn: paper (exactly k factors differ) or "
           "original (disentanglement_lib's sampler, which the study ran; docs/data.md).",
           choices=("paper", "original")),
    HParam("gamma_sup", float, S2_METHODS, "γ_sup", "Weight of the supervised loss on the labelled batch "
           "(S2 methods)."),
    HParam("supervised_loss", str, LABELLED_METHODS, "supervised loss", "Supervised loss on the labelled "
           "images' posterior means: xent (cross-entropy on labels / their number of values), l2, cov "
           "(off-diagonal cross-covariance) or embed (docs/models.md).", choices=("xent", "l2", "cov", "embed")),
    HParam("annealer", str, S2_METHODS, "annealer", "Schedule of gamma_sup: fixed, anneal (linear up to "
           "--iteration_threshold) or fine_tune (0 until --iteration_threshold).",
           choices=("fixed", "anneal", "fine_tune")),
    HParam("num_labelled_samples", int, LABELLED_METHODS, "labelled samples", "Size of the labelled set, "
           "drawn once from --supervised_seed (the paper: 100 or 1000).", minimum=1),
    HParam("labeller", str, LABELLED_METHODS, "labeller", "How the labelled set is labelled: perfect, binned "
           "(--num_bins), noisy (--prob_random), permuted (each factor's values shuffled) or partial "
           "(--num_observed_factors factors).", choices=("perfect", "binned", "noisy", "permuted", "partial")),
    HParam("train_percentage", float, LABELLED_METHODS, "train fraction", "Fraction of the labelled set that "
           "trains the model; the rest validates it.", minimum=0.001, maximum=1.0),
    HParam("supervised_seed", int, LABELLED_METHODS, "supervised seed", "Seed of the labelled set (its points "
           "and the labeller's noise); few-label model selection draws the same set."),
    HParam("num_bins", int, LABELLED_METHODS, "bins", "Bins per factor of the binned labeller.", minimum=1),
    HParam("prob_random", float, LABELLED_METHODS, "p(random label)", "Probability that the noisy labeller "
           "replaces a label by a uniform value.", maximum=1.0),
    HParam("num_observed_factors", int, LABELLED_METHODS, "observed factors", "Factors the partial labeller "
           "keeps, chosen at random.", minimum=1),
    HParam("embed_sigma", float, LABELLED_METHODS, "σ", "Temperature of the embed loss; 0: learned (the "
           "original's sigma='learn')."),
    HParam("embed_use_order", int, LABELLED_METHODS, "use order", "1: the embed loss places a factor's values "
           "on a learned line (slope * value + bias), 0: a free embedding per value.", maximum=1),
)
BY_NAME = {hparam.name: hparam for hparam in HPARAMS}


def names():
    """Every hyperparameter name, in table order."""
    return [hparam.name for hparam in HPARAMS]


def of_method(method):
    """The names of the hyperparameters `method` takes, in table order."""
    return [hparam.name for hparam in HPARAMS if method in hparam.methods]


def label(name):
    """The label a figure gives the hyperparameter (the name itself when it is not in the table)."""
    return BY_NAME[name].label if name in BY_NAME else name


def check(name, value):
    """`value` as the hyperparameter's type if it is finite and in range; one-sentence UserError otherwise."""
    hparam = BY_NAME[name]
    if hparam.type is str:
        if value not in hparam.choices:
            raise UserError(f"{name} must be one of {', '.join(repr(c) for c in hparam.choices)}, got {value!r}.")
        return value
    integer = hparam.type is int
    try:
        number = int(value) if integer else float(value)
        # number == value rejects NaN, strings and, for integers, 2.5.
        valid = (number == value and not isinstance(value, bool) and math.isfinite(number)
                 and (number >= hparam.minimum or number in hparam.special)
                 and (hparam.maximum is None or number <= hparam.maximum))
    except (TypeError, ValueError, OverflowError):
        valid = False
    if not valid:
        kind = "an integer" if integer else "a number"
        allowed = f">= {hparam.minimum}" + (f" or {', '.join(map(str, hparam.special))}" if hparam.special else "")
        if hparam.maximum is not None:
            allowed += f" and <= {hparam.maximum}"
        # Infinity is refused too: it would only diverge at the first step.
        raise UserError(f"{name} must be {kind} {allowed}, got {value!r}.")
    return number


def check_given(method, given):
    """`given` (name -> value) checked for `method`: every name must be one of its hyperparameters."""
    own = of_method(method)
    for name in given:
        if name not in own:
            flags = ", ".join(f"--{hparam}" for hparam in own) or "none"
            raise UserError(f"--{name} does not apply to {method}; its hyperparameter flags are {flags}.")
    return {name: check(name, value) for name, value in given.items()}
