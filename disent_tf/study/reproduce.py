"""Reproduce one model of a study: train, export, score both representations, visualise.

    reproduce(study, model_num=0, output_dir="output")

writes everything under `<output_dir>/<model_num>/` (a study run, see
`disent_tf.run_folder.StudyRun`). Each stage is finished when its result
file exists, and a rerun skips finished stages: train_results.json
(training; an unfinished run resumes from its last checkpoint), the
SavedModel's saved_model.pb (export), one metrics/<representation>/<metric>.json
per metric and representation (scoring with the study's EvaluationConfig),
visualizations/visualizations.json (pictures).

The run's config.json records what decides its results; a folder that holds
a different config for the same model is refused rather than mixed.

Progress: a line as each stage starts and ends (stage n of N, its time, the
model's so far); inside them training's step line and scoring's metric lines
carry their own ETA, and a shard reports the models done of its total with
an ETA at the rate of the models it worked on.
"""

import posixpath
import time

from disent_tf import locks, records, run_folder
from disent_tf.countdown import Countdown
from disent_tf.errors import MissingFileError, UserError
from disent_tf.study import sweep as sweeps
from disent_tf.training.config import TrainConfig
from disent_tf.training.progress import format_duration


def model_config(study, model_num, output_dir, overrides=None):
    """(StudyRun, TrainConfig) of a study's model, the config's output_dir inside the run folder."""
    run = run_folder.StudyRun.for_model(output_dir, model_num)
    config = study.config(model_num).replace(output_dir=run.training.root, **dict(overrides or {}))
    return run, config


def config_record(study, model_num, config, swept_hparam=None, evaluation=None):
    """The content of a study run's config.json: what decides the run's results.

    `swept_hparam` is (name, value) of the regularisation strength the study
    varies; `evaluation` the EvaluationConfig's record.
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
    """The content of metrics/<representation>/<metric>.json (aggregate.read_metric_result reads it)."""
    return dict(extra, representation=representation, metric=metric,
                scores={str(key): float(value) for key, value in scores.items()})


def reproduce(study, model_num, output_dir, overrides=None, evaluation=None, visualize=True, data=None, log=print):
    """Runs every unfinished stage of one model of `study`; returns {stage: what happened}.

    `evaluation` (an EvaluationConfig) defaults to the study's.
    """
    evaluation = evaluation or study.evaluation
    run, config = model_config(study, model_num, output_dir, overrides)
    record = config_record(study.name, int(model_num), config, study.swept_hparam(model_num), evaluation.record())
    records.check_writable(run.root)
    check_or_write_record(run, record)
    return _run_stages(run, config, evaluation, visualize, data, log, prefix=f"[model {model_num}] ", train=True)


def evaluate_existing(model_dir, output_dir, study=None, evaluation=None, visualize=True, data=None, data_dir=None,
                      log=print):
    """The study protocol (export, scores, pictures) for a model trained elsewhere; no training.

    `model_dir` is a bin/train output folder (a training run) or a
    bin/reproduce run folder; results go to `<output_dir>/<its name>/`, or
    into the reproduce run folder itself. `evaluation` defaults to the one the
    reproduce folder recorded, else the study's (the paper's protocol).
    """
    from disent_tf.evaluation.config import EvaluationConfig

    # Normalised, so that <run>/sub/.. names <run> (and results go under its own name).
    model_dir = str(model_dir).rstrip("/") if "://" in str(model_dir) else posixpath.normpath(str(model_dir))
    if run_folder.is_study_run(model_dir):  # complete it in place
        run = run_folder.StudyRun(model_dir)
        recorded = records.read_json(run.config_path)
        config = TrainConfig.from_dict(recorded["train_config"]).replace(output_dir=run.training.root)
        evaluation = evaluation or _recorded_evaluation(recorded.get("evaluation", {}))
        record = dict(recorded, evaluation=evaluation.record())
    elif run_folder.gfile().exists(run_folder.TrainingRun(model_dir).config_path):
        training = run_folder.TrainingRun(model_dir)
        config = TrainConfig.from_dict(records.read_json(training.config_path)).replace(output_dir=model_dir)
        evaluation = evaluation or (study.evaluation if study else EvaluationConfig(representation="both"))
        run = run_folder.StudyRun(run_folder.join(output_dir, training_name(model_dir)))
        record = config_record(None, None, config, _swept_hparam(study, config), evaluation.record())
        record["trained_in"] = model_dir
    else:
        raise MissingFileError(f"{model_dir} has no config.json or train_config.json; pass the --output_dir of a "
                               "bin/train or bin/reproduce run.")
    if not run_folder.TrainingRun(config.output_dir).is_finished():
        raise UserError(f"{config.output_dir} holds no finished training (no train_results.json); "
                        "finish training it first.")
    if data_dir:
        config = config.replace(data_dir=data_dir)
    records.check_writable(run.root)
    check_or_write_record(run, record)
    return _run_stages(run, config, evaluation, visualize, data, log, prefix=f"[{training_name(model_dir)}] ",
                       train=False)


def run_shard(study, output_dir, task_index, num_tasks, model_num_range="", overrides=None, evaluation=None,
              visualize=True, log=print):
    """Reproduces model_nums task_index, task_index + num_tasks, ... (of the range); returns their numbers.

    One failing model does not stop the others; the failures are raised
    together at the end as one UserError.
    """
    from disent_tf.errors import Interrupted

    model_nums = sweeps.shard(sweeps.parse_range(model_num_range, study), task_index, num_tasks)
    log(f"task {task_index} of {num_tasks}: {len(model_nums)} models of {study.name}")
    failures = []
    countdown = Countdown(len(model_nums))
    for model_num in model_nums:
        try:
            stages = reproduce_recording_failure(study, model_num, output_dir, overrides, evaluation, visualize,
                                                 log=log)
            worked = any(status != "skipped" for status in stages.values())
        except Interrupted:
            raise  # the job is being stopped: checkpointed, do not start the next model
        except UserError as error:
            log(f"[model {model_num}] failed: {error}")
            failures.append(f"{model_num} ({error})")
            worked = True
        countdown.advance(worked)  # a model finished earlier costs nothing and would make the ETA too short
        log(f"task {task_index} of {num_tasks}: {countdown.status('models')}")
    if failures:
        raise UserError(f"{len(failures)} of {len(model_nums)} models failed: {'; '.join(failures)}")
    return model_nums


def reproduce_recording_failure(study, model_num, output_dir, overrides=None, evaluation=None, visualize=True,
                                log=print):
    """`reproduce`, leaving `<run>/failed.json` when it fails (bin/aggregate --status shows its error).

    The record of an earlier attempt is removed first, so it stands only
    while the model's last attempt failed. An interruption (the job was
    stopped) is no failure, and a folder that another process holds is
    left as it is.
    """
    from disent_tf.errors import Interrupted
    from disent_tf.locks import FolderBusy

    run = run_folder.StudyRun.for_model(output_dir, model_num)
    if run_folder.gfile().exists(run.failure_path):
        run_folder.gfile().remove(run.failure_path)
    try:
        return reproduce(study, model_num, output_dir, overrides, evaluation, visualize, log=log)
    except (Interrupted, FolderBusy):
        raise
    except Exception as error:
        _record_failure(run, model_num, error, log)
        raise


def _record_failure(run, model_num, error, log):
    import datetime
    import os
    import socket

    message = str(error).strip() or type(error).__name__
    if not isinstance(error, UserError):  # a bug or the environment: name the exception too
        message = f"{type(error).__name__}: {message}"
    record = {"model_num": int(model_num), "error": message, "error_type": type(error).__name__,
              "failed_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "host": socket.gethostname(), "pid": os.getpid()}
    try:
        records.write_json(run.failure_path, record)
    except Exception as write_error:  # e.g. the folder is not writable: that error is the one to report
        log(f"[model {model_num}] could not write {run.failure_path} ({type(write_error).__name__})")


def check_or_write_record(run, record):
    """Writes config.json, or refuses when the folder already holds a different one."""
    if run_folder.gfile().exists(run.config_path):
        previous = records.read_json(run.config_path)
        # The TrainConfig field by field (a rerun may move the run), the rest of the record as it is.
        differences = run_folder.config_differences(previous.get("train_config") or {}, record["train_config"],
                                                    may_change=run_folder.RUNTIME_FIELDS)
        differences += run_folder.config_differences(previous, record, may_change={"train_config"})
        if differences:
            raise UserError(f"{run.root} holds a different config for this model ({'; '.join(differences)}); "
                            "use another --output_dir or delete that folder.")
        if not run_folder.config_differences(previous, record):
            return  # the same record: its file's time stays when the model started (bin/aggregate --status)
    records.write_json(run.config_path, record)


def training_name(model_dir):
    """The folder name a run trained elsewhere gets under the output folder."""
    return model_dir.rstrip("/").rsplit("/", 1)[-1]


# ------------------------------------------------------------------------- stages


def _run_stages(run, config, evaluation, visualize, data, log, prefix, train):
    say = _prefixed(log, prefix)
    if data is None:
        from disent_tf.training.trainer import load_data

        data = load_data(config)
    with locks.FolderLock(run.root, say):
        return _stages(run, config, evaluation, visualize, data, say, train)


def _stages(run, config, evaluation, visualize, data, say, train):
    """Runs the stages in order; returns {stage: "done" or "skipped"}."""
    from disent_tf.evaluation import few_labels

    exported = {}

    def export():
        exported["dir"], status = _export(run, config, data, say)
        return status

    stages = [("train", "train", lambda: _train(run, config, data, say))] if train else []
    stages += [("export", "export", export),
               ("score", "metrics", lambda: _score(run, exported["dir"], data, evaluation, say))]
    if few_labels.setup_of(config.model, config.hparams) is not None:  # a model trained with labels
        stages.append(("few-label score", "few_label_metrics",
                       lambda: _score_few_labels(run, config, exported["dir"], data, evaluation, say)))
    if visualize:
        stages.append(("visualize", "visualizations", lambda: _visualize(run, exported["dir"], data, say)))
    countdown = Countdown(len(stages))
    done = {}
    for name, key, stage in stages:
        say(f"stage {countdown.done + 1}/{countdown.total}: {name}")
        started = time.perf_counter()
        done[key] = stage()
        countdown.advance()
        say(f"stage {countdown.done}/{countdown.total} {name}: {done[key]} in "
            f"{format_duration(time.perf_counter() - started)}, {format_duration(countdown.elapsed())} on this "
            "model so far")
    say(f"finished: results in {run.root}")
    return done


def _train(run, config, data, say):
    training = run_folder.TrainingRun(config.output_dir)
    if training.is_finished():
        say(f"training: skipped, finished ({training.train_results_path} exists)")
        return "skipped"
    from disent_tf.training.trainer import train

    say(f"training {config.model} {config.hparams} on {config.dataset}, seed {config.seed}, {config.steps} steps")
    results = train(config, data=data, log=say)
    say(f"training: done, {results.get('steps_per_s')} steps/s")
    return "done"


def _export(run, config, data, say):
    from disent_tf.export import reader

    try:
        existing = reader.find_export(run.root)
    except MissingFileError:
        existing = None
    if existing:
        say(f"export: skipped, {existing} exists")
        return existing, "skipped"
    from disent_tf.export.saved_model import export
    from disent_tf.training.trainer import restore_model

    model = restore_model(config, data)
    export(model, run.export_dir, config, data)
    say(f"export: wrote {run.export_dir}")
    return run.export_dir, "done"


def _score(run, export_dir, data, evaluation, say):
    """Scores every (representation, metric) without a result file; one code cache for all of them."""
    from disent_tf.evaluation import evaluate, representation

    pending = {kind: [name for name in evaluation.metric_names
                      if not run_folder.gfile().exists(run.metric_path(kind, name))]
               for kind in evaluation.representations}
    pending = {kind: metrics for kind, metrics in pending.items() if metrics}
    if not pending:
        say("scoring: skipped, every metric file exists")
        return "skipped"
    sampler = evaluate.make_sampler(data, representation.from_saved_model(export_dir), next(iter(pending)))
    for kind, metrics in pending.items():
        say(f"scoring the {kind} representation: {', '.join(metrics)} (sample_scale {evaluation.sample_scale})")
        results = evaluate.evaluate(data, sampler, evaluation.replace(metrics=tuple(metrics), representation=kind),
                                    progress=say)[kind]
        for name in metrics:
            records.write_json(run.metric_path(kind, name), _metric_record(results, kind, name, export_dir))
    return "done"


def _score_few_labels(run, config, export_dir, data, evaluation, say):
    """A semi-supervised model's few-label scores: metrics/<kind>/{mig,dci,sap}_validation.json (None: no labels).

    As bin/dlib_reproduce_semi_supervised's validation step: MIG, DCI and
    SAP on the model's own labelled set (evaluation/few_labels.py), next to
    the full-label scores; bin/aggregate reads them as `mig_validation.*`,
    `dci_validation.*` and `sap_validation.*` columns.
    """
    from disent_tf.evaluation import few_labels

    setup = few_labels.setup_of(config.model, config.hparams)
    if setup is None:
        return None
    names = few_labels.VALIDATION_METRICS
    pending = [kind for kind in evaluation.representations
               if not all(run_folder.gfile().exists(run.metric_path(kind, names[metric])) for metric in names)]
    if not pending:
        say("few-label scoring: skipped, every file exists")
        return "skipped"
    from disent_tf import records as records_lib
    from disent_tf.evaluation import representation

    few_labels.check_data(setup, data)
    say(f"few-label scoring ({', '.join(pending)}): {setup.num_labelled_samples} labelled samples, "
        f"{setup.labeller} labeller, seed {setup.supervised_seed}")
    encoder = representation.from_saved_model(export_dir, "sampled" if "sampled" in pending else "mean")
    results = few_labels.few_label_scores(data, encoder, setup, tuple(pending), num_workers=evaluation.num_workers or 1,
                                          gbt_backend=evaluation.gbt_backend)
    versions = records_lib.library_versions()
    for kind in pending:
        for metric, name in names.items():
            records.write_json(run.metric_path(kind, name), metric_record(
                kind, name, results[kind]["metrics"][metric], few_labels=results[kind]["setup"],
                data_source=getattr(data, "data_source", None), dataset=getattr(data, "name", None),
                versions=versions, export_dir=export_dir))
    return "done"


def _metric_record(results, kind, name, export_dir):
    return metric_record(
        kind, name, results["metrics"][name],
        seconds=results["seconds"][name],
        seed=results["seeds"][name],
        sample_scale=results["sample_scale"],
        comparable_with_study=results["comparable_with_study"],
        metric_arguments=results["metric_arguments"][name],
        estimators=results["estimators"][name],
        data_source=results["data"]["data_source"],
        dataset=results["data"]["name"],
        versions=results["versions"],
        export_dir=export_dir,
    )


def _visualize(run, export_dir, data, say):
    if run_folder.gfile().exists(run.visualizations_done_path):
        say(f"visualisations: skipped, {run.visualizations_done_path} exists")
        return "skipped"
    from disent_tf.visualize.model import visualize_model

    paths = visualize_model(export_dir, run.visualizations_dir, data=data)
    records.write_json(run.visualizations_done_path, paths)
    say(f"visualisations: wrote {', '.join(sorted(paths.values()))}")
    return "done"


# ---------------------------------------------------------------------- helpers


def _recorded_evaluation(record):
    """The EvaluationConfig a study run recorded in its config.json."""
    from disent_tf.evaluation.config import EvaluationConfig

    kinds = tuple(record.get("representations", ("mean", "sampled")))
    representation = "both" if len(kinds) > 1 else kinds[0]
    return EvaluationConfig(metrics=tuple(record.get("metrics", ("all",))), representation=representation,
                            seed=record.get("seed", 0), sample_scale=record.get("sample_scale", 1.0),
                            lr_estimator=record.get("lr_estimator", "study"))


def _swept_hparam(study, config):
    """(name, value) of the study's swept hyperparameter for the config's model, if the study has it."""
    for method in (study.all_methods() if study else sweeps.STUDY_METHODS):
        if method.model == config.model and method.hparam in config.hparams:
            return method.hparam, config.hparams[method.hparam]
    return None


def _prefixed(log, prefix):
    return lambda message: log(f"{prefix}{message}")
