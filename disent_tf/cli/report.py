"""bin/report: one self-contained HTML page of a study's results: the paper's findings, scores, traversals.

    bin/report --results=results.csv --output=report.html [--run_dir=output]
    bin/report --results=docs/findings/results.csv --markdown=docs/findings.md --figures_dir=docs/figures/findings
"""

import os

from absl import flags

from disent_tf import cli
from disent_tf.errors import UserError

FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_string("results", None, "Wide .csv table written by bin/aggregate (e.g. docs/findings/results.csv).")
    flags.DEFINE_string("output", "report.html", "The .html file to write (an existing one must be a report).")
    flags.DEFINE_string("run_dir", None, "Optional: the --output_dir of bin/reproduce, for the best model's "
                        "traversals and the versions that scored the study.")
    flags.DEFINE_string("markdown", None, "Instead of the HTML page: write the findings into this Markdown page, "
                        "between its two findings markers (docs/findings.md has them).")
    flags.DEFINE_string("figures_dir", None, "With --markdown: the folder for the findings' PNG figures "
                        "(default: figures/findings next to the page).")


def main(argv):
    del argv
    if not FLAGS.results:
        raise UserError("pass --results=<a .csv written by bin/aggregate>, e.g. --results=docs/findings/results.csv.")
    from disent_tf.study import report  # pandas and matplotlib, after the flags are checked

    if FLAGS.markdown:
        from disent_tf.study import findings_markdown

        findings_markdown.read_page(FLAGS.markdown)  # the markers, before any work
        figures_dir = FLAGS.figures_dir or os.path.join(os.path.dirname(FLAGS.markdown), "figures", "findings")
        figures = findings_markdown.update_page(FLAGS.markdown, report.read_results(FLAGS.results), figures_dir,
                                                FLAGS.results)
        print(f"wrote the findings into {FLAGS.markdown} and {len(figures)} figures into {figures_dir}")
        return
    path = report.make_report(FLAGS.results, FLAGS.output, FLAGS.run_dir)
    print(f"wrote {path}")


def run():
    define_flags()
    cli.run(main)
