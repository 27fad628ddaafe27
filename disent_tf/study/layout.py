"""Where one reproduced model keeps its files, and atomic JSON I/O for them.

    <output_dir>/<model_num>/
        config.json                          study, model_num, TrainConfig, protocol
        model/                               trainer output: checkpoints/, summaries/,
                                             train_results.json
        export/<name>/<version>/             SavedModel (TF Serving layout)
        metrics/<representation>/<metric>.json
        visualizations/                      PNG grids and GIFs

All paths go through tf.io.gfile so that `output_dir` may be gs://...
TensorFlow is imported on first file access, not with this module, so that
`bin/reproduce --only_print` and bad-flag errors answer at once.
"""

import dataclasses
import os

from disent_tf.records import read_json, write_bytes, write_json, write_text  # noqa: F401 (the run files' I/O)

REPRESENTATIONS = ("mean", "sampled")


@dataclasses.dataclass(frozen=True)
class RunLayout:
    """The file names of one run folder."""

    root: str

    @classmethod
    def for_model(cls, output_dir, model_num):
        return cls(join(output_dir, str(model_num)))

    @property
    def config_path(self):
        return join(self.root, "config.json")

    @property
    def model_dir(self):
        return join(self.root, "model")

    @property
    def train_results_path(self):
        return join(self.model_dir, "train_results.json")

    @property
    def export_root(self):
        return join(self.root, "export")

    @property
    def metrics_dir(self):
        return join(self.root, "metrics")

    def metric_path(self, representation, metric):
        return join(self.metrics_dir, representation, f"{metric}.json")

    @property
    def visualizations_dir(self):
        return join(self.root, "visualizations")

    @property
    def visualizations_done_path(self):
        """Written last by the visualisation stage: its presence marks the stage finished."""
        return join(self.visualizations_dir, "visualizations.json")


def join(*parts):
    # os.path.join keeps "gs://bucket/x" intact and works for local paths.
    return os.path.join(*[str(part) for part in parts])


def gfile():
    """tf.io.gfile, imported on first use (see the module docstring)."""
    import tensorflow as tf

    return tf.io.gfile


def exists(path):
    return gfile().exists(path)


def glob(pattern):
    return gfile().glob(pattern)


def config_record(study, model_num, config, swept_hparam=None, evaluation=None):
    """The content of config.json: what decides the run's results.

    `swept_hparam` is (name, value) of the regularisation strength the study
    varies; `evaluation` the metric protocol overrides (empty: the study's).
    """
    name, value = swept_hparam if swept_hparam else (None, None)
    return {
        "study": study,
        "model_num": model_num,
        "train_config": config.to_dict(),
        "swept_hparam": {"name": name, "value": value},
        "evaluation": dict(evaluation or {}),
    }


def metric_record(representation, metric, scores, **extra):
    """The content of metrics/<representation>/<metric>.json."""
    return dict(extra, representation=representation, metric=metric,
                scores={str(key): float(value) for key, value in scores.items()})
