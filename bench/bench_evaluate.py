#!/usr/bin/env python3
"""Benchmark: the study's full evaluation protocol on embedded dSprites, fast path vs original protocol.

    python bench/bench_evaluate.py                       # both representations, then the original protocol (long)
    python bench/bench_evaluate.py --skip_baseline       # fast path only
    python bench/bench_evaluate.py --baseline_representation=mean   # original protocol on one representation
    python bench/bench_evaluate.py --encode_grid         # encode the whole grid up front
    python bench/bench_evaluate.py --sample_scale=0.05   # a quick smoke run (not the study's counts)
    python bench/bench_evaluate.py --skip_baseline --representation=mean \
        --metrics=fairness,reduced_downstream,strong_downstream,dci_es   # later metrics (docs/metrics.md, Timing)

Scores the conv encoder (an untrained `models.get("beta_vae")`, exported as
a SavedModel, or --export_dir) with all metrics at the study's sample counts,
as `bin/evaluate --representation=both` does. First it measures, alone, how
fast this machine renders dSprites (one core) and encodes them (all cores,
the SavedModel at the evaluation's batch size). Then it prints the fast
run's stages (render, encode, the rest of the drawing, each metric's fits in
worker CPU seconds), its wall time, and the floor those stages imply: their
work in core-seconds, rendering and encoding at the better of their speeds
alone and in the run, spread perfectly over the cores. Last, the original
protocol (no cache, each drawn batch encoded as it is drawn, serial fits,
scikit-learn's gradient boosting), its wall time against the fast run's,
and the largest difference between the two runs' scores.
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

ENCODER_MFLOP = 11.5  # per 64x64x1 image, counted from the layer shapes (docs/performance.md)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export_dir", help="SavedModel to score (default: an untrained beta_vae export).")
    parser.add_argument("--representation", default="both", choices=("mean", "sampled", "both"))
    parser.add_argument("--skip_baseline", action="store_true", help="Skip the slow original-protocol run.")
    parser.add_argument("--baseline_representation", choices=("mean", "sampled", "both"),
                        help="Representation(s) of the original-protocol run (default: --representation).")
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
    speeds = _stage_speeds(data, representation.from_saved_model(export_dir, "mean"))
    print(f"alone: render {speeds['render_images_per_s']:,.0f} images/s on one core, encode "
          f"{speeds['encode_images_per_s']:,.0f} images/s on {os.cpu_count()} cores "
          f"({speeds['encode_images_per_s'] * ENCODER_MFLOP / 1e3:.0f} GFLOP/s)")
    figures = {"alone": speeds}
    runs = [("fast", args.representation, dict(cache=True, num_workers=args.num_workers,
                                               encode_grid=args.encode_grid))]
    if not args.skip_baseline:
        runs.append(("original protocol", args.baseline_representation or args.representation,
                     dict(cache=False, num_workers=1, gbt_backend="sklearn")))
    for label, kinds, options in runs:
        encoder = representation.from_saved_model(export_dir, "mean")
        cpu_before = _cpu_seconds()
        tic = time.perf_counter()
        config = EvaluationConfig(metrics=tuple(args.metrics.split(",")), sample_scale=args.sample_scale,
                                  representation=kinds, **options)
        results = evaluate.evaluate(data, encoder, config, progress=print)
        wall = time.perf_counter() - tic
        figures[label] = {"representation": kinds, "wall_seconds": wall, "cpu_seconds": _cpu_seconds() - cpu_before,
                          "timing": next(iter(results.values()))["timing"],
                          "fit_seconds": {kind: r["fit_seconds"] for kind, r in results.items()},
                          "metrics": {kind: r["metrics"] for kind, r in results.items()}}
        figures[label]["floor_core_seconds"] = _floor_work(figures[label]["timing"], speeds)
        _print_run(label, figures[label])
    if len(figures) == 3:
        _print_comparison(figures["fast"], figures["original protocol"])
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


def _stage_speeds(data, encoder, num_images=16384, chunk=4096):
    """Render (numpy, this thread) and encode (SavedModel, all cores) speeds, each measured alone.

    In chunks of 4,096 images, as the code cache renders and encodes them.
    """
    import numpy as np

    # Sorted, as the cache renders the grid indices it has not seen (np.unique).
    indices = np.sort(np.random.default_rng(0).choice(data.num_observations, num_images + chunk, replace=False))
    encoder.encode(data.observations_at(indices[:chunk]))  # warm-up: the first call sets up the kernels
    render = encode = 0.0
    for start in range(chunk, num_images + chunk, chunk):
        tic = time.perf_counter()
        observations = data.observations_at(indices[start:start + chunk])
        render += time.perf_counter() - tic
        tic = time.perf_counter()
        encoder.encode(observations)
        encode += time.perf_counter() - tic
    return {"render_images_per_s": num_images / render, "encode_images_per_s": num_images / encode}


def _print_run(label, run):
    timing, cores = run["timing"], os.cpu_count()
    print(f"== {label} ({run['representation']}): {run['wall_seconds']:.1f} s wall, {run['cpu_seconds']:.1f} s CPU "
          f"(this process and its workers), load average {os.getloadavg()[0]:.1f}")
    work = run["floor_core_seconds"]
    print(f"   drawing           {timing['draw_wall_seconds']:8.1f} s wall: render {timing['render_seconds']:.1f} s "
          f"({timing['images_rendered']:,} images), encode {timing['encode_seconds']:.1f} s "
          f"({timing['images_encoded']:,} images, "
          f"{timing['images_encoded'] * ENCODER_MFLOP / 1e3 / max(timing['encode_seconds'], 1e-9):.0f} GFLOP/s), "
          f"the rest {work['draw (rest)']:.1f} s")
    print(f"   fitting           {timing['fit_wall_seconds']:8.1f} s wall, {timing['fit_seconds']:.1f} s in the "
          f"workers:")
    for kind, seconds in run["fit_seconds"].items():
        print("      " + ", ".join(f"{kind} {name} {value:.1f}" for name, value in seconds.items() if value))
    floor = sum(work.values()) / cores
    print(f"   floor             {floor:8.1f} s = (" + " + ".join(f"{k} {v:.1f}" for k, v in work.items())
          + f") core-s / {cores} cores; wall / floor = {run['wall_seconds'] / floor:.2f}")


def _floor_work(timing, speeds):
    """Core-seconds of each stage of a run: rendering and encoding at their best speed (alone or in the run)."""
    other_draw = timing["draw_wall_seconds"] - timing["render_seconds"] - timing["encode_seconds"]
    return {"render": min(timing["render_seconds"], timing["images_rendered"] / speeds["render_images_per_s"]),
            "encode": min(timing["encode_seconds"], timing["images_encoded"] / speeds["encode_images_per_s"])
                      * os.cpu_count(),
            "draw (rest)": max(other_draw, 0.0), "fits": timing["fit_seconds"]}


def _print_comparison(fast, slow):
    print(f"original protocol ({slow['representation']}) / fast ({fast['representation']}) wall = "
          f"{slow['wall_seconds'] / fast['wall_seconds']:.1f}x")
    differences = {f"{kind}.{name}.{key}": abs(value - slow["metrics"][kind][name][key])
                   for kind in slow["metrics"] for name, scores in fast["metrics"][kind].items()
                   for key, value in scores.items()}
    differing = {key: value for key, value in differences.items() if value != 0}
    print(f"scores: {len(differences) - len(differing)} of {len(differences)} identical"
          + (f"; largest difference {max(differing.values()):.3g} ({max(differing, key=differing.get)})"
             if differing else ""))


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
