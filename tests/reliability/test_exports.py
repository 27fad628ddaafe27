"""A kill during an export leaves a temporary folder; the next export or lookup never takes it for a finished one."""

import os
import shutil

import pytest

from disent_tf import models
from disent_tf.errors import MissingFileError
from disent_tf.export import reader, saved_model
from disent_tf.training.config import TrainConfig


def test_a_killed_exports_temporary_folder_is_ignored_and_cleaned(tmp_path, dsprites):
    run = tmp_path / "output" / "0"
    first = saved_model.export(models.get("beta_vae"), str(tmp_path / "first" / "1"), TrainConfig(), dsprites)
    # What a SIGKILL during bin/reproduce's export leaves: a complete-looking SavedModel under a temporary name.
    litter = run / "export" / "0" / ".tmp-1-0123abcd"
    shutil.copytree(first, litter)
    with pytest.raises(MissingFileError, match="found no SavedModel"):
        reader.find_export(str(run))
    written = saved_model.export(models.get("beta_vae"), str(run / "export" / "0" / "1"), TrainConfig(), dsprites)
    assert reader.find_export(str(run)) == written
    assert os.listdir(run / "export" / "0") == ["1"]
