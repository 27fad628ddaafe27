"""bin/aggregate: collect the results of bin/reproduce into one table (.csv, .json or .parquet).

    bin/aggregate --input=output --output=results.csv [--layout=wide|long]
    bin/aggregate --input=output --output=results.csv --merge   # keep results.csv's runs that output lacks
    bin/aggregate --input=output --status [--model_num_range=0:100]   # a running sweep's progress

pandas (and TensorFlow, for gs:// paths) are imported only once the flags are read.
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
    flags.DEFINE_bool("merge", False, "Keep the rows of the existing --output table whose run is not under --input "
                      "(e.g. a sweep's runs whose results folder is gone); a run under --input replaces its rows.")
    flags.DEFINE_bool("status", False, "Print the sweep's progress instead of writing a table: models done, being "
                      "scored, training (with their step), failed (with their error) and not started, and the ETA. "
                      "Reads the files only; running tasks are not disturbed.")
    flags.DEFINE_string("study", None, "With --status: the sweep's study, whose models count as not started until "
                        "they have a folder. Default: the study the folders' config.json name.")
    flags.DEFINE_string("model_num_range", "", "With --status: the sweep's START:STOP (bin/reproduce's "
                        "--model_num_range). Default: the whole study.")


def main(argv):
    del argv
    if FLAGS.status:
        return _print_status()
    from disent_tf import filesystem
    from disent_tf.study import aggregate

    if FLAGS.merge and not filesystem.exists(FLAGS.output):
        raise UserError(f"--merge has no table to merge with: '{FLAGS.output}' does not exist; "
                        "drop --merge to write a new one.")
    kept = aggregate.load(FLAGS.output, FLAGS.layout) if FLAGS.merge else None  # a damaged table stops us here
    result = aggregate.collect(FLAGS.input, FLAGS.layout)
    if result.table.empty:
        _report_skipped(result.skipped)
        raise UserError(f"no readable results under '{FLAGS.input}'; run bin/reproduce first.")
    table = result.table if kept is None else aggregate.merge(kept, result.table)
    aggregate.save(table, FLAGS.output)
    runs, fresh = table["run"].nunique(), result.table["run"].nunique()
    kept_note = "" if kept is None else f" ({fresh} from {FLAGS.input}, {runs - fresh} kept from the table)"
    print(f"wrote {FLAGS.output}: {len(table)} rows, {len(table.columns)} columns from {runs} models{kept_note}")
    _report_skipped(result.skipped)


def _print_status():
    from disent_tf import study as studies
    from disent_tf.study import status
    from disent_tf.study import sweep as sweeps

    report = status.sweep_status(FLAGS.input)
    name = FLAGS.study or _recorded_study(report)
    if name is not None:
        sweep = studies.get(name)
        model_nums = sweeps.parse_range(FLAGS.model_num_range, sweep)
        report = status.sweep_status(FLAGS.input, model_nums, steps_of=_steps_of(sweep, report))
    elif FLAGS.model_num_range:
        raise UserError("--model_num_range needs the sweep's study: pass --study (no folder names one yet).")
    print(status.format_status(report, FLAGS.input))


def _recorded_study(report):
    """The study the started models' config.json name, if they name one and the same one."""
    names = {model.study for model in report.models} - {None}
    if len(names) > 1:
        raise UserError(f"{FLAGS.input} holds models of several studies ({', '.join(sorted(names))}); pass --study.")
    return names.pop() if names else None


def _steps_of(sweep, report):
    """A not-started model's steps: the study's, or the one --steps every started model was given instead."""
    recorded = {model.steps for model in report.models if model.steps} - {None}
    study_steps = {sweep.config(model.model_num).steps for model in report.models if model.steps}
    if len(recorded) == 1 and recorded != study_steps:
        return lambda number: next(iter(recorded))
    return lambda number: sweep.config(number).steps


def _report_skipped(skipped):
    if skipped:
        print(f"skipped {len(skipped)} unreadable result file(s):", file=sys.stderr)
        for entry in skipped:
            print(f"  {entry}", file=sys.stderr)


def run():
    define_flags()
    cli.run(main)
