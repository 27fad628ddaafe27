"""The folders runs live in: every path of a run, the one path join, the one config comparison.

A *training run* (bin/train's --output_dir, or `model/` of a study run):

    train_config.json     the TrainConfig it was started with
    checkpoints/          tf.train.CheckpointManager files
    summaries/            TensorBoard event files
    train_results.json    written last, atomically

A *study run* (bin/reproduce's <output_dir>/<model_num>/):

    config.json                          study, model_num, TrainConfig, evaluation config
    failed.json                          the error of the last attempt, while it stands (reproduce.py)
    model/                               its training run
    export/<name>/<version>/             SavedModel (TF Serving layout)
    metrics/<representation>/<metric>.json
    visualizations/                      PNG grids and GIFs, visualizations.json last

Paths are plain strings joined with "/" (posixpath), so `gs://bucket/...`
works: files go through `disent_tf.filesystem` (tf.io.gfile for a path with a
scheme, os for a local one), so entry points that only check flags, or read
local files, never import TensorFlow.
"""

import dataclasses
import posixpath
import re

# TrainConfig fields that say where and how a run executes, not what it
# learns: a rerun may change them (another machine, another data mount, a
# different number of evaluation batches for train_results.json).
RUNTIME_FIELDS = frozenset({
    "output_dir", "data_dir", "strategy", "jit_compile", "steps_per_call", "batch_chunks", "log_every",
    "summary_every", "checkpoint_every", "image_summary_every", "eval_batches", "collective_timeout_s"})
# `steps` is what a rerun of bin/train may also change: a larger value
# continues the same run. A study run fixes it: its step count is part of
# which model of the study it is.
TRAINING_RERUN_FIELDS = RUNTIME_FIELDS | {"steps"}


# The index file tf.train.Checkpoint writes for the checkpoint of a step.
_CHECKPOINT_INDEX = re.compile(r"ckpt-(\d+)\.index$")


def checkpoint_steps(checkpoint_dir):
    """Steps of the checkpoints saved in `checkpoint_dir` (those with a ckpt-<step>.index file), newest first."""
    if not gfile().isdir(checkpoint_dir):
        return []
    matches = map(_CHECKPOINT_INDEX.match, gfile().listdir(checkpoint_dir))
    return sorted((int(match.group(1)) for match in matches if match), reverse=True)


def run_name(model, dataset, seed):
    """'<model>_<dataset>_seed<seed>', safe as a folder name (tfds:dsprites -> tfds-dsprites)."""
    return f"{model}_{dataset.replace(':', '-').replace('/', '-')}_seed{seed}"


def join(*parts):
    """`a/b/c` from path parts, one separator between them (keeps gs://bucket/ intact)."""
    parts = [str(part) for part in parts if str(part)]
    return posixpath.join(*parts) if parts else ""


def gfile():
    """The tf.io.gfile API for any path, TensorFlow only for remote ones (`disent_tf.filesystem`)."""
    from disent_tf import filesystem

    return filesystem


@dataclasses.dataclass(frozen=True)
class TrainingRun:
    """The files of one training run folder."""

    root: str

    @property
    def config_path(self):
        return join(self.root, "train_config.json")

    @property
    def checkpoints_dir(self):
        return join(self.root, "checkpoints")

    @property
    def summaries_dir(self):
        return join(self.root, "summaries")

    @property
    def train_results_path(self):
        return join(self.root, "train_results.json")

    def is_finished(self):
        return gfile().exists(self.train_results_path)

    def read_results(self):
        """train_results.json as a dict, or {} before the run finished."""
        from disent_tf import records

        return records.read_json(self.train_results_path) if self.is_finished() else {}


@dataclasses.dataclass(frozen=True)
class StudyRun:
    """The files of one reproduced model (bin/reproduce)."""

    root: str

    @classmethod
    def for_model(cls, output_dir, model_num):
        return cls(join(output_dir, str(model_num)))

    @property
    def name(self):
        return posixpath.basename(self.root.rstrip("/"))

    @property
    def config_path(self):
        return join(self.root, "config.json")

    @property
    def training(self):
        return TrainingRun(join(self.root, "model"))

    @property
    def export_root(self):
        return join(self.root, "export")

    @property
    def export_dir(self):
        """Where the export stage writes the run's SavedModel (version 1 of export/<name>)."""
        return join(self.export_root, self.name, "1")

    @property
    def failure_path(self):
        """The failure record of the model's last attempt; removed when it is attempted again."""
        return join(self.root, "failed.json")

    def metric_path(self, representation, metric):
        return join(self.root, "metrics", representation, f"{metric}.json")

    @property
    def visualizations_dir(self):
        return join(self.root, "visualizations")

    @property
    def visualizations_done_path(self):
        """Written last by the visualisation stage: its presence marks the stage finished."""
        return join(self.visualizations_dir, "visualizations.json")


def is_study_run(folder):
    """True when `folder` holds a study run's config.json (as opposed to a training run)."""
    return gfile().exists(StudyRun(folder).config_path)


def config_differences(previous, current, may_change=frozenset()):
    """'field old -> new' for every field of two config dicts that differs, except `may_change`.

    Values compare as JSON stores them: tuples as lists, 1 and 1.0 alike.
    """
    return [f"{name} {previous.get(name)!r} -> {current.get(name)!r}"
            for name in sorted(set(previous) | set(current))
            if name not in may_change and _as_stored(previous.get(name)) != _as_stored(current.get(name))]


def _as_stored(value):
    if isinstance(value, (list, tuple)):
        return [_as_stored(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _as_stored(item) for key, item in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value
