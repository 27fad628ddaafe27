"""Score a representation with an EvaluationConfig: the one function bin/evaluate and the study call.

    results = evaluate(data, encoder, EvaluationConfig(representation="both"))
    results["mean"]["metrics"]["mig"]["discrete_mig"]

Every kind in `config.representations` shares one code cache, so an image is
encoded once for all of them. Each metric starts from
`numpy.random.RandomState(seed)` with its seed (`config.metric_seed`), as the
study's evaluation did. Every metric of every kind draws its points in
this process (all encoding happens then, on every core); the estimator fits
run in worker processes, longest first, queued once no encoding is left:
after all drawing, or, when the kinds share their seeds (the default) and
the codes are cached, after the first kind's, while the others draw. Fits
draw nothing from the metric's RandomState, so the order changes no number.

`progress` gets a line as each metric starts drawing and one as it is scored,
each with the metrics scored of the total, the time elapsed and an ETA at the
rate so far (`disent_tf.countdown`).
"""

import time

import numpy as np
import sklearn

from disent_tf import countdown, records
from disent_tf.errors import UserError
from disent_tf.evaluation import estimators, parallel, representation as representation_lib, sampling
from disent_tf.evaluation import metrics as metric_table


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
    reporter = _Reporter(progress, len(kinds) * len(config.metric_names))
    sampler = make_sampler(data, encoder, kinds[0], config.cache, config.batch_size)
    for kind in kinds:
        sampler.encoder.check_kind(kind)
    stages_before = sampler.stages()
    started = time.perf_counter()
    if config.encode_grid:
        sampler.encode_grid()
    with parallel.FitQueue(config.num_workers) as queue:
        draws, unqueued, queued = [], [], []
        for position, kind in enumerate(kinds):
            draws.append(_draw_kind(data, sampler.with_kind(kind), kind, config, reporter))
            unqueued.append(draws[-1])
            later_kinds = kinds[position + 1:]
            if not later_kinds or _rest_encodes_nothing(sampler, config, kind, later_kinds):
                queued.append(_queue_fits(queue, unqueued))
                unqueued = []
        drawn_at = time.perf_counter()
        for collect, metrics in queued:
            _finish_queued(collect, metrics, reporter)
    timing = _timing(sampler.stages(), stages_before, draws, (started, drawn_at, time.perf_counter()))
    return {draw.kind: _results(data, draw, config, queue.num_workers, timing) for draw in draws}


def check_data(data, config):
    """One-sentence UserError when `data` lacks what one of the config's metrics needs."""
    for name in config.metric_names:
        metric_table.get(name).check_data(data)


class _KindDraw:
    """One representation kind's metrics: their drawn points and fits, then their scores."""

    def __init__(self, kind, sampler, seeds, arguments):
        self.kind = kind
        self.sampler = sampler
        self.seeds = seeds
        self.arguments = arguments
        self.fits, self.draw_seconds, self.fit_seconds, self.scores = {}, {}, {}, {}
        self.images_encoded = 0


def _draw_kind(data, sampler, kind, config, reporter):
    """Draws every metric of one kind in this process (all encoding happens here); fits are left to run.

    Metrics without fits are scored (and reported) as they are drawn.
    """
    seeds = {name: config.metric_seed(kind, name) for name in config.metric_names}
    arguments = {name: metric_table.get(name).arguments(config.sample_scale, estimator_seed=seeds[name],
                                                        gbt_backend=config.gbt_backend,
                                                        lr_estimator=config.lr_estimator)
                 for name in config.metric_names}
    draw = _KindDraw(kind, sampler, seeds, arguments)
    encoded_before = sampler.images_encoded
    for name in config.metric_names:
        sampler.start_metric(seeds[name])
        reporter.started(kind, name)
        tic = time.perf_counter()
        metric = metric_table.get(name)
        draw.fits[name] = metric.measure(data, sampler, np.random.RandomState(seeds[name]), **arguments[name])
        draw.draw_seconds[name] = time.perf_counter() - tic
        if not draw.fits[name].tasks:
            _finish(draw, name, [], reporter)  # nothing to fit: scored now
    draw.images_encoded = sampler.images_encoded - encoded_before
    return draw


def _rest_encodes_nothing(sampler, config, kind, later_kinds):
    """True when the kinds drawn after `kind` will find every image they need already encoded.

    Fits are queued only then: the encoder has every core to itself
    (encoding while workers fit oversubscribes the cores; measured slower,
    docs/performance.md). A code table encodes nothing; a cache filled up
    front (encode_grid) has every image; and kinds drawn with the same
    metric seeds draw the same points, so after the first of them the cache
    holds all they need (but for a metric that draws less for one kind, as
    factor_vae does for a representation with no active code: that costs
    speed, not numbers). Without a cache every draw is encoded again.
    """
    if sampler.mode == "table":
        return True
    if sampler.mode != "cache":
        return False
    return config.encode_grid or all(config.metric_seed(later, name) == config.metric_seed(kind, name)
                                     for later in later_kinds for name in config.metric_names)


def _queue_fits(queue, draws):
    """Queues the fits of `draws`' metrics; returns (collect, [(draw, metric name)]) in queue order."""
    metrics = [(draw, name) for draw in draws for name, fits in draw.fits.items() if fits.tasks]
    collect = queue.submit([task for draw, name in metrics for task in draw.fits[name].tasks])
    return collect, metrics


def _finish_queued(collect, metrics, reporter):
    """Waits for the fits of one `_queue_fits` call and scores their metrics."""
    fitted = iter(collect())
    for draw, name in metrics:
        _finish(draw, name, [next(fitted) for _ in draw.fits[name].tasks], reporter)


def _finish(draw, name, fitted, reporter):
    """Scores metric `name` of `draw` from its fits' [(result, seconds)], and reports them."""
    draw.scores[name] = dict(draw.fits[name].finish([result for result, _ in fitted]))
    draw.fit_seconds[name] = sum(seconds for _, seconds in fitted)
    reporter.scored(draw.kind, name, draw.draw_seconds[name] + draw.fit_seconds[name], draw.scores[name],
                    draw.sampler.images_encoded)


def _timing(stages, stages_before, draws, clock):
    """Where the wall time of one `evaluate` call went (shared by the kinds it scored).

    `clock` is (started, drawn, finished), perf_counter readings.
    """
    started, drawn_at, finished = clock
    spent = {key: stages[key] - stages_before[key] for key in stages}
    fit_cpu = sum(sum(draw.fit_seconds.values()) for draw in draws)
    return {
        "wall_seconds": round(finished - started, 3),
        "draw_wall_seconds": round(drawn_at - started, 3),
        "fit_wall_seconds": round(finished - drawn_at, 3),
        "render_seconds": round(spent["render_seconds"], 3),
        "encode_seconds": round(spent["encode_seconds"], 3),
        "images_rendered": int(spent["images_rendered"]),
        "images_encoded": int(spent["images_encoded"]),
        "fit_seconds": round(fit_cpu, 3),
    }


def _results(data, draw, config, num_workers, timing):
    names = config.metric_names
    return {
        "representation": draw.kind,
        "metrics": {name: draw.scores[name] for name in names},
        "seconds": {name: round(draw.draw_seconds[name] + draw.fit_seconds[name], 3) for name in names},
        "draw_seconds": {name: round(draw.draw_seconds[name], 3) for name in names},
        "fit_seconds": {name: round(draw.fit_seconds[name], 3) for name in names},
        "total_seconds": timing["wall_seconds"],
        "timing": timing,
        "images_encoded": draw.images_encoded,
        "images_rendered": draw.sampler.images_rendered,
        "cache": draw.sampler.mode,
        "num_workers": num_workers,
        "seed": config.seed,
        "seeds": draw.seeds,
        "sample_scale": config.sample_scale,
        "comparable_with_study": config.comparable_with_study,
        "evaluation_config": records.plain(config.to_dict()),
        "metric_arguments": {name: records.plain(args) for name, args in draw.arguments.items()},
        "estimators": {name: estimator_descriptions(metric_table.get(name), config) for name in names},
        "data": data_description(data),
        "versions": records.library_versions(),
    }


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


class _Reporter:
    """The progress lines of one `evaluate` call (none when its `progress` is None)."""

    def __init__(self, progress, total):
        self._progress = progress
        self._countdown = countdown.Countdown(total)

    def started(self, kind, name):
        self._say(f"[{kind}] {name}: drawing ({self._countdown.status('metrics')})")

    def scored(self, kind, name, seconds, scores, images_encoded):
        self._countdown.advance()
        shown = ", ".join(f"{k}={v:.4g}" for k, v in list(scores.items())[:4])
        self._say(f"[{kind}] {name}: {seconds:.1f} s ({images_encoded} images encoded so far) {shown}; "
                  f"{self._countdown.status('metrics')}")

    def _say(self, line):
        if self._progress:
            self._progress(line)


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
    wall = first["total_seconds"]  # one call scores all kinds together
    lines.append(f"{'total':<{width_metric}}  {'seconds':<{width_key}}  {wall:>9.1f}s"
                 + (f" ({', '.join(kinds)} together)" if len(kinds) > 1 else ""))
    return "\n".join(lines)


def _format_value(value):
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
