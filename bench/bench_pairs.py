#!/usr/bin/env python3
"""Pairs/s of the weak pair input next to images/s of the single-image input, at the same batch.

Usage: python bench/bench_pairs.py [--dataset=dsprites_full] [--batch_size=64] [--k=1] [--rule=paper]
                                   [--batches=100] [--windows=5]
The two pipelines are timed in alternating windows of `batches` batches each
(so a busy machine slows both alike) and the median of the windows is printed.
A pair is two images, so pairs/s x 2 is the pair input's image rate.
"""

import argparse
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from disent_tf import data  # noqa: E402
from disent_tf.data import pairs  # noqa: E402
from disent_tf.data import pipeline  # noqa: E402


def window_rate(iterator, batches, batch_size):
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="dsprites_full")
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--rule", default="paper", choices=pairs.RULES)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--windows", type=int, default=5)
    args = parser.parse_args()

    dataset = data.get(args.dataset, args.data_dir)
    pair_iterator = iter(pairs.pair_training_dataset(dataset, args.batch_size, 0, k=args.k, rule=args.rule))
    image_iterator = iter(pipeline.training_dataset(dataset, args.batch_size, 0))
    for iterator in (pair_iterator, image_iterator):  # warm up: tracing and the prefetch buffers
        window_rate(iterator, 10, args.batch_size)
    pair_rates, image_rates = [], []
    for _ in range(args.windows):
        pair_rates.append(window_rate(pair_iterator, args.batches, args.batch_size))
        image_rates.append(window_rate(image_iterator, args.batches, args.batch_size))
    pair_rate, image_rate = statistics.median(pair_rates), statistics.median(image_rates)
    print(
        f"{args.dataset} batch {args.batch_size} k={args.k} rule={args.rule}: "
        f"pairs {pair_rate:,.0f}/s ({2 * pair_rate:,.0f} images/s), single images {image_rate:,.0f}/s "
        f"(median of {args.windows} interleaved windows of {args.batches} batches)"
    )


if __name__ == "__main__":
    main()
