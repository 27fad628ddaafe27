"""bin/reproduce: reproduce models of a study (train, export, score both representations, visualise).

    bin/reproduce --model_num=0 --only_print                 # the config of model 0
    bin/reproduce --model_num=0 --output_dir=output          # everything under output/0/
    bin/reproduce --task_index=3 --num_tasks=100             # models 3, 103, 203, ... (a cluster task)
    bin/reproduce --num_tasks=100                            # the index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX
    bin/reproduce --model_dir=runs/my_run --output_dir=output  # score a model trained by bin/train

Rerunning skips finished stages and resumes unfinished training. See docs/study.md.
"""

import json
import os
import sys

from absl import flags

from disent_tf import cli
from disent_tf import study as studies
from disent_tf.errors import UserError
from disent_tf.evaluation.config import EvaluationConfig
from disent_tf.training.config import TrainConfig

# Overrides of the study's TrainConfig and EvaluationConfig (absent unless given).
TRAIN_OVERRIDES = cli.field_names(TrainConfig, only=("steps", "batch_size", "data_dir", "strategy", "checkpoint_every",
                                                     "eval_batches"))
EVALUATION_OVERRIDES = cli.field_names(EvaluationConfig, only=("sample_scale", "num_workers"))
FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_integer("model_num", None, "Model of the study to reproduce (0 .. num_models - 1).")
    flags.DEFINE_string("study", "unsupervised_study_v1", f"Study: {', '.join(studies.names())}.")
    flags.DEFINE_string("output_dir", "output", "Results root; model N goes to <output_dir>/N/ (gs:// works).")
    flags.DEFINE_bool("only_print", False, "Print the config(s) and stop; nothing is trained or written.")
    flags.DEFINE_string("model_dir", None, "Score an already trained run (a bin/train or bin/reproduce folder) "
                        "with the study protocol instead of training.")
    flags.DEFINE_integer("task_index", None, "Run every --num_tasks-th model starting at this one (0-based). Default "
                         "without --model_num and --model_dir: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX.")
    flags.DEFINE_integer("num_tasks", 1, "Number of tasks the sweep is split into (with --task_index).")
    flags.DEFINE_string("model_num_range", "", "Restrict --task_index sharding to START:STOP (STOP excluded).")
    flags.DEFINE_bool("visualize", True, "Write reconstructions, prior samples and latent traversals.")
    cli.define_flags(TrainConfig, __name__, only=TRAIN_OVERRIDES, optional=True,
                     suffix=" Default: the study's (results then differ from the paper).")
    cli.define_flags(EvaluationConfig, __name__, only=EVALUATION_OVERRIDES, optional=True,
                     suffix=" Default: the study's.")


def main(argv):
    del argv
    sweep = studies.get(FLAGS.study)
    _task_index_from_scheduler()
    _check_mode()
    if FLAGS.model_num is not None:
        sweep.check_model_num(FLAGS.model_num)  # before loading TensorFlow, so a typo answers at once
    overrides = {name: value for name, value in cli.flag_values(TRAIN_OVERRIDES).items() if value is not None}
    evaluation = sweep.evaluation.replace(**{name: value for name, value in cli.flag_values(EVALUATION_OVERRIDES).items()
                                             if value is not None})
    if FLAGS.only_print:
        return _print_configs(sweep, overrides, evaluation)

    from disent_tf.study import reproduce

    if FLAGS.model_dir:
        explicit = any(FLAGS[name].present for name in EVALUATION_OVERRIDES) or not FLAGS.visualize
        reproduce.evaluate_existing(FLAGS.model_dir, FLAGS.output_dir, sweep, evaluation if explicit else None,
                                    visualize=FLAGS.visualize, data_dir=FLAGS.data_dir)
    elif FLAGS.model_num is not None:
        reproduce.reproduce_recording_failure(sweep, FLAGS.model_num, FLAGS.output_dir, overrides, evaluation,
                                              FLAGS.visualize)
    else:
        reproduce.run_shard(sweep, FLAGS.output_dir, FLAGS.task_index, FLAGS.num_tasks, FLAGS.model_num_range,
                            overrides, evaluation, FLAGS.visualize)


def _task_index_from_scheduler():
    """--task_index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX when no mode flag is given."""
    if any(getattr(FLAGS, name) is not None for name in ("model_num", "model_dir", "task_index")):
        return
    from disent_tf.study import sweep as sweeps

    index, variable = sweeps.task_index_from_environment(os.environ)
    if index is not None:
        FLAGS.task_index = index
        print(f"task_index {index} from {variable}", file=sys.stderr)


def _check_mode():
    given = [name for name in ("model_num", "model_dir", "task_index") if getattr(FLAGS, name) is not None]
    if len(given) != 1:
        raise UserError("pass exactly one of --model_num=N, --task_index=I (with --num_tasks=K) or "
                        f"--model_dir=<run>; got {', '.join('--' + g for g in given) or 'none'}.")
    if FLAGS.only_print and FLAGS.model_dir:
        raise UserError("--only_print works with --model_num or --task_index; drop it to score --model_dir.")


def _print_configs(sweep, overrides, evaluation):
    from disent_tf.study import reproduce, sweep as sweeps

    if FLAGS.model_num is not None:
        model_nums = [sweep.check_model_num(FLAGS.model_num)]
    else:
        model_nums = sweeps.shard(sweeps.parse_range(FLAGS.model_num_range, sweep), FLAGS.task_index,
                                  FLAGS.num_tasks)
    for model_num in model_nums:
        _, config = reproduce.model_config(sweep, model_num, FLAGS.output_dir, overrides)
        record = reproduce.config_record(sweep.name, model_num, config, sweep.swept_hparam(model_num),
                                         evaluation.record())
        print(json.dumps(record, indent=2, sort_keys=True))


def run():
    define_flags()
    cli.run(main)
