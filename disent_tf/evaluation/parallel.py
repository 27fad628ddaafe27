"""Independent classifier fits spread over processes, longest first.

The study fits one classifier per factor (DCI, downstream tasks, SAP,
explicitness). Those fits are independent and deterministic given their data
and random_state, so running them in worker processes gives exactly the serial
results; only the wall time changes. Gradient boosting holds the GIL, hence
processes (joblib's loky backend) rather than threads.

`run(tasks, num_workers)` fits and waits. evaluate.py queues fits in a
`FitQueue` as soon as a representation kind's drawing leaves nothing to
encode, and collects them, with each fit's seconds, at the end.
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
    with FitQueue(num_workers) as queue:
        return [result for result, _ in queue.submit(tasks)()]


class FitQueue:
    """Fits queued now and collected later, in worker processes (or in this one when num_workers <= 1).

    The workers are loky's reusable executor, shared by every queue of the
    process. Used as a context manager: leaving it on an error cancels the
    fits not yet started.
    """

    def __init__(self, num_workers=1):
        self.num_workers = default_num_workers() if num_workers is None else int(num_workers)
        self._futures = []

    def submit(self, tasks):
        """Queues `tasks`, the most expensive first (within this call); returns collect().

        collect() waits and returns [(result, seconds)] in the order of
        `tasks`; serial fits run when it is called.
        """
        tasks = list(tasks)
        if self.num_workers <= 1 or len(tasks) <= 1:
            return lambda: [timed_call(task.function, task.args) for task in tasks]
        from joblib.externals.loky import get_reusable_executor

        executor = get_reusable_executor(max_workers=self.num_workers, timeout=60, initializer=die_with_parent)
        futures = [None] * len(tasks)
        for i in sorted(range(len(tasks)), key=lambda i: -tasks[i].cost):
            futures[i] = executor.submit(timed_call, tasks[i].function, tasks[i].args)
        self._futures.extend(futures)
        return lambda: [future.result() for future in futures]

    def __enter__(self):
        return self

    def __exit__(self, *error):
        if error[0] is not None:
            for future in self._futures:
                future.cancel()
        return False


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
