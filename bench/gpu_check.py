#!/usr/bin/env python3
"""One-shot GPU check of the trainer: steps/s and the projected time of the study's 300,000 steps.

    python bench/gpu_check.py [--steps 2000] [--budget_s 220]

Trains beta_vae on the embedded dSprites (batch 64) with the full trainer
under the default strategy and MirroredStrategy (all local GPUs), with and
without jit_compile, and with several steps per call. Each variant's speed is
the median over windows after the first (which includes tracing / XLA
compilation). Variants that fail are reported and skipped; variants left
when --budget_s is spent are skipped. Needs only TensorFlow and this checkout.
"""

import argparse
import json
import pathlib
import statistics
import sys
import tempfile
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

STUDY_STEPS = 300_000
VARIANTS = (
    # (strategy, jit_compile, steps_per_call)
    ("default", False, 1),
    ("default", True, 1),
    ("mirrored", False, 1),
    ("mirrored", True, 1),
    ("default", True, 50),
    ("mirrored", True, 50),
)


def measure(strategy, jit_compile, steps_per_call, steps, window):
    from disent_tf.training import trainer
    from disent_tf.training.config import TrainConfig

    marks = []
    with tempfile.TemporaryDirectory() as output_dir:
        config = TrainConfig(model="beta_vae", batch_size=64, steps=steps, strategy=strategy, jit_compile=jit_compile,
                             steps_per_call=steps_per_call, log_every=window, summary_every=100,
                             checkpoint_every=steps, output_dir=output_dir)
        start = time.perf_counter()
        results = trainer.train(config, log=lambda line: marks.append(time.perf_counter()))
        total = time.perf_counter() - start
    rates = [window / (later - earlier) for earlier, later in zip(marks, marks[1:])]
    median = statistics.median(rates) if rates else float("nan")
    return {
        "strategy": results["strategy"], "replicas": results["num_replicas"], "jit_compile": jit_compile,
        "steps_per_call": steps_per_call, "steps_per_s": round(median, 1),
        "images_per_s": round(64 * median, 0), "first_window_s": round(marks[0] - start, 1) if marks else None,
        "total_s": round(total, 1), "final_loss": round(results["final_losses"]["loss"], 1),
        "projected_300k_min": round(STUDY_STEPS / median / 60, 1) if median > 0 else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--window", type=int, default=250)
    parser.add_argument("--budget_s", type=float, default=220)
    args = parser.parse_args()

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    print(f"tensorflow {tf.__version__}, GPUs: {[gpu.name for gpu in gpus]}", flush=True)
    for gpu in gpus:
        print("  ", tf.config.experimental.get_device_details(gpu), flush=True)
    if not gpus:
        print("no GPU visible to TensorFlow; the numbers below are CPU numbers", flush=True)
    began = time.perf_counter()
    rows = []
    for strategy, jit_compile, steps_per_call in VARIANTS:
        label = f"{strategy:8s} jit={int(jit_compile)} steps_per_call={steps_per_call:<3d}"
        if time.perf_counter() - began > args.budget_s:
            print(f"{label} skipped (budget spent)", flush=True)
            continue
        try:
            row = measure(strategy, jit_compile, steps_per_call, args.steps, args.window)
        except Exception:  # noqa: BLE001 - report and go on to the next variant
            print(f"{label} FAILED\n{traceback.format_exc(limit=3)}", flush=True)
            continue
        rows.append(row)
        print(f"{label} {row['steps_per_s']:8.1f} steps/s  {row['images_per_s']:8.0f} images/s  "
              f"300k steps in {row['projected_300k_min']} min  (first window {row['first_window_s']} s, "
              f"loss {row['final_loss']})", flush=True)
    print("RESULT " + json.dumps(rows), flush=True)


if __name__ == "__main__":
    main()
