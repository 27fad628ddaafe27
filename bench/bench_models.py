#!/usr/bin/env python3
"""Training throughput of every method at batch 64 (the weak ones: 64 pairs): eager vs tf.function vs XLA.

The semi-supervised ones step on 64 unlabelled and 64 labelled images (100
labelled dSprites, perfect labels, xent). Prints one table (median steps/s
over windows of --window_steps steps after warm-up); with --s2_rounds N, each
S2 method's step time against its unsupervised method's, the two stepped in
alternating windows (N rounds) so that load from other processes hits both
alike (the CPU-time ratio, the process's CPU seconds per step, moves least
with other processes' load); and with --torch_python, the ratio of our beta_vae tf.function step
to the plain PyTorch baseline /work/shared/bench/torch_vae.py, run interleaved
with ours so that load from other processes hits both alike.

    python bench/bench_models.py
    python bench/bench_models.py --methods beta_vae --modes function \
        --torch_python .venv-torch/bin/python --torch_rounds 3
    python bench/bench_models.py --methods --s2_rounds 5    # only the S2 / unsupervised step-time ratios
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from disent_tf import data, models  # noqa: E402
from disent_tf.data import pairs  # noqa: E402
from disent_tf.models import hparams  # noqa: E402

BATCH = 64
MODES = ("eager", "function", "jit")
DEFAULT_TORCH_SCRIPT = "/work/shared/bench/torch_vae.py"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="*", default=models.names(), choices=models.names())
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--window_steps", type=int, default=50)
    parser.add_argument("--torch_python", default=None, help="python of a venv with torch (see shared/bench/README.md)")
    parser.add_argument("--torch_script", default=DEFAULT_TORCH_SCRIPT)
    parser.add_argument("--torch_rounds", type=int, default=3)
    parser.add_argument("--s2_rounds", type=int, default=0,
                        help="rounds of alternating S2 / unsupervised windows (0: skip the comparison)")
    return parser.parse_args()


# Each semi-supervised method and the unsupervised method it adds its supervised loss to.
S2_BASES = {"s2_beta_vae": "beta_vae", "s2_factor_vae": "factor_vae", "s2_dip_vae_i": "dip_vae_i",
            "s2_dip_vae_ii": "dip_vae_ii", "s2_beta_tc_vae": "beta_tc_vae", "supervised": "beta_vae"}


def binary_batches(num_batches=50, seed=0):
    """Random binary images (10% ones), as torch_vae.py uses."""
    rng = np.random.RandomState(seed)
    return [tf.constant((rng.rand(BATCH, 64, 64, 1) > 0.9).astype(np.float32)) for _ in range(num_batches)]


class Trainer:
    """One model with one Adam per loss group, stepped in the chosen mode."""

    def __init__(self, method, mode):
        self.model = models.get(method)
        if method in hparams.LABELLED_METHODS:
            self.model.check_training_data(data.get("dsprites_full"))
        self.groups = self.model.optimizer_groups()
        self.optimizers = {group.name: keras.optimizers.Adam(1e-4) for group in self.groups}
        for group in self.groups:
            self.optimizers[group.name].build(group.variables)
        self.step_fn = self._step if mode == "eager" else tf.function(self._step, jit_compile=(mode == "jit"))
        self.step_number = 0

    def _step(self, images, step_number):
        with tf.GradientTape(persistent=True) as tape:
            losses = self.model.compute_losses(images, step_number)
        for group in self.groups:
            gradients = tape.gradient(losses[group.loss], group.variables)
            self.optimizers[group.name].apply_gradients(zip(gradients, group.variables))
        return losses["loss"]

    def run(self, batches, steps):
        for _ in range(steps):
            loss = self.step_fn(batches[self.step_number % len(batches)], tf.constant(self.step_number, tf.int64))
            self.step_number += 1
        return float(loss)  # waits for the last step

    def windows(self, batches, windows, window_steps):
        rates = []
        for _ in range(windows):
            start = time.perf_counter()
            self.run(batches, window_steps)
            rates.append(window_steps / (time.perf_counter() - start))
        return rates


def pair_batches(num_batches=20, seed=0):
    """Batches of 64 dSprites pairs (k = 1), as the weakly-supervised methods train on."""
    dataset = pairs.pair_training_dataset(data.get("dsprites_full"), BATCH, seed, k=1)
    return [{key: tf.constant(value) for key, value in batch.items()} for batch in dataset.take(num_batches)]


def labelled_batches(num_batches=20, seed=0):
    """Batches of 64 unlabelled dSprites and 64 of 100 labelled ones, as the semi-supervised methods train on."""
    model = models.get("s2_beta_vae")
    dataset = model.training_dataset(data.get("dsprites_full"), BATCH, seed)
    return [{key: tf.constant(value) for key, value in batch.items()} for batch in dataset.take(num_batches)]


def batches_of(method, batches, weak_batches, s2_batches):
    if method in hparams.WEAK_METHODS:
        return weak_batches
    return s2_batches if method in hparams.LABELLED_METHODS else batches


def bench_table(args, batches):
    rows = []
    weak_batches = pair_batches() if set(args.methods) & set(hparams.WEAK_METHODS) else None
    s2_batches = labelled_batches() if set(args.methods) & set(hparams.LABELLED_METHODS) else None
    for method in args.methods:
        for mode in args.modes:
            method_batches = batches_of(method, batches, weak_batches, s2_batches)
            trainer = Trainer(method, mode)
            start = time.perf_counter()
            trainer.run(method_batches, 1)
            first_step = time.perf_counter() - start
            trainer.run(method_batches, args.warmup - 1)
            rates = trainer.windows(method_batches, args.windows, args.window_steps)
            rows.append((method, mode, statistics.median(rates), first_step, rates))
            print(f"  {method:12s} {mode:8s} {statistics.median(rates):7.2f} steps/s", file=sys.stderr, flush=True)
    return rows


def print_table(rows):
    print(f"{'method':12s} {'mode':8s} {'steps/s':>8s} {'examples/s':>10s} {'first step s':>12s}  windows")
    for method, mode, median, first_step, rates in rows:
        windows = ", ".join(f"{r:.2f}" for r in rates)
        print(f"{method:12s} {mode:8s} {median:8.2f} {median * BATCH:10.1f} {first_step:12.1f}  [{windows}]")


def compare_s2(args, batches):
    """Each S2 method's step time over its unsupervised method's: alternating windows, ratio of the medians."""
    s2_batches = labelled_batches()
    print(f"\n{'S2 method':15s} {'steps/s':>8s} {'unsupervised':14s} {'steps/s':>8s} {'step time ratio':>15s} "
          f"{'median of rounds':>16s} {'CPU time':>9s}")
    for s2_method, base in S2_BASES.items():
        s2_trainer, base_trainer = Trainer(s2_method, "function"), Trainer(base, "function")
        s2_trainer.run(s2_batches, args.warmup)
        base_trainer.run(batches, args.warmup)
        s2_rates, base_rates, s2_cpu, base_cpu = [], [], [], []
        for _ in range(args.s2_rounds):
            cpu = time.process_time()
            base_rates += base_trainer.windows(batches, 1, args.window_steps)
            base_cpu.append(time.process_time() - cpu)
            cpu = time.process_time()
            s2_rates += s2_trainer.windows(s2_batches, 1, args.window_steps)
            s2_cpu.append(time.process_time() - cpu)
        s2_median, base_median = statistics.median(s2_rates), statistics.median(base_rates)
        # Adjacent windows share the machine's load of the moment: the median of their ratios is the steadier figure.
        rounds = [b / s for b, s in zip(base_rates, s2_rates)]
        print(f"{s2_method:15s} {s2_median:8.2f} {base:14s} {base_median:8.2f} {base_median / s2_median:15.2f} "
              f"{statistics.median(rounds):16.2f} {sum(s2_cpu) / sum(base_cpu):9.2f}  "
              f"(per round: {', '.join(f'{r:.2f}' for r in rounds)})", flush=True)


def torch_windows(args):
    command = [args.torch_python, args.torch_script, "--mode", "eager", "--windows", str(args.windows),
               "--window-steps", str(args.window_steps), "--warmup", str(args.warmup)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[len("RESULT "):])
    return result["window_steps_per_s"]


def compare_with_torch(args, batches):
    """Alternates torch and our beta_vae tf.function windows; ratio of the medians."""
    ours, theirs = [], []
    trainer = Trainer("beta_vae", "function")
    trainer.run(batches, args.warmup)
    for round_index in range(args.torch_rounds):
        theirs += torch_windows(args)
        ours += trainer.windows(batches, args.windows, args.window_steps)
        print(f"  round {round_index}: torch {theirs[-args.windows:]} ours {[round(r, 3) for r in ours[-args.windows:]]}",
              file=sys.stderr, flush=True)
    ours_median, torch_median = statistics.median(ours), statistics.median(theirs)
    print(f"\nbeta_vae tf.function {ours_median:.2f} steps/s vs PyTorch eager {torch_median:.2f} steps/s "
          f"(median of {len(ours)} interleaved windows each): ratio ours/torch = {ours_median / torch_median:.2f}")


def main():
    args = parse_args()
    batches = binary_batches()
    print(f"TF {tf.__version__}, Keras {keras.__version__}, batch {BATCH}, windows {args.windows} x "
          f"{args.window_steps} steps after {args.warmup} warm-up steps", flush=True)
    if args.modes and args.methods:
        print_table(bench_table(args, batches))
    if args.s2_rounds:
        compare_s2(args, batches)
    if args.torch_python:
        compare_with_torch(args, batches)


if __name__ == "__main__":
    main()
