"""DCI-ES: Eastwood, Nicolicioiu, von Kuegelgen, Kekic, Traeuble, Dittadi & Schoelkopf,
"DCI-ES: An Extended Disentanglement Framework with Connections to Identifiability", ICLR 2023
(section 4), following the authors' code andreinicolicioiu/DCI-ES (`metrics/explitcitness.py`,
`src/simple_gather.py`, `src/loss_capacity/train_model_random_forest.py`,
`configs/random_forest/`).

Explicitness (E) asks how much probe capacity a factor needs: per factor v_j, probes of
increasing capacity are fit on the codes, and the loss-capacity curve (test loss against
capacity, each point replaced by the lowest loss reached up to that capacity) is integrated:

    E_j = 1 - AULCC_j / Z_j,   AULCC_j = trapezoid area between the curve and its lowest loss,
    Z_j = (kappa_max - kappa_min) * l_b,j / 2,

with l_b,j the loss of a baseline that ignores the codes and the optimal loss l* taken as 0,
as the reference does (`max_area = (max_x - min_x) * baseline`, `E = 1 - 2 * area / max_area`).
So E_j is 1 when the smallest probe is already as good as any, 0 for a straight-line decrease
from l_b, and down to -1 when only the largest probe helps. `explicitness` = mean over factors.
Size: S = num_factors / num_codes (the relative size of the representation, section 4.2; our
reading of the paper, the reference code computes no S). D, C and I are reported, as the
reference does, for the probe capacity of highest mean test score: D and C from the absolute
impurity importances of those probes with the study's entropy formulas
(`dci.disentanglement`, `dci.completeness`), I = mean score.

Probe family and sweep (the reference's random-forest configuration; the paper also sweeps MLP
and random-Fourier-feature probes, which we do not): scikit-learn random forests of 100 trees,
capacity = max_depth in (1, 2, 3, 4, 8, 10, 12, 14, 16, 18, 20, 32) on a linear axis, no
max_leaf_nodes, random_state = `estimator_seed` (the reference: the run seed). Categorical
factors use RandomForestClassifier, loss = 1 - test accuracy, baseline l_b = 1 - 1/|V_j|
(the reference's table: 2/3 for dSprites' shape); ordinal factors use RandomForestRegressor,
loss = 1 - test R^2, l_b = 1 (the mean predictor). Which factors are categorical follows the
reference's data loaders (bethgelab InDomainGeneralizationBenchmark `_factor_discrete`), by
factor name (`ORDINAL_FACTOR_NAMES` are regressed); factors the reference does not cover are
treated as categorical (the study's DCI classifies every factor); `categorical_factors` overrides it.
This probe is not gradient boosting, so `gbt_backend` does not apply; the study's GBT DCI is
the `dci` metric. Points: the study's 10,000 train / 5,000 test, batches of 16 (the reference
uses its data set's train/test split; we use the study's sampling so DCI-ES sees the same kind
of points as DCI).

Keys: `explicitness`, `size`, `disentanglement`, `completeness`, `informativeness_train`,
`informativeness_test`, `best_max_depth`, `explicitness_factor_{j}`.
"""

import numpy as np
from sklearn import ensemble

from disent_tf.errors import UserError
from disent_tf.evaluation import parallel, sampling
from disent_tf.evaluation.metrics import base, dci

REFERENCE_MAX_DEPTHS = (1, 2, 3, 4, 8, 10, 12, 14, 16, 18, 20, 32)
# Factors the reference's loaders (dSprites, Shapes3D, MPI3D, Cars3D) regress rather than classify;
# smallnorb's elevation and azimuth share Cars3D's names. Every other factor is classified.
ORDINAL_FACTOR_NAMES = frozenset({"scale", "orientation", "pos_x", "pos_y", "object_size", "camera_height",
                                  "horizontal_axis", "vertical_axis", "elevation", "azimuth"})
STUDY_DEFAULTS = dict(num_train=10000, num_test=5000, batch_size=16, max_depths=REFERENCE_MAX_DEPTHS,
                      num_trees=100, categorical_factors=None)


def reference_categorical(factor_names):
    """Per factor: True (classify) unless the reference treats a factor of that name as ordinal."""
    return tuple(name not in ORDINAL_FACTOR_NAMES for name in factor_names)


def explicitness_from_curve(capacities, losses, baseline_loss):
    """E of one loss-capacity curve (capacities increasing): 1 - 2 * area above its minimum / (range * l_b)."""
    capacities = np.asarray(capacities, dtype=np.float64)
    best_so_far = np.minimum.accumulate(np.asarray(losses, dtype=np.float64))
    excess = best_so_far - best_so_far.min()
    area = np.sum(0.5 * (excess[1:] + excess[:-1]) * np.diff(capacities))
    return float(1.0 - 2.0 * area / ((capacities[-1] - capacities[0]) * baseline_loss))


def baseline_losses(categorical, factor_sizes):
    """l_b per factor: chance error 1 - 1/size for a categorical factor, 1 - R^2 = 1 otherwise."""
    return np.array([1.0 - 1.0 / size if is_categorical else 1.0
                     for is_categorical, size in zip(categorical, factor_sizes)])


def fit_probe(x_train, y_train, x_test, y_test, categorical, max_depth, num_trees, seed):
    """(|impurity importances|, train score, test score) of one random-forest probe."""
    model_class = ensemble.RandomForestClassifier if categorical else ensemble.RandomForestRegressor
    model = model_class(n_estimators=num_trees, max_depth=max_depth, random_state=seed, n_jobs=1)
    if not categorical:
        y_train, y_test = y_train.astype(np.float64), y_test.astype(np.float64)
    model.fit(x_train, y_train)
    return np.abs(model.feature_importances_), model.score(x_train, y_train), model.score(x_test, y_test)


def probe_cost(num_train, max_depth, num_trees):
    """Relative fit time (one numba GBT fit of 10,000 points = 1): ~0.6 s at depth 1, ~8 s at 32."""
    return num_train / 10000 * num_trees / 100 * (1.0 + 0.75 * min(max_depth, 30))


def prepare_dci_es_from_codes(codes_train, factors_train, codes_test, factors_test, categorical=None,
                              factor_sizes=None, max_depths=REFERENCE_MAX_DEPTHS, num_trees=100, estimator_seed=0):
    """Fits (one probe per factor and depth) and the function turning their results into scores."""
    num_factors = factors_train.shape[0]
    categorical = (True,) * num_factors if categorical is None else tuple(bool(c) for c in categorical)
    if factor_sizes is None:
        factor_sizes = [len(np.unique(np.concatenate([factors_train[j], factors_test[j]]))) for j in range(num_factors)]
    if len(categorical) != num_factors or len(factor_sizes) != num_factors:
        raise UserError(f"DCI-ES needs one categorical flag and one size per factor ({num_factors}).")
    depths = sorted(int(d) for d in max_depths)
    if len(depths) < 2:
        raise UserError("DCI-ES needs at least two probe capacities (max_depths) to draw a loss-capacity curve.")
    tasks = [parallel.Task(fit_probe, (codes_train.T, factors_train[j], codes_test.T, factors_test[j],
                                       categorical[j], depth, num_trees, estimator_seed),
                           probe_cost(codes_train.shape[1], depth, num_trees))
             for j in range(num_factors) for depth in depths]
    baselines = baseline_losses(categorical, factor_sizes)

    def finish(results):
        return dci_es_scores(results, depths, baselines, codes_train.shape[0])

    return base.Fits(tasks, finish)


def dci_es_scores(results, depths, baselines, num_codes):
    """Scores from the probe results, factor-major then by depth."""
    num_factors, num_depths = len(baselines), len(depths)
    importance = np.array([r[0] for r in results]).reshape(num_factors, num_depths, num_codes)
    train_score = np.array([r[1] for r in results]).reshape(num_factors, num_depths)
    test_score = np.array([r[2] for r in results]).reshape(num_factors, num_depths)
    per_factor = [explicitness_from_curve(depths, 1.0 - test_score[j], baselines[j]) for j in range(num_factors)]
    best = int(np.argmax(test_score.mean(axis=0)))  # first of equal capacities, as the reference's argmax
    best_importance = importance[:, best, :].T  # (num_codes, num_factors)
    scores = {"explicitness": float(np.mean(per_factor)), "size": num_factors / num_codes,
              "disentanglement": float(dci.disentanglement(best_importance)),
              "completeness": float(dci.completeness(best_importance)),
              "informativeness_train": float(train_score[:, best].mean()),
              "informativeness_test": float(test_score[:, best].mean()), "best_max_depth": depths[best]}
    scores.update({f"explicitness_factor_{j}": float(e) for j, e in enumerate(per_factor)})
    return scores


def dci_es_from_codes(codes_train, factors_train, codes_test, factors_test, categorical=None, factor_sizes=None,
                      max_depths=REFERENCE_MAX_DEPTHS, num_trees=100, estimator_seed=0, num_workers=1):
    """Array-level core: codes (num_codes, N), integer factors (num_factors, N) -> DCI-ES scores."""
    return prepare_dci_es_from_codes(codes_train, factors_train, codes_test, factors_test, categorical,
                                     factor_sizes, max_depths, num_trees, estimator_seed).run(num_workers)


def measure_dci_es(data, sampler, rng, *, num_train=10000, num_test=5000, batch_size=16,
                   max_depths=REFERENCE_MAX_DEPTHS, num_trees=100, categorical_factors=None, estimator_seed=0):
    """Draws train then test points (as the study's DCI); the probe fits are returned as tasks."""
    codes_train, factors_train = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    codes_test, factors_test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
    categorical = (reference_categorical(data.factor_names) if categorical_factors is None
                   else tuple(categorical_factors))
    return prepare_dci_es_from_codes(codes_train, factors_train, codes_test, factors_test, categorical,
                                     list(data.factor_sizes), max_depths, num_trees, estimator_seed)


METRIC = base.Metric(name="dci_es", measure=measure_dci_es, defaults=STUDY_DEFAULTS,
                     reduce=base.scale_counts("num_train", "num_test"), options=("estimator_seed",))
compute_dci_es = METRIC.compute
