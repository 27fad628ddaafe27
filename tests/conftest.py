"""Makes tests/ importable (the shared `harness` package) and holds the fixtures several folders use."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def dsprites():
    """The embedded dSprites (rendered, no files)."""
    from disent_tf import data

    return data.get("dsprites_full")


@pytest.fixture
def tiny_config(tmp_path):
    """TrainConfig(**changes) with a tiny batch, short intervals and 2 evaluation batches, in tmp_path/<name>."""
    from disent_tf.training.config import TrainConfig

    def make(name="run", **changes):
        values = dict(batch_size=8, steps=30, log_every=10, summary_every=10, checkpoint_every=10, eval_batches=2,
                      output_dir=str(tmp_path / name))
        values.update(changes)
        return TrainConfig(**values)

    return make
