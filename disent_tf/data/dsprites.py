"""dSprites and its variants (Higgins et al. 2017; variants of Locatello et al. 2019).

Factor grids, index order and random draws follow disentanglement_lib's
`dsprites.py` (DSprites with latent_factor_indices): the stored grid is
(colour 1, shape 3, scale 6, orientation 40, pos_x 32, pos_y 32); the factor
columns are a subset of it and the others (colour, and shape for
dsprites_noshape) are drawn at random per observation from the caller's rng,
in the original's order, so a seed gives the original's random stream.

Without the original .npz the sprites are rendered by `sprites` (embedded).
"""

import io
import threading
import warnings
import zipfile

import numpy as np
import tensorflow as tf
from PIL import Image, UnidentifiedImageError

from disent_tf.data import files, sprites
from disent_tf.data.base import GroundTruthData, _randint
from disent_tf.data.grid import SplitGrid
from disent_tf.errors import UserError

DSPRITES_FILE = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"
FULL_SIZES = (1, 3, 6, 40, 32, 32)  # colour, shape, scale, orientation, pos_x, pos_y
FULL_NAMES = ("color", "shape", "scale", "orientation", "pos_x", "pos_y")
ALL_FACTORS = (1, 2, 3, 4, 5)
SCREAM_FILE = "scream/scream.jpg"
SCREAM_THUMBNAIL = (350, 274)


def check_dsprites_file(path):
    """Reads the zip directory and the header of the file's 'imgs' array; a UserError naming the file if wrong.

    Cheap (no decompression), so a bad file fails when the data set is built,
    while the 3 GB of pixels are read on first use. Besides the header's shape
    and dtype, the sizes the zip directory records must hold the whole array:
    a file with a valid header but cut-short data fails here too.
    """
    expected = (int(np.prod(FULL_SIZES)), sprites.IMAGE_SIZE, sprites.IMAGE_SIZE)
    try:
        with tf.io.gfile.GFile(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
            info = archive.getinfo("imgs.npy")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(member)
                header_bytes = member.tell()
        archive_bytes = tf.io.gfile.stat(path).length
    except files.READ_ERRORS as error:
        raise files.read_failure(path, "dSprites archive with an 'imgs' array", error) from None
    if tuple(shape) != expected or np.dtype(dtype) != np.uint8:
        raise files.bad_file(path, f"dSprites archive: 'imgs' is {np.dtype(dtype)} {tuple(shape)}, "
                                   f"expected uint8 {expected}")
    check_member_sizes(path, info, header_bytes + int(np.prod(expected)), archive_bytes)


def check_member_sizes(path, info, needed_bytes, archive_bytes):
    """UserError when zip member `info` is shorter than `needed_bytes` or runs past the archive's end."""
    if info.file_size < needed_bytes:
        raise files.damaged(path, f"its 'imgs' array has {info.file_size} of the {needed_bytes} bytes "
                                  "its header announces")
    # The member's data starts after a local header of at least 30 bytes.
    if info.header_offset + 30 + info.compress_size > archive_bytes:
        raise files.damaged(path, f"the archive has {archive_bytes} bytes but its 'imgs' array ends after "
                                  f"byte {info.header_offset + 30 + info.compress_size}")


def load_dsprites_images(path):
    """uint8 (737280, 64, 64) images of the original dSprites .npz (3 GB, never float32)."""
    try:
        with tf.io.gfile.GFile(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:
            return np.asarray(archive["imgs"], dtype=np.uint8)
    except files.READ_ERRORS as error:
        # check_dsprites_file passed, so the header is right and the data are cut short or corrupt.
        if files.is_permission_error(error):
            raise files.unreadable(path) from None
        raise files.damaged(path, f"reading its 'imgs' array failed: {error}") from None


class DSprites(GroundTruthData):
    """Binary dSprites: rendered, or read from the original file when present."""

    name = "dsprites_full"

    def __init__(self, data_dir=None, factor_columns=ALL_FACTORS, name=None, images=None):
        """`images`: uint8 (737280, 64, 64) in grid order; by default the file, else rendered."""
        if name:
            self.name = name
        self._grid = SplitGrid(FULL_SIZES, factor_columns)
        self._images, self._source, self._table = images, "array", None
        self._loading = threading.Lock()  # tf.data may sample from several threads at once
        if images is None:
            self._source = files.find(data_dir, DSPRITES_FILE, "dsprites/" + DSPRITES_FILE)
            if self._source is not None:
                check_dsprites_file(self._source)
            else:
                self._table = sprites.row_table()
                self._source = "embedded renderer (disent_tf.data.sprites)"

    @property
    def factor_names(self):
        return [FULL_NAMES[column] for column in self._grid.factor_columns]

    @property
    def factor_sizes(self):
        return self._grid.factor_sizes

    @property
    def observation_shape(self):
        return (64, 64, 1)

    @property
    def data_source(self):
        return self._source

    @property
    def embedded(self):
        """True when the images are rendered by the library rather than read from a file."""
        return self._table is not None

    @property
    def deterministic(self):
        return self._grid.deterministic

    def sample_observations_from_factors(self, factors, rng):
        binary = self._binary(self._grid.complete(self.check_factors(factors), rng))
        return self._decorate(binary, rng)

    def _binary(self, full_factors):
        """float32 (n, 64, 64, 1) binary sprites for full-grid factor rows."""
        if self._table is not None:
            return sprites.render_numpy(self._table, full_factors[:, 1:])
        with self._loading:
            if self._images is None:  # the original file, read on first use
                self._images = load_dsprites_images(self._source)
        return self._images[self._grid.full_index(full_factors)].astype(np.float32)[..., None]

    def _decorate(self, binary, rng):
        """The variant's observation from binary sprites; the plain set returns them."""
        return binary

    # --- TensorFlow graph sampling (used by pipeline.training_dataset) ---------

    @property
    def supports_graph_sampling(self):
        """True when `graph_observations` can render inside a tf.data graph."""
        return self.embedded

    def graph_observations(self, factors, seed):
        """float32 (n, H, W, C) for an int64 (n, num_factors) tensor, with TF ops.

        Hidden factors and variant noise use stateless draws keyed by `seed`
        (shape [2]), so the pipeline is reproducible; these draws are not the
        numpy stream of `sample_observations_from_factors`.
        """
        hidden_key, decorate_key = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        num = tf.shape(factors)[0]
        columns = []
        for column, size in enumerate(FULL_SIZES):
            if column in self._grid.factor_columns:
                columns.append(tf.cast(factors[:, self._grid.factor_columns.index(column)], tf.int64))
            else:
                key = tf.random.experimental.stateless_fold_in(hidden_key, column)
                columns.append(tf.random.stateless_uniform([num], key, minval=0, maxval=size, dtype=tf.int64))
        binary = sprites.render_tf(tf.constant(self._table), tf.stack(columns[1:], axis=1))
        return self._graph_decorate(binary, decorate_key)

    def _graph_decorate(self, binary, seed):
        """The variant's observation from binary sprites, in TF ops."""
        return binary


class _RGBVariant(DSprites):
    """The variants with random colour, noise or background: RGB, and random given the factors."""

    @property
    def observation_shape(self):
        return (64, 64, 3)

    @property
    def deterministic(self):
        return False


class ColorDSprites(_RGBVariant):
    """The sprite is coloured with a random RGB colour uniform in [0.5, 1]^3 (not a factor)."""

    name = "color_dsprites"

    def _decorate(self, binary, rng):
        color = rng.uniform(0.5, 1, [binary.shape[0], 1, 1, 3])
        return (np.repeat(binary, 3, axis=3) * color).astype(np.float32)

    def _graph_decorate(self, binary, seed):
        color = tf.random.stateless_uniform([tf.shape(binary)[0], 1, 1, 3], seed, 0.5, 1.0)
        return binary * color


class NoisyDSprites(_RGBVariant):
    """White sprite on per-pixel uniform noise: min(sprite + noise, 1)."""

    name = "noisy_dsprites"

    def _decorate(self, binary, rng):
        noise = rng.uniform(0, 1, [binary.shape[0], 64, 64, 3])
        return np.minimum(np.repeat(binary, 3, axis=3) + noise, 1.0).astype(np.float32)

    def _graph_decorate(self, binary, seed):
        noise = tf.random.stateless_uniform([tf.shape(binary)[0], 64, 64, 3], seed)
        return tf.minimum(binary + noise, 1.0)


def load_scream(path):
    """float64 (H, W, 3) in [0, 1]: The Scream thumbnailed to fit 350x274, as the original.

    An image above PIL's decompression-bomb limit (Image.MAX_IMAGE_PIXELS,
    89 megapixels by default; the original picture is far smaller) is refused
    before it is decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(files.read_bytes(path))) as image:
                image = image.convert("RGB")
                image.thumbnail(SCREAM_THUMBNAIL)
                scream = np.asarray(image, dtype=np.float64) / 255.0
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(f"{path} is too large an image to decode safely (over PIL's limit of "
                        f"{Image.MAX_IMAGE_PIXELS} pixels, a possible decompression bomb); replace it with "
                        "the original scream.jpg (see docs/data.md).") from None
    except (OSError, UnidentifiedImageError) as error:
        raise files.bad_file(path, f"image ({error})") from None
    if scream.shape[0] <= 64 or scream.shape[1] <= 64:
        raise files.bad_file(path, f"Scream image: {scream.shape[:2]} is too small for 64x64 crops")
    return scream


class ScreamDSprites(_RGBVariant):
    """A random crop of The Scream, averaged with a random colour; the sprite inverts it."""

    name = "scream_dsprites"

    def __init__(self, data_dir=None, factor_columns=ALL_FACTORS, name=None, images=None):
        # Look for the picture first: a missing file should fail before any rendering work.
        self._scream = load_scream(files.require(data_dir, "scream_dsprites", SCREAM_FILE, "scream.jpg"))
        super().__init__(data_dir, factor_columns, name, images)

    @property
    def supports_graph_sampling(self):
        return False

    def _decorate(self, binary, rng):
        observations = np.repeat(binary, 3, axis=3).astype(np.float64)
        height, width = self._scream.shape[:2]
        for i in range(observations.shape[0]):
            # One crop and colour per observation, drawn in the original's order.
            x_crop = _randint(rng, height - 64, None)
            y_crop = _randint(rng, width - 64, None)
            background = (self._scream[x_crop:x_crop + 64, y_crop:y_crop + 64]
                          + rng.uniform(0, 1, size=3)) / 2.0
            mask = observations[i] == 1
            background[mask] = 1 - background[mask]
            observations[i] = background
        return observations.astype(np.float32)
