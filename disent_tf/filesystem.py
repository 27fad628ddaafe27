"""Files at any path: local ones through os, shutil and glob, `scheme://` ones (gs://...) through tf.io.gfile.

    from disent_tf import filesystem
    with filesystem.GFile(path, "rb") as handle: ...

The part of tf.io.gfile's API the library's bookkeeping uses (records,
run folders, exports found, the results tables), with its semantics: every
path may be gs:// (DESIGN.md), yet bin/aggregate and bin/plot on local files
never import TensorFlow, whose import costs seconds. TensorFlow is imported
on the first call with a remote path. tests/reliability/test_filesystem.py checks the
local functions against tf.io.gfile's.

Errors differ by path: OSError (FileNotFoundError, PermissionError, ...)
locally, tf.errors.OpError subclasses remotely. Catch `errors()`,
`not_found_errors()` or `permission_errors()` to handle both.
"""

import glob as glob_lib
import os
import shutil
import sys
from typing import NamedTuple


def is_remote(path):
    """True for a path with a scheme (gs://bucket/..., s3://...), which only tf.io.gfile can open."""
    return "://" in str(path)


def _tf_gfile():
    import tensorflow as tf

    return tf.io.gfile


def exists(path):
    """True for an existing file or folder."""
    return _tf_gfile().exists(path) if is_remote(path) else os.path.exists(path)


def isdir(path):
    return _tf_gfile().isdir(path) if is_remote(path) else os.path.isdir(path)


def makedirs(path):
    """Creates `path` and its missing parents; nothing to do when the folder exists."""
    if is_remote(path):
        return _tf_gfile().makedirs(path)
    os.makedirs(path, exist_ok=True)


def listdir(path):
    """The names in folder `path` (not sorted, like tf.io.gfile.listdir)."""
    return _tf_gfile().listdir(path) if is_remote(path) else os.listdir(path)


def glob(pattern):
    """The paths matching `pattern` (*, ?, [...] within one path part), as tf.io.gfile.glob."""
    if is_remote(pattern):
        return _tf_gfile().glob(pattern)
    # tf.io.gfile's * also matches names starting with a dot; Python's glob does with include_hidden (3.11+).
    return glob_lib.glob(pattern, **({"include_hidden": True} if sys.version_info >= (3, 11) else {}))


def remove(path):
    """Deletes the file `path`."""
    return _tf_gfile().remove(path) if is_remote(path) else os.remove(path)


def rmtree(path):
    """Deletes folder `path` and everything in it."""
    return _tf_gfile().rmtree(path) if is_remote(path) else shutil.rmtree(path)


def rename(source, target, overwrite=False):
    """Moves `source` to `target`; refuses an existing target unless `overwrite` (atomic on one local disk)."""
    return _transfer("rename", os.replace, source, target, overwrite)


def copy(source, target, overwrite=False):
    """Copies file `source` to `target`; refuses an existing target unless `overwrite`."""
    return _transfer("copy", shutil.copyfile, source, target, overwrite)


def _transfer(name, local, source, target, overwrite):
    """tf.io.gfile's `name` when either path is remote, else `local(source, target)`, with its overwrite rule."""
    if is_remote(source) or is_remote(target):
        return getattr(_tf_gfile(), name)(source, target, overwrite=overwrite)
    if not overwrite and os.path.exists(target):
        raise FileExistsError(f"{target} exists ({name} without overwrite)")
    local(source, target)


class FileStat(NamedTuple):
    """What tf.io.gfile.stat gives: size in bytes, modification time in ns, whether a folder."""

    length: int
    mtime_nsec: int
    is_directory: bool


def stat(path):
    if is_remote(path):
        return _tf_gfile().stat(path)
    result = os.stat(path)
    return FileStat(result.st_size, result.st_mtime_ns, os.path.isdir(path))


def GFile(path, mode="r"):  # noqa: N802  (tf.io.gfile's name, so callers read the same)
    """An open file: text modes read and write UTF-8, as tf.io.gfile.GFile does."""
    if is_remote(path):
        return _tf_gfile().GFile(path, mode)
    return open(path, mode) if "b" in mode else open(path, mode, encoding="utf-8")


def errors():
    """The exception classes a file operation may raise: OSError, and TensorFlow's once it is loaded."""
    return (OSError,) + _tf_errors("OpError")


def not_found_errors():
    return (FileNotFoundError,) + _tf_errors("NotFoundError")


def permission_errors():
    return (PermissionError,) + _tf_errors("PermissionDeniedError")


def _tf_errors(name):
    # Only a remote path imports TensorFlow here, so without it no tf.errors can come from this module.
    tensorflow = sys.modules.get("tensorflow")
    errors_module = getattr(tensorflow, "errors", None)
    return (getattr(errors_module, name),) if errors_module is not None else ()
