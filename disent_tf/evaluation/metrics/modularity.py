"""Modularity and explicitness: Ridgeway & Mozer, "Learning Deep Disentangled
Embeddings With the F-Statistic Loss", NeurIPS 2018 (section 3).

Modularity from the discretised code-factor MI matrix m (num_codes,
num_factors): per code, with s = m_i.^2 and M = max s, delta = (sum s - M) /
(M (num_factors - 1)), score 1 - delta (0 when M = 0); mean over codes.
Explicitness: per factor a LogisticRegression (defaults) on the codes
standardised with the train mean and std; ROC-AUC (macro over classes) of its
predicted probabilities against one-hot labels; mean over factors.
"""

import numpy as np
from sklearn import linear_model, metrics, preprocessing

from disent_tf.evaluation import discretize, parallel, sampling

STUDY_DEFAULTS = dict(num_train=10000, num_test=5000, batch_size=16)


def compute_modularity_explicitness(data, representation_fn, rng, num_train=10000, num_test=5000,
                                    batch_size=16, num_workers=1):
    """{"modularity_score", "explicitness_score_train", "explicitness_score_test"}."""
    tasks, finish = prepare_modularity_explicitness(data, representation_fn, rng, num_train, num_test, batch_size)
    return finish(parallel.run(tasks, num_workers))


compute_modularity = compute_modularity_explicitness


def prepare_modularity_explicitness(data, representation_fn, rng, num_train=10000, num_test=5000, batch_size=16):
    """(fit tasks, finish(results) -> scores): the points are drawn now, the fits run anywhere."""
    sampler = sampling.as_sampler(data, representation_fn)
    codes_train, factors_train = sampling.generate_batch_factor_code(sampler, num_train, rng, batch_size)
    codes_test, factors_test = sampling.generate_batch_factor_code(sampler, num_test, rng, batch_size)
    return prepare_from_codes(codes_train, factors_train, codes_test, factors_test)


def modularity_explicitness_from_codes(codes_train, factors_train, codes_test, factors_test, num_workers=1):
    """Array-level core: codes (num_codes, N), integer factors (num_factors, N)."""
    tasks, finish = prepare_from_codes(codes_train, factors_train, codes_test, factors_test)
    return finish(parallel.run(tasks, num_workers))


def prepare_from_codes(codes_train, factors_train, codes_test, factors_test):
    """One explicitness task per factor, and the function giving all three scores."""
    mutual_info = discretize.discrete_mutual_info(discretize.histogram_discretize(codes_train), factors_train)
    train_norm, mean, stddev = discretize.normalize_rows(codes_train)
    test_norm, _, _ = discretize.normalize_rows(codes_test, mean, stddev)
    tasks = [parallel.Task(explicitness_per_factor, (train_norm, factors_train[j, :], test_norm, factors_test[j, :]),
                           0.005 * len(np.unique(factors_train[j, :])) * codes_train.shape[1])
             for j in range(factors_train.shape[0])]

    def finish(results):
        scores = np.array(results)
        return {"modularity_score": float(modularity(mutual_info)),
                "explicitness_score_train": float(np.mean(scores[:, 0])),
                "explicitness_score_test": float(np.mean(scores[:, 1]))}

    return tasks, finish


def modularity(mutual_info):
    """Mean over codes of 1 - delta_i (Ridgeway & Mozer, section 3); 0 for codes with no MI."""
    squared = np.square(mutual_info)
    max_squared = np.max(squared, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.sum(squared, axis=1) - max_squared) / (max_squared * (squared.shape[1] - 1.))
    score = 1. - delta
    score[max_squared == 0.] = 0.
    return np.mean(score)


def explicitness_per_factor(codes_train, factor_train, codes_test, factor_test):
    """(train ROC-AUC, test ROC-AUC) of LogisticRegression() on codes (num_codes, N) for one factor."""
    x_train, x_test = np.transpose(codes_train), np.transpose(codes_test)
    classifier = linear_model.LogisticRegression().fit(x_train, factor_train)
    return (roc_auc(factor_train, classifier.predict_proba(x_train), classifier.classes_),
            roc_auc(factor_test, classifier.predict_proba(x_test), classifier.classes_))


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
