"""Run as a script: one FactorVAE step on two virtual CPU replicas (TF must not be initialised before)."""

import json
import pathlib
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tests/, for the harness

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

from disent_tf import models  # noqa: E402
from disent_tf.models.vae import LATENT_NOISE_STREAM  # noqa: E402
from harness.models import binary_images  # noqa: E402
from harness.models import make_train_step  # noqa: E402

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = models.get("factor_vae")
    # The trainer's compiled step over both replicas; its losses come back reduced (MEAN).
    step = make_train_step(model, strategy=strategy)
losses = step(binary_images(32), 3)


@tf.function
def replica_seeds(i):
    return strategy.run(lambda: model.noise_seed(i, LATENT_NOISE_STREAM))


seeds = replica_seeds(tf.constant(3, tf.int64))
seeds = [s.numpy().tolist() for s in strategy.experimental_local_results(seeds)]
loss = float(losses["loss"])
print(json.dumps({"loss": loss, "finite": bool(np.isfinite(loss)), "seeds": seeds}))
