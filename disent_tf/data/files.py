"""Where the original data files live: an explicit folder, else $DISENT_TF_DATA.

The environment is read when a data set is built, never at import, so a test
or a long-running process can change it.
"""

import os
import pickle
import zipfile
import zlib

import tensorflow as tf

from disent_tf.errors import MissingFileError, UserError

ENV_VAR = "DISENT_TF_DATA"
# What numpy, h5py, scipy and tf.io.gfile raise on a truncated or foreign file.
READ_ERRORS = (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
               pickle.UnpicklingError, zlib.error, tf.errors.OpError)


def data_folder(data_dir=None):
    """The data folder to search: `data_dir` if given, else $DISENT_TF_DATA, else None."""
    if data_dir:
        return str(data_dir)
    return os.environ.get(ENV_VAR) or None


def find(data_dir, *relative_paths):
    """First of `relative_paths` that exists under the data folder, or None.

    A folder on the way, or the file itself, that exists but that we may not
    read is a UserError (see `unreadable`), never "does not exist": a file
    hidden by permissions must not be mistaken for a missing one.
    """
    folder = data_folder(data_dir)
    if folder is None:
        return None
    for relative in relative_paths:
        path = os.path.join(folder, relative)
        blocked = _unreadable_folder(folder, relative)
        if blocked is not None:
            raise unreadable(blocked)
        if tf.io.gfile.exists(path):
            check_readable(path)
            return path
    return None


def _is_local(path):
    """True for a plain file-system path (os.access means nothing for gs:// and the like)."""
    return "://" not in str(path)


def _unreadable_folder(folder, relative):
    """The first existing folder from `folder` down to the parent of `relative` that we may not list."""
    if not _is_local(folder):
        return None
    parts = [part for part in os.path.dirname(relative).split("/") if part]
    for depth in range(len(parts) + 1):
        current = os.path.join(folder, *parts[:depth])
        if not os.path.isdir(current):
            return None  # missing from here on: `missing` says so
        if not os.access(current, os.R_OK | os.X_OK):
            return current
    return None


def check_readable(path):
    """UserError (see `unreadable`) when the local file or folder `path` exists but we may not read it."""
    if not _is_local(path):
        return
    needed = os.R_OK | os.X_OK if os.path.isdir(path) else os.R_OK
    if os.path.exists(path) and not os.access(path, needed):
        raise unreadable(path)


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
    if _is_local(folder) and not os.path.isdir(folder):
        return MissingFileError(
            f"{dataset} needs {os.path.join(folder, relative_path)} but the data folder {folder} does not "
            f"exist; create it and put the file there, or point --data_dir / {ENV_VAR} at the folder "
            "that holds it (see docs/data.md).")
    return MissingFileError(
        f"{dataset} needs {os.path.join(folder, relative_path)}, which does not exist; put the "
        f"file there or point --data_dir / {ENV_VAR} at the folder that holds it (see docs/data.md).")


def read_bytes(path):
    """The whole content of `path` (any tf.io.gfile path); a UserError if we may not read it."""
    try:
        with tf.io.gfile.GFile(path, "rb") as handle:
            return handle.read()
    except (PermissionError, tf.errors.PermissionDeniedError):  # see is_permission_error
        raise unreadable(path) from None


def unreadable(path):
    """The UserError for a file or folder that exists but that we have no permission to read."""
    return UserError(f"{path} exists but cannot be read (permission denied); give your user read access "
                     f"to it (e.g. chmod -R u+rX {path}) or copy it somewhere readable; no new download "
                     "is needed.")


def damaged(path, detail):
    """The UserError for a file whose header is right but whose content is cut short or corrupt."""
    return UserError(f"{path} is truncated or damaged ({detail}); replace it with the original file "
                     "(see docs/data.md).")


def is_permission_error(error):
    """True when `error` (from open, numpy, h5py or tf.io.gfile) means we may not read the file."""
    return isinstance(error, (PermissionError, tf.errors.PermissionDeniedError))


def read_failure(path, what, error):
    """The UserError for `error` raised while reading `path` as `what`: unreadable or not valid."""
    if is_permission_error(error):
        return unreadable(path)
    return bad_file(path, f"{what} ({error})")


def bad_file(path, what):
    """The UserError for a file that exists but is truncated or in the wrong format."""
    return UserError(f"{path} is not a valid {what} (truncated or wrong format); "
                     "replace it with the original file (see docs/data.md).")
