"""bin/evaluate_udr: rank a set of models of one setting with UDR (Duan et al., ICLR 2020), no labels used.

    bin/evaluate_udr --export_dirs=output/0/export/0/1,output/1/export/1/1,output/2/export/2/1
    bin/evaluate_udr --export_dirs='output/*/export/*/1' --output=udr.json   # every model of a sweep's folder

UDR scores each model by how well its latents agree, one to one, with those
of the other models trained with the same hyperparameters; pass the exports
of one setting (seeds of one method and strength). Writes one JSON with one
score per model and prints a table. See docs/metrics.md and docs/study.md.
"""

from absl import flags

from disent_tf import cli, records
from disent_tf.errors import UserError

FLAGS = flags.FLAGS


def define_flags():
    """Defines the tool's flags; `run` calls it, so importing the module (as tests do) defines none."""
    flags.DEFINE_list("export_dirs", None, "SavedModel folders of the models to rank (comma list; globs allowed).")
    flags.DEFINE_string("dataset", None, "Data set; default: the one recorded in the first export.")
    flags.DEFINE_string("data_dir", None, "Folder with the data set files (default: $DISENT_TF_DATA).")
    flags.DEFINE_enum("correlation", "lasso", ["lasso", "spearman"], "UDR's correlation matrix (the paper: lasso).")
    flags.DEFINE_integer("num_data_points", 1000, "Observations every model encodes (disentanglement_lib: 1000).")
    flags.DEFINE_integer("seed", 0, "Seed of the observations' RandomState.")
    flags.DEFINE_string("output", "udr.json", "Results JSON: one UDR score per model.")


def main(argv):
    del argv
    results = run_job(FLAGS.export_dirs or [], FLAGS.output, dataset=FLAGS.dataset, data_dir=FLAGS.data_dir,
                      correlation=FLAGS.correlation, num_data_points=FLAGS.num_data_points, seed=FLAGS.seed)
    for model in results["models"]:
        print(f"{model['udr']:8.4f}  {model['num_active_dims']:3d} active  {model['export_dir']}")
    print(f"wrote {FLAGS.output}")


def run_job(export_dirs, output, dataset=None, data_dir=None, correlation="lasso", num_data_points=1000, seed=0):
    """UDR of every export in `export_dirs` (globs expanded), written to `output`; returns the results."""
    from disent_tf import data as data_lib
    from disent_tf.export import reader
    from disent_tf.run_folder import gfile

    export_dirs = [path for pattern in export_dirs for path in (sorted(gfile().glob(pattern)) or [pattern])]
    if len(export_dirs) < 2:
        raise UserError(f"UDR ranks models against each other and needs at least two exports, got "
                        f"{len(export_dirs)}; pass --export_dirs=<first>,<second>,...")
    export_dirs = [reader.resolve_export_dir(path) for path in export_dirs]
    metadata = [reader.read_metadata(path, required=False) for path in export_dirs]
    sizes = {meta.get("num_latent") for meta in metadata if meta}
    if len(sizes) > 1:
        raise UserError(f"UDR compares latents one to one, but the exports have {sorted(sizes)} latents; "
                        "pass models with the same number of latents.")
    dataset = dataset or (metadata[0].get("dataset", {}).get("name") if metadata[0] else None)
    if not dataset:
        raise UserError("pass --dataset: the first export records no data set.")
    data = data_lib.get(dataset, data_dir=data_dir)
    # Only now, with every input checked: these load TensorFlow and scikit-learn.
    import numpy as np

    from disent_tf.evaluation import representation
    from disent_tf.evaluation.evaluate import data_description
    from disent_tf.evaluation.udr import compute_udr

    encoders = [representation.from_saved_model(path) for path in export_dirs]
    scores = compute_udr(data, encoders, np.random.RandomState(seed), num_data_points=num_data_points,
                         correlation_matrix=correlation)
    results = {"metric": "udr", "correlation_matrix": correlation, "num_data_points": num_data_points, "seed": seed,
               "models": [dict(score, export_dir=path) for path, score in zip(export_dirs, scores)],
               "data": data_description(data), "versions": records.library_versions()}
    records.write_json(output, results, sort_keys=False)
    return results


def run():
    define_flags()
    cli.run(main)
