"""bin/aggregate: collect the results of bin/reproduce into one table (.csv, .json or .parquet).

    bin/aggregate --input=output --output=results.csv [--layout=wide|long]
"""

import sys

from absl import flags

from disent_tf import cli
from disent_tf.errors import UserError

FLAGS = flags.FLAGS
# disent_tf.study.aggregate.LAYOUTS, written out: that module loads pandas (a second), --help should not.
LAYOUTS = ("wide", "long")


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_string("input", "output", "Results folder written by bin/reproduce (its --output_dir).")
    flags.DEFINE_string("output", "results.csv", "Table to write; the extension picks the format: .csv, .json or .parquet.")
    flags.DEFINE_enum("layout", "wide", LAYOUTS,
                      "wide: one row per model and representation with <metric>.<key> columns; "
                      "long: one row per model, representation, metric and key.")


def main(argv):
    del argv
    from disent_tf.study import aggregate

    result = aggregate.collect(FLAGS.input, FLAGS.layout)
    if result.table.empty:
        _report_skipped(result.skipped)
        raise UserError(f"no readable results under '{FLAGS.input}'; run bin/reproduce first.")
    aggregate.save(result.table, FLAGS.output)
    runs = result.table["run"].nunique()
    print(f"wrote {FLAGS.output}: {len(result.table)} rows, {len(result.table.columns)} columns from {runs} models")
    _report_skipped(result.skipped)


def _report_skipped(skipped):
    if skipped:
        print(f"skipped {len(skipped)} unreadable result file(s):", file=sys.stderr)
        for entry in skipped:
            print(f"  {entry}", file=sys.stderr)


def run():
    define_flags()
    cli.run(main)
