#!/usr/bin/env python3
"""Does mixed_bfloat16 train the same model? bf16 runs against the seed-to-seed spread of float32 runs.

    python bench/compare_precision.py [--models beta_vae,factor_vae] [--seeds 0,1,2] [--bf16_seeds 0]
        [--steps 5000] [--jobs 2]

For each model: bin/train in float32 for every seed and in mixed_bfloat16
for the first seed, or for --bf16_seeds (same seeds, same steps), each
exported and scored by bin/evaluate (the quick start's full protocol, mean
representation). Prints one row per run (train ELBO on the 1,000 fresh
evaluation batches, the headline score of each metric) and, per model, the
float32 range, mean and standard deviation next to each bfloat16 value in
units of that deviation (and the bfloat16 spread, for several seeds).
Runs go --jobs at a time, each TensorFlow on cores / jobs threads; a run
whose results exist is not repeated, so a killed comparison resumes.
"""

import argparse
import concurrent.futures
import json
import os
import pathlib
import statistics
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
# (label, metric, key) of the score each row shows.
SCORES = (
    ("betavae", "beta_vae", "eval_accuracy"),
    ("factorvae", "factor_vae", "eval_accuracy"),
    ("mig", "mig", "discrete_mig"),
    ("dci", "dci", "disentanglement"),
    ("sap", "sap", "SAP_score"),
    ("modularity", "modularity", "modularity_score"),
    ("gbt10k", "downstream_gbt", "10000:mean_test_accuracy"),
    ("tc", "unsupervised", "gaussian_total_correlation"),
)


def run_one(model, seed, precision, args, threads):
    """Trains, exports and scores one run (unless done before); returns its row."""
    name = f"{model}_{precision}_seed{seed}"
    run_dir = pathlib.Path(args.output_dir) / name
    export_dir = pathlib.Path(args.output_dir) / "exported" / name / "1"
    scores_file = pathlib.Path(args.output_dir) / "exported" / name / "evaluation" / "1" / "mean.json"
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": str(threads), "TF_CPP_MIN_LOG_LEVEL": "2"}
    if not scores_file.exists():
        if not export_dir.exists():
            subprocess.run([str(REPO / "bin" / "train"), f"--model={model}", f"--seed={seed}", f"--steps={args.steps}",
                            f"--precision={precision}", f"--output_dir={run_dir}", f"--export_dir={export_dir}"],
                           check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([str(REPO / "bin" / "evaluate"), f"--export_dir={export_dir}", "--representation=mean",
                        f"--num_workers={threads}"], check=True, env=env, stdout=subprocess.DEVNULL)
    train = json.loads((run_dir / "train_results.json").read_text())
    metrics = json.loads(scores_file.read_text())["metrics"]
    row = {"model": model, "precision": precision, "seed": seed, "elbo": train["evaluation"]["means"]["elbo"],
           "steps_per_s": train["steps_per_s"]}
    row.update({label: metrics[metric][key] for label, metric, key in SCORES})
    return row


def summarize(rows, columns):
    """Per model: the float32 rows' min, max, mean, std and each bf16 row's distance in stds (and the bf16 spread)."""
    for model in dict.fromkeys(row["model"] for row in rows):
        fp32 = [row for row in rows if row["model"] == model and row["precision"] == "float32"]
        bf16 = [row for row in rows if row["model"] == model and row["precision"] == "mixed_bfloat16"]
        if len(fp32) < 2 or not bf16:
            continue
        print(f"\n{model}: float32 over {len(fp32)} seeds vs mixed_bfloat16 seeds "
              f"{', '.join(str(row['seed']) for row in bf16)}")
        for column in columns:
            values = [row[column] for row in fp32]
            mean, std = statistics.mean(values), statistics.stdev(values)
            print(f"  {column:11s} fp32 [{min(values):.4g}, {max(values):.4g}] mean {mean:.4g} std {std:.3g}")
            for row in bf16:
                other = row[column]
                inside = "inside" if min(values) <= other <= max(values) else "outside"
                distance = abs(other - mean) / std if std else float("inf")
                print(f"  {'':11s} bf16 seed {row['seed']}: {other:.4g} ({inside} the range, {distance:.2f} std "
                      "from the mean)")
            if len(bf16) > 1:
                others = [row[column] for row in bf16]
                print(f"  {'':11s} bf16 [{min(others):.4g}, {max(others):.4g}] mean {statistics.mean(others):.4g} "
                      f"std {statistics.stdev(others):.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="beta_vae,factor_vae")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--bf16_seeds", help="Seeds of the mixed_bfloat16 runs (default: the first of --seeds).")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="TensorFlow threads per run (default: cores / jobs)")
    parser.add_argument("--output_dir", default="runs/compare_precision")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs = [(model, seed, "float32") for model in args.models.split(",") for seed in seeds]
    bf16_seeds = [int(seed) for seed in args.bf16_seeds.split(",")] if args.bf16_seeds else seeds[:1]
    runs += [(model, seed, "mixed_bfloat16") for model in args.models.split(",") for seed in bf16_seeds]
    threads = args.threads or max(1, (os.cpu_count() or 1) // args.jobs)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda run: run_one(*run, args, threads), runs))
    columns = ["elbo"] + [label for label, _, _ in SCORES]
    print(" ".join(f"{name:>10s}" for name in ["model", "precision", "seed", "steps/s"] + columns))
    for row in rows:
        print(" ".join([f"{row['model'][:10]:>10s}", f"{row['precision'][:10]:>10s}", f"{row['seed']:>10d}",
                        f"{row['steps_per_s']:>10.2f}"] + [f"{row[column]:>10.4g}" for column in columns]))
    summarize(rows, columns)


if __name__ == "__main__":
    sys.exit(main())
