"""dSprites family: grid, embedded renderer, variants and the original's random draws."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from disent_tf import data
from disent_tf.data import sprites
from disent_tf.errors import MissingFileError, UserError


@pytest.fixture(scope="module")
def dsprites():
    return data.get("dsprites_full")


def test_grid_and_names(dsprites):
    assert dsprites.factor_sizes == [3, 6, 40, 32, 32]
    assert dsprites.factor_names == ["shape", "scale", "orientation", "pos_x", "pos_y"]
    assert dsprites.num_observations == 737280
    assert dsprites.deterministic and dsprites.embedded
    assert "embedded" in dsprites.data_source
    noshape = data.get("dsprites_noshape")
    assert noshape.factor_sizes == [6, 40, 32, 32] and not noshape.deterministic


def test_observations_are_binary_and_deterministic(dsprites):
    factors, images = dsprites.sample(50, np.random.RandomState(0))
    assert images.shape == (50, 64, 64, 1) and images.dtype == np.float32
    assert set(np.unique(images)) == {0.0, 1.0}
    again = dsprites.sample_observations_from_factors(factors, np.random.RandomState(99))
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(dsprites.observations_at(dsprites.index(factors)), images)


@pytest.mark.parametrize("column, value, message", [
    (2, 40, r"factor 'orientation' must be in \[0, 39\], got values in \[0, 40\]"),
    (0, -1, r"factor 'shape' must be in \[0, 2\], got values in \[-1, 2\]"),
])
def test_factors_out_of_range_are_named(dsprites, column, value, message):
    factors = dsprites.sample_factors(20, np.random.RandomState(0))
    factors[:, 0] = np.arange(20) % 3
    factors[:, 2] = np.arange(20) % 40
    factors[7, column] = value
    with pytest.raises(UserError, match=message):
        dsprites.index(factors)
    with pytest.raises(UserError, match=message):
        dsprites.sample_observations_from_factors(factors, np.random.RandomState(0))


def test_check_factors_copies_unless_told_not_to(dsprites):
    factors = dsprites.sample_factors(5, np.random.RandomState(0))
    assert dsprites.check_factors(factors) is not factors
    assert dsprites.check_factors(factors, copy=False) is factors
    np.testing.assert_array_equal(dsprites.check_factors(factors.astype(np.float64)), factors)


def test_every_sprite_stays_inside_the_frame():
    masks = sprites.sprite_masks()
    assert not (masks[..., 0, :].any() or masks[..., -1, :].any() or masks[..., :, 0].any()
                or masks[..., :, -1].any())
    table = sprites.row_table(masks)
    shape, scale, orientation = np.meshgrid(range(3), range(6), range(40), indexing="ij")
    sprite = np.stack([shape.ravel(), scale.ravel(), orientation.ravel()], axis=1)
    expected = masks.reshape(-1, sprites.SIZE * sprites.SIZE).sum(axis=1)
    assert expected.min() > 10
    for x, y in [(0, 0), (31, 31), (0, 31), (31, 0)]:
        corner = np.column_stack([sprite, np.full((len(sprite), 2), (x, y))])
        np.testing.assert_array_equal(sprites.render_numpy(table, corner).sum(axis=(1, 2, 3)), expected)


def test_shapes_differ_and_orientation_ends_coincide():
    masks = sprites.sprite_masks()
    for first, second in [(0, 1), (0, 2), (1, 2)]:
        assert (masks[first, 5, 5] != masks[second, 5, 5]).sum() > 20
    np.testing.assert_array_equal(masks[:, :, 0], masks[:, :, -1])  # 0 and 2*pi both in the grid
    assert masks[:, 5].sum() > masks[:, 0].sum() * 2  # scale 1 is twice the size of 0.5


def test_position_moves_the_sprite(dsprites):
    rng = np.random.RandomState(0)
    left, right = dsprites.sample_observations_from_factors(np.array([[0, 3, 0, 0, 16], [0, 3, 0, 31, 16]]), rng)
    columns = lambda image: np.nonzero(image.any(axis=(0, 2)))[0]  # noqa: E731
    assert columns(left).max() < columns(right).min()
    top, bottom = dsprites.sample_observations_from_factors(np.array([[1, 3, 0, 16, 0], [1, 3, 0, 16, 31]]), rng)
    rows = lambda image: np.nonzero(image.any(axis=(1, 2)))[0]  # noqa: E731
    assert rows(top).max() < rows(bottom).min()


def test_numpy_and_tensorflow_render_identical_pixels(dsprites):
    factors = dsprites.sample_factors(300, np.random.RandomState(1))
    factors[:4] = [[0, 0, 0, 0, 0], [2, 5, 39, 31, 31], [1, 5, 20, 0, 31], [2, 0, 7, 31, 0]]
    table = sprites.row_table()
    graph = tf.function(lambda f: sprites.render_tf(tf.constant(table), f))
    np.testing.assert_array_equal(graph(tf.constant(factors)).numpy(), sprites.render_numpy(table, factors))


def test_bad_factors_name_the_factor(dsprites):
    with pytest.raises(ValueError, match="orientation"):
        dsprites.sample_observations_from_factors(np.array([[0, 0, 40, 0, 0]]), np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"\(n, 5\)"):
        dsprites.sample_observations_from_factors(np.zeros((2, 4), int), np.random.RandomState(0))


def test_noshape_draws_the_shape_as_the_original(dsprites):
    noshape = data.get("dsprites_noshape")
    factors = noshape.sample_factors(20, np.random.RandomState(3))
    images = noshape.sample_observations_from_factors(factors, np.random.RandomState(5))
    reference = np.random.RandomState(5)
    reference.randint(1, size=20)  # colour column of the stored grid
    shapes = reference.randint(3, size=20)
    expected = dsprites.sample_observations_from_factors(np.column_stack([shapes, factors]), np.random.RandomState(0))
    np.testing.assert_array_equal(images, expected)


def test_color_and_noisy_draw_as_the_original(dsprites):
    factors = dsprites.sample_factors(8, np.random.RandomState(0))
    binary = dsprites.sample_observations_from_factors(factors, np.random.RandomState(0))
    color = data.get("color_dsprites").sample_observations_from_factors(factors, np.random.RandomState(2))
    expected = np.repeat(binary, 3, axis=3) * np.random.RandomState(2).uniform(0.5, 1, [8, 1, 1, 3])
    np.testing.assert_allclose(color, expected, rtol=1e-6)
    noisy = data.get("noisy_dsprites").sample_observations_from_factors(factors, np.random.RandomState(2))
    expected = np.minimum(np.repeat(binary, 3, axis=3) + np.random.RandomState(2).uniform(0, 1, [8, 64, 64, 3]), 1)
    np.testing.assert_allclose(noisy, expected, rtol=1e-6)
    assert color.shape == noisy.shape == (8, 64, 64, 3)


def test_scream_needs_its_picture(tmp_path, monkeypatch):
    monkeypatch.delenv("DISENT_TF_DATA", raising=False)
    with pytest.raises(MissingFileError, match="scream/scream.jpg"):
        data.get("scream_dsprites", str(tmp_path))


def test_scream_background_and_inverted_sprite(tmp_path, dsprites):
    (tmp_path / "scream").mkdir()
    picture = np.random.default_rng(0).integers(0, 256, size=(300, 400, 3), dtype=np.uint8)
    Image.fromarray(picture).save(tmp_path / "scream" / "scream.jpg")
    scream = data.get("scream_dsprites", str(tmp_path))
    assert scream.observation_shape == (64, 64, 3) and not scream.deterministic
    factors = dsprites.sample_factors(3, np.random.RandomState(0))
    images = scream.sample_observations_from_factors(factors, np.random.RandomState(4))
    assert images.shape == (3, 64, 64, 3) and 0 <= images.min() and images.max() <= 1
    # Reproduce the original's per-observation draws: crop row, crop column, colour.
    background = scream._scream
    rng = np.random.RandomState(4)
    sprite = dsprites.sample_observations_from_factors(factors, np.random.RandomState(0))[..., 0] == 1
    for i in range(3):
        x, y = rng.randint(0, background.shape[0] - 64), rng.randint(0, background.shape[1] - 64)
        expected = (background[x:x + 64, y:y + 64] + rng.uniform(0, 1, size=3)) / 2
        expected[sprite[i]] = 1 - expected[sprite[i]]
        np.testing.assert_allclose(images[i], expected, atol=1e-6)


def test_truncated_original_file_is_named(tmp_path):
    np.savez(tmp_path / "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz", imgs=np.zeros((10, 64, 64), np.uint8))
    with pytest.raises(UserError, match="dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"):
        data.get("dsprites_full", str(tmp_path))
    (tmp_path / "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="not a valid"):
        data.get("dsprites_full", str(tmp_path))


class _IndexEcho:
    """Stands in for the 3 GB image array: image i is filled with i % 251."""

    shape = (737280, 64, 64)

    def __getitem__(self, index):
        return np.broadcast_to((np.asarray(index) % 251).astype(np.uint8)[:, None, None], (len(index), 64, 64))


def test_original_images_are_read_in_grid_order():
    from disent_tf.data.dsprites import DSprites

    original = DSprites(images=_IndexEcho())
    assert not original.embedded and original.deterministic
    factors = np.array([[2, 5, 39, 31, 31], [0, 0, 0, 0, 1], [1, 2, 3, 4, 5]])
    observations = original.sample_observations_from_factors(factors, np.random.RandomState(0))
    expected = np.ravel_multi_index(factors.T, (3, 6, 40, 32, 32)) % 251
    np.testing.assert_array_equal(observations[:, 0, 0, 0], expected)
