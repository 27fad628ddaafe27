"""The files every stage leaves next to its output: atomic writes, JSON records, library versions.

Every path may be gs://...: files go through `disent_tf.filesystem`, which
hands paths with a scheme to tf.io.gfile and local ones to os, so that tools
writing local files (bin/aggregate, bin/plot) never import TensorFlow.
"""

import json
import posixpath
import uuid

from disent_tf import filesystem


def _gfile():
    return filesystem


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


def check_writable(folder):
    """Proves that files can be created in `folder` (or in its nearest existing ancestor), creating nothing.

    One-sentence UserError before any work when the place is a file, is
    read-only, or the disk is full.
    """
    from disent_tf.errors import UserError

    gfile = _gfile()
    existing = str(folder).rstrip("/") or "."
    while not gfile.exists(existing) and posixpath.dirname(existing) not in ("", existing):
        existing = posixpath.dirname(existing)
    if not gfile.exists(existing):
        existing = "."
    if not gfile.isdir(existing):
        raise UserError(f"cannot write into {folder}: {existing} is a file, not a folder; pass a folder (or a new "
                        "name) to write into.")
    probe = posixpath.join(existing, f".write-test-{uuid.uuid4().hex}")
    try:
        with gfile.GFile(probe, "wb") as handle:
            handle.write(b"ok")
        gfile.remove(probe)
    except Exception as error:  # OSError locally, tf.errors.* for a remote path
        raise UserError(f"cannot write into {folder} ({_reason(error)}); make it writable or choose another "
                        "folder.") from None
    return folder


def check_replaceable(path, is_ours, inputs=(), kind="a .json file", ours="a disent_tf results file"):
    """Refuses an output `path` that is one of `inputs` (or inside one) or an existing file that is not ours.

    `is_ours(content)` says whether an existing file's bytes are `ours`, a
    file disent_tf wrote (which is then replaced atomically, as usual);
    `kind` names the file the path should be, for the message.
    """
    from disent_tf.errors import UserError

    target = _normalised(path)
    for source in inputs:
        if source and (target == _normalised(source) or target.startswith(_normalised(source) + "/")):
            raise UserError(f"{path} is one of this run's inputs ({source}); choose another output path.")
    gfile = _gfile()
    if gfile.isdir(path):
        raise UserError(f"{path} is a folder; name {kind} in it.")
    if gfile.exists(path):
        with gfile.GFile(path, "rb") as handle:
            content = handle.read()
        if not is_ours(content):
            raise UserError(f"{path} exists and is not {ours}; choose another output path "
                            "or move that file away.")


def _normalised(path):
    import os

    path = str(path)
    return path.rstrip("/") if "://" in path else os.path.realpath(path)


def _reason(error):
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


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
