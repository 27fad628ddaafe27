"""bin/visualize: pictures of a trained model (reconstructions, prior samples, latent traversals; PNG and GIF).

    bin/visualize --export_dir=output/0/export/0/1 --output_dir=pictures/
    bin/visualize --model_dir=output/0            # finds the run's SavedModel

Works from the SavedModel's signatures alone, so any disent_tf export will do.
"""

from absl import flags

from disent_tf import cli
from disent_tf.errors import UserError
from disent_tf.run_folder import join

FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_string("export_dir", None, "SavedModel folder (the version folder of an export).")
    flags.DEFINE_string("model_dir", None, "A bin/reproduce or bin/train run folder; its SavedModel is used.")
    flags.DEFINE_string("output_dir", None, "Where to write the pictures; default <model_dir>/visualizations, "
                        "or visualizations/<export name> for --export_dir.")
    flags.DEFINE_string("dataset", None, "Data set of the input images; default: the one recorded in the export.")
    flags.DEFINE_string("data_dir", None, "Folder with the data set files (default: $DISENT_TF_DATA).")
    flags.DEFINE_integer("num_images", 16, "Images to reconstruct and prior samples to draw.")
    flags.DEFINE_integer("num_values", 9, "Values per latent traversal.")
    flags.DEFINE_float("limit", 2.0, "Traversals sweep each latent from -limit to +limit.")
    flags.DEFINE_integer("seed", 0, "Seed of the input images and the prior samples.")


def main(argv):
    del argv
    if bool(FLAGS.export_dir) == bool(FLAGS.model_dir):
        raise UserError("pass exactly one of --export_dir=<SavedModel folder> or --model_dir=<run folder>.")
    from disent_tf.export import reader

    export_dir = FLAGS.export_dir or reader.find_export(FLAGS.model_dir)
    reader.resolve_export_dir(export_dir)  # a missing or wrong folder is answered before TensorFlow loads
    from disent_tf.visualize import model as visualize

    output_dir = FLAGS.output_dir or _default_output_dir(export_dir)
    data = None
    if FLAGS.dataset or FLAGS.data_dir:
        data = visualize.export_data(export_dir, FLAGS.dataset, FLAGS.data_dir)
    paths = visualize.visualize_model(export_dir, output_dir, data=data, num_images=FLAGS.num_images,
                                      num_values=FLAGS.num_values, limit=FLAGS.limit, seed=FLAGS.seed)
    print(f"pictures of {export_dir}:")
    for name, path in paths.items():
        print(f"  {name:16s} {path}")


def _default_output_dir(export_dir):
    if FLAGS.model_dir:
        return join(FLAGS.model_dir, "visualizations")
    parts = export_dir.rstrip("/").split("/")
    return join("visualizations", "_".join(parts[-2:]) if len(parts) >= 2 else parts[-1])


def run():
    define_flags()
    cli.run(main)
