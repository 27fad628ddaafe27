"""One training run end to end: train (or resume), then export the SavedModel once per final step."""

import posixpath

import tensorflow as tf

from disent_tf import records, run_folder
from disent_tf.errors import UserError
from disent_tf.run_folder import run_name
from disent_tf.training import trainer


def train_and_export(config, export_dir=None, export_root="exported", name=None, data=None, log=print):
    """Trains `config` to its final step and exports it; returns (train results, export dir).

    The export goes to `export_dir`, or to the next integer version under
    `<export_root>/<name>` (name defaults to `run_name`). A rerun that trained
    no further steps keeps the export it already wrote instead of adding a
    version; an explicit `export_dir` that exists already is refused before
    training starts. The export's path is recorded in train_results.json.
    """
    from disent_tf.export import saved_model
    from disent_tf.training import strategy as strategies

    data = data if data is not None else trainer.load_data(config)
    if not strategies.is_chief_process(config.strategy):
        # Under MultiWorkerMirroredStrategy the chief alone exports (TensorFlow's multi-worker guide).
        results = trainer.train(config, data=data, log=log)
        log("trained as a non-chief worker: the chief exports the SavedModel")
        return results, None
    previous = _previous_export(config.output_dir)
    already_exported = previous is not None and previous[1] == config.steps and export_dir in (None, previous[0])
    # Checked before training, not after hours of it.
    if export_dir is not None and not already_exported and tf.io.gfile.exists(export_dir):
        raise UserError(f"{export_dir} already exists; choose another export directory or delete it.")
    name = name or run_name(config.model, config.dataset, config.seed)
    if not already_exported:
        records.check_writable(posixpath.dirname(export_dir.rstrip("/")) if export_dir else
                               run_folder.join(export_root, name))
    results = trainer.train(config, data=data, log=log)
    if already_exported:
        export_dir = previous[0]
        log(f"step {results['step']} was already exported to {export_dir}")
    else:
        if export_dir is None:
            export_dir = saved_model.next_version_dir(export_root, name)
        model = trainer.restore_model(config, data)
        saved_model.export(model, export_dir, config, data)
    trainer.record_export(config.output_dir, export_dir)
    results["export_dir"] = export_dir
    return results, export_dir


def _previous_export(output_dir):
    """(export dir, step) recorded by the last run in output_dir, if that export still exists."""
    results = run_folder.TrainingRun(output_dir).read_results()
    export_dir = results.get("export_dir")
    if export_dir and tf.saved_model.contains_saved_model(export_dir):
        return export_dir, results.get("step")
    return None
