"""Which tf.distribute strategy a run uses, which worker writes its files, and how a CPU shares a batch.

`auto` follows the hardware: MirroredStrategy over all local GPUs when there
are several, the default (single-device) strategy otherwise. `mirrored` and
`default` force one (`mirrored` without GPUs spans the logical CPU devices,
which is how the tests run two replicas on one CPU); `multi_worker` builds MultiWorkerMirroredStrategy from
the TF_CONFIG environment variable (one process per machine, all started with
the same command).

On a CPU with one replica, `batch_chunks` slices each batch, one slice per
core, and `use_one_thread_per_op` gives each op one thread: the slices' ops
then run side by side, which keeps the cores busier than splitting every
small op across them (docs/performance.md).
"""

import json
import os

import tensorflow as tf

from disent_tf.errors import UserError


def make_strategy(name, collective_timeout_s=0):
    """The tf.distribute.Strategy called `name` (auto, default, mirrored, multi_worker).

    `collective_timeout_s` (multi_worker only; 0: none) bounds how long each
    collective waits for the other workers, so that a worker that died stops
    the others with an error instead of leaving them waiting forever.
    """
    if name == "auto":
        name = "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(_local_devices())
    if name == "multi_worker":
        _check_tf_config()
        options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=collective_timeout_s or None)
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    raise UserError(f"unknown strategy '{name}'; choose one of auto, default, mirrored, multi_worker.")


# The smallest slice of a batch worth a core of its own (measured on 2 cores, docs/performance.md).
MIN_CHUNK_IMAGES = 16


def batch_chunks(config):
    """How many slices each replica's batch is computed in (TrainConfig.batch_chunks, 0 resolved).

    Reads the physical devices only, so TensorFlow stays uninitialised and
    `use_one_thread_per_op` can still take effect.
    """
    if config.batch_chunks:
        return int(config.batch_chunks)
    cores = os.cpu_count() or 1
    if tf.config.list_physical_devices("GPU") or config.strategy in ("mirrored", "multi_worker"):
        return 1
    return cores if 1 < cores <= config.batch_size // MIN_CHUNK_IMAGES else 1


def prepare_batch_chunks(config, log):
    """The run's `batch_chunks`, with one thread per op set up when it slices its batches.

    Call it before anything initialises TensorFlow (make_strategy does).
    """
    chunks = batch_chunks(config)
    if chunks > 1:
        use_one_thread_per_op(log)
    return chunks


def use_one_thread_per_op(log):
    """Gives each op one thread, so that the batch's slices, not each op, spread over the cores.

    Possible only before TensorFlow initialises (the start of bin/train); in a
    process that already ran TensorFlow, or with TF_NUM_INTRAOP_THREADS set,
    the threads stay as they are, which changes speed and round-off, not the model.
    """
    if os.environ.get("TF_NUM_INTRAOP_THREADS") or tf.config.threading.get_intra_op_parallelism_threads() == 1:
        return  # the user's choice, or done already
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:
        log("note: TensorFlow is already initialised in this process, so each op keeps all threads; "
            "batch slices run faster with one (start a fresh process, or pass --batch_chunks=1).")


def intra_op_threads():
    """Threads per op this process runs with (0: TensorFlow's default, one per core)."""
    return int(os.environ.get("TF_NUM_INTRAOP_THREADS") or tf.config.threading.get_intra_op_parallelism_threads())


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
    return is_chief_task(resolver.task_type, resolver.task_id, resolver.cluster_spec().as_dict())


def is_chief_task(task_type, task_id, cluster):
    """The rule of `is_chief` for a task of a cluster dict ({"worker": [...], "chief": [...]})."""
    if task_type is None or task_type == "chief":
        return True
    return task_type == "worker" and int(task_id) == 0 and "chief" not in cluster


def is_chief_process(strategy_name):
    """`is_chief` for this process before (or without) building its strategy: TF_CONFIG's task decides."""
    if strategy_name != "multi_worker" or not os.environ.get("TF_CONFIG"):
        return True
    _check_tf_config()
    value = json.loads(os.environ["TF_CONFIG"])
    task = value.get("task") or {}
    return is_chief_task(task.get("type"), task.get("index", 0), value.get("cluster") or {})


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
