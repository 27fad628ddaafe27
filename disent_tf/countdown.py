"""Done of total, time elapsed and time left at the rate so far: the progress of evaluations and study shards.

    countdown = Countdown(total=18)
    countdown.advance()
    countdown.status("metrics")   # '1/18 metrics done, 12s elapsed, ETA 3m24s'

Training has its own line (training/progress.py, from steps/s); this is for
work counted in units of uneven cost (metrics, stages, models), so its ETA is
a rough guide: the mean time of the units done so far times the units left.
"""

import time

from disent_tf.training.progress import format_duration


class Countdown:
    """Counts finished units of a known total and estimates the time the rest take."""

    def __init__(self, total, clock=time.perf_counter):
        self.total = int(total)
        self.done = 0
        self._worked = 0
        self._clock = clock
        self._started = clock()

    def advance(self, worked=True):
        """One more unit is finished; `worked=False` for one skipped (already done), left out of the rate."""
        self.done += 1
        self._worked += bool(worked)

    def elapsed(self):
        return self._clock() - self._started

    def eta(self, elapsed=None):
        """Seconds left at the mean time per unit worked in `elapsed` (default: so far); None before any unit."""
        if self.done >= self.total:
            return 0.0
        if not self._worked:
            return None
        return (self.elapsed() if elapsed is None else elapsed) / self._worked * (self.total - self.done)

    def status(self, unit):
        """'3/12 models done, 1h02m elapsed, ETA 3h06m' ('ETA ?' until one unit was worked)."""
        elapsed = self.elapsed()
        eta = self.eta(elapsed)
        return (f"{self.done}/{self.total} {unit} done, {format_duration(elapsed)} elapsed, "
                f"ETA {'?' if eta is None else format_duration(eta)}")
