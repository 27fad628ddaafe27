"""Reproduce one model of a study: train, export, score both representations, visualise.

    reproduce(study, model_num=0, output_dir="output")

writes everything under `<output_dir>/<model_num>/` (see `layout.py`). Each
stage is finished when its result file exists, and a rerun skips finished
stages: train_results.json (training; an unfinished run resumes from its last
checkpoint), the SavedModel's saved_model.pb (export), one
metrics/<representation>/<metric>.json per metric and representation (scoring,
the study's protocol: every metric of `disent_tf.evaluation`, seed 0, on the
mean and on the sampled representation, Locatello et al. 2019 section 3),
visualizations/visualizations.json (pictures).

The run's config.json records what decides its results; a folder that holds
a different config for the same model is refused rather than mixed.
"""

import dataclasses
import os
from typing import Callable, Optional, Sequence

from disent_tf.errors import MissingFileError, UserError
from disent_tf.study import layout
from disent_tf.study import sweep as sweeps
from disent_tf.training.config import TrainConfig

# TrainConfig fields that say where and how a run executes, not what it
# learns: a rerun may change them (another machine, another data mount).
RUNTIME_FIELDS = frozenset({
    "output_dir", "data_dir", "strategy", "jit_compile", "steps_per_call", "log_every", "summary_every",
    "checkpoint_every"})
EXPORT_VERSION = "1"


@dataclasses.dataclass(frozen=True)
class Protocol:
    """How a run is scored and what it produces besides the model.

    `sample_scale` < 1 shrinks every metric's sample counts (quick checks
    only: such numbers are not comparable with the paper); `num_workers`
    fits per-factor classifiers in parallel (None: all cores).
    """

    metrics: Sequence[str] = ("all",)
    representations: Sequence[str] = layout.REPRESENTATIONS
    sample_scale: float = 1.0
    num_workers: Optional[int] = None
    seed: int = 0
    visualize: bool = True

    def record(self):
        # What decides the scores; num_workers and visualize do not.
        return {"metrics": list(self.metrics), "representations": list(self.representations),
                "sample_scale": self.sample_scale, "seed": self.seed}


def study_protocol(study, sample_scale=None, num_workers=None):
    """The study's protocol (`Study.evaluation` over the defaults), sample_scale overridden when given."""
    options = study.evaluation_options()
    if sample_scale is not None:
        options["sample_scale"] = float(sample_scale)
    return Protocol(num_workers=num_workers, **options)


def model_config(study, model_num, output_dir, overrides=None):
    """(RunLayout, TrainConfig) of a study's model, the config's output_dir inside the run folder."""
    run = layout.RunLayout.for_model(output_dir, model_num)
    config = study.config(model_num).replace(output_dir=run.model_dir, **dict(overrides or {}))
    return run, config


def reproduce(study, model_num, output_dir, overrides=None, protocol=None, data=None, log=print):
    """Runs every unfinished stage of one model of `study`; returns {stage: what happened}."""
    protocol = protocol or study_protocol(study)
    run, config = model_config(study, model_num, output_dir, overrides)
    record = layout.config_record(study.name, int(model_num), config, study.swept_hparam(model_num),
                                  protocol.record())
    check_or_write_record(run, record)
    return _run_stages(run, config, protocol, data, log, prefix=f"[model {model_num}] ", train=True)


def evaluate_existing(model_dir, output_dir, study=None, protocol=None, data=None, data_dir=None, log=print):
    """The study protocol (export, scores, pictures) for a model trained elsewhere; no training.

    `model_dir` is a bin/train output folder (config.json, checkpoints/) or a
    bin/reproduce run folder; results go to `<output_dir>/<its name>/`, or
    into the reproduce run folder itself. `protocol` defaults to the one the
    reproduce folder recorded, else the study's full protocol.
    """
    model_dir = str(model_dir).rstrip("/")
    existing = layout.join(model_dir, "config.json")
    if not layout.exists(existing):
        raise MissingFileError(f"{model_dir} has no config.json; pass the --output_dir of a bin/train or "
                               "bin/reproduce run.")
    recorded = layout.read_json(existing)
    if "train_config" in recorded:  # a bin/reproduce run folder: complete it in place
        run = layout.RunLayout(model_dir)
        config = TrainConfig.from_dict(recorded["train_config"]).replace(output_dir=run.model_dir)
        protocol = protocol or Protocol(**recorded.get("evaluation", {}))
        record = dict(recorded, evaluation=protocol.record())
    else:  # a bin/train output folder
        config = TrainConfig.from_dict(recorded).replace(output_dir=model_dir)
        protocol = protocol or Protocol()
        run = layout.RunLayout(layout.join(output_dir, os.path.basename(model_dir)))
        record = layout.config_record(None, None, config, _swept_hparam(study, config), protocol.record())
        record["trained_in"] = model_dir
    if not layout.exists(layout.join(config.output_dir, "train_results.json")):
        raise UserError(f"{config.output_dir} holds no finished training (no train_results.json); "
                        "finish training it first.")
    if data_dir:
        config = config.replace(data_dir=data_dir)
    check_or_write_record(run, record)
    return _run_stages(run, config, protocol, data, log, prefix=f"[{os.path.basename(model_dir)}] ", train=False)


def run_shard(study, output_dir, task_index, num_tasks, model_num_range="", overrides=None, protocol=None,
              log=print):
    """Reproduces model_nums task_index, task_index + num_tasks, ... (of the range); returns their numbers.

    One failing model does not stop the others; the failures are raised
    together at the end as one UserError.
    """
    from disent_tf.training.trainer import TrainingInterrupted

    model_nums = sweeps.shard(sweeps.parse_range(model_num_range, study), task_index, num_tasks)
    log(f"task {task_index} of {num_tasks}: {len(model_nums)} models of {study.name}")
    failures = []
    for model_num in model_nums:
        try:
            reproduce(study, model_num, output_dir, overrides, protocol, log=log)
        except TrainingInterrupted:
            raise  # the job is being stopped: checkpointed, do not start the next model
        except UserError as error:
            log(f"[model {model_num}] failed: {error}")
            failures.append(f"{model_num} ({error})")
    if failures:
        raise UserError(f"{len(failures)} of {len(model_nums)} models failed: {'; '.join(failures)}")
    return model_nums


def check_or_write_record(run, record):
    """Writes config.json, or refuses when the folder already holds a different one."""
    if layout.exists(run.config_path):
        previous = layout.read_json(run.config_path)
        differences = record_differences(previous, record)
        if differences:
            raise UserError(f"{run.root} holds a different config for this model ({'; '.join(differences)}); "
                            "use another --output_dir or delete that folder.")
    layout.write_json(run.config_path, record)


def record_differences(previous, current):
    """'field old -> new' for every difference that changes a run's results."""
    differences = []
    for key in sorted(set(previous) | set(current)):
        if key == "train_config":
            old, new = previous.get(key) or {}, current.get(key) or {}
            differences += [f"{name} {old.get(name)!r} -> {new.get(name)!r}"
                            for name in sorted(set(old) | set(new))
                            if name not in RUNTIME_FIELDS and _plain(old.get(name)) != _plain(new.get(name))]
        elif _plain(previous.get(key)) != _plain(current.get(key)):
            differences.append(f"{key} {previous.get(key)!r} -> {current.get(key)!r}")
    return differences


# ------------------------------------------------------------------------- stages


def _run_stages(run, config, protocol, data, log, prefix, train):
    say = _prefixed(log, prefix)
    data = data if data is not None else _load_data(config)
    done = {}
    if train:
        done["train"] = _train(run, config, data, say)
    export_dir, done["export"] = _export(run, config, data, say)
    done["metrics"] = _score(run, export_dir, data, protocol, say)
    if protocol.visualize:
        done["visualizations"] = _visualize(run, export_dir, data, say)
    say(f"finished: results in {run.root}")
    return done


def _train(run, config, data, say):
    if layout.exists(run.train_results_path):
        say(f"training: skipped, finished ({run.train_results_path} exists)")
        return "skipped"
    from disent_tf.training.trainer import train

    say(f"training {config.model} {config.hparams} on {config.dataset}, seed {config.seed}, {config.steps} steps")
    results = train(config, data=data, log=say)
    say(f"training: done, {results.get('steps_per_s')} steps/s")
    return "done"


def _export(run, config, data, say):
    existing = existing_export(run)
    if existing:
        say(f"export: skipped, {existing} exists")
        return existing, "skipped"
    from disent_tf.export.saved_model import export
    from disent_tf.training.trainer import restore_model

    export_dir = layout.join(run.export_root, os.path.basename(run.root.rstrip("/")), EXPORT_VERSION)
    model = restore_model(config, data)
    export(model, export_dir, config, data)
    say(f"export: wrote {export_dir}")
    return export_dir, "done"


def existing_export(run):
    """The SavedModel folder of a run (its highest name), or None before the export stage."""
    found = layout.glob(layout.join(run.export_root, "*", "*", "saved_model.pb"))
    return os.path.dirname(sorted(found)[-1]) if found else None


def _score(run, export_dir, data, protocol, say):
    """Scores every (representation, metric) without a result file; one code cache for all of them."""
    from disent_tf.evaluation import evaluate as evaluation
    from disent_tf.evaluation import representation

    names = evaluation.parse_metrics(protocol.metrics)
    pending = {kind: [name for name in names if not layout.exists(run.metric_path(kind, name))]
               for kind in protocol.representations}
    pending = {kind: metrics for kind, metrics in pending.items() if metrics}
    if not pending:
        say("scoring: skipped, every metric file exists")
        return "skipped"
    sampler = evaluation.make_sampler(data, representation.from_saved_model(export_dir), next(iter(pending)))
    for kind, metrics in pending.items():
        say(f"scoring the {kind} representation: {', '.join(metrics)} (sample_scale {protocol.sample_scale})")
        results = evaluation.evaluate(data, sampler, metrics=metrics, seed=protocol.seed, kind=kind,
                                      num_workers=protocol.num_workers, sample_scale=protocol.sample_scale,
                                      progress=say)
        for name in metrics:
            layout.write_json(run.metric_path(kind, name), _metric_record(results, kind, name, export_dir))
    return "done"


def _metric_record(results, kind, name, export_dir):
    return layout.metric_record(
        kind, name, results["metrics"][name],
        seconds=results["seconds"][name],
        seed=results["seed"],
        sample_scale=results["sample_scale"],
        comparable_with_study=results["comparable_with_study"],
        metric_arguments=results["metric_arguments"][name],
        data_source=results["data"]["data_source"],
        dataset=results["data"]["name"],
        versions=results["versions"],
        export_dir=export_dir,
    )


def _visualize(run, export_dir, data, say):
    if layout.exists(run.visualizations_done_path):
        say(f"visualisations: skipped, {run.visualizations_done_path} exists")
        return "skipped"
    from disent_tf.visualize.model import visualize_model

    paths = visualize_model(export_dir, run.visualizations_dir, data=data)
    layout.write_json(run.visualizations_done_path, paths)
    say(f"visualisations: wrote {', '.join(sorted(paths.values()))}")
    return "done"


# ---------------------------------------------------------------------- helpers


def _load_data(config):
    from disent_tf import data as datasets

    return datasets.get(config.dataset, data_dir=config.data_dir)


def _swept_hparam(study, config):
    """(name, value) of the study's swept hyperparameter for the config's model, if the study has it."""
    for method in (study.methods if study else sweeps.STUDY_METHODS):
        if method.model == config.model and method.hparam in config.hparams:
            return method.hparam, config.hparams[method.hparam]
    return None


def _prefixed(log: Callable[[str], None], prefix):
    return lambda message: log(f"{prefix}{message}")


def _plain(value):
    # JSON turns tuples into lists and may turn 1.0 into 1; compare what JSON would hold.
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value
