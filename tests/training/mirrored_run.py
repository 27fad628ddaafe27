"""Trains under the default strategy and under MirroredStrategy over two logical CPUs; prints JSON.

Run as a script (tests/training/test_distributed.py does): the logical
devices must be configured before TensorFlow initialises, so this cannot run
inside the pytest process.
"""

import json
import os
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from disent_tf import data  # noqa: E402
from disent_tf.models import vae  # noqa: E402
from disent_tf.training import trainer  # noqa: E402
from disent_tf.training.config import TrainConfig  # noqa: E402


def loss_trajectory(summary_dir, name="losses/loss"):
    values = {}
    for file_name in sorted(tf.io.gfile.listdir(summary_dir)):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(summary_dir, file_name)):
            for value in event.summary.value:
                if value.tag == name:
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    return [values[step] for step in sorted(values)]


def run(root, label, **changes):
    config = TrainConfig(batch_size=8, steps=8, log_every=8, summary_every=1, checkpoint_every=8, eval_batches=0,
                         output_dir=os.path.join(root, label), **changes)
    results = trainer.train(config, data=dsprites, log=lambda line: None)
    weights = trainer.restore_model(config, dsprites).weights
    return {
        "num_replicas": results["num_replicas"],
        "strategy": results["strategy"],
        "losses": loss_trajectory(os.path.join(config.output_dir, "summaries")),
        "last_batch_losses": results["last_batch_losses"],
        "weights": [w.numpy().ravel()[:2000].tolist() for w in weights],
    }


root = sys.argv[1]
dsprites = data.get("dsprites_full")
report = {}
report["factor_vae/mirrored"] = run(root, "factor_mirrored", model="factor_vae", strategy="mirrored")
# Each replica draws its own reparameterisation noise, so with noise the two
# runs differ a little. Without it beta_vae's loss is a deterministic
# per-example mean and both runs must match to float tolerance. A huge Adam
# epsilon makes an update proportional to the gradient (Adam normally hides a
# gradient's scale), so the weights also show that the replicas' summed
# gradients equal the one-device gradient of the global batch.
vae.sample_latents = lambda mean, logvar, seed: mean
for strategy in ("default", "mirrored"):
    report[f"noiseless/{strategy}"] = run(root, f"noiseless_{strategy}", strategy=strategy,
                                          learning_rate=1.0, adam_epsilon=1e4)
print("REPORT " + json.dumps(report))
