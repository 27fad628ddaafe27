"""DCI disentanglement, completeness and informativeness: Eastwood & Williams,
"A Framework for the Quantitative Evaluation of Disentangled Representations",
ICLR 2018 (section 2), with gradient boosted trees as the study used.

Per factor j a GradientBoostingClassifier (scikit-learn defaults, fit by
evaluation/gbt.py unless gbt_backend="sklearn") predicts j from all codes;
R[i, j] = |feature importance of code i|. Disentanglement =
sum_i rho_i (1 - H_K(P_i.)), P_ij = R_ij / sum_k R_ik, rho_i = sum_j R_ij / sum R,
entropy base K = num_factors; completeness is the same on columns with base
D = num_codes; informativeness = mean accuracy over factors.
"""

import numpy as np
import scipy.stats
from disent_tf.evaluation import gbt, parallel, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, num_test=5000, batch_size=16)


def measure_dci(data, sampler, rng, num_train=10000, num_test=5000, batch_size=16, estimator_seed=0,
                gbt_backend=gbt.DEFAULT_BACKEND):
    """Fits of {"disentanglement", "completeness", "informativeness_train", "informativeness_test"}."""
    codes_train, factors_train = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    codes_test, factors_test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
    return _fits(codes_train, factors_train, codes_test, factors_test, estimator_seed, gbt_backend)


def dci_from_codes(codes_train, factors_train, codes_test, factors_test, num_workers=1, estimator_seed=0,
                   gbt_backend=gbt.DEFAULT_BACKEND):
    """Array-level core: codes (num_codes, N), integer factors (num_factors, N)."""
    return _fits(codes_train, factors_train, codes_test, factors_test, estimator_seed, gbt_backend).run(num_workers)


def _fits(codes_train, factors_train, codes_test, factors_test, estimator_seed, gbt_backend):
    """One GBT task per factor, and the function turning their results into the DCI scores."""
    tasks = [gbt_task(codes_train.T, factors_train[j, :], codes_test.T, factors_test[j, :], estimator_seed,
                      gbt_backend)
             for j in range(factors_train.shape[0])]

    def finish(results):
        importance = np.zeros([codes_train.shape[0], factors_train.shape[0]], dtype=np.float64)
        for j, (importances, _, _) in enumerate(results):
            importance[:, j] = np.abs(importances)
        return {"informativeness_train": float(np.mean([r[1] for r in results])),
                "informativeness_test": float(np.mean([r[2] for r in results])),
                "disentanglement": float(disentanglement(importance)),
                "completeness": float(completeness(importance))}

    return base.Fits(tasks, finish)


def gbt_task(x_train, y_train, x_test, y_test, seed, backend=gbt.DEFAULT_BACKEND):
    """A parallel.Task fitting GradientBoostingClassifier(); cost ~ trees x points."""
    return parallel.Task(fit_gbt, (x_train, y_train, x_test, y_test, seed, backend),
                         gbt.relative_cost(y_train, backend))


def fit_gbt(x_train, y_train, x_test, y_test, seed, backend=gbt.DEFAULT_BACKEND):
    """(feature importances, train accuracy, test accuracy) of a default GBT.

    The study left random_state unset (numpy's global generator, so runs did
    not repeat); we pin it to the metric seed so that runs and the parallel
    and serial paths agree. It only breaks ties between equally good splits.
    """
    model = gbt.make_classifier(backend, random_state=seed)
    model.fit(x_train, y_train)
    return (model.feature_importances_, np.mean(model.predict(x_train) == y_train),
            np.mean(model.predict(x_test) == y_test))


def disentanglement(importance):
    """Sum over codes of rho_i (1 - H_K(P_i.)); entropies on R + 1e-11, all-zero R -> ones weights."""
    per_code = 1. - scipy.stats.entropy(importance.T + 1e-11, base=importance.shape[1])
    if importance.sum() == 0.:
        importance = np.ones_like(importance)
    code_importance = importance.sum(axis=1) / importance.sum()
    return np.sum(per_code * code_importance)


def completeness(importance):
    """Sum over factors of w_j (1 - H_D(P_.j)); entropies on R + 1e-11, all-zero R -> ones weights."""
    per_factor = 1. - scipy.stats.entropy(importance + 1e-11, base=importance.shape[0])
    if importance.sum() == 0.:
        importance = np.ones_like(importance)
    factor_importance = importance.sum(axis=0) / importance.sum()
    return np.sum(per_factor * factor_importance)


METRIC = base.Metric("dci", measure_dci, STUDY_DEFAULTS, base.scale_counts("num_train", "num_test"),
                     options=("estimator_seed", "gbt_backend"), estimators=("gbt",))
compute_dci = METRIC.compute
