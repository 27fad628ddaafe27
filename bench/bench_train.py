#!/usr/bin/env python3
"""Throughput of the full trainer (input pipeline, distribution, bookkeeping) vs plain PyTorch.

    python bench/bench_train.py [--rounds 3] [--windows 5] [--jit]

Each round runs, one after the other (interleaved, because this machine
drifts 15-30% between runs), each in a fresh process:
../shared/bench/torch_vae.py in --mode eager and --mode compile, PyTorch's
bfloat16 autocast (bench/torch_bf16_autocast.py), a bare tf.function step of
beta_vae on one in-memory batch, a window of 50 steps per call (the trainer's
floor), then disent_tf's
trainer on beta_vae / embedded dSprites at batch 64 in float32 and in
mixed_bfloat16 (and with jit_compile, given --jit). A trainer run's speed is
the median over windows of 50 steps after a warm-up window (tracing), timed
by the progress callback, so the pipeline, summaries and checkpoint checks
are all inside the timing. Prints one line per run, the medians over rounds
and every ratio against PyTorch eager float32.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
WINDOW = 50


def trainer_worker(args):
    """Runs inside a child process: trains and prints RESULT {json}."""
    sys.path.insert(0, str(REPO))
    from disent_tf.training import trainer
    from disent_tf.training.config import TrainConfig

    marks = []
    steps = WINDOW * (args.windows + 1)
    with tempfile.TemporaryDirectory() as output_dir:
        config = TrainConfig(model="beta_vae", batch_size=args.batch, steps=steps, jit_compile=args.jit,
                             precision=args.precision,
                             strategy=args.strategy, log_every=WINDOW, summary_every=100, checkpoint_every=steps,
                             eval_batches=0, output_dir=output_dir,
                             **({} if args.steps_per_call is None else {"steps_per_call": args.steps_per_call}))
        results = trainer.train(config, log=lambda line: marks.append(time.perf_counter()))
    # marks[0] ends the warm-up window (it includes tracing); the rest are steady.
    rates = [WINDOW / (later - earlier) for earlier, later in zip(marks, marks[1:])]
    median = statistics.median(rates)
    print("RESULT " + json.dumps({
        "framework": "disent_tf", "jit_compile": args.jit, "strategy": results["strategy"],
        "steps_per_call": config.steps_per_call, "batch": args.batch, "precision": args.precision,
        "batch_chunks": results["batch_chunks"], "intra_op_threads": results["intra_op_threads"],
        "window_steps_per_s": [round(rate, 3) for rate in rates],
        "steps_per_s_median": round(median, 3), "images_per_s_median": round(median * args.batch, 1),
        "final_loss": round(results["last_batch_losses"]["loss"], 2)}), flush=True)


def bare_worker(args):
    """Runs inside a child process: the trainer's step on one in-memory batch, no trainer (bench/bare_step.py)."""
    sys.path.insert(0, str(REPO))
    import bare_step

    window, chunks = bare_step.build_window(WINDOW, batch=args.batch)
    rates = []
    for number in range(args.windows + 1):
        start = time.perf_counter()
        window(number * WINDOW).numpy()
        if number:  # the first window traces
            rates.append(WINDOW / (time.perf_counter() - start))
    median = statistics.median(rates)
    print("RESULT " + json.dumps({
        "framework": "tf.function", "batch_chunks": chunks, "window_steps_per_s": [round(rate, 3) for rate in rates],
        "steps_per_s_median": round(median, 3), "images_per_s_median": round(median * args.batch, 1)}), flush=True)


def run_child(command):
    done = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(lines[-1][len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--strategy", default="default")
    parser.add_argument("--steps_per_call", type=int, help="the trainer's (default: TrainConfig's)")
    parser.add_argument("--jit", action="store_true", help="also run the trainer with jit_compile=True (slower on CPUs)")
    parser.add_argument("--torch_python", default=str(REPO / ".venv-torch" / "bin" / "python"))
    parser.add_argument("--torch_script", default=str(REPO.parent / "shared" / "bench" / "torch_vae.py"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--precision", default="float32", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return trainer_worker(args)
    if args.bare:
        return bare_worker(args)

    have_torch = os.path.exists(args.torch_python) and os.path.exists(args.torch_script)
    if not have_torch:
        print(f"no PyTorch baseline: {args.torch_python} or {args.torch_script} is missing "
              "(see ../shared/bench/README.md)", file=sys.stderr)
    torch_flags = ["--batch", str(args.batch), "--windows", str(args.windows), "--window-steps", str(WINDOW)]
    worker = [sys.executable, __file__, "--worker", "--windows", str(args.windows), "--batch", str(args.batch),
              "--strategy", args.strategy]
    if args.steps_per_call is not None:
        worker += ["--steps_per_call", str(args.steps_per_call)]
    variants = {
        "torch eager": [args.torch_python, args.torch_script, "--mode", "eager"] + torch_flags,
        "torch compile": [args.torch_python, args.torch_script, "--mode", "compile"] + torch_flags,
        "torch bf16 autocast": [args.torch_python, str(REPO / "bench" / "torch_bf16_autocast.py"),
                                args.torch_script] + torch_flags,
        "bare step": [sys.executable, __file__, "--bare", "--windows", str(args.windows), "--batch", str(args.batch)],
        "trainer": worker,
        "trainer bf16": worker + ["--precision", "mixed_bfloat16"],
    }
    if args.jit:
        variants["trainer jit"] = worker + ["--jit"]
    if not have_torch:
        variants = {name: command for name, command in variants.items() if not name.startswith("torch")}
    medians = {name: [] for name in variants}
    for round_number in range(args.rounds):
        for name, command in variants.items():
            result = run_child(command)
            if result is None:
                print(f"round {round_number}: {name} failed", flush=True)
                continue
            medians[name].append(result["steps_per_s_median"])
            print(f"round {round_number}: {name:19s} {result['steps_per_s_median']:8.2f} steps/s "
                  f"{result['images_per_s_median']:9.1f} images/s  windows {result['window_steps_per_s']}",
                  flush=True)

    summary = {name: round(statistics.median(values), 3) for name, values in medians.items() if values}
    print("medians (steps/s): " + json.dumps(summary))
    if summary.get("torch eager"):
        for name in summary:
            if name != "torch eager":
                print(f"{name} / torch eager = {summary[name] / summary['torch eager']:.2f}x")
    if summary.get("bare step") and summary.get("trainer"):
        print(f"trainer / bare step = {summary['trainer'] / summary['bare step']:.2f}x")


if __name__ == "__main__":
    main()
