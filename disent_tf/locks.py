"""One writer per folder: a lock file naming its owner, taken before writing and given back after.

    with FolderLock("runs/my_run"):
        ...  # train, export, write results

The lock is `<folder>/.disent_tf.lock`, a JSON record {pid, host, started,
command}, created with O_EXCL so that two processes cannot both take it. A
second writer is refused in one sentence naming the owner. A lock whose
owner is gone (same host, no such process) is stale: it is taken over, with
a message. On another host a live owner cannot be checked, so its lock is
respected until the user removes it. Paths that are not local (gs://) are
written without a lock, since their stores offer no exclusive create.
"""

import datetime
import json
import os
import socket
import sys
import time

from disent_tf.errors import UserError

LOCK_FILE = ".disent_tf.lock"


class FolderBusy(UserError):
    """Another live process holds the folder's lock."""


class FolderLock:
    """Context manager holding `<folder>/.disent_tf.lock` for this process."""

    def __init__(self, folder, log=print):
        self.folder = str(folder)
        self.path = os.path.join(self.folder, LOCK_FILE)
        self._log = log
        self._held = False

    def __enter__(self):
        if "://" in self.folder:
            return self
        os.makedirs(self.folder, exist_ok=True)
        owner = _owner_record()
        for _ in range(2):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._take_over_if_stale()
                continue
            with os.fdopen(descriptor, "w") as handle:
                json.dump(owner, handle)
            self._held = True
            return self
        raise UserError(f"could not take the lock {self.path}; another process keeps taking it, retry later.")

    def __exit__(self, *exc_info):
        if self._held:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass
            self._held = False
        return False

    def _take_over_if_stale(self):
        holder = _read(self.path)
        if holder is None:  # gone meanwhile, or an unreadable half-written record of a crashed owner
            if os.path.exists(self.path) and not _young(self.path):
                os.remove(self.path)
            return
        same_host = holder.get("host") == socket.gethostname()
        if same_host and not _alive(holder.get("pid")):
            self._log(f"taking over the stale lock {self.path} of pid {holder.get('pid')} (no longer running)")
            os.remove(self.path)
            return
        raise FolderBusy(
            f"{self.folder} is being written by pid {holder.get('pid')} on {holder.get('host')} since "
            f"{holder.get('started')} ({holder.get('command')}); wait for it to finish, or delete {self.path} "
            "if that process is gone.")


def _owner_record():
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(os.path.basename(arg) if i == 0 else arg for i, arg in enumerate(sys.argv))[:200]}


def _read(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _young(path, seconds=10.0):
    """True for a lock file created moments ago (its owner may still be writing the record)."""
    try:
        return time.time() - os.path.getmtime(path) < seconds
    except OSError:
        return False


def _alive(pid):
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
