"""Shared fixtures of the trainer tests: the embedded dSprites and tiny configs."""

import pytest

from disent_tf.training.config import TrainConfig


@pytest.fixture(scope="session")
def dsprites():
    from disent_tf import data

    return data.get("dsprites_full")


@pytest.fixture
def tiny_config(tmp_path):
    """TrainConfig(**changes) with a tiny batch and short intervals, in its own tmp folder."""

    def make(name="run", **changes):
        values = dict(batch_size=8, steps=30, log_every=10, summary_every=10, checkpoint_every=10,
                      output_dir=str(tmp_path / name))
        values.update(changes)
        return TrainConfig(**values)

    return make
