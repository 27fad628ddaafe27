"""One writer per run folder, and outputs checked before any work: locks, unwritable and full folders."""

import errno
import json
import os
import socket
import subprocess
import sys

import pytest

from disent_tf import filesystem, locks, records
from disent_tf.errors import UserError
from disent_tf.training import trainer


def _lock_record(folder, pid, host=None):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, locks.LOCK_FILE), "w") as handle:
        json.dump({"pid": pid, "host": host or socket.gethostname(), "started": "earlier", "command": "bin/train"},
                  handle)


def test_a_second_trainer_on_the_same_folder_is_refused(tiny_config, dsprites):
    config = tiny_config(steps=20, eval_batches=0)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _lock_record(config.output_dir, sleeper.pid)
        with pytest.raises(UserError, match=f"is being written by pid {sleeper.pid}.*wait for it to finish"):
            trainer.train(config, data=dsprites, log=lambda line: None)
        assert os.listdir(config.output_dir) == [locks.LOCK_FILE]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_stale_lock_is_taken_over_with_a_message(tiny_config, dsprites):
    config = tiny_config(steps=2, eval_batches=0)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _lock_record(config.output_dir, int(finished.stdout))  # that process is gone
    lines = []
    assert trainer.train(config, data=dsprites, log=lines.append)["step"] == 2
    assert any(line.startswith("taking over the stale lock") for line in lines)
    assert not os.path.exists(os.path.join(config.output_dir, locks.LOCK_FILE))  # given back at the end


def test_a_lock_of_another_host_is_respected(tmp_path):
    _lock_record(str(tmp_path), 1, host="elsewhere.example")
    with pytest.raises(UserError, match="on elsewhere.example"):
        with locks.FolderLock(str(tmp_path)):
            pass


def test_an_output_folder_under_a_file_is_refused_before_training(tiny_config, dsprites, tmp_path):
    (tmp_path / "a_file").write_text("mine")
    config = tiny_config(output_dir=str(tmp_path / "a_file" / "run"))
    with pytest.raises(UserError, match="cannot write into .*a_file/run"):
        trainer.train(config, data=dsprites, log=lambda line: None)
    assert (tmp_path / "a_file").read_text() == "mine"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_is_found_before_the_work(tiny_config, dsprites, monkeypatch, code):
    # Tests run as root here, for whom chmod does not make a folder read-only: fail the writer instead
    # (records.py opens every file through disent_tf.filesystem).
    real = filesystem.GFile

    def failing(path, mode="r"):
        if "w" in mode:
            raise OSError(code, os.strerror(code), path)
        return real(path, mode)

    monkeypatch.setattr(filesystem, "GFile", failing)
    config = tiny_config(steps=20, eval_batches=0)
    with pytest.raises(UserError, match=f"cannot write into .*{os.strerror(code)}"):
        trainer.train(config, data=dsprites, log=lambda line: None)
    assert not os.path.exists(os.path.join(config.output_dir, "train_config.json"))


def test_check_writable_accepts_a_new_folder(tmp_path):
    assert records.check_writable(str(tmp_path / "new" / "folder")) == str(tmp_path / "new" / "folder")
    assert not (tmp_path / "new").exists()  # nothing is created by the check
