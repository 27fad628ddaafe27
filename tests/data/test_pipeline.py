"""The tf.data training input."""

import pathlib

import numpy as np
import pytest
import tensorflow as tf

from disent_tf import data
from disent_tf.data import pipeline
from disent_tf.errors import UserError
from harness.tools import assert_succeeded, run_script


def _batches(dataset, count):
    return [batch.numpy() for batch in dataset.take(count)]


def test_embedded_batches_are_reproducible_binary_images():
    dsprites = data.get("dsprites_full")
    dataset = pipeline.training_dataset(dsprites, 16, seed=5)
    assert dataset.element_spec == tf.TensorSpec((16, 64, 64, 1), tf.float32)
    first, again = _batches(dataset, 3), _batches(pipeline.training_dataset(dsprites, 16, seed=5), 3)
    for one, other in zip(first, again):
        np.testing.assert_array_equal(one, other)
    assert set(np.unique(first[0])) == {0.0, 1.0}
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], _batches(pipeline.training_dataset(dsprites, 16, seed=6), 1)[0])
    # Large seeds (the trainer derives 32-bit segment seeds) stay distinct.
    high, low = (_batches(pipeline.training_dataset(dsprites, 16, seed=s), 1)[0] for s in (2 ** 31 + 5, 5))
    assert not np.array_equal(high, low)


def test_graph_factors_cover_the_grid_uniformly():
    dsprites = data.get("dsprites_full")
    images = np.concatenate(_batches(pipeline.training_dataset(dsprites, 256, seed=0), 4))
    # Every image is one sprite: pixel counts follow the scale, so all six sizes appear.
    sizes = np.unique(images.sum(axis=(1, 2, 3)))
    assert sizes.min() > 10 and sizes.size > 30


@pytest.mark.parametrize("name", ["color_dsprites", "noisy_dsprites", "dsprites_noshape"])
def test_variants_in_the_graph(name):
    variant = data.get(name)
    batch = _batches(pipeline.training_dataset(variant, 8, seed=1), 1)[0]
    assert batch.shape == (8, *variant.observation_shape)
    assert 0.0 <= batch.min() and batch.max() <= 1.0


def test_numpy_sampled_data_sets(tmp_path):
    from . import original_files
    from disent_tf.data.shapes3d import Shapes3D

    original_files.write_shapes3d(tmp_path / "3dshapes.h5", (2, 2, 2, 2, 2, 2), np.random.default_rng(0))
    shapes = Shapes3D(str(tmp_path), factor_sizes=(2, 2, 2, 2, 2, 2))
    assert not getattr(shapes, "supports_graph_sampling", False)
    first = _batches(pipeline.training_dataset(shapes, 8, seed=2), 2)
    again = _batches(pipeline.training_dataset(shapes, 8, seed=2), 2)
    np.testing.assert_array_equal(first[1], again[1])
    assert first[0].shape == (8, 64, 64, 3) and first[0].dtype == np.float32
    stored = shapes.observations_at(np.arange(64)).reshape(64, -1)
    for image in first[0]:  # every image is one of the grid's
        assert (np.abs(stored - image.reshape(1, -1)).max(axis=1) < 1e-6).any()


def test_bad_batch_size():
    with pytest.raises(UserError, match="batch_size"):
        pipeline.training_dataset(data.get("dsprites_full"), 0, seed=0)


def test_per_replica_sharding_under_mirrored_strategy():
    result = assert_succeeded(run_script(pathlib.Path(__file__).with_name("distributed_check.py"), timeout=240))
    assert "ok [(4, 64, 64, 1), (4, 64, 64, 1)]" in result.stdout
