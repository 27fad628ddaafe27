"""Small file helpers shared by the trainer and the exporter (all through tf.io.gfile)."""

import json
import uuid

import tensorflow as tf


def write_json(path, value):
    """Writes `value` as JSON to `path` atomically: a temporary name, then a rename.

    A reader sees either the old file or the complete new one, never half of it.
    """
    temporary = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
    with tf.io.gfile.GFile(temporary, "w") as handle:
        handle.write(json.dumps(value, indent=2, sort_keys=True) + "\n")
    tf.io.gfile.rename(temporary, path, overwrite=True)


def read_json(path):
    with tf.io.gfile.GFile(path, "r") as handle:
        return json.loads(handle.read())


def library_versions():
    """Versions of the libraries that decide a result, for every record we write."""
    import sys

    import keras
    import numpy as np
    import tensorflow_probability as tfp

    import disent_tf

    return {
        "disent_tf": disent_tf.__version__,
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "tensorflow_probability": tfp.__version__,
        "numpy": np.__version__,
    }
