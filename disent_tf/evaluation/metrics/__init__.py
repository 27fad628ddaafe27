"""The study's metrics by name: compute function and study defaults.

Each `compute_<metric>(data, representation_fn, rng, **defaults)` draws from
`rng` in the study's order and returns {result key: float}; each module also
has the array-level core (`<metric>_from_codes`) it calls.
"""

from disent_tf.evaluation.metrics import (beta_vae, dci, downstream, factor_vae, mig, modularity, sap,
                                          unsupervised)


class Metric:
    """A metric of the study: its compute function, defaults, and what it accepts."""

    def __init__(self, name, compute, defaults, prepare=None, estimator_seed=False, fits_gbt=False):
        self.name = name
        self.compute = compute
        self.defaults = dict(defaults)
        # prepare(data, sampler, rng, **defaults) -> (fit tasks, finish(results) -> scores):
        # metrics with independent classifier fits, which may run in worker processes.
        self.prepare = prepare
        self.estimator_seed = estimator_seed  # accepts estimator_seed
        self.fits_gbt = fits_gbt  # accepts gbt_backend

    @property
    def parallel(self):
        """True when compute accepts num_workers."""
        return self.prepare is not None


METRICS = {metric.name: metric for metric in (
    Metric("beta_vae", beta_vae.compute_beta_vae, beta_vae.STUDY_DEFAULTS),
    Metric("factor_vae", factor_vae.compute_factor_vae, factor_vae.STUDY_DEFAULTS),
    Metric("mig", mig.compute_mig, mig.STUDY_DEFAULTS),
    Metric("dci", dci.compute_dci, dci.STUDY_DEFAULTS, dci.prepare_dci, estimator_seed=True, fits_gbt=True),
    Metric("sap", sap.compute_sap, sap.STUDY_DEFAULTS, sap.prepare_sap, estimator_seed=True),
    Metric("modularity", modularity.compute_modularity_explicitness, modularity.STUDY_DEFAULTS,
           modularity.prepare_modularity_explicitness),
    Metric("downstream_lr", downstream.compute_downstream_lr, downstream.STUDY_DEFAULTS,
           downstream.prepare_downstream_lr, estimator_seed=True),
    Metric("downstream_gbt", downstream.compute_downstream_gbt, downstream.STUDY_DEFAULTS,
           downstream.prepare_downstream_gbt, estimator_seed=True, fits_gbt=True),
    Metric("unsupervised", unsupervised.compute_unsupervised, unsupervised.STUDY_DEFAULTS),
)}


def names():
    """Metric names in the order a full evaluation runs them."""
    return list(METRICS)
