#!/usr/bin/env python3
"""Where the trainer's step spends the cores' time, op by op, from TensorFlow's profiler.

    python bench/trace_step.py [--precision mixed_bfloat16] [--steps 50]

bench/profile_step.py times sub-steps and layers alone; this traces the step
as the trainer runs it on a CPU: the study's conv beta_vae at batch 64, the
batch in slices with one thread per op (training/strategy.py), a window of
steps per call (the trainer's steps_per_call), one in-memory batch. It runs
one traced window after two untimed ones and prints, per step, each op
type's time on the cores (self time, summed over both threads), the cores'
idle time, and the busiest ops.

It reads the trace with the converter TensorBoard's profile plugin uses
(tensorflow.python.profiler.internal._pywrap_profiler_plugin), a private
module: a TensorFlow release may move it.
"""

import argparse
import collections
import json
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import bare_step  # noqa: E402  (bench/, this script's folder)


def op_stats(log_dir):
    """[(op type, op name, self time in us)] of the trace in log_dir."""
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin

    paths = [str(path) for path in pathlib.Path(log_dir).rglob("*.xplane.pb")]
    data, ok = _pywrap_profiler_plugin.xspace_to_tools_data(paths, "framework_op_stats", {})
    if not ok:
        raise SystemExit(f"the profiler's converter failed: {data[:200]!r}")
    table = json.loads(data)[0]
    column = {spec["id"]: index for index, spec in enumerate(table["cols"])}
    rows = [[cell["v"] if cell else None for cell in row["c"]] for row in table["rows"]]
    return [(row[column["type"]], row[column["operation"]], row[column["total_self_time"]]) for row in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precision", default="mixed_bfloat16", choices=["float32", "mixed_bfloat16"])
    parser.add_argument("--steps", type=int, default=50, help="steps per call, and steps traced")
    parser.add_argument("--top", type=int, default=25, help="busiest single ops to list")
    args = parser.parse_args()

    window, chunks = bare_step.build_window(args.steps, args.precision)
    import tensorflow as tf

    for first in (0, args.steps):  # the first call traces
        window(first).numpy()
    with tempfile.TemporaryDirectory() as log_dir:
        tf.profiler.experimental.start(log_dir)
        start = time.perf_counter()
        window(2 * args.steps).numpy()
        wall_ms = (time.perf_counter() - start) * 1000 / args.steps
        tf.profiler.experimental.stop()
        stats = op_stats(log_dir)

    by_type = collections.Counter()
    for op_type, _, self_us in stats:
        by_type[op_type] += self_us / 1000 / args.steps
    print(f"{args.precision}, {chunks} slices, {args.steps} steps per call: {wall_ms:.1f} ms per step "
          f"under the profiler, {sum(by_type.values()):.1f} ms of the cores' time")
    print(f"\n{'op type':40s}{'ms/step':>9s}{'share':>8s}")
    total = sum(by_type.values())
    for op_type, milliseconds in by_type.most_common():
        if milliseconds >= 0.05:
            print(f"{op_type:40s}{milliseconds:9.2f}{milliseconds / total:8.0%}")
    print(f"\n{'busiest ops':70s}{'ms/step':>9s}")
    for op_type, name, self_us in sorted(stats, key=lambda row: -row[2])[:args.top]:
        if op_type != "IDLE":
            print(f"{name[-70:]:70s}{self_us / 1000 / args.steps:9.2f}")


if __name__ == "__main__":
    main()
