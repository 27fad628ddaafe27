"""Score a representation with an EvaluationConfig: the one function bin/evaluate and the study call.

    results = evaluate(data, encoder, EvaluationConfig(representation="both"))
    results["mean"]["metrics"]["mig"]["discrete_mig"]

Every kind in `config.representations` shares one code cache, so an image is
encoded once for all of them. Each metric starts from
`numpy.random.RandomState(seed)` with its seed (`config.metric_seed`), as the
study's evaluation did. Metrics with
estimator fits draw their points first and queue every fit in one worker
pool, longest first; the image-hungry BetaVAE and FactorVAE scores then
encode in this process while the workers fit. Fits draw nothing from the
metric's RandomState, so the order changes no number.
"""

import time

import numpy as np
import sklearn

from disent_tf import records
from disent_tf.errors import UserError
from disent_tf.evaluation import estimators, parallel, representation as representation_lib, sampling
from disent_tf.evaluation.metrics import METRICS


def make_sampler(data, encoder, kind="mean", cache=True, batch_size=None):
    """A CodeSampler for an Encoder, a CodeSampler (other kind, same cache) or a plain callable."""
    if isinstance(encoder, sampling.CodeSampler):
        return encoder.with_kind(kind)
    if not isinstance(encoder, representation_lib.Encoder):
        if not callable(encoder):
            raise UserError(f"representation must be a callable or an Encoder, got {type(encoder).__name__}.")
        encoder = representation_lib.from_callable(encoder)
    if batch_size:
        encoder.batch_size = int(batch_size)
    return sampling.CodeSampler(data, encoder, kind, cache=cache,
                                encode_batch_size=max(encoder.batch_size, 4096) if cache else encoder.batch_size)


def evaluate(data, encoder, config, progress=print):
    """{kind: results} for every representation kind of `config`, sharing one code cache.

    `encoder` is an Encoder (representation.py), a CodeSampler (to share its
    cache across calls) or any callable observations (n, H, W, C) -> codes
    (n, d), assumed deterministic.
    """
    check_data(data, config)
    kinds = config.representations
    sampler = make_sampler(data, encoder, kinds[0], config.cache, config.batch_size)
    for kind in kinds:
        sampler.encoder.check_kind(kind)
    return {kind: _evaluate_kind(data, sampler.with_kind(kind), kind, config, progress) for kind in kinds}


def check_data(data, config):
    """One-sentence UserError when `data` lacks what one of the config's metrics needs."""
    for name in config.metric_names:
        METRICS[name].check_data(data)


def _evaluate_kind(data, sampler, kind, config, progress):
    num_workers = parallel.default_num_workers() if config.num_workers is None else int(config.num_workers)
    started = time.perf_counter()
    encoded_before = sampler.images_encoded
    if config.encode_grid:
        sampler.encode_grid()
    seeds = {name: config.metric_seed(kind, name) for name in config.metric_names}
    arguments = {name: METRICS[name].arguments(config.sample_scale, estimator_seed=seeds[name],
                                               gbt_backend=config.gbt_backend, lr_estimator=config.lr_estimator)
                 for name in config.metric_names}
    scores, seconds = _run_metrics(data, sampler, arguments, seeds, num_workers, progress, kind)
    return {
        "representation": kind,
        "metrics": {name: scores[name] for name in config.metric_names},
        "seconds": {name: seconds[name] for name in config.metric_names},
        "total_seconds": round(time.perf_counter() - started, 3),
        "images_encoded": sampler.images_encoded - encoded_before,
        "images_rendered": sampler.images_rendered,
        "cache": sampler.mode,
        "num_workers": num_workers,
        "seed": config.seed,
        "seeds": seeds,
        "sample_scale": config.sample_scale,
        "comparable_with_study": config.comparable_with_study,
        "evaluation_config": records.plain(config.to_dict()),
        "metric_arguments": {name: records.plain(args) for name, args in arguments.items()},
        "estimators": {name: estimator_descriptions(METRICS[name], config) for name in config.metric_names},
        "data": data_description(data),
        "versions": records.library_versions(),
    }


def _run_metrics(data, sampler, arguments, seeds, num_workers, progress, kind):
    """({metric: scores}, {metric: seconds}): draws in this process, fits in `num_workers` processes.

    A metric's seconds are its drawing time plus the time its fits took
    (in the workers, they overlap other metrics).
    """
    with_fits = [name for name in arguments if METRICS[name].has_fits]
    without = [name for name in arguments if not METRICS[name].has_fits]
    drawn, draw_seconds = {}, {}

    def draw(name):
        sampler.start_metric(seeds[name])
        tic = time.perf_counter()
        drawn[name] = METRICS[name].measure(data, sampler, np.random.RandomState(seeds[name]), **arguments[name])
        draw_seconds[name] = time.perf_counter() - tic

    for name in with_fits:
        draw(name)
    fit_results = _start_fits([task for name in with_fits for task in drawn[name].tasks], num_workers)
    for name in without:
        draw(name)
        _report(progress, kind, name, draw_seconds[name], drawn[name].finish([]), sampler)
    results = iter(fit_results())
    scores, seconds = {}, {}
    for name in with_fits + without:
        mine = [next(results) for _ in drawn[name].tasks]
        scores[name] = dict(drawn[name].finish([result for result, _ in mine]))
        seconds[name] = round(draw_seconds[name] + sum(fit_seconds for _, fit_seconds in mine), 3)
        if name in with_fits:
            _report(progress, kind, name, seconds[name], scores[name], sampler)
    return scores, seconds


def _start_fits(tasks, num_workers):
    """Starts the fits (in worker processes when there are several); returns `results() -> [(result, s)]`."""
    if num_workers > 1 and len(tasks) > 1:
        return parallel.Pool(num_workers).submit(tasks).results
    return lambda: [parallel.timed_call(task.function, task.args) for task in tasks]


def estimator_descriptions(metric, config):
    """{estimator: what it is} for the estimators `metric` fits under `config` (recorded with its scores)."""
    descriptions = {
        "lr": lambda: estimators.describe(config.lr_estimator, "lr"),
        "lr_cv": lambda: estimators.describe(config.lr_estimator, "lr_cv"),
        "gbt": lambda: f"GradientBoostingClassifier() defaults as scikit-learn {sklearn.__version__}, fit by "
                       f"{config.gbt_backend}",
        "svc": lambda: "LinearSVC(C=0.01, class_weight='balanced')",
    }
    return {name: descriptions[name]() for name in metric.estimators}


def _report(progress, kind, name, seconds, scores, sampler):
    if progress:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in list(scores.items())[:4])
        progress(f"[{kind}] {name}: {seconds:.1f} s ({sampler.images_encoded} images encoded so far) {shown}")


def data_description(data):
    return {"name": data.name, "data_source": str(data.data_source), "factor_names": list(data.factor_names),
            "factor_sizes": [int(s) for s in data.factor_sizes], "deterministic": bool(data.deterministic)}


def format_table(results_by_kind):
    """A plain-text table: one row per metric key, one column per representation kind."""
    kinds = list(results_by_kind)
    rows = []
    first = results_by_kind[kinds[0]]
    for metric, scores in first["metrics"].items():
        for key in scores:
            values = [results_by_kind[k]["metrics"].get(metric, {}).get(key) for k in kinds]
            rows.append((metric, key, values))
    width_metric = max([len("metric")] + [len(r[0]) for r in rows])
    width_key = max([len("score")] + [len(r[1]) for r in rows])
    lines = [f"{'metric':<{width_metric}}  {'score':<{width_key}}  " + "  ".join(f"{k:>10}" for k in kinds)]
    for metric, key, values in rows:
        cells = "  ".join(f"{_format_value(v):>10}" for v in values)
        lines.append(f"{metric:<{width_metric}}  {key:<{width_key}}  {cells}")
    seconds = "  ".join(f"{results_by_kind[k]['total_seconds']:>9.1f}s" for k in kinds)
    lines.append(f"{'total':<{width_metric}}  {'seconds':<{width_key}}  {seconds}")
    return "\n".join(lines)


def _format_value(value):
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
