"""SmallNORB (LeCun et al. 2004, https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/).

The six `smallnorb-...-{training,testing}-{dat,cat,info}.mat` files in NYU's
binary-matrix format. Training and testing are concatenated; of each stereo
pair the first image is used, resized 96 -> 64 (Lanczos, as the original's
antialiased resize). The stored grid is (category 5, instance 10, elevation 9,
azimuth 18, lighting 6); the instance is not a factor, so each observation
picks a random instance of its category (drawn from the caller's rng after
the factors, as disentanglement_lib's norb.py does). 48,600 images, 200 MB of
uint8 in memory.
"""

import numpy as np
from PIL import Image

from disent_tf.data import files
from disent_tf.data.arrays import ArrayData, check_count, rows_from_labels
from disent_tf.data.grid import SplitGrid

CHUNKS = ("5x46789x9x18x6x2x96x96-training", "5x01235x9x18x6x2x96x96-testing")
FACTOR_NAMES = ("category", "elevation", "azimuth", "lighting")
FACTOR_SIZES = (5, 9, 18, 6)
NUM_INSTANCES = 10
# Magic numbers of the NYU binary matrix format -> element type (little endian).
DTYPES = {0x1E3D4C55: np.uint8, 0x1E3D4C54: np.int32, 0x1E3D4C51: np.float32, 0x1E3D4C53: np.float64}


def file_name(chunk, kind):
    return f"smallnorb-{chunk}-{kind}.mat"


def parse_binary_matrix(path, content):
    """The array in NYU binary-matrix bytes: int32 magic, int32 ndim, max(3, ndim) int32 dims, data."""
    if len(content) < 20:
        raise files.bad_file(path, "SmallNORB binary matrix (header too short)")
    magic, ndim = np.frombuffer(content, "<i4", 2)
    if int(magic) not in DTYPES or not 0 < ndim < 16:
        raise files.bad_file(path, f"SmallNORB binary matrix (magic {int(magic):#x}, ndim {int(ndim)})")
    header = 8 + 4 * max(3, int(ndim))
    dims = tuple(int(d) for d in np.frombuffer(content, "<i4", int(ndim), 8))
    dtype = np.dtype(DTYPES[int(magic)]).newbyteorder("<")
    if len(content) < header or len(content) - header != int(np.prod(dims)) * dtype.itemsize:
        raise files.bad_file(path, f"SmallNORB binary matrix: {len(content)} bytes do not fit the "
                                   f"header's dimensions {dims}")
    return np.frombuffer(content, dtype, offset=header).reshape(dims)


def read_matrix(data_dir, chunk, kind):
    path = files.require(data_dir, "smallnorb", file_name(chunk, kind), "small_norb/" + file_name(chunk, kind))
    return path, parse_binary_matrix(path, files.read_bytes(path))


def resize(images, size=64):
    """uint8 (n, size, size) Lanczos resize of uint8 (n, H, W) images."""
    return np.stack([np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS))
                     for image in images])


def read_chunk(data_dir, chunk):
    """(uint8 images (n, 64, 64), int64 (n, 5) category, instance, elevation, azimuth, lighting)."""
    dat_path, dat = read_matrix(data_dir, chunk, "dat")
    cat_path, category = read_matrix(data_dir, chunk, "cat")
    info_path, info = read_matrix(data_dir, chunk, "info")
    if dat.ndim != 4 or dat.shape[1] != 2:
        raise files.bad_file(dat_path, f"SmallNORB -dat file: shape {dat.shape}, expected (n, 2, H, W)")
    if category.shape != (dat.shape[0],) or info.shape != (dat.shape[0], 4):
        raise files.bad_file(info_path, f"SmallNORB -cat/-info file: shapes {category.shape} and "
                                        f"{info.shape} do not match {dat.shape[0]} images")
    labels = np.column_stack([category, info]).astype(np.int64)
    labels[:, 3] //= 2  # azimuth is stored as 0, 2, ..., 34
    return resize(dat[:, 0]), labels


class SmallNORB(ArrayData):
    """SmallNORB from `<data_dir>/smallnorb-*.mat` (or `<data_dir>/small_norb/`)."""

    def __init__(self, data_dir=None, factor_sizes=FACTOR_SIZES, num_instances=NUM_INSTANCES):
        chunks = [read_chunk(data_dir, chunk) for chunk in CHUNKS]
        images = np.concatenate([images for images, _ in chunks])[..., None]
        labels = np.concatenate([labels for _, labels in chunks])
        category, elevation, azimuth, lighting = factor_sizes
        grid = SplitGrid((category, num_instances, elevation, azimuth, lighting), (0, 2, 3, 4))
        where = files.find(data_dir, file_name(CHUNKS[0], "dat"), "small_norb/" + file_name(CHUNKS[0], "dat"))
        folder = where.rsplit("/", 1)[0]
        check_count(folder, "smallnorb", images.shape[0], grid.full_sizes)
        for column, size in enumerate(grid.full_sizes):
            if labels[:, column].min() < 0 or labels[:, column].max() >= size:
                raise files.bad_file(folder, f"SmallNORB folder: label column {column} leaves [0, {size})")
        rows = rows_from_labels(folder, grid, labels)
        super().__init__("smallnorb", FACTOR_NAMES, grid, images, folder, rows)
