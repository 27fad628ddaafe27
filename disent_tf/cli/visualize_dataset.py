"""bin/visualize_dataset: a PNG grid of random samples and one latent-traversal strip per factor.

    bin/visualize_dataset --dataset=dsprites_full
"""

from absl import flags

from disent_tf import cli
from disent_tf.errors import UserError
from disent_tf.run_folder import join

FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_string("dataset", "dsprites_full", "Data set name (see docs/data.md).")
    flags.DEFINE_string("data_dir", None, "Folder of the original data files (default: $DISENT_TF_DATA).")
    flags.DEFINE_string("output_dir", None, "Where to write the PNGs (default: plots/<dataset>).")
    flags.DEFINE_integer("num_samples", 64, "Number of random samples in the grid.")
    flags.DEFINE_integer("seed", 0, "Seed of the random samples.")


def main(argv):
    del argv
    from disent_tf import data
    from disent_tf.visualize.dataset import visualize_dataset

    if FLAGS.num_samples < 1:
        raise UserError(f"--num_samples must be at least 1, got {FLAGS.num_samples}.")
    dataset = data.get(FLAGS.dataset, FLAGS.data_dir)
    output_dir = FLAGS.output_dir or join("plots", FLAGS.dataset.replace(":", "_"))
    written = visualize_dataset(dataset, output_dir, FLAGS.num_samples, FLAGS.seed)
    print(f"{dataset.name} ({dataset.data_source}): factors "
          f"{dict(zip(dataset.factor_names, dataset.factor_sizes))}")
    print(f"wrote {written['samples']} ({FLAGS.num_samples} random samples)")
    print(f"wrote {written['traversals']} (one row per factor: {', '.join(dataset.factor_names)})")


def run():
    define_flags()
    cli.run(main)
