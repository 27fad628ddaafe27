"""The progress line of a training run: step, speed, time left, loss."""

import time


def format_duration(seconds):
    """'1h02m', '3m05s' or '12s'."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Progress:
    """Measures steps/s between two reports and formats the progress line.

    The first interval includes tracing the step function, so it reads slow;
    later intervals are the steady speed.
    """

    def __init__(self, start_step, total_steps, clock=time.perf_counter):
        self._clock = clock
        self._total = total_steps
        self._last_step = start_step
        self._last_time = clock()

    def line(self, step, losses):
        """'step 1200/300000  31.2 steps/s  ETA 2h39m  loss 123.45 (reconstruction_loss 110.2, ...)'."""
        now = self._clock()
        elapsed = now - self._last_time
        rate = (step - self._last_step) / elapsed if elapsed > 0 else float("nan")
        self._last_step, self._last_time = step, now
        eta = format_duration((self._total - step) / rate) if rate > 0 else "?"
        terms = ", ".join(f"{name} {value:.4g}" for name, value in sorted(losses.items()) if name != "loss")
        return (f"step {step}/{self._total}  {rate:.1f} steps/s  ETA {eta}  "
                f"loss {losses.get('loss', float('nan')):.4g} ({terms})")
