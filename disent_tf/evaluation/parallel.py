"""Independent classifier fits spread over processes, longest first.

The study fits one classifier per factor (DCI, downstream tasks, SAP,
explicitness). Those fits are independent and deterministic given their data
and random_state, so running them in worker processes gives exactly the serial
results; only the wall time changes. Gradient boosting holds the GIL, hence
processes (joblib's loky backend) rather than threads.

`run(tasks, num_workers)` fits and waits; `run_timed` also gives each fit's
seconds (evaluate.py queues the fits of every metric in one call).
"""

import contextlib
import dataclasses
import os
import time
import warnings

import threadpoolctl
from sklearn.exceptions import ConvergenceWarning


@dataclasses.dataclass
class Task:
    """One fit: `function(*args)` with a relative `cost` used to schedule it."""

    function: object
    args: tuple
    cost: float = 1.0


def default_num_workers():
    return os.cpu_count() or 1


def run(tasks, num_workers=1):
    """Results of `tasks` in their given order; `num_workers` > 1 runs them in processes."""
    return [result for result, _ in run_timed(tasks, num_workers)]


def run_timed(tasks, num_workers=1):
    """[(result, seconds)] of `tasks` in their given order; `num_workers` > 1 runs them in processes."""
    tasks = list(tasks)
    if num_workers is None:
        num_workers = default_num_workers()
    if num_workers <= 1 or len(tasks) <= 1:
        return [timed_call(task.function, task.args) for task in tasks]
    return _in_processes(tasks, num_workers)


def _in_processes(tasks, num_workers):
    """[(result, seconds)] in task order, from a reusable loky executor fed the most expensive tasks first."""
    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=num_workers, timeout=60, initializer=die_with_parent)
    futures = [None] * len(tasks)
    for i in sorted(range(len(tasks)), key=lambda i: -tasks[i].cost):
        futures[i] = executor.submit(timed_call, tasks[i].function, tasks[i].args)
    return [future.result() for future in futures]


def die_with_parent():
    """Asks Linux to end this worker process when its parent dies, however the parent ends (kill -9 too).

    Without it a worker outlives a killed bin/evaluate until loky's idle
    timeout. Elsewhere (no prctl) the idle timeout still ends it.
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def timed_call(function, args):
    """(function(*args), seconds) inside the `fitting` context."""
    tic = time.perf_counter()
    with fitting():
        result = function(*args)
    return result, time.perf_counter() - tic


@contextlib.contextmanager
def fitting():
    """Context for estimator fits: single-threaded BLAS/OpenMP, warnings silenced.

    The fits are small (10 codes); multi-threaded BLAS inside them costs ~10x
    in thread start-up and oversubscription, and the parallelism lives one
    level up (one fit per process). The study's estimators run with
    scikit-learn defaults (max_iter included); their convergence warnings
    would drown the progress lines. Neither changes a result.
    """
    with threadpoolctl.threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield
