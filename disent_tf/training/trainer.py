"""The training loop: any model of disent_tf.models on any data set, under tf.distribute.

    from disent_tf.training.config import TrainConfig
    from disent_tf.training.trainer import train
    results = train(TrainConfig(model="beta_vae", steps=1000, output_dir="runs/b"))

One step is one compiled `tf.function` that runs the replica step on every
replica (`strategy.run`), all-reduces the gradients (SUM) and applies them
with one Adam per entry of `model.loss_groups()`. Each replica's loss is the
mean over its local batch, scaled by 1 / num_replicas_in_sync, so the summed
gradient is the gradient of the global-batch mean: N replicas train the same
model as one device with the same global batch (exactly so for losses that
are per-example means, e.g. beta_vae; batch statistics such as DIP-VAE's
covariance or FactorVAE's shuffle are taken over the local batch).

Resuming is exact: the checkpoint holds the weights, both optimizers and the
step; the model's noise is keyed by (seed, step, replica) and the input by
(seed, step) (see inputs.py), so 20 + 20 steps equal 40 steps.

Files under `config.output_dir`: config.json, checkpoints/, summaries/
(TensorBoard), train_results.json (written last, atomically).
"""

import datetime
import signal
import threading
import time

import keras
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from disent_tf.errors import UserError
from disent_tf import records
from disent_tf.training import inputs
from disent_tf.training import strategy as strategies
from disent_tf.training.config import TrainConfig
from disent_tf.training.progress import Progress

# Fields a rerun may change without starting a different run.
RESUMABLE_FIELDS = frozenset({
    "steps", "output_dir", "data_dir", "strategy", "jit_compile", "steps_per_call",
    "log_every", "summary_every", "checkpoint_every"})
CHECKPOINTS_TO_KEEP = 3


class TrainingDiverged(UserError):
    """A loss became NaN or Inf; the last good checkpoint is kept."""


class TrainingInterrupted(UserError):
    """SIGINT or SIGTERM arrived; a checkpoint of the last finished step was written."""

    def __init__(self, message, signum):
        super().__init__(message)
        self.signum = signum


def build_model(config, observation_shape):
    """The default model factory: `disent_tf.models.get` with the config's method, size and seed."""
    from disent_tf import models

    hparams = {"seed": config.seed, **config.hparams}
    return models.get(config.model, input_shape=tuple(observation_shape), num_latent=config.num_latent, **hparams)


def load_data(config):
    from disent_tf import data as datasets

    return datasets.get(config.dataset, data_dir=config.data_dir)


def train(config, data=None, model_factory=None, log=print):
    """Trains (or resumes) the run of `config` until `config.steps`; returns train_results.json's content.

    `data` defaults to `disent_tf.data.get(config.dataset, config.data_dir)`;
    `model_factory(config, observation_shape)` to `build_model`. `log` gets
    the progress lines. Raises TrainingDiverged on a NaN/Inf loss and
    TrainingInterrupted after SIGINT/SIGTERM (both UserErrors).
    """
    if not isinstance(config, TrainConfig):
        raise UserError(f"train() needs a TrainConfig, got {type(config).__name__}.")
    strategy = strategies.make_strategy(config.strategy)
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise UserError(f"batch_size {config.batch_size} does not split evenly across {replicas} replicas; "
                        f"choose a multiple of {replicas}.")
    data = data if data is not None else load_data(config)
    chief = strategies.is_chief(strategy)
    _check_same_run(config)

    with strategy.scope():
        model = (model_factory or build_model)(config, data.observation_shape)
        optimizers = make_optimizers(config, model)
        step = _counter("step", 0)
        first_bad_step = _counter("first_bad_step", -1)
    checkpoint = tf.train.Checkpoint(model=model, optimizers=optimizers, step=step)
    start_step = _restore(checkpoint, step, config, log)
    if chief:
        tf.io.gfile.makedirs(config.output_dir)
        records.write_json(_join(config.output_dir, "config.json"), config.to_dict())
    save = _checkpoint_saver(checkpoint, config.output_dir, strategy, chief)
    writer = (tf.summary.create_file_writer(_join(config.output_dir, "summaries")) if chief
              else tf.summary.create_noop_writer())
    train_steps = make_train_function(strategy, model, optimizers, step, first_bad_step, config.jit_compile)
    feed = inputs.TrainingInput(strategy, data, config.batch_size, config.seed, _training_dataset)

    loop_start = time.perf_counter()
    losses = _run_loop(config, train_steps, feed, step, first_bad_step, save, writer, log)
    wall_time = time.perf_counter() - loop_start

    results = {
        "config": config.to_dict(),
        "versions": records.library_versions(),
        "final_losses": {name: float(value) for name, value in sorted(losses.items())},
        "start_step": start_step,
        "step": int(step.numpy()),
        "wall_time_s": round(wall_time, 3),
        "steps_per_s": round((config.steps - start_step) / wall_time, 3) if wall_time > 0 else None,
        "strategy": strategies.strategy_name(strategy),
        "num_replicas": replicas,
        "dataset": config.dataset,
        "data_source": data.data_source,
        "observation_shape": list(data.observation_shape),
        "checkpoint": tf.train.latest_checkpoint(_join(config.output_dir, "checkpoints")),
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if chief:
        if not losses:
            results["final_losses"] = _previous_final_losses(config.output_dir)
        records.write_json(_join(config.output_dir, "train_results.json"), results)
    return results


def make_optimizers(config, model):
    """One built Adam per entry of model.loss_groups() (the VAE's, and FactorVAE's discriminator's).

    Built here, inside the strategy scope, because Keras 3 optimizers must
    own their slots before the first distributed step (STACK_NOTES.md).
    """
    optimizers = {}
    for name, (_, variables) in model.loss_groups().items():
        if name == "discriminator":
            optimizer = keras.optimizers.Adam(
                learning_rate=config.discriminator_learning_rate, beta_1=config.discriminator_beta1,
                beta_2=config.discriminator_beta2, epsilon=config.discriminator_epsilon, name=name)
        else:
            optimizer = keras.optimizers.Adam(
                learning_rate=config.learning_rate, beta_1=config.adam_beta1, beta_2=config.adam_beta2,
                epsilon=config.adam_epsilon, name=name)
        optimizer.build(variables)
        optimizers[name] = optimizer
    return optimizers


def make_train_function(strategy, model, optimizers, step, first_bad_step, jit_compile=False):
    """`train_steps(iterator, num_steps) -> losses of the last step`, one tf.function.

    `num_steps` is a tensor so that calls of different lengths share one
    trace. The losses come back reduced (MEAN over replicas) but not fetched:
    the host reads them only when it reports. `first_bad_step` records the
    first step whose losses were not finite, so the host need not check every
    step. With `jit_compile` the gradient computation is compiled by XLA; the
    optimizer update stays outside because it all-reduces across replicas.
    """
    groups = model.loss_groups()
    scale = 1.0 / strategy.num_replicas_in_sync

    def gradients(images, step_value):
        with tf.GradientTape(persistent=len(groups) > 1) as tape:
            losses = model.compute_losses(images, step_value, training=True)
            scaled = {key: losses[key] * scale for key, _ in groups.values()}
        grads = {name: tape.gradient(scaled[key], variables) for name, (key, variables) in groups.items()}
        return losses, grads

    if jit_compile:
        gradients = tf.function(gradients, jit_compile=True)

    def replica_step(images):
        losses, grads = gradients(images, step.read_value())
        for name, (_, variables) in groups.items():
            optimizers[name].apply_gradients(zip(grads[name], variables))
        return losses

    def one_step(iterator):
        per_replica = strategy.run(replica_step, args=(next(iterator),))
        losses = {name: strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
                  for name, value in per_replica.items()}
        finite = tf.reduce_all(tf.stack([tf.math.is_finite(value) for value in losses.values()]))
        first_bad_step.assign(tf.where((first_bad_step < 0) & tf.logical_not(finite), step, first_bad_step))
        step.assign_add(1)
        return losses

    @tf.function
    def train_steps(iterator, num_steps):
        losses = one_step(iterator)
        for _ in tf.range(num_steps - 1):
            losses = one_step(iterator)
        return losses

    return train_steps


def restore_model(config, data, model_factory=None):
    """The model of the run in `config.output_dir` at its latest checkpoint, built outside any strategy.

    This is what to export: plain variables, no optimizer state.
    """
    checkpoint_dir = _join(config.output_dir, "checkpoints")
    latest = tf.train.latest_checkpoint(checkpoint_dir)
    if not latest:
        raise UserError(f"no checkpoint in {checkpoint_dir}; train the run first (bin/train).")
    model = (model_factory or build_model)(config, data.observation_shape)
    # Every model variable must come from the checkpoint; its optimizer slots are left unread.
    tf.train.Checkpoint(model=model).restore(latest).assert_existing_objects_matched().expect_partial()
    return model


def record_export(output_dir, export_dir):
    """Adds the SavedModel's path to the run's train_results.json (atomically)."""
    path = _join(output_dir, "train_results.json")
    results = records.read_json(path)
    results["export_dir"] = export_dir
    records.write_json(path, results)


# ---------------------------------------------------------------------------- loop


def _counter(name, initial):
    # Updated once per step in cross-replica context; replicas only read it.
    return tf.Variable(initial, dtype=tf.int64, trainable=False, name=name,
                       aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)


def _restore(checkpoint, step, config, log):
    """Restores the latest checkpoint of the run, if any; returns the step to start from."""
    checkpoint_dir = _join(config.output_dir, "checkpoints")
    latest = tf.train.latest_checkpoint(checkpoint_dir)
    if latest:
        checkpoint.restore(latest).assert_existing_objects_matched()
    start_step = int(step.numpy())
    if start_step > config.steps:
        raise UserError(f"the checkpoint in {checkpoint_dir} is at step {start_step}, beyond steps={config.steps}; "
                        f"pass steps >= {start_step} or another output_dir.")
    if latest:
        log(f"resuming from {latest} at step {start_step}")
    return start_step


def _run_loop(config, train_steps, feed, step, first_bad_step, save, writer, log):
    """Steps until config.steps; reports, summarises and checkpoints at their intervals."""
    current = int(step.numpy())
    progress = Progress(current, config.steps)
    iterator, valid_until = None, 0
    losses = {}
    with _StopOnSignal() as stop:
        while current < config.steps:
            if current >= valid_until:
                iterator, valid_until = feed.iterator_at(current), inputs.segment_end(current)
            count = _steps_until_event(config, current, valid_until)
            losses = train_steps(iterator, tf.constant(count, tf.int64))
            current += count
            events = _events(config, current)
            if events or stop.signum:
                losses = {name: float(value) for name, value in losses.items()}
                _check_finite(first_bad_step, config.output_dir)
            if "summary" in events:
                _write_scalars(writer, current, losses)
            if "log" in events:
                log(progress.line(current, losses))
            if "checkpoint" in events or stop.signum:
                save(current)
            if stop.signum:
                raise TrainingInterrupted(
                    f"training stopped by {signal.Signals(stop.signum).name} at step {current}; the checkpoint is in "
                    f"{_join(config.output_dir, 'checkpoints')}, rerun the same command to resume.", stop.signum)
    writer.flush()
    return losses


def _steps_until_event(config, current, valid_until):
    """How many steps the next call may run without passing an event or the input segment's end."""
    limits = [config.steps_per_call, valid_until - current, config.steps - current]
    for every in (config.log_every, config.summary_every, config.checkpoint_every):
        limits.append(every - current % every)
    return max(1, min(limits))


def _events(config, current):
    events = set()
    if current % config.log_every == 0 or current == config.steps:
        events.add("log")
    if current % config.summary_every == 0 or current == config.steps:
        events.add("summary")
    if current % config.checkpoint_every == 0 or current == config.steps:
        events.add("checkpoint")
    return events


def _write_scalars(writer, current, losses):
    """TensorBoard scalars `losses/<name>`, written with tf.summary.write.

    tf.summary.scalar lives in the tensorboard package, which TensorFlow no
    longer installs; tf.summary.write with the scalars plugin's metadata
    writes the same event records without it.
    """
    metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    with writer.as_default(step=current):
        for name, value in losses.items():
            tf.summary.write(f"losses/{name}", tf.constant(value, tf.float32), metadata=metadata.SerializeToString())


def _check_finite(first_bad_step, output_dir):
    bad = int(first_bad_step.numpy())
    if bad >= 0:
        kept = tf.train.latest_checkpoint(_join(output_dir, "checkpoints")) or "none was written yet"
        raise TrainingDiverged(
            f"the loss became NaN or Inf at step {bad}; the last good checkpoint ({kept}) is kept, "
            "lower the learning rate or check the data and rerun.")


class _StopOnSignal:
    """Turns the first SIGINT/SIGTERM into a request to stop after the current step.

    A second Ctrl-C falls back to Python's default (KeyboardInterrupt), for a
    user who does not want to wait for the checkpoint.
    """

    def __init__(self):
        self.signum = None
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._request)
        return self

    def _request(self, signum, frame):
        del frame
        self.signum = signum
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc_info):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        return False


# --------------------------------------------------------------------- run files


def _check_same_run(config):
    """Refuses to resume a run in output_dir that was started with a different config."""
    path = _join(config.output_dir, "config.json")
    if not tf.io.gfile.exists(path):
        return
    previous = records.read_json(path)
    current = config.to_dict()
    changed = sorted(name for name in set(previous) | set(current)
                     if name not in RESUMABLE_FIELDS and _normalised(previous.get(name)) != _normalised(current.get(name)))
    if changed:
        details = ", ".join(f"{name} {previous.get(name)!r} -> {current.get(name)!r}" for name in changed)
        raise UserError(f"{config.output_dir} holds a run with a different config ({details}); "
                        "choose another output_dir or delete that one.")


def _normalised(value):
    # JSON turns tuples into lists; compare what JSON would store.
    if isinstance(value, (list, tuple)):
        return [_normalised(item) for item in value]
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    return value


def _checkpoint_saver(checkpoint, output_dir, strategy, chief):
    """`save(step)`: a CheckpointManager save into output_dir/checkpoints, keeping the last few.

    Under MultiWorkerMirroredStrategy every worker must take part in saving;
    only the chief's copy is kept, the others write to a scratch folder that
    is deleted right away (TensorFlow's multi-worker recipe).
    """
    if chief:
        manager = tf.train.CheckpointManager(checkpoint, _join(output_dir, "checkpoints"), CHECKPOINTS_TO_KEEP)
        return lambda current: manager.save(checkpoint_number=current)
    scratch = _join(output_dir, f".worker_checkpoints/{strategies.worker_label(strategy)}")
    manager = tf.train.CheckpointManager(checkpoint, scratch, max_to_keep=1)

    def save_and_discard(current):
        manager.save(checkpoint_number=current)
        tf.io.gfile.rmtree(scratch)

    return save_and_discard


def _previous_final_losses(output_dir):
    path = _join(output_dir, "train_results.json")
    if tf.io.gfile.exists(path):
        return records.read_json(path).get("final_losses", {})
    return {}


def _training_dataset(data, batch_size, seed):
    from disent_tf.data.pipeline import training_dataset

    return training_dataset(data, batch_size, seed)


def _join(*parts):
    return "/".join(part.rstrip("/") for part in parts)
