"""bin/run_smoke_study: run the smoke study end to end and refresh the figures in docs/figures/.

    bin/run_smoke_study                        # output/smoke/, docs/figures/

Reproduces every model of the `smoke` study (embedded dSprites, no files),
aggregates the results into docs/figures/smoke_results.csv, draws the paper's
figures into docs/figures/ and adds one model's reconstructions and latent
traversals. Finished models are skipped on a rerun; the wall time is printed.
"""

import time

from absl import flags

from disent_tf import cli
from disent_tf.run_folder import StudyRun, gfile, join

FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_string("output_dir", "output/smoke", "Results of the smoke study's models.")
    flags.DEFINE_string("figures_dir", "docs/figures", "Where the table and the PNG figures go.")
    flags.DEFINE_integer("picture_model_num", 0, "The smoke model whose reconstructions and traversals are shown.")
    flags.DEFINE_integer("steps", None, "Override the smoke study's training steps (for a quicker check).")


def main(argv):
    del argv
    from disent_tf import study
    from disent_tf.export import reader
    from disent_tf.study import aggregate, plots, reproduce
    from disent_tf.visualize.model import visualize_model

    started = time.perf_counter()
    smoke = study.get("smoke")
    overrides = {"steps": FLAGS.steps} if FLAGS.steps else {}
    reproduce.run_shard(smoke, FLAGS.output_dir, task_index=0, num_tasks=1, overrides=overrides)
    result = aggregate.collect(FLAGS.output_dir)
    table_path = aggregate.save(result.table, join(FLAGS.figures_dir, "smoke_results.csv"))
    print(f"wrote {table_path}")
    plots.plot_all(result.table, FLAGS.figures_dir)
    run = StudyRun.for_model(FLAGS.output_dir, FLAGS.picture_model_num)
    pictures = visualize_model(reader.find_export(run.root), join(run.root, "docs_pictures"), scale=1)
    name = f"smoke_model{FLAGS.picture_model_num}"
    for kind in ("reconstructions", "traversals"):
        target = join(FLAGS.figures_dir, f"{name}_{kind}.png")
        gfile().copy(pictures[kind], target, overwrite=True)
        print(f"wrote {target}")
    print(f"smoke study: {smoke.num_models} models, wall time {time.perf_counter() - started:.0f} s")


def run():
    define_flags()
    cli.run(main)
