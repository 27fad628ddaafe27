#!/usr/bin/env python3
"""Images/s of the training input and pairs/s of the weak pair input (default: embedded dsprites_full, batch 64).

Usage: python bench/bench_data.py [--dataset=dsprites_full ...] [--batch_size=64] [--k=1]
                                  [--rule=paper --rule=original] [--batches=100] [--windows=5]
Per data set, the single-image pipeline and the pair pipeline of each rule are
timed in alternating windows of `batches` batches (so a busy machine slows all
alike) and the median window is printed; a pair is two images, so pairs/s x 2
is the pair input's image rate. The numpy sampler alone is measured too, for
reference.
"""

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from disent_tf import data  # noqa: E402
from disent_tf.data import pairs  # noqa: E402
from disent_tf.data import pipeline  # noqa: E402


def window_rate(iterator, batches, batch_size):
    """Examples/s of `batches` batches drawn from `iterator`."""
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def numpy_rate(dataset, batch_size, batches):
    rng = np.random.RandomState(0)
    start = time.perf_counter()
    for _ in range(batches):
        dataset.sample(batch_size, rng)
    return batches * batch_size / (time.perf_counter() - start)


def interleaved_rates(iterators, batches, batch_size, windows):
    """{name: median examples/s} of the named iterators, timed in alternating windows after a warm-up."""
    for iterator in iterators.values():  # tracing and the prefetch buffers
        window_rate(iterator, 10, batch_size)
    rates = {name: [] for name in iterators}
    for _ in range(windows):
        for name, iterator in iterators.items():
            rates[name].append(window_rate(iterator, batches, batch_size))
    return {name: statistics.median(values) for name, values in rates.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", help="data set name (repeatable)")
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--k", type=int, default=1, help="changed factors per pair (-1: drawn per pair)")
    parser.add_argument("--rule", action="append", choices=pairs.RULES, help="pair rule (repeatable; default all)")
    parser.add_argument("--batches", type=int, default=100, help="batches per window")
    parser.add_argument("--windows", type=int, default=5)
    args = parser.parse_args()
    for name in args.dataset or ["dsprites_full"]:
        dataset = data.get(name, args.data_dir)
        iterators = {"images": iter(pipeline.training_dataset(dataset, args.batch_size, 0))}
        for rule in args.rule or pairs.RULES:
            iterators[rule] = iter(pairs.pair_training_dataset(dataset, args.batch_size, 0, k=args.k, rule=rule))
        rates = interleaved_rates(iterators, args.batches, args.batch_size, args.windows)
        sampler = numpy_rate(dataset, args.batch_size, args.batches)
        print(f"{name} batch {args.batch_size} (source: {dataset.data_source}; median of {args.windows} "
              f"interleaved windows of {args.batches} batches):")
        print(f"  training_dataset: {rates.pop('images'):,.0f} images/s (numpy sample(): {sampler:,.0f} images/s)")
        for rule, rate in rates.items():
            print(f"  pair_training_dataset k={args.k} rule={rule}: {rate:,.0f} pairs/s ({2 * rate:,.0f} images/s)")


if __name__ == "__main__":
    main()
