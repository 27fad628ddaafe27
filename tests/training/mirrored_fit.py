"""model.fit under the default strategy and under MirroredStrategy over two logical CPUs; prints JSON.

A script of its own (tests/training/test_distributed.py runs it), in a fresh
process: the logical devices must be configured before TensorFlow
initialises. Same runs as mirrored_run.py's noiseless ones (8 steps, global
batch 8, bin/train's batches of seed 0, no reparameterisation noise, a huge
Adam epsilon), so the weights compare with bin/train's loop too.
"""

import json
import os
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

import keras  # noqa: E402

from disent_tf import data, models  # noqa: E402
from disent_tf.models import vae  # noqa: E402
from disent_tf.training import inputs  # noqa: E402


def fit(strategy, model_name="beta_vae", **adam):
    with strategy.scope():
        model = models.get(model_name, seed=0)
        model.compile(optimizer=keras.optimizers.Adam(**adam) if adam else None)
    batches = model.training_dataset(dsprites, 8, inputs.segment_seed(0, 0)).take(8)
    history = model.fit(batches, verbose=0).history
    return {"num_replicas": strategy.num_replicas_in_sync, "last_losses": {k: v[-1] for k, v in history.items()},
            "weights": [w.numpy().ravel()[:2000].tolist() for w in model.weights]}


dsprites = data.get("dsprites_full")
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
report = {"factor_vae/mirrored": fit(mirrored, "factor_vae")}
vae.sample_latents = lambda mean, logvar, seed: mean
for label, strategy in (("default", tf.distribute.get_strategy()), ("mirrored", mirrored)):
    report[f"noiseless/{label}"] = fit(strategy, learning_rate=1.0, epsilon=1e4)
print("REPORT " + json.dumps(report))
