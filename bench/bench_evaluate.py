#!/usr/bin/env python3
"""Benchmark: the study's full evaluation protocol on embedded dSprites, fast path vs original protocol.

    python bench/bench_evaluate.py                       # fast path, then the original protocol (long)
    python bench/bench_evaluate.py --skip_baseline       # fast path only
    python bench/bench_evaluate.py --encode_grid         # encode the whole grid up front
    python bench/bench_evaluate.py --sample_scale=0.05   # a quick smoke run (not the study's counts)
    python bench/bench_evaluate.py --skip_baseline --metrics=fairness,reduced_downstream,strong_downstream,dci_es
                                                         # the later metrics over 30 s (docs/metrics.md, Timing)

Scores the mean representation of the conv encoder (an untrained
`models.get("beta_vae")`, exported as a SavedModel, or --export_dir) with
all metrics at the study's sample counts. Prints seconds per metric, the
total, images encoded and rendered, then the same for the original protocol
(no cache, one small batch per encoder call, serial fits, scikit-learn's
gradient boosting) and the largest difference between the two runs' scores.
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export_dir", help="SavedModel to score (default: an untrained beta_vae export).")
    parser.add_argument("--skip_baseline", action="store_true", help="Skip the slow original-protocol run.")
    parser.add_argument("--encode_grid", action="store_true", help="Encode the whole grid up front.")
    parser.add_argument("--metrics", default="all")
    parser.add_argument("--sample_scale", type=float, default=1.0)
    parser.add_argument("--num_workers", type=int, default=os.cpu_count())
    parser.add_argument("--json", help="Also write the figures to this JSON file.")
    args = parser.parse_args()

    from disent_tf import data as data_lib
    from disent_tf.evaluation import evaluate, representation
    from disent_tf.evaluation.config import EvaluationConfig

    tic = time.perf_counter()
    data = data_lib.get("dsprites_full")
    export_dir = args.export_dir or _untrained_export(data)
    print(f"setup (data set, export): {time.perf_counter() - tic:.1f} s; scoring {export_dir}")
    figures = {}
    runs = [("fast", dict(cache=True, num_workers=args.num_workers, encode_grid=args.encode_grid))]
    if not args.skip_baseline:
        runs.append(("original protocol", dict(cache=False, num_workers=1, gbt_backend="sklearn")))
    for label, options in runs:
        encoder = representation.from_saved_model(export_dir, "mean")
        cpu_before = _cpu_seconds()
        tic = time.perf_counter()
        config = EvaluationConfig(metrics=tuple(args.metrics.split(",")), sample_scale=args.sample_scale, **options)
        results = evaluate.evaluate(data, encoder, config, progress=print)["mean"]
        results["wall_seconds"] = time.perf_counter() - tic
        results["cpu_seconds"] = _cpu_seconds() - cpu_before
        figures[label] = results
        print(f"== {label}: total {results['wall_seconds']:.1f} s wall, {results['cpu_seconds']:.1f} s CPU "
              f"(this process and its workers; the machine's load shows in wall / CPU), images encoded "
              f"{results['images_encoded']}, rendered {results['images_rendered']}, cache {results['cache']}, "
              f"workers {results['num_workers']}, load average {os.getloadavg()[0]:.1f}")
        for name, seconds in results["seconds"].items():
            print(f"   {name:<15} {seconds:8.1f} s")
    if len(figures) == 2:
        fast, slow = figures["fast"]["metrics"], figures["original protocol"]["metrics"]
        differences = {f"{name}.{key}": abs(value - slow[name][key])
                       for name in fast for key, value in fast[name].items()}
        differing = {key: value for key, value in differences.items() if value != 0}
        print(f"scores: {len(differences) - len(differing)} of {len(differences)} identical"
              + (f"; largest difference {max(differing.values()):.3g} ({max(differing, key=differing.get)})"
                 if differing else ""))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({k: {f: v[f] for f in ("seconds", "wall_seconds", "cpu_seconds", "images_encoded",
                                              "images_rendered", "metrics")} for k, v in figures.items()},
                      handle, indent=2)


def _cpu_seconds():
    """CPU seconds of this process and its live children (the fit workers); psutil if present."""
    try:
        import psutil
    except ImportError:
        return time.process_time()
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def _untrained_export(data):
    from disent_tf import models
    from disent_tf.export import saved_model
    from disent_tf.training.config import TrainConfig

    model = models.get("beta_vae", input_shape=data.observation_shape, num_latent=10)
    config = TrainConfig(model="beta_vae", dataset=data.name, output_dir=tempfile.mkdtemp())
    return saved_model.export(model, os.path.join(tempfile.mkdtemp(prefix="bench_evaluate_"), "beta_vae", "1"),
                              config, data)


if __name__ == "__main__":
    main()
