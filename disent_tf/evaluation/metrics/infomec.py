"""InfoMEC (InfoM, InfoE, InfoC): Hsu, Dorrell, Whittington, Wu & Finn, "Disentanglement via
Latent Quantization", NeurIPS 2023 (section 5, "InfoMEC"), following the authors' standalone
estimator kylehkhsu/latent_quantization `disentangle/metrics/infomec.py` (the file the README
recommends for use in other projects) for continuous latents.

On one set of points (the reference evaluates its 10,000 validation points):

* NMI[j, i] = I(z_i; v_j) / H(v_j): each code standardised (zero mean, unit variance),
  I estimated by scikit-learn's `mutual_info_classif(discrete_features=False, n_neighbors=10)`
  (the Kraskov/Ross nearest-neighbour estimator for a continuous code and a discrete factor),
  H(v_j) = `mutual_info_score(v_j, v_j)`, nats.
* Active codes: range (max - min) > max range / 20; NMI restricted to them.
* InfoM = (mean over active codes of max_j NMI / sum_j NMI - 1/K) / (1 - 1/K), K factors.
* InfoC = (mean over factors of max_i NMI / sum_i NMI - 1/L) / (1 - 1/L), L active codes.
* InfoE = mean over factors of (H_null - H_probe) / H_null, where H_probe is the in-sample
  log loss of an unregularised multinomial logistic regression (lbfgs, 100 iterations,
  class_weight "balanced", intercept) from the standardised codes to the factor, and H_null
  the same model's log loss on all-zero inputs.

Keys `infom`, `infoc`, `infoe` (the reference's) and `num_active_latents`.

Estimator details and choices:
* The KSG estimator perturbs continuous features with noise of scale 1e-10 drawn from its
  `random_state`; the reference leaves it unset, we pass `estimator_seed`.
* The reference's logistic regression is `LogisticRegression(penalty=None, multi_class=
  "multinomial", ...)`; scikit-learn >= 1.8 spells it `C=inf` (lbfgs is multinomial).
* An active code whose NMI column is all zero makes the reference's InfoM 0/0 (NaN); like the
  reference's other estimator (`mutual_information.compute_mutual_information_ratio`) we
  average over the finite ratios only. With a single active code InfoC's normalisation 1 - 1/L
  is 0 and InfoC is NaN, as in the reference.
* `estimator="discrete-discrete"` instead bins each code into `num_bins` equal-width bins (the
  study's discretiser, which is the reference's `discretize_binning`) and uses
  `mutual_info_score`; the reference logs it to show how much binning moves the scores and
  recommends the default `"continuous-discrete"` for continuous codes.
"""

import numpy as np
from sklearn import feature_selection, linear_model, metrics as sk_metrics

from disent_tf.errors import UserError
from disent_tf.evaluation import discretize, parallel, sampling
from disent_tf.evaluation.metrics import base

ESTIMATORS = ("continuous-discrete", "discrete-discrete")
STUDY_DEFAULTS = dict(num_train=10000, batch_size=16, estimator="continuous-discrete", n_neighbors=10,
                      num_bins=discretize.STUDY_NUM_BINS, active_fraction=1 / 20)


def infomec_from_codes(codes, factors, estimator="continuous-discrete", n_neighbors=10,
                       num_bins=discretize.STUDY_NUM_BINS, active_fraction=1 / 20, estimator_seed=0):
    """Array-level core: codes (num_codes, N), integer factors (num_factors, N) -> scores."""
    results = [factor_information(codes, factor, estimator, n_neighbors, num_bins, estimator_seed)
               for factor in factors]
    return infomec_from_information(codes, results, active_fraction)


def standardize(codes):
    """Each code row to zero mean and unit variance (a constant row to zeros), as StandardScaler."""
    std = np.std(codes, axis=1, keepdims=True)
    return (codes - np.mean(codes, axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)


def factor_information(codes, factor, estimator="continuous-discrete", n_neighbors=10,
                       num_bins=discretize.STUDY_NUM_BINS, estimator_seed=0):
    """(NMI row of the factor over all codes, normalised predictive information of the factor)."""
    if estimator not in ESTIMATORS:
        raise UserError(f"InfoMEC estimator {estimator!r} is unknown; choose one of {', '.join(ESTIMATORS)}.")
    _, labels = np.unique(factor, return_inverse=True)
    entropy = sk_metrics.mutual_info_score(labels, labels)
    standardized = standardize(np.asarray(codes, dtype=np.float64))
    if estimator == "continuous-discrete":
        mutual_info = np.array([feature_selection.mutual_info_classif(
            row[:, None], labels, discrete_features=False, n_neighbors=n_neighbors, random_state=estimator_seed)[0]
            for row in standardized])
    else:
        binned = discretize.histogram_discretize(codes, num_bins)
        mutual_info = np.array([sk_metrics.mutual_info_score(labels, row) for row in binned])
    nmi = mutual_info / entropy if entropy > 0 else np.zeros_like(mutual_info)
    return nmi, predictive_information(standardized.T, labels)


def predictive_information(inputs, labels):
    """(H_null - H_probe) / H_null of the reference's logistic probe (in-sample log losses)."""
    if len(np.unique(labels)) < 2:
        return 0.0
    probe = _log_loss(inputs, labels)
    null = _log_loss(np.zeros_like(inputs), labels)
    return (null - probe) / null


def _log_loss(inputs, labels):
    model = linear_model.LogisticRegression(C=np.inf, class_weight="balanced", solver="lbfgs", max_iter=100,
                                            tol=1e-4, fit_intercept=True)
    model.fit(inputs, labels)
    return sk_metrics.log_loss(labels, model.predict_proba(inputs), labels=model.classes_)


def infomec_from_information(codes, results, active_fraction=1 / 20):
    """InfoM, InfoC, InfoE from the per-factor (NMI row, predictive information) results."""
    nmi = np.stack([row for row, _ in results])  # (num_factors, num_codes)
    ranges = np.max(codes, axis=1) - np.min(codes, axis=1)
    active = ranges > np.max(ranges) * active_fraction
    num_factors, num_active = nmi.shape[0], int(active.sum())
    pruned = nmi[:, active]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_code = np.max(pruned, axis=0) / np.sum(pruned, axis=0)
        per_factor = np.max(pruned, axis=1) / np.sum(pruned, axis=1)
        per_code = per_code[np.isfinite(per_code)]
        infom = (np.mean(per_code) - 1 / num_factors) / (1 - 1 / num_factors) if len(per_code) else np.nan
        infoc = (np.mean(per_factor) - 1 / num_active) / (1 - 1 / num_active) if num_active > 1 else np.nan
    return {"infom": float(infom), "infoc": float(infoc), "infoe": float(np.mean([e for _, e in results])),
            "num_active_latents": num_active}


def measure_infomec(data, sampler, rng, *, num_train=10000, batch_size=16, estimator="continuous-discrete",
                    n_neighbors=10, num_bins=discretize.STUDY_NUM_BINS, active_fraction=1 / 20, estimator_seed=0):
    """Draws `num_train` points; one fit task per factor (KSG MI of every code, two logistic probes)."""
    if estimator not in ESTIMATORS:
        raise UserError(f"InfoMEC estimator {estimator!r} is unknown; choose one of {', '.join(ESTIMATORS)}.")
    codes, factors = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    # ~0.06 s per KSG pair and ~0.3 s for the two probes at 10,000 points; one GBT fit is ~0.35 s.
    cost = (0.2 * codes.shape[0] + 1.0) * num_train / 10000
    tasks = [parallel.Task(factor_information, (codes, factor, estimator, n_neighbors, num_bins, estimator_seed),
                           cost) for factor in factors]
    return base.Fits(tasks, lambda results: infomec_from_information(codes, results, active_fraction))


METRIC = base.Metric(name="infomec", measure=measure_infomec, defaults=STUDY_DEFAULTS,
                     reduce=base.scale_counts("num_train"), options=("estimator_seed",))
compute_infomec = METRIC.compute
