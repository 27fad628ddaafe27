"""bin/plot: draw the paper's main figures from a results table or a results folder.

    bin/plot --results=results.csv --output_dir=plots/
"""

from absl import flags

from disent_tf import cli
from disent_tf.errors import UserError

FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_string("results", "results.csv",
                        "Table written by bin/aggregate (.csv, .json, .parquet) or a bin/reproduce output folder.")
    flags.DEFINE_string("output_dir", "plots", "Folder for the PNG figures.")


def main(argv):
    del argv
    from disent_tf.study import aggregate, plots

    table = aggregate.load(FLAGS.results)
    if table.empty:
        raise UserError(f"'{FLAGS.results}' holds no results; run bin/reproduce and bin/aggregate first.")
    # Two at a time: CI's and a laptop's two cores, and this process runs no threads of its own.
    written = plots.plot_all(table, FLAGS.output_dir, processes=2)
    if not written:
        raise UserError(f"'{FLAGS.results}' lacks the columns every figure needs; aggregate it with bin/aggregate.")


def run():
    define_flags()
    cli.run(main)
