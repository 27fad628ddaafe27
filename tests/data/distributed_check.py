"""Run as a script: the training pipeline under MirroredStrategy over two logical CPUs.

Logical devices must be configured before TensorFlow initialises, so the test
runs this in a fresh process. Prints "ok" and the per-replica batch shapes.
"""

import pathlib
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

from disent_tf import data  # noqa: E402
from disent_tf.data import pipeline  # noqa: E402


def main():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    dsprites = data.get("dsprites_full")
    single = next(iter(pipeline.training_dataset(dsprites, 8, seed=3))).numpy()
    distributed = strategy.experimental_distribute_dataset(pipeline.training_dataset(dsprites, 8, seed=3))
    parts = strategy.experimental_local_results(next(iter(distributed)))
    shapes = [tuple(part.shape) for part in parts]
    assert shapes == [(4, 64, 64, 1), (4, 64, 64, 1)], shapes
    # The replicas share the global batch: together they are the single-device batch.
    np.testing.assert_array_equal(np.concatenate([part.numpy() for part in parts]), single)
    print("ok", shapes)


if __name__ == "__main__":
    main()
