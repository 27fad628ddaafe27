"""Run a suite of the study's metrics on one representation and write the results.

`evaluate(data, representation_fn, metrics=("all",), seed=0, ...)` scores one
representation kind; `evaluate_kinds` scores several kinds (mean, sampled)
sharing one code cache, so an image is encoded once for both. Each metric
starts from `numpy.random.RandomState(seed)`, as the study's evaluation did.
`write_results` writes the JSON through a temporary name, so a failed run
leaves no partial file.
"""

import posixpath
import time

import numpy as np

from disent_tf import records
from disent_tf.errors import UserError
from disent_tf.evaluation import gbt, parallel, representation as representation_lib, sampling
from disent_tf.evaluation.metrics import METRICS, names as metric_names

# Smallest sample counts a reduced run (sample_scale < 1) may use.
_MIN_POINTS = 20
_MIN_DOWNSTREAM_TRAIN = 10
_SCALED_ARGUMENTS = ("num_train", "num_eval", "num_test", "num_variance_estimate")


def parse_metrics(metrics):
    """Metric names from ("all",), a list, or a comma-separated string; UserError for unknown names."""
    if isinstance(metrics, str):
        metrics = [name.strip() for name in metrics.split(",") if name.strip()]
    metrics = list(metrics)
    if not metrics or metrics == ["all"]:
        return metric_names()
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise UserError(f"unknown metric {', '.join(unknown)}; choose from all, {', '.join(metric_names())}.")
    return [name for name in metric_names() if name in metrics]


def metric_arguments(name, sample_scale=1.0, num_workers=1, seed=0, gbt_backend=gbt.DEFAULT_BACKEND):
    """Keyword arguments of metric `name`: the study defaults, sample counts scaled by `sample_scale`."""
    metric = METRICS[name]
    arguments = dict(metric.defaults)
    if sample_scale != 1.0:
        for key in _SCALED_ARGUMENTS:
            if key in arguments and not isinstance(arguments[key], tuple):
                arguments[key] = max(_MIN_POINTS, int(round(arguments[key] * sample_scale)))
        if isinstance(arguments.get("num_train"), tuple):
            sizes = arguments["num_train"]
            arguments["num_train"] = tuple(max(_MIN_DOWNSTREAM_TRAIN, int(round(s * sample_scale))) for s in sizes)
            arguments["size_labels"] = sizes
    if metric.parallel:
        arguments["num_workers"] = num_workers
    if metric.estimator_seed:
        arguments["estimator_seed"] = seed
    if metric.fits_gbt:
        arguments["gbt_backend"] = gbt_backend
    return arguments


def make_sampler(data, representation_fn, kind="mean", cache=True, batch_size=None):
    """A CodeSampler for an Encoder, a CodeSampler (other kind, same cache) or a plain callable."""
    if isinstance(representation_fn, sampling.CodeSampler):
        return representation_fn.with_kind(kind)
    encoder = representation_fn
    if not isinstance(encoder, representation_lib.Encoder):
        if not callable(encoder):
            raise UserError(f"representation must be a callable or an Encoder, got {type(encoder).__name__}.")
        encoder = representation_lib.from_callable(encoder)
    if batch_size:
        encoder.batch_size = int(batch_size)
    return sampling.CodeSampler(data, encoder, kind, cache=cache,
                                encode_batch_size=max(encoder.batch_size, 4096) if cache else encoder.batch_size)


def evaluate(data, representation_fn, metrics=("all",), seed=0, kind="mean", num_workers=None, cache=True,
             sample_scale=1.0, encode_grid=False, gbt_backend=gbt.DEFAULT_BACKEND, progress=print):
    """Scores of one representation kind: {"metrics": {metric: {key: value}}, "seconds": ..., ...}.

    `representation_fn` is an Encoder (representation.py), a CodeSampler, or
    any callable observations (n, H, W, C) -> codes (n, d), assumed
    deterministic. `num_workers` (default: all cores) fits the per-factor
    classifiers in parallel; `cache` keeps codes by grid index (deterministic
    data sets); `sample_scale` < 1 shrinks every sample count for quick runs,
    whose numbers are NOT comparable with the study; `gbt_backend` fits the
    gradient boosted trees with evaluation/gbt.py ("numba") or scikit-learn.
    """
    names = parse_metrics(metrics)
    if gbt_backend not in gbt.BACKENDS:
        raise UserError(f"unknown GBT backend {gbt_backend!r}; choose from {', '.join(gbt.BACKENDS)}.")
    if not 0 < sample_scale <= 1:
        raise UserError(f"sample_scale must be in (0, 1], got {sample_scale}.")
    num_workers = parallel.default_num_workers() if num_workers is None else int(num_workers)
    if num_workers < 1:
        raise UserError(f"num_workers must be at least 1, got {num_workers}.")
    sampler = make_sampler(data, representation_fn, kind, cache)
    started = time.perf_counter()
    encoded_before = sampler.images_encoded
    if encode_grid:
        sampler.encode_grid()
    arguments = {name: metric_arguments(name, sample_scale, num_workers, seed, gbt_backend) for name in names}
    if num_workers > 1:
        scores, seconds = _run_overlapped(data, sampler, names, arguments, seed, num_workers, progress, kind)
    else:
        scores, seconds = _run_serial(data, sampler, names, arguments, seed, progress, kind)
    scores = {name: scores[name] for name in names}
    seconds = {name: seconds[name] for name in names}
    return {
        "representation": kind,
        "metrics": scores,
        "seconds": seconds,
        "total_seconds": round(time.perf_counter() - started, 3),
        "images_encoded": sampler.images_encoded - encoded_before,
        "images_rendered": sampler.images_rendered,
        "cache": sampler.mode,
        "num_workers": num_workers,
        "seed": seed,
        "sample_scale": sample_scale,
        "comparable_with_study": sample_scale == 1.0,
        "metric_arguments": {name: records.plain(args) for name, args in arguments.items()},
        "data": data_description(data),
        "versions": records.library_versions(),
    }


def _run_serial(data, sampler, names, arguments, seed, progress, kind):
    """The metrics one after the other, each from RandomState(seed), fits in this process."""
    scores, seconds = {}, {}
    for name in names:
        sampler.start_metric(seed)
        tic = time.perf_counter()
        scores[name] = METRICS[name].compute(data, sampler, np.random.RandomState(seed), **arguments[name])
        seconds[name] = round(time.perf_counter() - tic, 3)
        _report(progress, kind, name, seconds[name], scores[name], sampler)
    return scores, seconds


def _run_overlapped(data, sampler, names, arguments, seed, num_workers, progress, kind):
    """Same scores as `_run_serial`, with the classifier fits in worker processes.

    Metrics with fits draw their points first (few images) and queue all
    their fits in one pool, longest first; the image-hungry BetaVAE and
    FactorVAE scores then encode in this process while the workers fit. Every metric
    still starts from RandomState(seed) and fits draw nothing from it, so the
    order does not change a number. A metric's seconds are its drawing time
    plus the time its fits took in the workers (they overlap other metrics).
    """
    prepared, scores, seconds = {}, {}, {}
    for name in (name for name in names if METRICS[name].prepare):
        sampler.start_metric(seed)
        tic = time.perf_counter()
        fit_arguments = {k: v for k, v in arguments[name].items() if k != "num_workers"}
        tasks, finish = METRICS[name].prepare(data, sampler, np.random.RandomState(seed), **fit_arguments)
        prepared[name] = (tasks, finish, time.perf_counter() - tic)
    # One queue over every metric's fits, longest first, so that no long fit
    # (e.g. 40 orientation classes) is left running alone at the end.
    all_tasks = [task for tasks, _, _ in prepared.values() for task in tasks]
    submitted = parallel.Pool(num_workers).submit(all_tasks)
    scores_serial, seconds_serial = _run_serial(
        data, sampler, [name for name in names if not METRICS[name].prepare], arguments, seed, progress, kind)
    scores.update(scores_serial)
    seconds.update(seconds_serial)
    results = iter(submitted.results())
    for name, (tasks, finish, draw_seconds) in prepared.items():
        mine = [next(results) for _ in tasks]
        scores[name] = finish([result for result, _ in mine])
        seconds[name] = round(draw_seconds + sum(fit_seconds for _, fit_seconds in mine), 3)
        _report(progress, kind, name, seconds[name], scores[name], sampler)
    return scores, seconds


def _report(progress, kind, name, seconds, scores, sampler):
    if progress:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in list(scores.items())[:4])
        progress(f"[{kind}] {name}: {seconds:.1f} s ({sampler.images_encoded} images encoded so far) {shown}")


def evaluate_kinds(data, encoder, kinds=("mean", "sampled"), **kwargs):
    """{kind: evaluate(...)} for several kinds sharing one code cache."""
    for kind in kinds:
        encoder.check_kind(kind)
    sampler = make_sampler(data, encoder, kinds[0], kwargs.get("cache", True))
    return {kind: evaluate(data, sampler, kind=kind, **kwargs) for kind in kinds}


def data_description(data):
    return {"name": data.name, "data_source": str(data.data_source), "factor_names": list(data.factor_names),
            "factor_sizes": [int(s) for s in data.factor_sizes], "deterministic": bool(data.deterministic)}


def write_results(results, path):
    """Writes `results` as JSON to `path` through a temporary name (any tf.io.gfile path)."""
    return records.write_json(path, results, sort_keys=False)


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


# --- the bin/evaluate job ------------------------------------------------------------------------

def run_from_flags(export_dir=None, serving_url=None, codes=None, kinds=("mean",), metrics="all", dataset=None,
                   data_dir=None, seed=0, num_workers=None, cache=True, encode_grid=False, batch_size=1024,
                   sample_scale=1.0, gbt_backend=gbt.DEFAULT_BACKEND, output=None, output_dir=None, progress=print):
    """Loads the representation and data set named by the flags, scores them, writes and prints results.

    Returns {kind: results}. Every input is checked before any work starts;
    results files appear only once every kind has been scored.
    """
    names = parse_metrics(metrics)
    sources = [name for name, value in (("--export_dir", export_dir), ("--serving_url", serving_url),
                                        ("--codes", codes)) if value]
    if len(sources) != 1:
        raise UserError("pass exactly one of --export_dir, --serving_url or --codes "
                        f"(got {', '.join(sources) if sources else 'none'}).")
    if output and len(kinds) > 1:
        raise UserError("--output names one file; with --representation=both pass --output_dir instead.")
    if not 0 < sample_scale <= 1:
        raise UserError(f"--sample_scale must be in (0, 1], got {sample_scale}.")
    if gbt_backend not in gbt.BACKENDS:
        raise UserError(f"--gbt_backend must be one of {', '.join(gbt.BACKENDS)}, got {gbt_backend!r}.")
    metadata = representation_lib.read_export_metadata(export_dir) if export_dir else {}
    dataset = dataset or metadata.get("dataset", {}).get("name")
    if not dataset:
        raise UserError("pass --dataset: " + ("the export records no data set." if export_dir
                                               else "a served model or a code table does not say which data set."))
    paths = _output_paths(kinds, output, output_dir, export_dir)

    from disent_tf import data as data_lib

    data = data_lib.get(dataset, data_dir=data_dir)
    if export_dir:
        encoder = representation_lib.from_saved_model(export_dir, kinds[0] if len(kinds) == 1 else "sampled",
                                                      batch_size)
    elif serving_url:
        encoder = representation_lib.from_serving(serving_url, kinds[0], min(batch_size, 256))
    else:
        encoder = representation_lib.load_code_table(codes)
    for kind in kinds:
        encoder.check_kind(kind)
    source = {"export_dir": export_dir, "serving_url": serving_url, "codes": codes}
    results = evaluate_kinds(data, encoder, kinds, metrics=names, seed=seed, num_workers=num_workers,
                             cache=cache, sample_scale=sample_scale, encode_grid=encode_grid,
                             gbt_backend=gbt_backend, progress=progress)
    for kind in kinds:
        results[kind]["source"] = {k: v for k, v in source.items() if v}
        if metadata:
            results[kind]["export_metadata"] = metadata
    for kind in kinds:
        write_results(results[kind], paths[kind])
    if progress:
        progress(format_table(results))
        for kind in kinds:
            progress(f"wrote {paths[kind]}")
        if sample_scale != 1.0:
            progress(f"note: --sample_scale={sample_scale}: these numbers are not comparable with the study.")
    return results


def _output_paths(kinds, output, output_dir, export_dir):
    if output:
        return {kinds[0]: output}
    if not output_dir:
        if export_dir:
            version_dir = representation_lib.resolve_export_dir(export_dir).rstrip("/")
            output_dir = posixpath.join(posixpath.dirname(version_dir), "evaluation", posixpath.basename(version_dir))
        else:
            output_dir = "evaluation"
    return {kind: posixpath.join(output_dir, f"{kind}.json") for kind in kinds}


def evaluate_export(export_dir, kinds=("mean", "sampled"), output_dir=None, **options):
    """Scores a SavedModel export with every kind in `kinds` and writes `<output_dir>/<kind>.json`.

    The library form of `bin/evaluate --export_dir=...` (e.g. for the study's
    reproduce step); `options` are those of `run_from_flags` (metrics, seed,
    num_workers, sample_scale, dataset, data_dir, progress, ...). Returns
    {kind: results}.
    """
    return run_from_flags(export_dir=export_dir, kinds=tuple(kinds), output_dir=output_dir, **options)
