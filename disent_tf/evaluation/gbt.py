"""scikit-learn's GradientBoostingClassifier() with its defaults, fit many times faster.

DCI and the downstream task fit `sklearn.ensemble.GradientBoostingClassifier()`
with its defaults (log loss, 100 stages, learning rate 0.1, exact best splits
of depth-3 regression trees, one tree per class and stage). On the study's
10,000 points those fits are most of an evaluation's time, because
scikit-learn sorts every feature again at every node of each of up to 4,000
trees. This module fits the same model with every feature sorted once per fit
and each tree grown from the presorted orders in compiled code (numba).

It follows scikit-learn step by step so that the fitted model is the same:
the prior initialisation and the loss gradients; candidate thresholds halfway
between float32 feature values more than 1e-7 apart; the squared-error
improvement proxy with scikit-learn's running sums (forward, or back from the
node's end when nearer) over its own order of the samples, and its stopping
rules; the order in which features are visited, drawn from `random_state`
as scikit-learn draws it (it decides between equally good splits, e.g. of
duplicated codes); the Newton leaf values, summed in numpy's pairwise order;
prediction and the impurity-based feature importances.

One thing is left out by default: where distinct points share a value of a
code, scikit-learn's unstable sort leaves them in an order that depends on
the node's history, and we keep them in presorted order. Only the rounding of
sums over such ties can differ, which can tip a near-equal split. On a
trained dSprites encoder (symmetric shapes give identical images, hence
codes, under several orientation labels) every accuracy was identical and DCI
moved by 1.1e-5, against 6e-4 between two random_state values of the same
estimator. `replay_ties=True` replays scikit-learn's sort wherever a node has
ties and gives its model to the bit, at about scikit-learn's speed on such
data. tests/evaluation/test_gbt.py checks both against scikit-learn.
"""

import collections

import numba
import numpy as np
import scipy.special
import scipy.stats
from sklearn.utils import check_random_state

from disent_tf.evaluation import config

_RAND_R_MAX = 2147483647  # scikit-learn's tree seeds are drawn in [0, RAND_R_MAX)
_FEATURE_THRESHOLD = np.float32(1e-7)  # values closer than this are not split apart
_EPSILON = np.finfo(np.float64).eps  # impurity below this makes a leaf
_LEAF = -1
_UNDEFINED = -2
_PAIRWISE_BLOCK = 128  # numpy's pairwise summation block

BACKENDS = config.GBT_BACKENDS
DEFAULT_BACKEND = config.DEFAULT_GBT_BACKEND
# Fit seconds per tree and training point, relative: scikit-learn re-sorts at every node.
_BACKEND_COST = {"numba": 1.0, "sklearn": 10.0}


def make_classifier(backend=DEFAULT_BACKEND, random_state=None):
    """The study's GradientBoostingClassifier() fit by this module ("numba") or by scikit-learn."""
    if backend == "numba":
        return GradientBoostingClassifier(random_state=random_state)
    if backend == "sklearn":
        from sklearn import ensemble

        return ensemble.GradientBoostingClassifier(random_state=random_state)
    raise ValueError(f"unknown GBT backend {backend!r}; choose from {', '.join(BACKENDS)}.")


def relative_cost(y_train, backend=DEFAULT_BACKEND):
    """Relative fit time of a default GBT on labels `y_train` (trees x points), for scheduling."""
    num_classes = len(np.unique(y_train))
    return (num_classes if num_classes > 2 else 1) * len(y_train) * _BACKEND_COST[backend]


class GradientBoostingClassifier:
    """The model of `sklearn.ensemble.GradientBoostingClassifier(random_state=...)`, fit fast.

    The other hyper-parameters stay at scikit-learn's defaults (log loss,
    subsample 1, min_samples_split 2, min_samples_leaf 1, all features per
    split); `n_estimators`, `learning_rate` and `max_depth` are exposed for
    tests and studies of the estimator itself. `replay_ties` (see the module
    docstring) trades the speed-up on tied data for bit-identical results.
    """

    def __init__(self, n_estimators=100, learning_rate=0.1, max_depth=3, random_state=None, replay_ties=False):
        self.n_estimators = int(n_estimators)
        self.learning_rate = float(learning_rate)
        self.max_depth = int(max_depth)
        self.random_state = random_state
        self.replay_ties = bool(replay_ties)

    def fit(self, x, y):
        x = _as_features(x)
        self.classes_, encoded = np.unique(np.asarray(y), return_inverse=True)
        self.n_classes_ = len(self.classes_)
        if self.n_classes_ < 2:
            raise ValueError(f"y contains {self.n_classes_} class; gradient boosting needs at least 2.")
        if len(encoded) != len(x):
            raise ValueError(f"x has {len(x)} rows but y has {len(encoded)}.")
        self.n_features_in_ = x.shape[1]
        trees_per_stage = 1 if self.n_classes_ == 2 else self.n_classes_
        self.init_raw_prediction_ = _prior_raw_prediction(encoded, self.n_classes_)
        raw = np.tile(self.init_raw_prediction_, (len(x), 1))
        # One tree seed per tree, stage by stage, as each scikit-learn tree draws its own.
        rng = check_random_state(self.random_state)
        seeds = np.array([[rng.randint(0, _RAND_R_MAX) for _ in range(trees_per_stage)]
                          for _ in range(self.n_estimators)], dtype=np.int64).reshape(-1, trees_per_stage)
        x_by_feature = np.ascontiguousarray(x.T)
        order = np.argsort(x_by_feature, axis=1, kind="stable")
        self.trees_ = _Trees(self.n_estimators, trees_per_stage, self.max_depth)
        _boost(x_by_feature, order, encoded.astype(np.int64), self.n_classes_, raw, seeds, self.learning_rate,
               self.max_depth, self.replay_ties, *self.trees_.arrays())
        return self

    def decision_function(self, x):
        """Raw predictions: (n,) for two classes, (n, n_classes) otherwise."""
        x = _as_features(x)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(f"x has {x.shape[1]} features; the model was fit on {self.n_features_in_}.")
        raw = np.tile(self.init_raw_prediction_, (len(x), 1))
        trees = self.trees_
        _predict_stages(x, self.learning_rate, raw, trees.feature, trees.threshold, trees.children_left,
                        trees.children_right, trees.value)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def predict(self, x):
        raw = self.decision_function(x)
        encoded = (raw >= 0).astype(int) if raw.ndim == 1 else np.argmax(raw, axis=1)
        return self.classes_[encoded]

    @property
    def feature_importances_(self):
        """Impurity-based importances, averaged over the trees that split, summing to 1."""
        trees = self.trees_
        per_tree = _tree_importances(self.n_features_in_, trees.feature, trees.children_left, trees.children_right,
                                     trees.impurity, trees.n_node_samples, trees.node_count)
        relevant = per_tree[self.trees_.node_count.ravel() > 1]
        if not len(relevant):
            return np.zeros(self.n_features_in_, dtype=np.float64)
        mean = np.mean(relevant, axis=0, dtype=np.float64)
        return mean / np.sum(mean)


class _Trees:
    """All trees of a fit as arrays (stage, tree of the stage, node)."""

    def __init__(self, num_stages, trees_per_stage, max_depth):
        shape = (num_stages, trees_per_stage, 2 ** (max_depth + 1) - 1)
        self.feature = np.full(shape, _UNDEFINED, dtype=np.int64)
        self.threshold = np.full(shape, float(_UNDEFINED))
        self.children_left = np.full(shape, _LEAF, dtype=np.int64)
        self.children_right = np.full(shape, _LEAF, dtype=np.int64)
        self.value = np.zeros(shape)
        self.impurity = np.zeros(shape)
        self.n_node_samples = np.zeros(shape)
        self.node_count = np.zeros(shape[:2], dtype=np.int64)

    def arrays(self):
        return (self.feature, self.threshold, self.children_left, self.children_right, self.value,
                self.impurity, self.n_node_samples, self.node_count)


def _as_features(x):
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (samples, features), got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("x holds NaN or infinite values.")
    return np.ascontiguousarray(x)


def _prior_raw_prediction(encoded, n_classes):
    """scikit-learn's start: class frequencies, clipped, through the loss's link."""
    eps = np.finfo(np.float64).eps
    prior = np.clip(np.bincount(encoded, minlength=n_classes) / len(encoded), eps, 1 - eps, dtype=np.float64)
    if n_classes == 2:
        return scipy.special.logit(prior[1:])
    return np.log(prior / scipy.stats.gmean(prior[None, :], axis=1)[:, None])[0]


# --- compiled kernels ---------------------------------------------------------------------------

@numba.njit(cache=True)
def _boost(x_by_feature, order, y, n_classes, raw, seeds, learning_rate, max_depth, replay_ties,
           feature, threshold, children_left, children_right, value, impurity, n_node_samples, node_count):
    """Fits every stage in place: the trees' arrays and `raw` (n, trees per stage)."""
    n = y.shape[0]
    num_stages, trees_per_stage = seeds.shape
    negative_gradient = np.empty((trees_per_stage, n))
    target_class = np.empty(n)
    sample_order = np.empty_like(order)
    work = _new_workspace(n, x_by_feature.shape[0])
    leaf_of = np.empty(n, dtype=np.int64)
    for stage in range(num_stages):
        _negative_gradient(y, raw, n_classes, negative_gradient)
        for k in range(trees_per_stage):
            for i in range(n):
                target_class[i] = (1.0 if y[i] == k else 0.0) if n_classes > 2 else float(y[i])
            sample_order[:, :] = order
            node_count[stage, k] = _grow_tree(
                x_by_feature, sample_order, negative_gradient[k], seeds[stage, k], max_depth, replay_ties,
                feature[stage, k], threshold[stage, k], children_left[stage, k], children_right[stage, k],
                impurity[stage, k], n_node_samples[stage, k], leaf_of, work)
            _newton_leaf_values(leaf_of, node_count[stage, k], negative_gradient[k], target_class, n_classes,
                                value[stage, k], work)
            for i in range(n):
                raw[i, k] += learning_rate * value[stage, k, leaf_of[i]]


# Scratch arrays reused by every tree of a fit: `samples` follows scikit-learn's
# samples array and `sort_values` its feature values; `features` holds them in
# drawing order, `constant_features` those found constant.
_Workspace = collections.namedtuple("_Workspace", ["buffer", "goes_left", "scratch", "by_leaf", "samples",
                                                   "sort_values", "features", "constant_features"])


@numba.njit(cache=True)
def _new_workspace(n, n_features):
    return _Workspace(np.empty(n, dtype=np.int64), np.empty(n, dtype=np.bool_), np.empty(n),
                      np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.float32),
                      np.empty(n_features, dtype=np.int64), np.empty(n_features, dtype=np.int64))


@numba.njit(cache=True)
def _negative_gradient(y, raw, n_classes, out):
    """-d(half log loss)/d(raw), as scikit-learn's HalfBinomialLoss / HalfMultinomialLoss compute it."""
    n, width = raw.shape
    if n_classes == 2:
        for i in range(n):
            label, r = float(y[i]), raw[i, 0]
            if r > -37:
                e = np.exp(-r)
                out[0, i] = -(((1 - label) - label * e) / (1 + e))
            else:
                out[0, i] = -(np.exp(r) - label)
        return
    p = np.empty(width)
    for i in range(n):
        top = raw[i, 0]
        for k in range(1, width):
            if top < raw[i, k]:
                top = raw[i, k]
        total = 0.0
        for k in range(width):
            p[k] = np.exp(raw[i, k] - top)
            total += p[k]
        for k in range(width):
            out[k, i] = -(p[k] / total - (1.0 if y[i] == k else 0.0))


@numba.njit(cache=True)
def _rand_int(low, high, state):
    """scikit-learn's rand_int: an xorshift step of the 32-bit `state[0]`, reduced to [low, high)."""
    s = state[0]
    if s == 0:
        s = 1
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    state[0] = s
    return low + (s % (_RAND_R_MAX + 1)) % (high - low)


@numba.njit(cache=True)
def _grow_tree(x_by_feature, sample_order, target, seed, max_depth, replay_ties, feature, threshold,
               children_left, children_right, impurity, n_node_samples, leaf_of, work):
    """Grows one regression tree on `target` as scikit-learn's DepthFirstTreeBuilder; returns its node count.

    `sample_order[f]` holds the samples sorted by feature f; every node owns
    the same slice [start, end) of each row, kept sorted by a stable
    partition after each split. `samples` follows scikit-learn's own samples
    array, whose order decides how its sums round.
    """
    samples = work.samples
    n_total = samples.shape[0]
    samples[:] = np.arange(n_total)
    work.features[:] = np.arange(work.features.shape[0])
    state = np.array([seed], dtype=np.int64)
    # Stack rows: start, end, depth, parent, is_left, n_constant_features; impurities alongside.
    stack = np.empty((2 * max_depth + 2, 6), dtype=np.int64)
    stack_impurity = np.empty(2 * max_depth + 2)
    top = _push(stack, stack_impurity, 0, 0, n_total, 0, -1, 0, 0, 0.0)
    node_count = 0
    while top > 0:
        top -= 1
        start, end, depth, parent, is_left, n_constant = (stack[top, 0], stack[top, 1], stack[top, 2],
                                                          stack[top, 3], stack[top, 4], stack[top, 5])
        n_node = end - start
        node_sum, node_sq_sum = 0.0, 0.0
        for p in range(start, end):
            t = target[samples[p]]
            node_sum += t
            node_sq_sum += t * t
        if node_count == 0:
            node_impurity = node_sq_sum / n_node - (node_sum / n_node) ** 2.0
        else:
            node_impurity = stack_impurity[top]
        is_leaf = depth >= max_depth or n_node < 2 or node_impurity <= _EPSILON
        if not is_leaf:
            best_feature, best_pos, best_threshold, n_constant = _best_split(
                x_by_feature, sample_order, target, start, end, node_sum, n_constant, state, work, replay_ties)
            if best_pos < end:
                _partition_samples(samples, x_by_feature[best_feature], best_threshold, start, end)
                impurity_left, impurity_right, improvement = _children_impurity(
                    samples, target, start, best_pos, end, node_sum, node_sq_sum, node_impurity, n_total)
                is_leaf = improvement + _EPSILON < 0.0
            else:
                is_leaf = True
        node_id = node_count
        node_count += 1
        if parent >= 0:
            if is_left:
                children_left[parent] = node_id
            else:
                children_right[parent] = node_id
        impurity[node_id] = node_impurity
        n_node_samples[node_id] = n_node
        if is_leaf:
            feature[node_id] = _UNDEFINED
            threshold[node_id] = _UNDEFINED
            children_left[node_id] = _LEAF
            children_right[node_id] = _LEAF
            for p in range(start, end):
                leaf_of[samples[p]] = node_id
            continue
        feature[node_id] = best_feature
        threshold[node_id] = best_threshold
        _partition_sorted(sample_order, best_feature, start, best_pos, end, work.goes_left, work.buffer)
        top = _push(stack, stack_impurity, top, best_pos, end, depth + 1, node_id, 0, n_constant, impurity_right)
        top = _push(stack, stack_impurity, top, start, best_pos, depth + 1, node_id, 1, n_constant, impurity_left)
    return node_count


@numba.njit(cache=True)
def _push(stack, stack_impurity, top, start, end, depth, parent, is_left, n_constant, node_impurity):
    """Pushes a node to grow on the stack; returns the new stack size."""
    stack[top, 0] = start
    stack[top, 1] = end
    stack[top, 2] = depth
    stack[top, 3] = parent
    stack[top, 4] = is_left
    stack[top, 5] = n_constant
    stack_impurity[top] = node_impurity
    return top + 1


@numba.njit(cache=True)
def _best_split(x_by_feature, sample_order, target, start, end, node_sum, n_known_constants, state, work,
                replay_ties):
    """scikit-learn's node_split_best: (feature, position, threshold, n_constant_features).

    Features are drawn without replacement in scikit-learn's order; a split
    replaces the best so far only when strictly better, so among equal
    splits the feature drawn first wins. Position `end` means no split.
    scikit-learn sorts `samples` by each feature it visits: where a feature
    has no tied values that order is the presorted one (the slice of
    `sample_order`, copied only when needed); with ties its sort is replayed.
    """
    samples, sort_values = work.samples, work.sort_values
    features, constant_features = work.features, work.constant_features
    n_features = features.shape[0]
    f_i = n_features
    n_visited = 0
    n_found_constants = 0
    n_drawn_constants = 0
    n_total_constants = n_known_constants
    best_proxy = -np.inf
    best_feature, best_pos, best_threshold = -1, end, 0.0
    sorted_by = -1  # samples[start:end] equals sample_order[sorted_by, start:end] when >= 0
    while f_i > n_total_constants and (n_visited < n_features
                                       or n_visited <= n_found_constants + n_drawn_constants):
        n_visited += 1
        f_j = _rand_int(n_drawn_constants, f_i - n_found_constants, state)
        if f_j < n_known_constants:
            features[n_drawn_constants], features[f_j] = features[f_j], features[n_drawn_constants]
            n_drawn_constants += 1
            continue
        f_j += n_found_constants
        f = features[f_j]
        values = x_by_feature[f]
        rows = sample_order[f]
        if replay_ties and _has_ties(values, rows, start, end):
            if sorted_by >= 0:
                samples[start:end] = sample_order[sorted_by, start:end]
            _sort_samples(values, samples, sort_values, start, end)
            rows = samples
            sorted_by = -1
        else:
            sorted_by = f
        if values[rows[end - 1]] <= values[rows[start]] + _FEATURE_THRESHOLD:
            features[f_j], features[n_total_constants] = features[n_total_constants], features[f_j]
            n_found_constants += 1
            n_total_constants += 1
            continue
        f_i -= 1
        features[f_i], features[f_j] = features[f_j], features[f_i]
        sum_left = 0.0
        pos = start
        previous = values[rows[start]]
        for p in range(start + 1, end):
            current = values[rows[p]]
            if current <= previous + _FEATURE_THRESHOLD:
                previous = current
                continue
            sum_left = _move_split(rows, target, sum_left, pos, p, end, node_sum)
            pos = p
            sum_right = node_sum - sum_left
            proxy = sum_left * sum_left / (p - start) + sum_right * sum_right / (end - p)
            if proxy > best_proxy:
                best_proxy = proxy
                best_feature, best_pos = f, p
                best_threshold = np.float64(previous) / 2.0 + np.float64(current) / 2.0
            previous = current
    if sorted_by >= 0:
        samples[start:end] = sample_order[sorted_by, start:end]
    # Children see the parent's known constants first, then the ones found here.
    features[:n_known_constants] = constant_features[:n_known_constants]
    constant_features[n_known_constants:n_total_constants] = features[n_known_constants:n_total_constants]
    return best_feature, best_pos, best_threshold, n_total_constants


@numba.njit(cache=True, inline="always")  # the split search's inner loop: a call costs 70%
def _move_split(rows, target, sum_left, pos, new_pos, end, node_sum):
    """The left sum once the split moves from `pos` to `new_pos`, as scikit-learn's criterion.update.

    It adds the samples passed over, or, when fewer remain to the node's end,
    starts again from the node's total and subtracts those.
    """
    if new_pos - pos <= end - new_pos:
        for q in range(pos, new_pos):
            sum_left += target[rows[q]]
        return sum_left
    sum_left = node_sum
    for q in range(end - 1, new_pos - 1, -1):
        sum_left -= target[rows[q]]
    return sum_left


@numba.njit(cache=True)
def _has_ties(values, rows, start, end):
    """True when two samples of the node have exactly the same value (rows sorted by it)."""
    for p in range(start + 1, end):
        if values[rows[p]] == values[rows[p - 1]]:
            return True
    return False


@numba.njit(cache=True)
def _sort_samples(values, samples, sort_values, start, end):
    """scikit-learn's simultaneous_sort of samples[start:end] by `values`, step for step.

    Introsort with a median-of-3 pivot and 3-way partition, heapsort past
    2 log2(n) levels, insertion sort below 16; it is not stable, so the order
    of tied samples depends on their order before, as in scikit-learn. The
    recursion on the left part runs from a stack (numba cannot cache
    recursion); parts are disjoint, so the order of work does not matter.
    """
    n = end - start
    if n == 0:
        return
    for p in range(start, end):
        sort_values[p] = values[samples[p]]
    todo = np.empty((2 * n + 2, 3), dtype=np.int64)
    todo[0, 0], todo[0, 1], todo[0, 2] = start, n, 2 * int(np.log2(n))
    num_todo = 1
    while num_todo > 0:
        num_todo -= 1
        lo, m, max_depth = todo[num_todo, 0], todo[num_todo, 1], todo[num_todo, 2]
        while m > 15:
            if max_depth <= 0:
                _heapsort(sort_values, samples, lo, m)
                m = 0
                break
            max_depth -= 1
            pivot = _median3(sort_values, lo, m)
            i, left, right = 0, 0, m
            while i < right:
                if sort_values[lo + i] < pivot:
                    _swap(sort_values, samples, lo + i, lo + left)
                    i += 1
                    left += 1
                elif sort_values[lo + i] > pivot:
                    right -= 1
                    _swap(sort_values, samples, lo + i, lo + right)
                else:
                    i += 1
            todo[num_todo, 0], todo[num_todo, 1], todo[num_todo, 2] = lo, left, max_depth
            num_todo += 1
            lo += right
            m -= right
        _insertion_sort(sort_values, samples, lo, m)


@numba.njit(cache=True)
def _median3(sort_values, lo, m):
    a, b, c = sort_values[lo], sort_values[lo + m // 2], sort_values[lo + m - 1]
    if a < b:
        if b < c:
            return b
        if a < c:
            return c
        return a
    if b < c:
        if a < c:
            return a
        return c
    return b


@numba.njit(cache=True, inline="always")
def _swap(sort_values, samples, i, j):
    sort_values[i], sort_values[j] = sort_values[j], sort_values[i]
    samples[i], samples[j] = samples[j], samples[i]


@numba.njit(cache=True)
def _insertion_sort(sort_values, samples, lo, m):
    for i in range(1, m):
        value, sample = sort_values[lo + i], samples[lo + i]
        j = i
        while j > 0 and sort_values[lo + j - 1] > value:
            sort_values[lo + j] = sort_values[lo + j - 1]
            samples[lo + j] = samples[lo + j - 1]
            j -= 1
        sort_values[lo + j] = value
        samples[lo + j] = sample


@numba.njit(cache=True)
def _heapsort(sort_values, samples, lo, m):
    start = (m - 2) // 2
    while True:
        _sift_down(sort_values, samples, lo, start, m)
        if start == 0:
            break
        start -= 1
    end = m - 1
    while end > 0:
        _swap(sort_values, samples, lo, lo + end)
        _sift_down(sort_values, samples, lo, 0, end)
        end -= 1


@numba.njit(cache=True)
def _sift_down(sort_values, samples, lo, start, end):
    root = start
    while True:
        child = root * 2 + 1
        largest = root
        if child < end and sort_values[lo + largest] < sort_values[lo + child]:
            largest = child
        if child + 1 < end and sort_values[lo + largest] < sort_values[lo + child + 1]:
            largest = child + 1
        if largest == root:
            return
        _swap(sort_values, samples, lo + root, lo + largest)
        root = largest


@numba.njit(cache=True)
def _partition_samples(samples, values, threshold, start, end):
    """scikit-learn's partition_samples_final: samples at or below `threshold` to the front, by swaps."""
    front, back = start, end
    while front < back:
        if values[samples[front]] <= threshold:
            front += 1
        else:
            back -= 1
            samples[front], samples[back] = samples[back], samples[front]


@numba.njit(cache=True)
def _children_impurity(samples, target, start, pos, end, node_sum, node_sq_sum, node_impurity, n_total):
    """(left impurity, right impurity, improvement) of a split, as scikit-learn's MSE criterion."""
    n_node, n_left, n_right = end - start, pos - start, end - pos
    sum_left = _move_split(samples, target, 0.0, start, pos, end, node_sum)
    sum_right = node_sum - sum_left
    sq_sum_left = 0.0
    for p in range(start, pos):
        sq_sum_left += target[samples[p]] * target[samples[p]]
    sq_sum_right = node_sq_sum - sq_sum_left
    impurity_left = sq_sum_left / n_left - (sum_left / n_left) ** 2.0
    impurity_right = sq_sum_right / n_right - (sum_right / n_right) ** 2.0
    improvement = (n_node / n_total) * (node_impurity - n_right / n_node * impurity_right
                                        - n_left / n_node * impurity_left)
    return impurity_left, impurity_right, improvement


@numba.njit(cache=True)
def _partition_sorted(sample_order, split_feature, start, pos, end, goes_left, buffer):
    """Stable partition of every row's [start, end) into the samples left of the split, then right."""
    split_rows = sample_order[split_feature]
    for p in range(start, end):
        goes_left[split_rows[p]] = p < pos
    for f in range(sample_order.shape[0]):
        if f == split_feature:
            continue  # already in order: sorted by this feature, the left samples come first
        rows = sample_order[f]
        left, right = start, pos
        for p in range(start, end):
            i = rows[p]
            if goes_left[i]:
                buffer[left] = i
                left += 1
            else:
                buffer[right] = i
                right += 1
        rows[start:end] = buffer[start:end]


@numba.njit(cache=True)
def _newton_leaf_values(leaf_of, node_count, negative_gradient, target_class, n_classes, value, work):
    """scikit-learn's line search: one Newton step per leaf, means summed in numpy's order."""
    scratch, by_leaf = work.scratch, work.by_leaf
    n = leaf_of.shape[0]
    # Samples of each leaf in increasing index order, as numpy.nonzero lists them.
    counts = np.zeros(node_count + 1, dtype=np.int64)
    for i in range(n):
        counts[leaf_of[i] + 1] += 1
    offsets = np.cumsum(counts)
    fill = offsets[:-1].copy()
    for i in range(n):
        by_leaf[fill[leaf_of[i]]] = i
        fill[leaf_of[i]] += 1
    for leaf in range(node_count):
        a, b = offsets[leaf], offsets[leaf + 1]
        if a == b:
            continue
        m = b - a
        for j in range(m):
            scratch[j] = negative_gradient[by_leaf[a + j]]
        numerator = _pairwise_sum(scratch, 0, m) / m
        if n_classes > 2:
            numerator *= (n_classes - 1) / n_classes
        for j in range(m):
            i = by_leaf[a + j]
            prob = target_class[i] - negative_gradient[i]
            scratch[j] = prob * (1 - prob)
        denominator = _pairwise_sum(scratch, 0, m) / m
        value[leaf] = 0.0 if abs(denominator) < 1e-150 else numerator / denominator


@numba.njit(cache=True)
def _pairwise_sum(a, start, n):
    """numpy's float64 pairwise summation of a[start:start + n] (the same result to the bit).

    numpy halves the range (at a multiple of 8) down to blocks of at most
    128, sums each block with 8 accumulators and adds the halves; the
    recursion is unrolled into a stack because numba cannot cache recursion.
    """
    if n <= _PAIRWISE_BLOCK:
        return _block_sum(a, start, n)
    # Post-order walk of numpy's recursion: (start, length) to sum, or length -1 to add the top two sums.
    todo = np.empty((64, 2), dtype=np.int64)
    sums = np.empty(64)
    todo[0, 0], todo[0, 1] = start, n
    num_todo, num_sums = 1, 0
    while num_todo > 0:
        num_todo -= 1
        begin, length = todo[num_todo, 0], todo[num_todo, 1]
        if length < 0:
            num_sums -= 1
            sums[num_sums - 1] += sums[num_sums]
        elif length <= _PAIRWISE_BLOCK:
            sums[num_sums] = _block_sum(a, begin, length)
            num_sums += 1
        else:
            half = length // 2
            half -= half % 8
            todo[num_todo, 0], todo[num_todo, 1] = 0, -1
            todo[num_todo + 1, 0], todo[num_todo + 1, 1] = begin + half, length - half
            todo[num_todo + 2, 0], todo[num_todo + 2, 1] = begin, half
            num_todo += 3
    return sums[0]


@numba.njit(cache=True)
def _block_sum(a, start, n):
    """numpy's sum of at most 128 values: plain below 8, else 8 interleaved accumulators."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += a[i]
        return total
    r = a[start:start + 8].copy()
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[start + i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        total += a[start + i]
        i += 1
    return total


@numba.njit(cache=True)
def _predict_stages(x, learning_rate, raw, feature, threshold, children_left, children_right, value):
    """Adds every tree's leaf value, stage by stage, to `raw` (n, trees per stage)."""
    num_stages, trees_per_stage = feature.shape[:2]
    for stage in range(num_stages):
        for k in range(trees_per_stage):
            for i in range(x.shape[0]):
                node = 0
                while children_left[stage, k, node] != _LEAF:
                    if x[i, feature[stage, k, node]] <= threshold[stage, k, node]:
                        node = children_left[stage, k, node]
                    else:
                        node = children_right[stage, k, node]
                raw[i, k] += learning_rate * value[stage, k, node]


@numba.njit(cache=True)
def _tree_importances(n_features, feature, children_left, children_right, impurity, n_node_samples, node_count):
    """Unnormalised impurity importances of every tree, (stages * trees per stage, n_features)."""
    num_stages, trees_per_stage = feature.shape[:2]
    out = np.zeros((num_stages * trees_per_stage, n_features))
    for stage in range(num_stages):
        for k in range(trees_per_stage):
            row = out[stage * trees_per_stage + k]
            for node in range(node_count[stage, k]):
                left, right = children_left[stage, k, node], children_right[stage, k, node]
                if left != _LEAF:
                    row[feature[stage, k, node]] += (
                        n_node_samples[stage, k, node] * impurity[stage, k, node]
                        - n_node_samples[stage, k, left] * impurity[stage, k, left]
                        - n_node_samples[stage, k, right] * impurity[stage, k, right])
            for f in range(n_features):
                row[f] /= n_node_samples[stage, k, 0]
    return out
