"""A sweep's progress from its output folder, while it runs: what is done, training, failed, not started.

    report = sweep_status("output", model_nums=range(0, 4))
    print(format_status(report))

Only the files bin/reproduce and the trainer write are read, and nothing is
written or locked, so a running task is never disturbed
(`disent_tf.run_folder.StudyRun` has the layout):

- `config.json`, written first: the model was started; its `train_config`
  gives the step count, its `evaluation` the metric files to expect;
- `model/checkpoints/ckpt-<step>.index`: the newest checkpointed step, and
  with the previous one's modification time, the model's current speed;
- `model/train_results.json`: training finished (the model is being scored);
- `metrics/<representation>/<metric>.json`, one per metric: done;
- `failed.json`: the last attempt failed (reproduce.py), with its error;
- `.disent_tf.lock`: which process works on the model now (read, never taken).

The sweep's ETA is its remaining training steps at the rate the whole sweep
has trained so far (steps of every task, over the time since its first
config.json was written), so time spent scoring slows the rate as it slows
the sweep.
"""

import dataclasses
import json
import posixpath
import time
from typing import List, Optional

from disent_tf import locks
from disent_tf.errors import MissingFileError
from disent_tf.run_folder import StudyRun, checkpoint_steps, gfile, join

DONE, SCORING, TRAINING, FAILED, NOT_STARTED = "done", "scoring", "training", "failed", "not started"
STATES = (DONE, SCORING, TRAINING, FAILED, NOT_STARTED)


@dataclasses.dataclass(frozen=True)
class ModelStatus:
    """Where one model of the sweep stands."""

    model_num: int
    state: str
    steps: Optional[int] = None  # the run's training steps (from config.json)
    step: int = 0  # trained steps: the newest checkpoint's, or `steps` once trained
    steps_per_s: Optional[float] = None  # between its last two checkpoints
    error: Optional[str] = None  # the first line of the failure's message
    holder: Optional[str] = None  # "pid P on HOST since T" of the lock, if one is held
    started: Optional[float] = None  # modification time of config.json (seconds since the epoch)
    study: Optional[str] = None  # the study config.json names


@dataclasses.dataclass(frozen=True)
class SweepStatus:
    models: List[ModelStatus]
    now: float

    def count(self, state):
        return sum(model.state == state for model in self.models)

    def trained_steps(self):
        return sum(model.step for model in self.models if model.state != NOT_STARTED)

    def total_steps(self):
        """Training steps of every model whose step count is known (not started ones: from the study)."""
        return sum(model.steps or 0 for model in self.models)

    def rate(self):
        """Training steps per second of the whole sweep since its first model started (None before)."""
        starts = [model.started for model in self.models if model.started is not None]
        elapsed = self.now - min(starts) if starts else 0
        return self.trained_steps() / elapsed if elapsed > 0 and self.trained_steps() else None

    def eta_s(self):
        """Seconds until every model has trained, at `rate()` (None when unknown); 0 once all are trained."""
        remaining = sum(max((model.steps or 0) - model.step, 0) for model in self.models if model.state != FAILED)
        if not remaining:
            return 0.0
        rate = self.rate()
        return remaining / rate if rate else None


def sweep_status(input_dir, model_nums=None, steps_of=None, now=None):
    """The SweepStatus of the folder `input_dir` (bin/reproduce's --output_dir).

    `model_nums` are the models the sweep should hold (default: those with a
    folder); `steps_of(model_num)` gives a not-started model's step count.
    """
    if not gfile().isdir(input_dir):
        raise MissingFileError(f"sweep folder '{input_dir}' does not exist; pass the --output_dir of bin/reproduce.")
    found = _run_folders(input_dir)
    wanted = sorted(set(found) if model_nums is None else set(model_nums))
    models = []
    for model_num in wanted:
        if model_num in found:
            models.append(model_status(StudyRun(found[model_num]), model_num))
        else:
            models.append(ModelStatus(model_num, NOT_STARTED, steps=steps_of(model_num) if steps_of else None))
    return SweepStatus(models, time.time() if now is None else now)


def model_status(run, model_num):
    """The ModelStatus of one study run folder that holds a config.json."""
    record = _read_json(run.config_path) or {}
    steps = int(record.get("train_config", {}).get("steps", 0)) or None
    started = _mtime(run.config_path)
    common = dict(model_num=model_num, steps=steps, started=started, holder=_holder(run.root),
                  study=record.get("study"))
    # The record stands only while the model's last attempt failed, even if an earlier one finished it.
    failure = _read_json(run.failure_path)
    trained = run.training.is_finished()
    step, speed = (steps or 0, None) if trained else _checkpoint_progress(run.training.checkpoints_dir)
    if failure is not None:
        return ModelStatus(state=FAILED, step=step, error=_first_line(failure.get("error")), **common)
    if all(gfile().exists(path) for path in _metric_paths(run, record.get("evaluation") or {})):
        return ModelStatus(state=DONE, step=steps or 0, **common)
    return ModelStatus(state=SCORING if trained else TRAINING, step=step, steps_per_s=speed, **common)


def format_status(report, input_dir):
    """The lines bin/aggregate --status prints."""
    from disent_tf.training.progress import format_duration

    lines = [f"{input_dir}: {len(report.models)} models"]
    lines += [f"  {state:<12} {report.count(state)}" for state in STATES]
    for model in report.models:
        if model.state in (TRAINING, SCORING, FAILED):
            lines.append(f"model {model.model_num}: {_describe(model, format_duration)}")
    rate, eta = report.rate(), report.eta_s()
    trained = f"{report.trained_steps()} of {report.total_steps()} training steps"
    if eta == 0:
        lines.append(f"{trained}: every model is trained" + ("" if report.count(SCORING) == 0 else
                                                               f", {report.count(SCORING)} being scored"))
    elif eta is None:
        lines.append(f"{trained}; ETA unknown until a model has trained some steps")
    else:
        lines.append(f"{trained}; ETA {format_duration(eta)} at the sweep's rate so far ({rate:.3g} steps/s, "
                     "all tasks together)")
    return "\n".join(lines)


def _describe(model, format_duration):
    if model.state == FAILED:
        return f"failed at step {model.step}: {model.error}"
    if model.state == SCORING:
        text = "trained, exporting and scoring"
    elif model.steps and model.step >= model.steps:
        text = f"trained to step {model.step}, evaluating it on fresh batches"
    else:
        text = f"training, step {model.step}/{model.steps} (its newest checkpoint)"
        if model.steps_per_s:
            left = format_duration((model.steps - model.step) / model.steps_per_s)
            text += f", {model.steps_per_s:.3g} steps/s, {left} left"
    if model.holder:
        return f"{text}; {model.holder}"
    return f"{text}; no process holds it (stopped: rerunning its task resumes it)"


def _run_folders(input_dir):
    """{model_num: folder} of every `<input_dir>/<n>/config.json`."""
    folders = {}
    for path in gfile().glob(join(input_dir, "*", "config.json")):
        name = posixpath.basename(posixpath.dirname(path))
        if name.isdigit():
            folders[int(name)] = posixpath.dirname(path)
    return folders


def _metric_paths(run, evaluation):
    """The metric files a run's recorded evaluation writes (reproduce._recorded_evaluation's reading)."""
    from disent_tf.study.reproduce import _recorded_evaluation

    config = _recorded_evaluation(evaluation)
    return [run.metric_path(kind, name) for kind in config.representations for name in config.metric_names]


def _checkpoint_progress(checkpoint_dir):
    """(newest checkpointed step, steps/s between the two newest checkpoints or None)."""
    found = checkpoint_steps(checkpoint_dir)
    if not found:
        return 0, None
    if len(found) < 2:
        return found[0], None
    newer, older = found[:2]
    times = [_mtime(join(checkpoint_dir, f"ckpt-{step}.index")) for step in (older, newer)]
    if None in times or times[1] <= times[0]:
        return newer, None
    return newer, (newer - older) / (times[1] - times[0])


def _holder(folder):
    """'pid P on HOST since T' of the folder's lock file, or None when no lock is held."""
    record = _read_json(join(folder, locks.LOCK_FILE))
    if not record:
        return None
    return f"pid {record.get('pid')} on {record.get('host')} since {record.get('started')}"


def _read_json(path):
    """The JSON in `path`, or None when it is absent or being replaced (every writer renames into place)."""
    try:
        with gfile().GFile(path, "r") as handle:
            return json.loads(handle.read())
    except Exception:  # absent (NotFoundError), or gone between listing and reading
        return None


def _mtime(path):
    try:
        return gfile().stat(path).mtime_nsec / 1e9
    except Exception:
        return None


def _first_line(text):
    text = str(text or "unknown error").strip()
    return text.splitlines()[0] if text else "unknown error"
