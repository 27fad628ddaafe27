"""SAP score: Kumar et al., "Variational Inference of Disentangled Latent
Concepts from Unlabeled Observations", ICLR 2018 (section 3).

Score matrix S[i, j]: for discrete factors, the test accuracy of a
LinearSVC(C=0.01, class_weight="balanced") predicting factor j from code i
alone; for continuous factors, the squared correlation of code i and factor j
(0 when var(code i) <= 1e-12). SAP = mean over factors of the gap between the
two largest entries of S[:, j].
"""

import numpy as np
from sklearn import svm

from disent_tf.evaluation import parallel, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, num_test=5000, batch_size=16, continuous_factors=False)


def measure_sap(data, sampler, rng, num_train=10000, num_test=5000, batch_size=16, continuous_factors=False,
                estimator_seed=0):
    """Fits of {"SAP_score"}: one task per code (its num_factors small SVM fits)."""
    codes, factors = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    codes_test, factors_test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
    return _fits(codes, factors, codes_test, factors_test, continuous_factors, estimator_seed)


def sap_from_codes(codes, factors, codes_test, factors_test, continuous_factors=False, num_workers=1,
                   estimator_seed=0):
    """Array-level core: codes (num_codes, N), factors (num_factors, N)."""
    return _fits(codes, factors, codes_test, factors_test, continuous_factors, estimator_seed).run(num_workers)


def score_matrix(codes, factors, codes_test, factors_test, continuous_factors=False, num_workers=1,
                 estimator_seed=0):
    """S (num_codes, num_factors) as described in the module docstring."""
    if continuous_factors:
        return np.array([[_squared_correlation(codes[i, :], factors[j, :]) for j in range(factors.shape[0])]
                         for i in range(codes.shape[0])])
    return np.array(parallel.run(_svm_tasks(codes, factors, codes_test, factors_test, estimator_seed), num_workers))


def _fits(codes, factors, codes_test, factors_test, continuous_factors, estimator_seed):
    """The SVM tasks (none for continuous factors) and the function giving the SAP score."""
    if continuous_factors:
        matrix = score_matrix(codes, factors, codes_test, factors_test, True)
        return base.scores({"SAP_score": float(avg_diff_top_two(matrix))})
    tasks = _svm_tasks(codes, factors, codes_test, factors_test, estimator_seed)
    return base.Fits(tasks, lambda results: {"SAP_score": float(avg_diff_top_two(np.array(results)))})


def _svm_tasks(codes, factors, codes_test, factors_test, seed):
    # One task per code: its num_factors small fits.
    cost = 0.002 * factors.shape[0] * codes.shape[1]  # relative to a GBT (see dci.gbt_task)
    return [parallel.Task(_svm_row, (codes[i, :], factors, codes_test[i, :], factors_test, seed), cost)
            for i in range(codes.shape[0])]


def avg_diff_top_two(matrix):
    """Mean over columns of (largest - second largest) entry."""
    sorted_matrix = np.sort(matrix, axis=0)
    return np.mean(sorted_matrix[-1, :] - sorted_matrix[-2, :])


def _squared_correlation(code, factor):
    covariance = np.cov(code, factor, ddof=1)
    if covariance[0, 0] > 1e-12:
        return covariance[0, 1] ** 2 * 1. / (covariance[0, 0] * covariance[1, 1])
    return 0.


def _svm_row(code, factors, code_test, factors_test, seed):
    """Test accuracies of LinearSVC(C=0.01, balanced) on one code for every factor.

    random_state is pinned (the study left it unset); scikit-learn's default
    primal solver for one feature does not use it.
    """
    row = []
    for j in range(factors.shape[0]):
        classifier = svm.LinearSVC(C=0.01, class_weight="balanced", random_state=seed)
        classifier.fit(code[:, np.newaxis], factors[j, :])
        row.append(np.mean(classifier.predict(code_test[:, np.newaxis]) == factors_test[j, :]))
    return row


METRIC = base.Metric("sap", measure_sap, STUDY_DEFAULTS, base.scale_counts("num_train", "num_test"),
                     options=("estimator_seed",), estimators=("svc",))
compute_sap = METRIC.compute
