"""The training loop: any model of disent_tf.models on any data set, under tf.distribute.

    from disent_tf.training.config import TrainConfig
    from disent_tf.training.trainer import train
    results = train(TrainConfig(model="beta_vae", steps=1000, output_dir="runs/b"))

The compiled step is training/step.py's. Resuming is exact: the checkpoint
holds the weights, every optimizer and the step; the model's noise is keyed
by (seed, step, replica) and the input by (seed, step) (see inputs.py), so
20 + 20 steps equal 40 steps.

Files under `config.output_dir`: see `disent_tf.run_folder.TrainingRun`
(train_config.json, checkpoints/, summaries/, train_results.json written
last, atomically, with the trained model's evaluation on fresh batches as the
study stored it: training/train_eval.py).
"""

import contextlib
import datetime
import re
import signal
import threading
import time

import tensorflow as tf

from disent_tf import locks
from disent_tf import records
from disent_tf import run_folder
from disent_tf.errors import Interrupted, UserError
from disent_tf.training import checkpoints
from disent_tf.training import inputs
from disent_tf.training import step as steps
from disent_tf.training import strategy as strategies
from disent_tf.training import summaries
from disent_tf.training import train_eval
from disent_tf.training.config import TrainConfig
from disent_tf.training.progress import Progress


class TrainingDiverged(UserError):
    """A loss became NaN or Inf; the last good checkpoint is kept."""


class WorkerLost(UserError):
    """Under MultiWorkerMirroredStrategy another worker stopped or stopped answering; the last checkpoint is kept."""


class TrainingInterrupted(Interrupted):
    """SIGINT or SIGTERM arrived; a checkpoint of the last finished step was written."""


def build_model(config, observation_shape):
    """The default model factory: `disent_tf.models.get` with the config's method, size, seed, precision and hparams."""
    from disent_tf import models
    from disent_tf.models import hparams

    given = hparams.check_given(config.model, config.hparams)
    return models.get(config.model, input_shape=tuple(observation_shape), num_latent=config.num_latent,
                      seed=config.seed, precision=config.precision, **given)


def load_data(config):
    from disent_tf import data as datasets

    return datasets.get(config.dataset, data_dir=config.data_dir)


def train(config, data=None, model_factory=None, log=print, callbacks=()):
    """Trains (or resumes) the run of `config` until `config.steps`; returns train_results.json's content.

    `data` defaults to `disent_tf.data.get(config.dataset, config.data_dir)`;
    `model_factory(config, observation_shape)` to `build_model`. `log` gets
    the progress lines. `callbacks` (training/callbacks.py's, on the chief
    only) act at their steps after each call of the compiled step. Raises TrainingDiverged on a NaN/Inf loss and
    TrainingInterrupted after SIGINT/SIGTERM (both UserErrors).
    """
    if not isinstance(config, TrainConfig):
        raise UserError(f"train() needs a TrainConfig, got {type(config).__name__}.")
    run = run_folder.TrainingRun(config.output_dir)
    chunks = strategies.prepare_batch_chunks(config, log)
    strategy = strategies.make_strategy(config.strategy, config.collective_timeout_s)
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise UserError(f"batch_size {config.batch_size} does not split evenly across {replicas} replicas; "
                        f"choose a multiple of {replicas}.")
    data = data if data is not None else load_data(config)
    chief = strategies.is_chief(strategy)
    check_same_run(config)
    with strategy.scope():
        model = (model_factory or build_model)(config, data.observation_shape)
    model.batch_chunks = chunks
    # Before anything is written: an input the data set cannot give fails first. In the scope, because a
    # model may create variables here (the semi-supervised losses' own, whose shapes follow the labels).
    with strategy.scope():
        model.check_training_data(data)
    for callback in callbacks:
        callback.set_model(model)
    if not chief:
        return _train(config, run, strategy, data, chief, model, log, ())
    records.check_writable(run.root)
    with locks.FolderLock(run.root, log):
        return _train(config, run, strategy, data, chief, model, log, callbacks)


def _train(config, run, strategy, data, chief, model, log, callbacks):
    with strategy.scope():
        optimizers = steps.make_optimizers(config, model)
        step = steps.counter("step", 0)
        first_bad_step = steps.counter("first_bad_step", -1)
    checkpoint = tf.train.Checkpoint(model=model, optimizers=optimizers, step=step)
    start_step = _restore(checkpoint, step, config, run, chief, log)
    if chief:
        records.write_json(run.config_path, config.to_dict())
    save = checkpoints.make_saver(checkpoint, run.checkpoints_dir,
                                  run_folder.join(run.root, ".worker_checkpoints", strategies.worker_label(strategy)),
                                  chief)
    writer = tf.summary.create_file_writer(run.summaries_dir) if chief else tf.summary.create_noop_writer()
    train_steps = steps.make_train_function(strategy, model, optimizers, step, first_bad_step, config.jit_compile)
    feed = inputs.TrainingInput(strategy, data, config.batch_size, config.seed, model.training_dataset)
    # Only the chief draws pictures: the other workers' writers write nothing.
    draw = _picture_writer(model, data, config, writer) if chief and config.image_summary_every else None

    loop_start = time.perf_counter()
    with _worker_loss_as_user_error(strategy, run):
        losses = _run_loop(config, run, train_steps, feed, step, first_bad_step, save, writer, draw, callbacks, log)
    wall_time = time.perf_counter() - loop_start
    previous = run.read_results() if chief and not losses else {}

    results = {
        "config": config.to_dict(),
        "versions": records.library_versions(),
        # The losses of the last training batch; "evaluation" holds the study's train results.
        "last_batch_losses": ({name: float(value) for name, value in sorted(losses.items())} if losses
                              else previous.get("last_batch_losses", {})),
        "start_step": start_step,
        "step": int(step.numpy()),
        "wall_time_s": round(wall_time, 3),
        "steps_per_s": round((config.steps - start_step) / wall_time, 3) if wall_time > 0 else None,
        "strategy": strategies.strategy_name(strategy),
        "num_replicas": strategy.num_replicas_in_sync,
        # How this run computed its batches (speed only; gradients agree up to round-off).
        "batch_chunks": model.batch_chunks,
        "intra_op_threads": strategies.intra_op_threads(),
        "dataset": config.dataset,
        "data_source": data.data_source,
        "observation_shape": list(data.observation_shape),
        "checkpoint": tf.train.latest_checkpoint(run.checkpoints_dir),
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if chief:
        results["evaluation"] = (previous["evaluation"] if previous.get("evaluation") else
                                 train_eval.evaluate_trained(model, data, config, int(step.numpy())))
        records.write_json(run.train_results_path, results)
    return results


def restore_model(config, data, model_factory=None):
    """The model of the run in `config.output_dir` at its newest good checkpoint, built outside any strategy.

    This is what to export: plain variables, no optimizer state.
    """
    run = run_folder.TrainingRun(config.output_dir)
    model = (model_factory or build_model)(config, data.observation_shape)
    # As in training: a model whose variables depend on its data (the semi-supervised losses' own) creates them.
    model.check_training_data(data)
    # Every model variable must come from the checkpoint; its optimizer slots are left unread.
    restored = checkpoints.restore_newest(tf.train.Checkpoint(model=model), run.checkpoints_dir,
                                          log=lambda message: None, write_state=False)
    if not restored:
        raise UserError(f"no checkpoint in {run.checkpoints_dir}; train the run first (bin/train).")
    return model


def record_export(output_dir, export_dir):
    """Adds the SavedModel's path to the run's train_results.json (atomically)."""
    run = run_folder.TrainingRun(output_dir)
    results = records.read_json(run.train_results_path)
    results["export_dir"] = export_dir
    records.write_json(run.train_results_path, results)


def check_same_run(config):
    """Refuses to resume a run in output_dir that was started with a different config."""
    run = run_folder.TrainingRun(config.output_dir)
    if not tf.io.gfile.exists(run.config_path):
        return
    previous, current = records.read_json(run.config_path), config.to_dict()
    # A hyperparameter given explicitly at its default is the same run as one left out.
    from disent_tf import models

    for record in (previous, current):
        record["hparams"] = models.resolved_hparams(record.get("model"), record.get("hparams") or {})
    changed = run_folder.config_differences(previous, current, may_change=run_folder.TRAINING_RERUN_FIELDS)
    if changed:
        raise UserError(f"{config.output_dir} holds a run with a different config ({', '.join(changed)}); "
                        "choose another output_dir or delete that one.")


# ---------------------------------------------------------------------------- loop


def _restore(checkpoint, step, config, run, chief, log):
    """Restores the newest good checkpoint of the run, if any; returns the step to start from."""
    if chief:
        checkpoints.remove_litter(run.checkpoints_dir)
    restored = checkpoints.restore_newest(checkpoint, run.checkpoints_dir, log, write_state=chief)
    start_step = int(step.numpy())
    if start_step > config.steps:
        raise UserError(f"the checkpoint in {run.checkpoints_dir} is at step {start_step}, beyond "
                        f"steps={config.steps}; pass steps >= {start_step} or another output_dir.")
    if restored:
        log(f"resuming from {restored} at step {start_step}")
    return start_step


def _picture_writer(model, data, config, writer):
    """draw(step): reconstructions and traversals of the same images (seeded by the run) to TensorBoard."""
    images = summaries.picture_images(data, config.seed)
    return lambda current: summaries.write_pictures(writer, current, model, images)


def _run_loop(config, run, train_steps, feed, step, first_bad_step, save, writer, draw, callbacks, log):
    """Steps until config.steps; reports, summarises, draws and checkpoints at their intervals."""
    current = int(step.numpy())
    for callback in callbacks:
        callback.at_start(current)
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
                _check_finite(first_bad_step, run)
            if "summary" in events:
                summaries.write_losses(writer, current, losses)
            if "images" in events and draw:
                draw(current)
            if "log" in events:
                log(progress.line(current, losses))
            if "checkpoint" in events or stop.signum:
                save(current)
            for callback in callbacks:
                callback.at_step(current)
            if stop.signum:
                raise TrainingInterrupted(
                    f"training stopped by {signal.Signals(stop.signum).name} at step {current}; the checkpoint is in "
                    f"{run.checkpoints_dir}, rerun the same command to resume.", stop.signum)
    for callback in callbacks:
        callback.at_end(current)
    writer.flush()
    return losses


# What a collective raises when a peer is gone: the coordination service's
# missing heartbeats (Unavailable), CommunicationOptions' timeout
# (DeadlineExceeded), or an abort propagated from another worker.
_PEER_ERRORS = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError,
                tf.errors.CancelledError)
_TASK_NAME = re.compile(r"/job:\w+/replica:\d+/task:\d+")


@contextlib.contextmanager
def _worker_loss_as_user_error(strategy, run):
    """Turns a multi-worker collective that failed because a peer is gone into one WorkerLost sentence."""
    try:
        yield
    except _PEER_ERRORS as error:
        if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            raise
        tasks = sorted(set(_TASK_NAME.findall(error.message))) or ["another worker"]
        kept = tf.train.latest_checkpoint(run.checkpoints_dir) or "none was written yet"
        raise WorkerLost(
            f"the cluster lost {', '.join(tasks)} ({type(error).__name__}: it stopped or did not answer within "
            f"the collective timeout); the last checkpoint ({kept}) is kept, restart every worker with the same "
            "command to resume from it.") from None


def _steps_until_event(config, current, valid_until):
    """How many steps the next call may run without passing an event or the input segment's end."""
    limits = [config.steps_per_call, valid_until - current, config.steps - current]
    for every in (config.log_every, config.summary_every, config.checkpoint_every, config.image_summary_every):
        if every:
            limits.append(every - current % every)
    return max(1, min(limits))


def _events(config, current):
    events = set()
    if config.image_summary_every and (current % config.image_summary_every == 0 or current == config.steps):
        events.add("images")
    if current % config.log_every == 0 or current == config.steps:
        events.add("log")
    if current % config.summary_every == 0 or current == config.steps:
        events.add("summary")
    if current % config.checkpoint_every == 0 or current == config.steps:
        events.add("checkpoint")
    return events


def _check_finite(first_bad_step, run):
    bad = int(first_bad_step.numpy())
    if bad >= 0:
        kept = tf.train.latest_checkpoint(run.checkpoints_dir) or "none was written yet"
        raise TrainingDiverged(
            f"the loss became NaN or Inf at step {bad}; the last good checkpoint ({kept}) is kept, "
            "lower the learning rate or check the data and rerun.")


class _StopOnSignal:
    """Turns the first SIGINT/SIGTERM into a request to stop after the steps in flight.

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
