"""The metrics by name, each declared by its own module (`<module>.METRIC`, see base.py).

`METRICS` lists every metric in the order a full evaluation runs them:
first the study's nine (`--metrics=all`), then the ones the field added
since (`--metrics=extended` adds them). Each module has an entry point
`measure_<metric>` over an array-level core `<metric>_from_codes`, and
`compute_<metric>` (the same as a dict-returning library call). UDR scores a
set of models against each other, so it lives apart (evaluation/udr/).
"""

from disent_tf.evaluation.metrics import (beta_vae, dci, dci_es, dcimig, downstream, factor_vae, fairness, infomec,
                                          irs, jemmig, mig, mig_sup, modularity, reduced_downstream, sap,
                                          strong_downstream, unsupervised, z_variance)

# The metrics of Locatello et al. 2019, in the order its evaluation ran them.
STUDY_METRICS = (
    beta_vae.METRIC,
    factor_vae.METRIC,
    mig.METRIC,
    dci.METRIC,
    sap.METRIC,
    modularity.METRIC,
    downstream.LR_METRIC,
    downstream.GBT_METRIC,
    unsupervised.METRIC,
)
# disentanglement_lib's later metrics, then those proposed since (docs/metrics.md).
EXTENDED_METRICS = (
    irs.METRIC,
    fairness.METRIC,
    reduced_downstream.METRIC,
    strong_downstream.METRIC,
    dci_es.METRIC,
    infomec.METRIC,
    mig_sup.METRIC,
    jemmig.METRIC,
    dcimig.METRIC,
    z_variance.Z_MIN_METRIC,
    z_variance.Z_MAX_METRIC,
)
METRICS = {metric.name: metric for metric in STUDY_METRICS + EXTENDED_METRICS}
# Names that stand for a group of metrics in --metrics.
GROUPS = {"all": [metric.name for metric in STUDY_METRICS],
          "extended": [metric.name for metric in STUDY_METRICS + EXTENDED_METRICS]}


def names():
    """Every metric name, in the order a full evaluation runs them."""
    return list(METRICS)
