"""Which tf.distribute strategy a run uses, and which worker writes its files.

`auto` follows the hardware: MirroredStrategy over all local GPUs when there
are several, the default (single-device) strategy otherwise. `mirrored` and
`default` force one (`mirrored` without GPUs spans the logical CPU devices,
which is how the tests run two replicas on one CPU); `multi_worker` builds MultiWorkerMirroredStrategy from
the TF_CONFIG environment variable (one process per machine, all started with
the same command).
"""

import json
import os

import tensorflow as tf

from disent_tf.errors import UserError


def make_strategy(name):
    """The tf.distribute.Strategy called `name` (auto, default, mirrored, multi_worker)."""
    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(_local_devices())
    if name == "multi_worker":
        _check_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise UserError(f"unknown strategy '{name}'; choose one of auto, default, mirrored, multi_worker.")


def _local_devices():
    """All local GPUs; without GPUs, all logical CPUs (one unless configured otherwise)."""
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return [device.name for device in devices]


def strategy_name(strategy):
    """A short name for records: default, mirrored or multi_worker."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return "multi_worker"
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        return "mirrored"
    return "default"


def is_chief(strategy):
    """True on the one worker that writes checkpoints, summaries and results.

    Under MultiWorkerMirroredStrategy that is the task of type "chief", or
    worker 0 when the cluster has no chief (TensorFlow's convention).
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type is None or task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def worker_label(strategy):
    """"<task_type>_<task_id>" of this process, for files only this worker writes."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or resolver.task_type is None:
        return "chief_0"
    return f"{resolver.task_type}_{resolver.task_id}"


def _check_tf_config():
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise UserError(
            "strategy multi_worker needs the TF_CONFIG environment variable (cluster and task of this worker); "
            "see docs/training.md.")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"TF_CONFIG is not valid JSON ({error}); see docs/training.md.") from None
    if not isinstance(value, dict) or "cluster" not in value or "task" not in value:
        raise UserError("TF_CONFIG must be a JSON object with 'cluster' and 'task' entries; see docs/training.md.")
