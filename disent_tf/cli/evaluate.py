"""bin/evaluate: score a representation with the study's disentanglement metrics.

    bin/evaluate --export_dir=exported/beta_vae_dsprites_full_seed0/1
    bin/evaluate --export_dir=... --representation=both --metrics=mig,dci
    bin/evaluate --serving_url=http://localhost:8501/v1/models/NAME --dataset=dsprites_full --output=r.json
    bin/evaluate --codes=codes.npy --dataset=shapes3d --output=r.json
    bin/evaluate --export_dir=... --sample_scale=0.01     # quick check, not comparable with the paper

Writes one results JSON per representation (default next to the export:
<export>/../evaluation/<version>/<representation>.json) and prints a table.
See docs/evaluation.md and docs/metrics.md.
"""

import contextlib
import json
import posixpath

from absl import flags

from disent_tf import cli, locks, records
from disent_tf.errors import UserError
from disent_tf.evaluation.config import EvaluationConfig
from disent_tf.evaluation.metrics import names as metric_names

CONFIG_FLAGS = cli.field_names(EvaluationConfig)
FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    cli.define_flags(EvaluationConfig, __name__, helps={
        "metrics": "all (the study's metrics), extended (every metric), or a comma list of metric names and groups: "
                   f"{', '.join(metric_names())} (docs/metrics.md)."})
    flags.DEFINE_string("export_dir", None, "SavedModel folder (a version folder, or its parent: the highest version).")
    flags.DEFINE_string("serving_url", None, "TF Serving REST model URL, e.g. http://localhost:8501/v1/models/NAME.")
    flags.DEFINE_string("codes", None, ".npy code table: one row of codes per grid index of --dataset.")
    flags.DEFINE_string("dataset", None, "Data set; default: the one recorded in the export (required otherwise).")
    flags.DEFINE_string("data_dir", None, "Folder with the data set files (default: $DISENT_TF_DATA).")
    flags.DEFINE_string("output", None, "Results JSON (one --representation only).")
    flags.DEFINE_string("output_dir", None, "Folder for <representation>.json results.")
    # Few-label model selection (Locatello et al. 2020; evaluation/few_labels.py).
    flags.DEFINE_integer("num_labelled_samples", None, "Also score MIG, DCI and SAP on this many labelled samples "
                         "only (few-label model selection; the paper: 100 or 1000). Default: a semi-supervised "
                         "model's own labelled set, none for other models; 0: off.")
    flags.DEFINE_enum("labeller", None, ["perfect", "binned", "noisy", "permuted", "partial"],
                      "Labeller of the few-label set (default: the model's, else perfect).")
    flags.DEFINE_integer("supervised_seed", None, "Seed of the few-label set (default: the model's, else 0).")
    flags.DEFINE_float("train_percentage", None, "Fraction of the few-label set that fits DCI and SAP; the rest "
                       "tests them (default: the model's, else 0.9).")


def main(argv):
    del argv
    config = EvaluationConfig(**cli.flag_values(CONFIG_FLAGS))
    few_labels = {name: FLAGS[name].value for name in ("num_labelled_samples", "labeller", "supervised_seed",
                                                        "train_percentage")}
    run_job(config, export_dir=FLAGS.export_dir, serving_url=FLAGS.serving_url, codes=FLAGS.codes,
            dataset=FLAGS.dataset, data_dir=FLAGS.data_dir, output=FLAGS.output, output_dir=FLAGS.output_dir,
            few_labels=few_labels)


def run_job(config, export_dir=None, serving_url=None, codes=None, dataset=None, data_dir=None, output=None,
            output_dir=None, progress=print, few_labels=None):
    """Loads the representation and data set, scores them, writes and prints results; returns {kind: results}.

    Every input is checked before any work starts; results files appear only
    once every kind has been scored.
    """
    from disent_tf.export import reader

    sources = [name for name, value in (("--export_dir", export_dir), ("--serving_url", serving_url),
                                        ("--codes", codes)) if value]
    if len(sources) != 1:
        raise UserError("pass exactly one of --export_dir, --serving_url or --codes "
                        f"(got {', '.join(sources) if sources else 'none'}).")
    kinds = config.representations
    if output and len(kinds) > 1:
        raise UserError("--output names one file; with --representation=both pass --output_dir instead.")
    metadata = reader.read_metadata(export_dir, required=False) if export_dir else {}
    dataset = dataset or metadata.get("dataset", {}).get("name")
    if not dataset:
        raise UserError("pass --dataset: " + ("the export records no data set." if export_dir
                                               else "a served model or a code table does not say which data set."))
    setup = _few_label_setup(metadata, few_labels or {})
    if setup and codes:
        raise UserError("few-label scores encode their own labelled images: pass --export_dir or --serving_url, "
                        "or drop --num_labelled_samples.")
    from disent_tf.evaluation import representation

    # Read before the output checks: a bad table (a folder, a .npz, objects) is the problem to report.
    code_table = representation.load_code_table(codes) if codes else None
    paths = _output_paths(kinds, output, output_dir, export_dir)
    inputs = (codes, reader.resolve_export_dir(export_dir) if export_dir else None)
    for path in paths.values():
        records.check_replaceable(path, _is_results_file, inputs)

    from disent_tf import data as data_lib
    from disent_tf.evaluation import evaluate

    data = data_lib.get(dataset, data_dir=data_dir)
    evaluate.check_data(data, config)
    if setup:
        from disent_tf.evaluation import few_labels as few_labels_lib

        few_labels_lib.check_data(setup, data)
    folders = sorted({posixpath.dirname(path) or "." for path in paths.values()})
    for folder in folders:
        records.check_writable(folder)
    with contextlib.ExitStack() as held:
        for folder in folders:
            held.enter_context(locks.FolderLock(folder, progress or print))
        return _score(config, paths, metadata, data, export_dir, serving_url, codes, code_table, progress, setup)


def _few_label_setup(metadata, given):
    """The few-label setup: the exported model's own labelled set (if it has one) with the flags given."""
    from disent_tf.evaluation import few_labels

    train_config = metadata.get("config") or {}
    model_setup = few_labels.setup_of(train_config.get("model"), train_config.get("hparams") or {})
    return few_labels.resolve(model_setup, **given)


def _score(config, paths, metadata, data, export_dir, serving_url, codes, code_table, progress, setup=None):
    from disent_tf.evaluation import evaluate, representation

    kinds = config.representations
    if export_dir:
        encoder = representation.from_saved_model(export_dir, kinds[0] if len(kinds) == 1 else "sampled",
                                                  config.batch_size)
    elif serving_url:
        encoder = representation.from_serving(serving_url, kinds[0], min(config.batch_size, 256))
    else:
        encoder = code_table
    results = evaluate.evaluate(data, encoder, config, progress=progress)
    if setup:
        from disent_tf.evaluation import few_labels

        few = few_labels.few_label_scores(data, getattr(encoder, "encoder", encoder), setup, kinds,
                                          num_workers=config.num_workers or 1, gbt_backend=config.gbt_backend)
        for kind in kinds:
            results[kind]["few_labels"] = few[kind]
    source = {"export_dir": export_dir, "serving_url": serving_url, "codes": codes}
    for kind in kinds:
        results[kind]["source"] = {k: v for k, v in source.items() if v}
        if metadata:
            results[kind]["export_metadata"] = metadata
    for kind in kinds:
        records.write_json(paths[kind], results[kind], sort_keys=False)
    if progress:
        progress(evaluate.format_table(results))
        for kind in kinds:
            if "few_labels" in results[kind]:
                progress(_format_few_labels(kind, results[kind]["few_labels"]))
        for kind in kinds:
            progress(f"wrote {paths[kind]}")
        if not config.comparable_with_study:
            progress(f"note: --sample_scale={config.sample_scale}: these numbers are not comparable with the study.")
    return results


def _format_few_labels(kind, few):
    setup, metrics = few["setup"], few["metrics"]
    values = ", ".join(f"{metric}.{key} {value:.3f}" for metric, scores in metrics.items()
                       for key, value in scores.items())
    return (f"few labels ({kind}; {setup['num_labelled_samples']} samples, {setup['labeller']} labeller, "
            f"seed {setup['supervised_seed']}): {values}")


def _is_results_file(content):
    """True for the bytes of a results JSON bin/evaluate wrote (it may be replaced)."""
    try:
        value = json.loads(content)
    except ValueError:
        return False
    return isinstance(value, dict) and {"representation", "metrics", "versions"} <= set(value)


def _output_paths(kinds, output, output_dir, export_dir):
    from disent_tf.export import reader

    if output:
        return {kinds[0]: output}
    if not output_dir:
        if export_dir:
            version_dir = reader.resolve_export_dir(export_dir)
            output_dir = posixpath.join(posixpath.dirname(version_dir), "evaluation", posixpath.basename(version_dir))
        else:
            output_dir = "evaluation"
    return {kind: posixpath.join(output_dir, f"{kind}.json") for kind in kinds}


def run():
    define_flags()
    cli.run(main)
