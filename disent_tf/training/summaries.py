"""TensorBoard summaries of a model in training: its losses as scalars, its pictures as images.

    writer = tf.summary.create_file_writer("runs/x/summaries")
    write_losses(writer, step, {"loss": 412.0, "kl_loss": 21.2})
    write_pictures(writer, step, model, images)

Scalars go to `losses/<name>` with tf.summary.scalar; pictures to
`images/reconstructions` (rows of inputs, each followed by its reconstruction
from the posterior mean, as bin/visualize draws them) and
`images/traversals` (one row per latent dimension, set to evenly spaced
values around the first image's mean code). bin/train's loop and the
Keras callbacks (disent_tf.training.callbacks) both write through here.
"""

import numpy as np
import tensorflow as tf

from disent_tf.visualize import images as image_io
from disent_tf.visualize.model import latent_traversals

# Images per picture summary, and traversal values from -LIMIT to LIMIT, as bin/visualize.
NUM_IMAGES = 8
NUM_VALUES = 9
LIMIT = 2.0


def write_losses(writer, step, losses):
    """Scalars `losses/<name>` at `step`."""
    with writer.as_default(step=int(step)):
        for name, value in losses.items():
            tf.summary.scalar(f"losses/{name}", float(value))


def picture_images(data, seed, num_images=NUM_IMAGES):
    """The fixed inputs of a run's picture summaries: `num_images` images of `data`, drawn from `seed`."""
    _, images = data.sample(num_images, np.random.RandomState(seed))
    return np.asarray(images, np.float32)


class _Decoder:
    """A Keras model as the numpy decoder visualize.model.latent_traversals takes."""

    def __init__(self, model):
        self.num_latent = model.num_latent
        self._model = model

    def decode(self, codes):
        return tf.sigmoid(self._model.decode(tf.constant(codes, tf.float32))).numpy()


def pictures(model, images, num_values=NUM_VALUES, limit=LIMIT):
    """{"reconstructions", "traversals"}: uint8 (1, H, W, 3) pictures of `model` on `images`."""
    mean, _ = model.gaussian_encoder(tf.constant(images))
    reconstructed = tf.sigmoid(model.decode(mean)).numpy()
    values = np.linspace(-limit, limit, num_values, dtype=np.float32)
    traversals = latent_traversals(_Decoder(model), mean.numpy()[0], values)
    return {
        "reconstructions": image_io.tile(np.concatenate([images, reconstructed]), columns=len(images))[None],
        "traversals": image_io.tile(traversals.reshape(-1, *traversals.shape[2:]), columns=num_values)[None],
    }


def write_pictures(writer, step, model, images):
    """Images `images/reconstructions` and `images/traversals` of `model` at `step`."""
    with writer.as_default(step=int(step)):
        for name, picture in pictures(model, images).items():
            tf.summary.image(f"images/{name}", picture, max_outputs=1)
