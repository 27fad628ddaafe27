"""bin/train: train one model, checkpointing as it goes, and export it as a SavedModel.

    bin/train --model=beta_vae --steps=2000 --batch_size=64
    bin/train --model=dip_vae_ii --lambda_od=5 --steps=200 --output_dir=/tmp/x

Rerunning the same command resumes from the last checkpoint; a larger
--steps continues training. Ctrl-C (or SIGTERM) writes a checkpoint first.
See docs/training.md and docs/serving.md.
"""

from absl import flags
from absl import logging

from disent_tf import cli, models, run_folder
from disent_tf.models import hparams
from disent_tf.training.config import TrainConfig

# Everything but the hyperparameters (one flag each, from the table) and
# output_dir (its default depends on the run's name).
CONFIG_FLAGS = cli.field_names(TrainConfig, exclude=("hparams", "output_dir"))
FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    cli.define_flags(TrainConfig, __name__, only=CONFIG_FLAGS,
                     helps={"model": f"Method: {', '.join(models.names())} (docs/models.md)."})
    flags.DEFINE_string("output_dir", None, "Run folder (checkpoints, summaries, train_results.json); "
                        "default runs/<model>_<dataset>_seed<seed>.")
    for _hparam in hparams.HPARAMS:
        _help = f"{_hparam.help} Default: the method's (docs/models.md)."
        if _hparam.type is str:
            # A plain string, checked in main with the table's choices: a bad value is then one `error:` sentence
            # like every other bad value, where an enum flag would print absl's two-line parsing error.
            flags.DEFINE_string(_hparam.name, None, f"{_help} One of: {', '.join(_hparam.choices)}.")
        else:
            flags.DEFINE(flags.FloatParser() if _hparam.type is float else flags.IntegerParser(), _hparam.name, None,
                         _help, serializer=flags.ArgumentSerializer())
    flags.DEFINE_string("export_dir", None, "SavedModel folder; default exported/<run name>/<next version>.")
    flags.DEFINE_bool("export", True, "Export a SavedModel at the end (--noexport to skip).")


def main(argv):
    del argv
    # TensorFlow's INFO records (signature renames, saver timings) would bury the progress lines.
    logging.set_verbosity(logging.WARNING)
    given = models.check_hparams(FLAGS.model, cli.flag_values(hparams.names(), present_only=True))
    from disent_tf import data  # numpy, which --help need not load

    data.check_name(FLAGS.dataset)
    check_labelled_set(FLAGS.model, given, FLAGS.dataset)
    name = run_folder.run_name(FLAGS.model, FLAGS.dataset, FLAGS.seed)
    config = TrainConfig(hparams=given, output_dir=FLAGS.output_dir or f"runs/{name}", **cli.flag_values(CONFIG_FLAGS))
    # TensorFlow is imported only now: a bad flag is answered in a second, not after its import.
    from disent_tf.training import runs, trainer

    if FLAGS.export:
        results, export_dir = runs.train_and_export(config, export_dir=FLAGS.export_dir, name=name)
    else:
        results, export_dir = trainer.train(config), None
    out = config.output_dir.rstrip("/")
    from disent_tf.training import strategy as strategies

    if not strategies.is_chief_process(config.strategy):
        print(f"trained {config.model} to step {results['step']} as a non-chief worker; the chief writes the "
              f"checkpoints, summaries, train_results.json and the SavedModel of {out}")
        return
    print(f"trained {config.model} to step {results['step']} ({results['steps_per_s']} steps/s this run)")
    print(f"checkpoints: {out}/checkpoints")
    print(f"summaries:   {out}/summaries   (tensorboard --logdir {out}/summaries)")
    print(f"results:     {out}/train_results.json")
    evaluation = results.get("evaluation")
    if evaluation:
        means = ", ".join(f"{name} {value:.4g}" for name, value in evaluation["means"].items())
        print(f"evaluated on {evaluation['num_batches']} fresh batches: {means}")
    if export_dir:
        print(f"SavedModel:  {export_dir}   (saved_model_cli show --all --dir {export_dir})")


def check_labelled_set(model, given, dataset):
    """A semi-supervised model's labelled set must fit in the data set: checked before TensorFlow loads."""
    if model not in hparams.LABELLED_METHODS:
        return
    from disent_tf.data import labelled, registry

    labelled.check_num_labelled(given.get("num_labelled_samples", labelled.DEFAULT_NUM_LABELLED_SAMPLES),
                                registry.grid_size(dataset), dataset)


def run():
    define_flags()
    cli.run(main)
