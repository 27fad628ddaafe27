"""Modularity and explicitness: Ridgeway & Mozer, "Learning Deep Disentangled
Embeddings With the F-Statistic Loss", NeurIPS 2018 (section 3).

Modularity from the discretised code-factor MI matrix m (num_codes,
num_factors): per code, with s = m_i.^2 and M = max s, delta = (sum s - M) /
(M (num_factors - 1)), score 1 - delta (0 when M = 0); mean over codes.
Explicitness: per factor a LogisticRegression() on the codes standardised
with the train mean and std; ROC-AUC (macro over classes) of its predicted
probabilities against one-hot labels; mean over factors (disentanglement_lib's
`evaluation/metrics/modularity_explicitness.py`).

Estimator (`lr_estimator`, evaluation/estimators.py): "study" is scikit-learn
0.20's LogisticRegression() the study ran (liblinear, one-vs-rest; each
class's binary fit is its own task in the worker pool), "modern" today's
multinomial lbfgs (one task per factor).
"""

import numpy as np
from sklearn import metrics, preprocessing

from disent_tf.evaluation import discretize, estimators, sampling
from disent_tf.evaluation.metrics import base

STUDY_DEFAULTS = dict(num_train=10000, num_test=5000, batch_size=16)


def measure_modularity_explicitness(data, sampler, rng, num_train=10000, num_test=5000, batch_size=16,
                                    lr_estimator="study"):
    """Fits of {"modularity_score", "explicitness_score_train", "explicitness_score_test"}."""
    codes_train, factors_train = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    codes_test, factors_test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
    return _fits(codes_train, factors_train, codes_test, factors_test, lr_estimator)


def modularity_explicitness_from_codes(codes_train, factors_train, codes_test, factors_test, num_workers=1,
                                       lr_estimator="study"):
    """Array-level core: codes (num_codes, N), integer factors (num_factors, N)."""
    return _fits(codes_train, factors_train, codes_test, factors_test, lr_estimator).run(num_workers)


def _fits(codes_train, factors_train, codes_test, factors_test, lr_estimator="study"):
    """The explicitness fits of every factor (per class for the study), and the function giving all three scores."""
    mutual_info = discretize.discrete_mutual_info(discretize.histogram_discretize(codes_train), factors_train)
    train_norm, mean, stddev = discretize.normalize_rows(codes_train)
    test_norm, _, _ = discretize.normalize_rows(codes_test, mean, stddev)
    # (N, num_codes), C-ordered: every binary fit would otherwise copy it.
    x_train, x_test = np.ascontiguousarray(train_norm.T), np.ascontiguousarray(test_norm.T)
    tasks, finishers = [], []
    for j in range(factors_train.shape[0]):
        factor_tasks, combine = estimators.fit_tasks(lr_estimator, "lr", x_train, factors_train[j, :],
                                                     (x_train, x_test))
        tasks.extend(factor_tasks)
        finishers.append((len(factor_tasks), combine, factors_train[j, :], factors_test[j, :]))

    def finish(results):
        scores, start = [], 0
        for count, combine, factor_train, factor_test in finishers:
            scores.append(explicitness_of(combine(results[start:start + count]), factor_train, factor_test))
            start += count
        scores = np.array(scores)
        return {"modularity_score": float(modularity(mutual_info)),
                "explicitness_score_train": float(np.mean(scores[:, 0])),
                "explicitness_score_test": float(np.mean(scores[:, 1]))}

    return base.Fits(tasks, finish)


def modularity(mutual_info):
    """Mean over codes of 1 - delta_i (Ridgeway & Mozer, section 3); 0 for codes with no MI."""
    squared = np.square(mutual_info)
    max_squared = np.max(squared, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.sum(squared, axis=1) - max_squared) / (max_squared * (squared.shape[1] - 1.))
    score = 1. - delta
    score[max_squared == 0.] = 0.
    return np.mean(score)


def explicitness_per_factor(codes_train, factor_train, codes_test, factor_test, lr_estimator="study"):
    """(train ROC-AUC, test ROC-AUC) of LogisticRegression() on codes (num_codes, N) for one factor, fit here."""
    x_train, x_test = np.transpose(codes_train), np.transpose(codes_test)
    prediction = estimators.fit_predict(lr_estimator, "lr", x_train, factor_train, (x_train, x_test))
    return explicitness_of(prediction, factor_train, factor_test)


def explicitness_of(prediction, factor_train, factor_test):
    """(train ROC-AUC, test ROC-AUC) of an `estimators.Prediction` on (train, test) codes."""
    return (roc_auc(factor_train, prediction.probabilities[0], prediction.classes),
            roc_auc(factor_test, prediction.probabilities[1], prediction.classes))


def roc_auc(labels, probabilities, classes):
    """Macro ROC-AUC of class probabilities against one-hot labels, as the study computed it.

    With reduced sample counts a class can be missing from one split, where
    the study's code fails; then only classes with both positives and
    negatives among `labels` are averaged.
    """
    binarizer = preprocessing.MultiLabelBinarizer()
    onehot = binarizer.fit_transform(np.expand_dims(labels, 1))
    if np.array_equal(binarizer.classes_, classes) and onehot.shape[1] > 1:
        return float(metrics.roc_auc_score(onehot, probabilities))
    onehot = (np.asarray(labels)[:, None] == np.asarray(classes)[None, :]).astype(int)
    scored = [c for c in range(onehot.shape[1]) if 0 < onehot[:, c].sum() < len(labels)]
    if not scored:
        return float("nan")
    return float(metrics.roc_auc_score(onehot[:, scored], probabilities[:, scored]))


METRIC = base.Metric("modularity", measure_modularity_explicitness, STUDY_DEFAULTS,
                     base.scale_counts("num_train", "num_test"), options=("lr_estimator",),
                     estimators=("lr",))
compute_modularity_explicitness = METRIC.compute
