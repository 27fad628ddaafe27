"""Fairness of a classifier on the codes: Locatello, Abbati, Rainforth, Bauer,
Schoelkopf & Bachem, "On the Fairness of Disentangled Representations",
NeurIPS 2019 (arXiv:1905.13662), section 4.

Follows disentanglement_lib's `evaluation/metrics/fairness.py`, config
`config/fairness_study_v1/metric_configs/fairness.gin`: 10,000 train points
(batches of 16), 100 test points per class, the predictor a
GradientBoostingClassifier() (gin `predictor.predictor_fn =
@gradient_boosting_classifier`; fit by evaluation/gbt.py unless
gbt_backend="sklearn", random_state pinned to `estimator_seed` where the
study left it unset).

For each target factor i a classifier predicts g_i from all codes. For each
sensitive factor j != i, `num_test_points_per_class` factor rows are drawn
once and, for every class c of g_j, set to g_j = c (an intervention),
rendered and encoded; the counts of predicted classes per c form a
(classes of i) x (classes of j) table. Unfairness is the total variation
distance between the prediction distribution under g_j = c and the pooled one:
`mean_fairness[i, j]` averages it over c (weighted by the points per class),
`max_fairness[i, j]` takes the worst c. Keys: `{prefix}:pred{i}:sens{j}`, per
target `{prefix}:pred{i}:{mean,max}_sens`, per sensitive factor
`{prefix}:sens{j}:{mean,max}_pred`, and the eight aggregates
`{prefix}:{mean,max}_sens:{mean,max}_pred`, `{prefix}:{mean,max}_pred:{mean,max}_sens`
for prefix `mean_fairness` and `max_fairness`. The paper's score is
`mean_fairness:mean_pred:mean_sens`.
"""

import numpy as np

from disent_tf.errors import UserError
from disent_tf.evaluation import gbt, parallel, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, num_test_points_per_class=100, batch_size=16)


def measure_fairness(data, sampler, rng, *, num_train, num_test_points_per_class, batch_size, estimator_seed=0,
                     gbt_backend=gbt.DEFAULT_BACKEND):
    """Fits of the fairness scores: one classifier per target factor, tested under every intervention.

    Draws in the study's order: the train points, then for each target i and
    sensitive j != i one set of factor rows and its interventions c = 0, 1, ...
    """
    check_data(data)
    sizes = list(data.factor_sizes)
    codes_train, factors_train = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    tickets = {}
    for i in range(len(sizes)):
        for j in _others(i, len(sizes)):
            original = data.sample_factors(num_test_points_per_class, rng)
            for c in range(sizes[j]):
                intervened = np.copy(original)
                intervened[:, j] = c
                tickets[i, j, c] = sampler.observe(intervened, rng)
    test_codes = {key: sampler.codes(ticket) for key, ticket in tickets.items()}
    tasks = []
    for i in range(len(sizes)):
        by_sensitive = [[test_codes[i, j, c] for c in range(sizes[j])] for j in _others(i, len(sizes))]
        tasks.append(parallel.Task(fit_and_count, (codes_train.T, factors_train[i, :], by_sensitive, sizes[i],
                                                   estimator_seed, gbt_backend),
                                   gbt.relative_cost(factors_train[i, :], gbt_backend)))

    def finish(results):
        return fairness_from_counts([dict(zip(_others(i, len(sizes)), counts)) for i, counts in enumerate(results)])

    return base.Fits(tasks, finish)


def fit_and_count(x_train, y_train, codes_by_sensitive, num_classes, seed, backend=gbt.DEFAULT_BACKEND):
    """Count tables (num_classes, classes of j) of a GBT's predictions, one per sensitive factor j."""
    model = gbt.make_classifier(backend, random_state=seed)
    model.fit(x_train, y_train)
    tables = []
    for codes_per_class in codes_by_sensitive:
        columns = [np.bincount(model.predict(codes).astype(np.int64), minlength=num_classes)
                   for codes in codes_per_class]
        tables.append(np.stack(columns, axis=1))
    return tables


def fairness_from_counts(counts):
    """Scores from counts[i][j]: (classes of i, classes of j) prediction tables, j != i."""
    num_factors = len(counts)
    mean_fairness = np.zeros((num_factors, num_factors), dtype=np.float64)
    max_fairness = np.zeros((num_factors, num_factors), dtype=np.float64)
    for i, tables in enumerate(counts):
        for j, table in tables.items():
            mean_fairness[i, j], max_fairness[i, j] = inter_group_fairness(table)
    return {**aggregate_scores(mean_fairness, "mean_fairness"), **aggregate_scores(max_fairness, "max_fairness")}


def inter_group_fairness(counts):
    """(mean, max) total variation distance of each sensitive class's predictions to the pooled ones.

    `counts` (predicted classes, sensitive classes). Computed in float32 as
    the reference did; the mean is weighted by the points of each class.
    """
    overall = np.sum(counts, axis=1, dtype=np.float32)
    overall /= overall.sum()
    per_class = np.sum(counts, axis=0)
    normalized = np.array(counts, dtype=np.float32)
    normalized /= np.expand_dims(per_class, 0)  # in place: float32 storage, as the reference
    distances = np.sum(np.abs(normalized - np.expand_dims(overall, 1)), 0) / 2.
    weighted = distances * per_class
    weighted /= per_class.sum()
    return float(np.sum(weighted)), float(np.amax(distances))


def _off_diagonal_means_and_maxs(matrix):
    """([mean of row i without entry i], [its max]) for every row i."""
    rows = [[matrix[i, j] for j in _others(i, matrix.shape[0])] for i in range(matrix.shape[0])]
    return [np.mean(row) for row in rows], [np.amax(row) for row in rows]


def aggregate_scores(matrix, prefix):
    """Every entry (i != j), mean and max over each row and column, and the eight aggregates."""
    num_factors = matrix.shape[0]
    result = {}
    for i in range(num_factors):
        for j in _others(i, num_factors):
            result[f"{prefix}:pred{i}:sens{j}"] = float(matrix[i, j])
    row_means, row_maxs = _off_diagonal_means_and_maxs(matrix)  # per predicted factor
    for i in range(num_factors):
        result[f"{prefix}:pred{i}:mean_sens"] = float(row_means[i])
        result[f"{prefix}:pred{i}:max_sens"] = float(row_maxs[i])
    column_means, column_maxs = _off_diagonal_means_and_maxs(matrix.T)  # per sensitive factor
    for j in range(num_factors):
        result[f"{prefix}:sens{j}:mean_pred"] = float(column_means[j])
        result[f"{prefix}:sens{j}:max_pred"] = float(column_maxs[j])
    result[f"{prefix}:mean_sens:mean_pred"] = float(np.mean(column_means))
    result[f"{prefix}:mean_sens:max_pred"] = float(np.mean(column_maxs))
    result[f"{prefix}:max_sens:mean_pred"] = float(np.amax(column_means))
    result[f"{prefix}:max_sens:max_pred"] = float(np.amax(column_maxs))
    result[f"{prefix}:mean_pred:mean_sens"] = float(np.mean(row_means))
    result[f"{prefix}:mean_pred:max_sens"] = float(np.mean(row_maxs))
    result[f"{prefix}:max_pred:mean_sens"] = float(np.amax(row_means))
    result[f"{prefix}:max_pred:max_sens"] = float(np.amax(row_maxs))
    return result


def _others(i, num_factors):
    return [j for j in range(num_factors) if j != i]


def check_data(data):
    if data.num_factors < 2:
        raise UserError(f"the fairness metric needs at least two factors (a target and a sensitive one), "
                        f"but {data.name} has {data.num_factors}; choose another data set or metric.")


METRIC = base.Metric(name="fairness", measure=measure_fairness, defaults=STUDY_DEFAULTS,
                     reduce=base.scale_counts("num_train", "num_test_points_per_class"),
                     options=("estimator_seed", "gbt_backend"), estimators=("gbt",),
                     check_data=check_data)
compute_fairness = METRIC.compute
