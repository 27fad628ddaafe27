"""Damaged checkpoint state: the run resumes from the newest checkpoint that restores, never from step 0."""

import os
import shutil

import pytest

from disent_tf.errors import UserError
from disent_tf.training import trainer
from disent_tf.training.config import TrainConfig

QUIET = dict(log=lambda line: None)
TINY = dict(batch_size=8, steps=20, log_every=10, summary_every=10, checkpoint_every=10, eval_batches=0)


@pytest.fixture(scope="module")
def trained_once(tmp_path_factory, dsprites):
    """One run trained to step 20 (checkpoints 10 and 20); each test damages its own copy."""
    config = TrainConfig(output_dir=str(tmp_path_factory.mktemp("template") / "run"), **TINY)
    trainer.train(config, data=dsprites, **QUIET)
    return config.output_dir


@pytest.fixture
def trained(trained_once, tmp_path):
    def copy():
        shutil.copytree(trained_once, tmp_path / "run")
        config = TrainConfig(output_dir=str(tmp_path / "run"), **TINY)
        return config, os.path.join(config.output_dir, "checkpoints")

    return copy


def _resume(config, dsprites):
    lines = []
    results = trainer.train(config.replace(steps=30), data=dsprites, log=lines.append)
    return results["start_step"], lines


@pytest.mark.parametrize("damage", ["deleted", "garbage", "names_a_deleted_checkpoint"])
def test_a_broken_state_file_resumes_from_the_newest_checkpoint(trained, dsprites, damage):
    config, folder = trained()
    state = os.path.join(folder, "checkpoint")
    if damage == "deleted":
        os.remove(state)
    elif damage == "garbage":
        with open(state, "w") as handle:
            handle.write("\x00\x01 not a checkpoint state {{{")
    else:
        with open(state, "w") as handle:
            handle.write('model_checkpoint_path: "ckpt-90"\nall_model_checkpoint_paths: "ckpt-90"\n')
    start, lines = _resume(config, dsprites)
    assert start == 20
    assert any(line.startswith("resuming from") and line.endswith("at step 20") for line in lines)
    # The older checkpoints are kept, not overwritten by a restart from 0.
    assert {"ckpt-10.index", "ckpt-20.index", "ckpt-30.index"} <= set(os.listdir(folder))


@pytest.mark.parametrize("part", [".data-00000-of-00001", ".index"])
def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_one(trained, dsprites, part):
    config, folder = trained()
    path = os.path.join(folder, "ckpt-20" + part)
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 3)
    start, lines = _resume(config, dsprites)
    assert start == 10
    assert any("ckpt-20 does not restore" in line for line in lines)


def test_every_checkpoint_damaged_is_one_sentence_and_deletes_nothing(trained, dsprites):
    config, folder = trained()
    for name in os.listdir(folder):
        if name.endswith(".index"):
            with open(os.path.join(folder, name), "wb") as handle:
                handle.write(b"random bytes")
    before = sorted(os.listdir(folder))
    with pytest.raises(UserError, match="no checkpoint in .* restores .*move that folder away"):
        trainer.train(config.replace(steps=30), data=dsprites, **QUIET)
    assert sorted(os.listdir(folder)) == before


def test_a_killed_save_leaves_no_litter_after_the_rerun(trained, dsprites):
    config, folder = trained()
    os.makedirs(os.path.join(folder, "ckpt-30_temp", "part-00000-of-00001"))
    start, _ = _resume(config, dsprites)
    assert start == 20 and not os.path.exists(os.path.join(folder, "ckpt-30_temp"))
