#!/usr/bin/env python3
"""model.fit against bin/train's loop: steps/s of the same model, batch and data, interleaved.

    python bench/bench_fit.py [--rounds 3] [--windows 5] [--model beta_vae]

Each round runs, one after the other in fresh processes: bin/train's loop
(trainer.train, 50 steps per call, the batch in slices on a CPU), model.fit
with steps_per_execution=50 (the batch whole, as a Keras user runs it), and
model.fit with the trainer's batch slices (`model.batch_chunks`, set as the
trainer sets it). Each run's speed is the median over windows of 50 steps
after a warm-up window (tracing), at batch 64 on the embedded dSprites in
float32. Prints each run, the medians over rounds and fit's ratio to the loop.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
WINDOW = 50
BATCH = 64
RUNS = ("loop", "fit", "fit_slices")


def worker(args):
    """Runs inside a child process: trains one way and prints RESULT {json}."""
    sys.path.insert(0, str(REPO))
    from disent_tf.training import strategy
    from disent_tf.training.config import TrainConfig

    steps = WINDOW * (args.windows + 1)
    config = TrainConfig(model=args.model, batch_size=BATCH, steps=steps, log_every=WINDOW, summary_every=WINDOW,
                         checkpoint_every=steps, image_summary_every=0, eval_batches=0)
    # Before TensorFlow starts (the trainer does the same): one thread per op with slices.
    chunks = strategy.prepare_batch_chunks(config, lambda line: None) if args.worker != "fit" else 1
    marks = []
    if args.worker == "loop":
        from disent_tf.training import trainer

        with tempfile.TemporaryDirectory() as output_dir:
            trainer.train(config.replace(output_dir=output_dir), log=lambda line: marks.append(time.perf_counter()))
    else:
        import keras

        from disent_tf import data, models
        from disent_tf.training import inputs

        dsprites = data.get(config.dataset)
        model = models.get(args.model, seed=config.seed)
        model.batch_chunks = chunks
        model.compile(steps_per_execution=WINDOW)

        class Marks(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                marks.append(time.perf_counter())

        batches = model.training_dataset(dsprites, BATCH, inputs.segment_seed(config.seed, 0))
        model.fit(batches, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[Marks()])
    rates = [WINDOW / (later - earlier) for earlier, later in zip(marks, marks[1:])]
    print("RESULT " + json.dumps({"run": args.worker, "batch_chunks": chunks,
                                  "window_steps_per_s": [round(rate, 2) for rate in rates],
                                  "steps_per_s": round(statistics.median(rates), 2)}), flush=True)


def run(args, kind):
    command = [sys.executable, __file__, f"--worker={kind}", f"--windows={args.windows}", f"--model={args.model}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--model", default="beta_vae")
    parser.add_argument("--worker", choices=RUNS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    results = {kind: [] for kind in RUNS}
    for round_index in range(args.rounds):
        for kind in RUNS:
            result = run(args, kind)
            results[kind].append(result["steps_per_s"])
            print(f"round {round_index + 1} {kind:10s} {result['steps_per_s']:7.2f} steps/s "
                  f"(batch_chunks {result['batch_chunks']}; windows {result['window_steps_per_s']})", flush=True)
    loop = statistics.median(results["loop"])
    print(f"\n{args.model}, batch {BATCH}, float32, medians of {args.rounds} rounds:")
    for kind in RUNS:
        median = statistics.median(results[kind])
        print(f"  {kind:10s} {median:7.2f} steps/s  {median / loop:5.2f}x bin/train's loop")


if __name__ == "__main__":
    sys.exit(main())
