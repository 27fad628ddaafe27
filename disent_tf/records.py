"""The files every stage leaves next to its output: atomic writes, JSON records, library versions.

All paths go through tf.io.gfile, so they may be gs://... TensorFlow is
imported on first use, not with this module, so that entry points that only
print or reject flags answer at once.
"""

import json
import posixpath
import uuid


def _gfile():
    import tensorflow as tf

    return tf.io.gfile


def write_bytes(path, payload):
    """Writes `payload` to a temporary name next to `path`, then renames it into place.

    A reader sees either the old file or the complete new one, never half of it.
    """
    directory = posixpath.dirname(path)
    if directory:
        _gfile().makedirs(directory)
    temporary = f"{path}.tmp-{uuid.uuid4().hex}"
    with _gfile().GFile(temporary, "wb") as handle:
        handle.write(payload)
    _gfile().rename(temporary, path, overwrite=True)
    return path


def write_text(path, text):
    return write_bytes(path, text.encode("utf-8"))


def write_json(path, value, sort_keys=True):
    """`value` as indented JSON (numpy values and tuples made plain), written atomically."""
    return write_text(path, json.dumps(plain(value), indent=2, sort_keys=sort_keys) + "\n")


def read_json(path):
    with _gfile().GFile(path, "r") as handle:
        return json.loads(handle.read())


def plain(value):
    """JSON-ready copy: string keys, tuples to lists, numpy scalars and arrays to Python values."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    return value


def library_versions():
    """Versions of everything that can move a result (scikit-learn's estimators included)."""
    import platform

    import keras
    import numpy
    import scipy
    import sklearn
    import tensorflow
    import tensorflow_probability

    import disent_tf

    return {
        "disent_tf": disent_tf.__version__,
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "tensorflow_probability": tensorflow_probability.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }
