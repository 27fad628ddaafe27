"""The point sampler: the study's rng order, and identical scores with and without the code cache."""

import numpy as np
import pytest

from disent_tf.evaluation import evaluate, parallel, representation, sampling
from disent_tf.evaluation.config import EvaluationConfig
from disent_tf.evaluation.metrics import beta_vae, factor_vae

from evaluation_fixtures import linear_gaussian

SMALL = dict(sample_scale=0.003, seed=3)  # 30 points per set (the floor is 20), 10-30 per downstream size


def _evaluate(data, encoder, metrics, kind="mean", **options):
    """One kind's results of `evaluate` with a small EvaluationConfig."""
    config = EvaluationConfig(metrics=tuple(metrics), representation=kind, **options)
    return evaluate.evaluate(data, encoder, config, progress=None)[kind]


def _mean_fn():
    gaussian = linear_gaussian()
    return lambda x: gaussian(x)[0]


def test_generate_batch_factor_code_follows_the_study_order(tiny_data):
    # The study: per batch of 16, data.sample (factors, then observations), then encode.
    fn = _mean_fn()
    rng = np.random.RandomState(7)
    expected_codes, expected_factors = [], []
    for start in range(0, 50, 16):
        factors, observations = tiny_data.sample(min(16, 50 - start), rng)
        expected_factors.append(factors)
        expected_codes.append(fn(observations))
    sampler = sampling.CodeSampler(tiny_data, representation.from_callable(fn), cache=True)
    codes, factors = sampling.generate_batch_factor_code(sampler, 50, np.random.RandomState(7))
    assert sampler.mode == "cache"
    np.testing.assert_array_equal(factors, np.concatenate(expected_factors).T)
    np.testing.assert_array_equal(codes, np.concatenate(expected_codes).T)


def test_beta_vae_points_follow_the_study_order(tiny_data):
    fn = _mean_fn()
    rng = np.random.RandomState(5)
    labels, features = [], []
    for _ in range(12):
        index = rng.randint(tiny_data.num_factors)
        factors1 = tiny_data.sample_factors(64, rng)
        factors2 = tiny_data.sample_factors(64, rng)
        factors2[:, index] = factors1[:, index]
        observations1 = tiny_data.sample_observations_from_factors(factors1, rng)
        observations2 = tiny_data.sample_observations_from_factors(factors2, rng)
        labels.append(index)
        features.append(np.mean(np.abs(fn(observations1) - fn(observations2)), axis=0))
    sampler = sampling.CodeSampler(tiny_data, representation.from_callable(fn), cache=True)
    points, got_labels = beta_vae.training_batch(sampler, 64, 12, np.random.RandomState(5))
    np.testing.assert_array_equal(got_labels, labels)
    np.testing.assert_array_equal(points, np.array(features))


def test_factor_vae_votes_follow_the_study_order(tiny_data):
    fn = _mean_fn()
    rng = np.random.RandomState(9)
    global_variances = np.var(fn(tiny_data.sample(500, rng)[1]), axis=0, ddof=1)
    active = factor_vae.prune_dims(global_variances)
    expected = np.zeros((tiny_data.num_factors, len(global_variances)), np.int64)
    for _ in range(15):
        index = rng.randint(tiny_data.num_factors)
        factors = tiny_data.sample_factors(64, rng)
        factors[:, index] = factors[0, index]
        local = np.var(fn(tiny_data.sample_observations_from_factors(factors, rng)), axis=0, ddof=1)
        expected[index, np.argmin(local[active] / global_variances[active])] += 1
    sampler = sampling.CodeSampler(tiny_data, representation.from_callable(fn), cache=True)
    rng = np.random.RandomState(9)
    factors = tiny_data.sample_factors(500, rng)
    variances = np.var(sampler.codes(sampler.observe(factors, rng)), axis=0, ddof=1)
    np.testing.assert_array_equal(factor_vae.votes(sampler, 64, 15, rng, variances, active), expected)


CHEAP = ["beta_vae", "factor_vae", "mig", "dci", "sap", "modularity", "unsupervised"]


# The downstream tasks sample like mig/dci (generate_batch_factor_code) and only
# add slow fits; the end-to-end test runs them.
@pytest.mark.parametrize("kind,metrics", [("mean", CHEAP), ("sampled", CHEAP)])
def test_cached_and_uncached_scores_are_identical(tiny_data, kind, metrics):
    encoder = representation.from_gaussian_callable(linear_gaussian())
    cached = _evaluate(tiny_data, encoder, metrics, kind=kind, num_workers=1, cache=True, **SMALL)
    assert cached["cache"] == "cache"
    # Every image of the 60-image grid is encoded at most once.
    assert cached["images_encoded"] <= tiny_data.num_observations
    fresh = representation.from_gaussian_callable(linear_gaussian())
    uncached = _evaluate(tiny_data, fresh, metrics, kind=kind, num_workers=1, cache=False, **SMALL)
    assert uncached["cache"] == "immediate"
    assert uncached["images_encoded"] > 10 * tiny_data.num_observations
    assert cached["metrics"] == uncached["metrics"]


def test_batched_encoding_of_a_random_data_set_matches_the_original_protocol(noisy_data):
    # Not deterministic: observations consume the rng, so no cache, but batched encoding.
    metrics = ["beta_vae", "factor_vae", "mig", "unsupervised"]
    batched = _evaluate(noisy_data, representation.from_gaussian_callable(linear_gaussian()), metrics,
                        kind="sampled", num_workers=1, cache=True, **SMALL)
    immediate = _evaluate(noisy_data, representation.from_gaussian_callable(linear_gaussian()), metrics,
                          kind="sampled", num_workers=1, cache=False, **SMALL)
    assert batched["cache"] == "batched" and immediate["cache"] == "immediate"
    assert batched["metrics"] == immediate["metrics"]


def test_parallel_fits_equal_serial_fits(tiny_data):
    metrics = ["dci", "sap", "modularity"]
    encoder = representation.from_gaussian_callable(linear_gaussian())
    sampler = evaluate.make_sampler(tiny_data, encoder)
    serial = _evaluate(tiny_data, sampler, metrics, num_workers=1, **SMALL)
    in_processes = _evaluate(tiny_data, sampler, metrics, num_workers=2, **SMALL)
    assert serial["metrics"] == in_processes["metrics"]


def test_numba_and_sklearn_gradient_boosting_give_the_same_scores(tiny_data):
    metrics = ["dci", "downstream_gbt"]
    sampler = evaluate.make_sampler(tiny_data, representation.from_gaussian_callable(linear_gaussian()))
    ours = _evaluate(tiny_data, sampler, metrics, num_workers=1, **SMALL)
    theirs = _evaluate(tiny_data, sampler, metrics, num_workers=1, gbt_backend="sklearn", **SMALL)
    assert ours["metric_arguments"]["dci"]["gbt_backend"] == "numba"
    assert ours["metrics"] == theirs["metrics"]


def test_mean_and_sampled_share_one_cache(tiny_data):
    encoder = representation.from_gaussian_callable(linear_gaussian())
    config = EvaluationConfig(metrics=("mig", "beta_vae"), representation="both", num_workers=1, **SMALL)
    results = evaluate.evaluate(tiny_data, encoder, config, progress=None)
    assert results["sampled"]["images_encoded"] == 0
    assert results["mean"]["metrics"] != results["sampled"]["metrics"]
    assert encoder.images_encoded <= tiny_data.num_observations


def test_both_kinds_fitted_in_one_pool_score_as_each_kind_alone(tiny_data):
    metrics = ("dci", "mig", "downstream_lr")
    encoder = representation.from_gaussian_callable(linear_gaussian())
    config = EvaluationConfig(metrics=metrics, representation="both", num_workers=2, **SMALL)
    together = evaluate.evaluate(tiny_data, encoder, config, progress=None)
    for kind in ("mean", "sampled"):
        alone = _evaluate(tiny_data, representation.from_gaussian_callable(linear_gaussian()), metrics, kind=kind,
                          num_workers=1, **SMALL)
        assert together[kind]["metrics"] == alone["metrics"]
    timing = together["mean"]["timing"]
    assert timing == together["sampled"]["timing"]
    assert timing["images_encoded"] == encoder.images_encoded
    assert timing["fit_seconds"] == pytest.approx(
        sum(sum(results["fit_seconds"].values()) for results in together.values()), abs=0.01)
    assert together["mean"]["fit_seconds"]["mig"] == 0 < together["mean"]["fit_seconds"]["dci"]


@pytest.mark.parametrize("seed, cache, expected", [
    (3, True, ["draw mean", "fit mean", "draw sampled", "fit sampled"]),  # sampled draws the same, cached images
    ("study", True, ["draw mean", "draw sampled", "fit mean sampled"]),  # other seeds: sampled may still encode
    (3, False, ["draw mean", "draw sampled", "fit mean sampled"]),  # no cache: sampled encodes everything again
])
def test_fits_are_queued_once_no_encoding_is_left(tiny_data, monkeypatch, seed, cache, expected):
    events = []
    draw_kind, queue_fits = evaluate._draw_kind, evaluate._queue_fits

    def recorded_draw(data, sampler, kind, config, progress):
        events.append(f"draw {kind}")
        return draw_kind(data, sampler, kind, config, progress)

    def recorded_queue(queue, draws):
        events.append("fit " + " ".join(draw.kind for draw in draws))
        return queue_fits(queue, draws)

    monkeypatch.setattr(evaluate, "_draw_kind", recorded_draw)
    monkeypatch.setattr(evaluate, "_queue_fits", recorded_queue)
    config = EvaluationConfig(metrics=("dci", "mig"), representation="both", num_workers=2, cache=cache,
                              **{**SMALL, "seed": seed})
    results = evaluate.evaluate(tiny_data, representation.from_gaussian_callable(linear_gaussian()), config,
                                progress=None)
    assert events == expected
    for kind in ("mean", "sampled"):
        assert set(results[kind]["metrics"]) == {"dci", "mig"}
        assert results[kind]["fit_seconds"]["dci"] > 0
    if seed == 3 and cache:
        assert results["sampled"]["images_encoded"] == 0


def test_plain_callable_is_scored_without_a_sampler(tiny_data):
    scores = beta_vae.compute_beta_vae(tiny_data, _mean_fn(), np.random.RandomState(0), num_train=30, num_eval=20)
    assert set(scores) == {"train_accuracy", "eval_accuracy"}
    assert 0 <= scores["eval_accuracy"] <= 1


def test_parallel_run_returns_results_in_task_order():
    tasks = [parallel.Task(divmod, (value, 3), cost) for value, cost in ((7, 1.0), (8, 5.0), (9, 3.0))]
    assert parallel.run(tasks, num_workers=2) == [(2, 1), (2, 2), (3, 0)]
    assert parallel.run(tasks, num_workers=1) == [(2, 1), (2, 2), (3, 0)]
