"""What every metric module declares: its entry point, its defaults, its reduced settings.

A metric module has an array-level core (`<metric>_from_codes`, pure numpy)
and one entry point `measure_<metric>(data, sampler, rng, **arguments) ->
Fits`: it draws its points from `rng` in the study's order and returns the
independent estimator fits still to run (none for most metrics) with the
function that turns their results into the scores. `evaluation/suite.py`
queues the fits of every metric in one worker pool while other metrics
encode; a direct call runs them in place:

    scores = dci.METRIC.compute(data, representation_fn, np.random.RandomState(0))

`Metric.reduce(arguments, scale)` gives the metric's reduced settings for
`sample_scale` < 1; each metric says which of its arguments are sample
counts, so no central list of argument names exists.
"""

import dataclasses
from typing import Callable, Mapping, Sequence, Tuple

from disent_tf.evaluation import parallel, sampling

# Smallest number of points a reduced run (sample_scale < 1) draws.
MIN_POINTS = 20
# Evaluation options a metric may take from the EvaluationConfig (see `Metric.options`).
OPTIONS = ("estimator_seed", "gbt_backend", "lr_estimator")


@dataclasses.dataclass(frozen=True)
class Fits:
    """The estimator fits a metric still needs, and how their results become its scores."""

    tasks: Sequence[parallel.Task]
    finish: Callable[[list], Mapping[str, float]]

    def run(self, num_workers=1):
        """The scores, fitting the tasks here (`num_workers` 1) or in worker processes."""
        return dict(self.finish(parallel.run(self.tasks, num_workers)))


def scores(values):
    """Fits of a metric that has none: its scores are known already."""
    return Fits((), lambda results: values)


def scale_counts(*names, minimum=MIN_POINTS):
    """A `reduce` function multiplying the sample counts `names` by the scale (at least `minimum`)."""

    def reduce(arguments, scale):
        reduced = dict(arguments)
        for name in names:
            reduced[name] = max(minimum, int(round(arguments[name] * scale)))
        return reduced

    return reduce


@dataclasses.dataclass(frozen=True)
class Metric:
    """A metric by name: entry point, study defaults, reduced settings, evaluation options it takes.

    `options` lists the evaluation options (`OPTIONS`) that `measure` accepts
    as keyword arguments; the suite passes exactly those.
    """

    name: str
    measure: Callable[..., Fits]
    defaults: Mapping[str, object]
    reduce: Callable[[dict, float], dict]
    options: Tuple[str, ...] = ()
    # The estimators it fits ("lr", "lr_cv", "gbt", "svc"): recorded with its scores.
    estimators: Tuple[str, ...] = ()
    # check_data(data) raises a one-sentence UserError when the data set lacks what the metric needs;
    # the suite calls it for every metric before any work starts.
    check_data: Callable[[object], None] = lambda data: None

    def __post_init__(self):
        unknown = sorted(set(self.options) - set(OPTIONS))
        if unknown:
            raise ValueError(f"metric {self.name}: unknown options {unknown}")

    def arguments(self, sample_scale=1.0, **options):
        """The keyword arguments of `measure`: defaults, reduced below scale 1, plus the options it takes."""
        arguments = dict(self.defaults)
        if sample_scale != 1.0:
            arguments = self.reduce(arguments, sample_scale)
        arguments.update({name: value for name, value in options.items() if name in self.options})
        return arguments

    def compute(self, data, representation_fn, rng, num_workers=1, **arguments):
        """{score key: value}: draw and fit in this call (the library form of one metric)."""
        sampler = sampling.as_sampler(data, representation_fn)
        measure_arguments = {**self.defaults, **arguments}
        return self.measure(data, sampler, rng, **measure_arguments).run(num_workers)
