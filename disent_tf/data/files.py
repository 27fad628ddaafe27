"""Where the original data files live: an explicit folder, else $DISENT_TF_DATA.

The environment is read when a data set is built, never at import, so a test
or a long-running process can change it.
"""

import os
import pickle
import zipfile

import tensorflow as tf

from disent_tf.errors import MissingFileError, UserError

ENV_VAR = "DISENT_TF_DATA"
# What numpy, h5py, scipy and tf.io.gfile raise on a truncated or foreign file.
READ_ERRORS = (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
               pickle.UnpicklingError, tf.errors.OpError)


def data_folder(data_dir=None):
    """The data folder to search: `data_dir` if given, else $DISENT_TF_DATA, else None."""
    if data_dir:
        return str(data_dir)
    return os.environ.get(ENV_VAR) or None


def find(data_dir, *relative_paths):
    """First of `relative_paths` that exists under the data folder, or None."""
    folder = data_folder(data_dir)
    if folder is None:
        return None
    for relative in relative_paths:
        path = os.path.join(folder, relative)
        if tf.io.gfile.exists(path):
            return path
    return None


def require(data_dir, dataset, *relative_paths):
    """Like `find`, but a missing file is a MissingFileError that says how to supply it."""
    path = find(data_dir, *relative_paths)
    if path is not None:
        return path
    raise missing(data_dir, dataset, relative_paths[0])


def missing(data_dir, dataset, relative_path):
    """The one-sentence MissingFileError for a file of `dataset` that is not there."""
    folder = data_folder(data_dir)
    if folder is None:
        return MissingFileError(
            f"{dataset} needs the file {relative_path} but no data folder is set; pass "
            f"--data_dir=DIR or set {ENV_VAR}=DIR for the folder that holds it (see docs/data.md).")
    return MissingFileError(
        f"{dataset} needs {os.path.join(folder, relative_path)}, which does not exist; put the "
        f"file there or point --data_dir / {ENV_VAR} at the folder that holds it (see docs/data.md).")


def read_bytes(path):
    """The whole content of `path` (any tf.io.gfile path)."""
    with tf.io.gfile.GFile(path, "rb") as handle:
        return handle.read()


def bad_file(path, what):
    """The UserError for a file that exists but is truncated or in the wrong format."""
    return UserError(f"{path} is not a valid {what} (truncated or wrong format); "
                     "replace it with the original file (see docs/data.md).")
