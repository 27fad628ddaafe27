"""TFDS sources on tfds.testing.mock_data (offline, random examples)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from disent_tf import data
from disent_tf.errors import MissingFileError, UserError


def _first_examples(name, split, count):
    """The mock examples the source loaded, straight from tfds (same mock seed)."""
    return list(tfds.load(name, split=split, download=False).take(count).as_numpy_iterator())


@pytest.mark.parametrize("name,shape,factors", [
    ("dsprites", (64, 64, 1), ["shape", "scale", "orientation", "pos_x", "pos_y"]),
    ("shapes3d", (64, 64, 3), ["floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation"]),
])
def test_deterministic_sources_look_up_their_images(name, shape, factors):
    with tfds.testing.mock_data(num_examples=6):
        source = data.get(f"tfds:{name}")
        examples = _first_examples(name, "train", 6)
    assert source.factor_names == factors and source.observation_shape == shape and source.deterministic
    keys = [key for key in examples[0] if key.startswith("label_")]
    pixel_max = 1.0 if name == "dsprites" else 255.0
    last_of = {}
    for example in examples:  # duplicated factor rows: the last image wins
        last_of[tuple(int(example[key]) for key in keys)] = example["image"]
    for factors_row, image in last_of.items():
        observed = source.sample_observations_from_factors(np.array([factors_row]), np.random.RandomState(0))
        np.testing.assert_allclose(observed[0], image / pixel_max, atol=1e-7)


def test_smallnorb_source_hides_the_instance():
    with tfds.testing.mock_data(num_examples=4):
        source = data.get("tfds:smallnorb")
    assert source.factor_sizes == [5, 9, 18, 6] and not source.deterministic
    assert source.observation_shape == (64, 64, 1)


def test_missing_grid_point_is_a_clear_error():
    with tfds.testing.mock_data(num_examples=2):
        source = data.get("tfds:shapes3d")
    with pytest.raises(UserError, match="does not cover the factor grid"):
        source.sample(500, np.random.RandomState(0))


def test_unprepared_folder_says_how_to_prepare(tmp_path):
    with pytest.raises(MissingFileError, match="tfds build dsprites"):
        data.get("tfds:dsprites", str(tmp_path))
