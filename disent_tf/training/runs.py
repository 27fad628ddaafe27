"""One training run end to end: train (or resume), then export the SavedModel once per final step."""

import tensorflow as tf

from disent_tf.errors import UserError
from disent_tf import records
from disent_tf.training import trainer
from disent_tf.training.config import STUDY_HPARAMS


def run_name(model, dataset, seed):
    """'<model>_<dataset>_seed<seed>', safe as a folder name (tfds:dsprites -> tfds-dsprites)."""
    return f"{model}_{dataset.replace(':', '-').replace('/', '-')}_seed{seed}"


def check_hparams(model, hparams):
    """`hparams` if `model` is a known method and takes every one of them, else one-sentence UserError."""
    from disent_tf import models

    if model not in models.names():
        raise UserError(f"unknown model '{model}'; choose one of {', '.join(models.names())}.")
    accepted = models.hparam_names(model)
    foreign = sorted(set(hparams) - set(accepted))
    if foreign:
        own = ", ".join(f"--{name}" for name in STUDY_HPARAMS if name in accepted)
        raise UserError(f"--{foreign[0]} does not apply to {model}; its hyperparameter flags are {own}.")
    return dict(hparams)


def train_and_export(config, export_dir=None, export_root="exported", name=None, data=None, log=print):
    """Trains `config` to its final step and exports it; returns (train results, export dir).

    The export goes to `export_dir`, or to the next integer version under
    `<export_root>/<name>` (name defaults to `run_name`). A rerun that trained
    no further steps keeps the export it already wrote instead of adding a
    version; an explicit `export_dir` that exists already is refused before
    training starts. The export's path is recorded in train_results.json.
    """
    from disent_tf.export import saved_model

    data = data if data is not None else trainer.load_data(config)
    previous = _previous_export(config.output_dir)
    already_exported = previous is not None and previous[1] == config.steps and export_dir in (None, previous[0])
    if export_dir is not None and not already_exported and tf.io.gfile.exists(export_dir):
        # Checked before training, not after hours of it.
        raise UserError(f"{export_dir} already exists; choose another export directory or delete it.")
    results = trainer.train(config, data=data, log=log)
    if already_exported:
        export_dir = previous[0]
        log(f"step {results['step']} was already exported to {export_dir}")
    else:
        if export_dir is None:
            name = name or run_name(config.model, config.dataset, config.seed)
            export_dir = saved_model.next_version_dir(export_root, name)
        model = trainer.restore_model(config, data)
        saved_model.export(model, export_dir, config, data)
    trainer.record_export(config.output_dir, export_dir)
    results["export_dir"] = export_dir
    return results, export_dir


def _previous_export(output_dir):
    """(export dir, step) recorded by the last run in output_dir, if that export still exists."""
    path = f"{output_dir.rstrip('/')}/train_results.json"
    if not tf.io.gfile.exists(path):
        return None
    results = records.read_json(path)
    export_dir = results.get("export_dir")
    if export_dir and tf.saved_model.contains_saved_model(export_dir):
        return export_dir, results.get("step")
    return None
