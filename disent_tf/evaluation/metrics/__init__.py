"""The metrics by name, each declared by its own module (`<module>.METRIC`, see base.py).

`names()` lists every metric in the order a full evaluation runs them:
first the study's nine (`--metrics=all`), then the ones the field added
since (`--metrics=extended` adds them). Each module has an entry point
`measure_<metric>` over an array-level core `<metric>_from_codes`, and
`compute_<metric>` (the same as a dict-returning library call). UDR scores a
set of models against each other, so it lives apart (evaluation/udr/).

The names, groups and declaring modules are written out here, and a metric's
module is imported only when `get` asks for it: several import
scikit-learn, SciPy or numba, and bin/evaluate checks --metrics before any of that loads
(tests/evaluation/test_metric_names.py checks this table against the modules).
"""

import importlib

# The metrics of Locatello et al. 2019, in the order its evaluation ran them: name -> (module, attribute).
_STUDY = {
    "beta_vae": ("beta_vae", "METRIC"),
    "factor_vae": ("factor_vae", "METRIC"),
    "mig": ("mig", "METRIC"),
    "dci": ("dci", "METRIC"),
    "sap": ("sap", "METRIC"),
    "modularity": ("modularity", "METRIC"),
    "downstream_lr": ("downstream", "LR_METRIC"),
    "downstream_gbt": ("downstream", "GBT_METRIC"),
    "unsupervised": ("unsupervised", "METRIC"),
}
# disentanglement_lib's later metrics, then those proposed since (docs/metrics.md).
_EXTENDED = {
    "irs": ("irs", "METRIC"),
    "fairness": ("fairness", "METRIC"),
    "reduced_downstream": ("reduced_downstream", "METRIC"),
    "strong_downstream": ("strong_downstream", "METRIC"),
    "dci_es": ("dci_es", "METRIC"),
    "infomec": ("infomec", "METRIC"),
    "mig_sup": ("mig_sup", "METRIC"),
    "jemmig": ("jemmig", "METRIC"),
    "dcimig": ("dcimig", "METRIC"),
    "z_min_variance": ("z_variance", "Z_MIN_METRIC"),
    "z_max_variance": ("z_variance", "Z_MAX_METRIC"),
}
DECLARED_BY = {**_STUDY, **_EXTENDED}
# Names that stand for a group of metrics in --metrics.
GROUPS = {"all": list(_STUDY), "extended": list(DECLARED_BY)}


def names():
    """Every metric name, in the order a full evaluation runs them."""
    return list(DECLARED_BY)


def get(name):
    """The `base.Metric` called `name` (KeyError for an unknown one), its module imported on first use."""
    module, attribute = DECLARED_BY[name]
    return getattr(importlib.import_module(f"disent_tf.evaluation.metrics.{module}"), attribute)

