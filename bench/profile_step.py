#!/usr/bin/env python3
"""Where one beta_vae training step's time goes: timed sub-steps and every layer alone.

    python bench/profile_step.py [--precisions float32 mixed_bfloat16] [--rounds 5]

For each precision, one process builds the study's conv beta_vae and times,
as tf.functions on one in-memory batch of 64 (medians of --rounds windows of
--window_calls calls, after a warm-up window that traces):

- sub-steps: the encoder's forward pass, the forward pass with the losses,
  forward and backward (the gradient), the Adam update alone, the whole step;
- each layer alone, forward and forward+backward (the gradients with respect
  to its weights and, except for the first layer, which reads the images,
  its input), in the layer's compute dtype, with its multiply-adds from the
  layer shapes and the GFLOP/s it reaches.

The precisions' windows interleave, so drift hits them alike. The input
pipeline is not here: bench/bench_train.py's trainer / bare step ratio is
what it costs.
"""

import argparse
import math
import pathlib
import statistics
import sys
import time
import typing

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import bare_step  # noqa: E402  (bench/, this script's folder)

BATCH = bare_step.BATCH


def layer_macs(layer, input_shape, output_shape):
    """Multiply-adds per image of a Dense, Conv2D or Conv2DTranspose layer."""
    if isinstance(layer, keras.layers.Dense):
        return input_shape[-1] * output_shape[-1]
    if isinstance(layer, keras.layers.Conv2DTranspose):  # every input pixel meets the whole kernel
        return math.prod(input_shape[1:]) * math.prod(layer.kernel.shape[:2]) * output_shape[-1]
    return math.prod(output_shape[1:]) * math.prod(layer.kernel.shape[:3])


class LayerTiming(typing.NamedTuple):
    """One layer's multiply-adds per image and its timed functions."""

    macs: int
    data_gradient: bool  # False for the layer that reads the images: training never needs that gradient
    forward: object
    forward_backward: object


class Profile:
    """The timed functions of one precision's model, each callable with no arguments."""

    def __init__(self, precision):
        self.precision = precision
        # One slice, each op on every core: the layers' own speed (bench/trace_step.py traces the trainer's way).
        model, variables, optimizer, images, gradients, step = bare_step.build_step(precision, BATCH)
        number = tf.constant(0, tf.int64)
        fixed_gradients = [tf.zeros_like(variable) for variable in variables]

        self.parts = {
            "encoder forward": tf.function(lambda: model.encoder(images)),
            "forward and losses": tf.function(lambda: model.compute_losses(images, number)["loss"]),
            "forward and backward": tf.function(lambda: gradients(number)[1]),
            "Adam update": tf.function(lambda: optimizer.apply_gradients(zip(fixed_gradients, variables))),
            "whole step": tf.function(lambda: step(number)),
        }
        self.layers = {}
        for part in (model.encoder, model.decoder):
            for layer in part.layers:
                if isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
                    reads_images = layer.input is model.encoder.inputs[0]
                    self.layers[layer.name] = LayerTiming(layer_macs(layer, layer.input.shape, layer.output.shape),
                                                          not reads_images,
                                                          *self._layer_functions(layer, reads_images))

    @staticmethod
    def _layer_functions(layer, reads_images):
        shape = (BATCH,) + tuple(layer.input.shape[1:])
        inputs = tf.cast(tf.random.stateless_normal(shape, (0, 1)), layer.compute_dtype)
        wrt = [] if reads_images else [inputs]

        def forward_backward():
            with tf.GradientTape() as tape:
                tape.watch(wrt)
                loss = tf.reduce_sum(tf.cast(layer(inputs), tf.float32))
            # Returning the loss keeps the forward pass: a linear layer's gradient does not need its output.
            return loss, tape.gradient(loss, wrt + layer.trainable_variables)

        return tf.function(lambda: layer(inputs)), tf.function(forward_backward)


def window_ms(function, calls):
    start = time.perf_counter()
    for _ in range(calls):
        result = function()
    tf.nest.map_structure(lambda tensor: tensor.numpy() if hasattr(tensor, "numpy") else tensor, result)
    return (time.perf_counter() - start) / calls * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--window_calls", type=int, default=20)
    args = parser.parse_args()

    profiles = [Profile(precision) for precision in args.precisions]
    functions = {}
    for profile in profiles:
        for name, function in profile.parts.items():
            functions[(profile.precision, name)] = function
        for name, layer in profile.layers.items():
            functions[(profile.precision, name, "forward")] = layer.forward
            functions[(profile.precision, name, "forward+backward")] = layer.forward_backward
    times = {key: [] for key in functions}
    for round_number in range(args.rounds + 1):
        for key, function in functions.items():
            milliseconds = window_ms(function, args.window_calls)
            if round_number:  # round 0 traces
                times[key].append(milliseconds)
    median = {key: statistics.median(values) for key, values in times.items()}

    step_gflop = 2 * sum(layer.macs * (2 + layer.data_gradient) for layer in profiles[0].layers.values())
    step_gflop *= BATCH / 1e9
    print(f"one step: about {step_gflop:.2f} GFLOP (forward, backward-data and backward-weights of every layer)")
    print_sub_steps(profiles, median, step_gflop)
    print_layers(profiles, median)


def print_sub_steps(profiles, median, step_gflop):
    print(f"\n{'sub-step (ms)':24s}" + "".join(f"{profile.precision:>16s}" for profile in profiles))
    for name in profiles[0].parts:
        print(f"{name:24s}" + "".join(f"{median[(profile.precision, name)]:16.2f}" for profile in profiles))
    print(f"{'whole step, GFLOP/s':24s}"
          + "".join(f"{step_gflop / median[(profile.precision, 'whole step')] * 1000:16.0f}" for profile in profiles))


def print_layers(profiles, median):
    """One row per layer: for each precision, forward and forward+backward in ms and GFLOP/s."""
    print(f"\n{'':19s}" + "".join(f"{profile.precision:^32s}" for profile in profiles))
    print(f"{'layer':8s}{'MMAC/img':>11s}" + f"{'fwd ms':>9s}{'GFLOP/s':>8s}{'f+b ms':>9s}{'GFLOP/s':>8s}"
          * len(profiles))
    totals = {profile.precision: [0.0, 0.0] for profile in profiles}
    for name, layer in profiles[0].layers.items():
        cells = ""
        for profile in profiles:
            forward = median[(profile.precision, name, "forward")]
            both = median[(profile.precision, name, "forward+backward")]
            totals[profile.precision][0] += forward
            totals[profile.precision][1] += both
            flop = 2 * layer.macs * BATCH / 1e6  # MFLOP of one pass, so MFLOP / ms = GFLOP/s
            cells += f"{forward:9.2f}{flop / forward:8.0f}{both:9.2f}{(2 + layer.data_gradient) * flop / both:8.0f}"
        print(f"{name:8s}{layer.macs / 1e6:11.2f}{cells}")
    print(f"{'sum':8s}{'':11s}" + "".join(f"{forward:9.2f}{'':8s}{both:9.2f}{'':8s}"
                                           for forward, both in totals.values()))


if __name__ == "__main__":
    main()
