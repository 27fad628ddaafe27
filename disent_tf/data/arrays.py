"""Data sets held in memory as uint8 images, addressed through their factor grid.

Every file-backed loader (and the TFDS sources) ends in an `ArrayData`: the
images as one uint8 array (1 byte per pixel channel: the float32 the original
kept would be 4x larger), a `SplitGrid` describing the stored grid, and, when
the file is not stored in grid order, a lookup table from grid index to row.
"""

import numpy as np

from disent_tf.data import files
from disent_tf.data.base import GroundTruthData
from disent_tf.errors import UserError


class ArrayData(GroundTruthData):
    """Observations = images[row of the completed factor grid point] / pixel_max."""

    def __init__(self, name, factor_names, grid, images, source, rows=None, pixel_max=255.0):
        self.name = name
        self._factor_names = list(factor_names)
        self._grid = grid
        self._images = images
        self._source = source
        self._rows = rows
        self._pixel_max = float(pixel_max)

    @property
    def factor_names(self):
        return self._factor_names

    @property
    def factor_sizes(self):
        return self._grid.factor_sizes

    @property
    def observation_shape(self):
        return tuple(int(size) for size in self._images.shape[1:])

    @property
    def data_source(self):
        return self._source

    @property
    def deterministic(self):
        return self._grid.deterministic

    def sample_observations_from_factors(self, factors, rng):
        full = self._grid.complete(self.check_factors(factors), rng)
        index = self._grid.full_index(full)
        if self._rows is not None:
            index = self._rows[index]
            if index.size and index.min() < 0:
                raise UserError(f"{self.name}: {self._source} holds no image for factors "
                                f"{full[np.argmin(index)].tolist()}; it does not cover the factor grid.")
        return (self._images[index].astype(np.float32) / self._pixel_max).astype(np.float32)


def check_count(path, dataset, count, sizes):
    """UserError naming the file when it holds a different number of images than the grid."""
    expected = int(np.prod(sizes, dtype=np.int64))
    if int(count) != expected:
        raise UserError(
            f"{path} holds {count} images but the {dataset} grid {list(sizes)} needs {expected}; "
            "the file is truncated or not the original one (see docs/data.md).")


def rows_from_labels(path, grid, full_factors, complete=True):
    """Lookup grid index -> image row from per-image factor classes (n, len(full_sizes)).

    Rows of grid points that no image has are -1; with `complete` the file must
    cover the grid exactly once (as the original's StateSpaceAtomIndex checks).
    Returns None when the images are already in grid order.
    """
    index = grid.full_index(full_factors)
    if complete and (index.size != np.prod(grid.full_sizes) or np.unique(index).size != index.size):
        raise files.bad_file(path, "file for this grid: its labels do not cover every factor combination once")
    if complete and np.array_equal(index, np.arange(index.size)):
        return None
    rows = np.full(int(np.prod(grid.full_sizes, dtype=np.int64)), -1, dtype=np.int64)
    rows[index] = np.arange(index.size)
    return rows
