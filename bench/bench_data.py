#!/usr/bin/env python3
"""Images/s of the training input pipeline (default: embedded dsprites_full, batch 64).

Usage: python bench/bench_data.py [--dataset=dsprites_full] [--batch_size=64] [--batches=500]
Prints one line per data set; the numpy sampler alone is measured too, for reference.
"""

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from disent_tf import data  # noqa: E402
from disent_tf.data import pipeline  # noqa: E402


def pipeline_rate(dataset, batch_size, batches, warmup=20):
    iterator = iter(pipeline.training_dataset(dataset, batch_size, seed=0))
    for _ in range(warmup):
        next(iterator)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", help="data set name (repeatable)")
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=500)
    args = parser.parse_args()
    for name in args.dataset or ["dsprites_full"]:
        dataset = data.get(name, args.data_dir)
        rate = pipeline_rate(dataset, args.batch_size, args.batches)
        sampler = numpy_rate(dataset, args.batch_size, max(1, args.batches // 5))
        print(f"{name}: training_dataset {rate:,.0f} images/s at batch {args.batch_size} "
              f"(numpy sample() {sampler:,.0f} images/s; source: {dataset.data_source})")


if __name__ == "__main__":
    main()
