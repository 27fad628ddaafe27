"""Makes tests/ importable (the shared `harness` package) and holds the fixtures several folders use."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


@pytest.fixture(scope="session", autouse=True)
def tensorflow_for_small_tests():
    """TensorFlow set up for tiny graphs, in each test process (not in pytest-xdist's controller, which runs none).

    The tests trace many small graphs and run each a few times: grappler's rewrite costs more than it
    saves there (about 6 s on a process's first graph, a fifth of each later one). With one xdist
    worker per core, one thread per op keeps the workers from contending for the cores (the ops are
    tiny); harness.tools does the same for the tools it runs, which otherwise keep TensorFlow's defaults.
    """
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    tf.config.threading.set_intra_op_parallelism_threads(1)


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
