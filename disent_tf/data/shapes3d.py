"""3D Shapes (Burgess & Kim 2018, https://github.com/deepmind/3d-shapes): `3dshapes.h5`.

Factors floor_hue 10, wall_hue 10, object_hue 10, scale 8, shape 4,
orientation 15; 480,000 images uint8 (64, 64, 3) held in memory as uint8
(5.9 GB). The float labels are turned into class indices (rank of the value in
its column) and map every grid point to its image row.
"""

import h5py
import numpy as np
import tensorflow as tf

from disent_tf.data import files
from disent_tf.data.arrays import ArrayData, check_count, rows_from_labels
from disent_tf.data.grid import SplitGrid

FILE = "3dshapes.h5"
FACTOR_NAMES = ("floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation")
FACTOR_SIZES = (10, 10, 10, 8, 4, 15)


def label_classes(path, labels, sizes):
    """int64 class index of each label value, per column; the column must have `size` values."""
    classes = np.zeros(labels.shape, dtype=np.int64)
    for column, size in enumerate(sizes):
        values, classes[:, column] = np.unique(labels[:, column], return_inverse=True)
        if values.size != size:
            raise files.bad_file(path, f"3dshapes file: label column {column} has {values.size} "
                                       f"distinct values, expected {size}")
    return classes


def read_h5(path):
    """(images uint8 (n, 64, 64, 3), labels float64 (n, 6)) of a 3dshapes.h5, or a UserError."""
    try:
        with tf.io.gfile.GFile(path, "rb") as handle, h5py.File(handle, "r") as h5:
            images = np.asarray(h5["images"][()], dtype=np.uint8)
            labels = np.asarray(h5["labels"][()], dtype=np.float64)
    except files.READ_ERRORS as error:
        raise files.read_failure(path, "3dshapes HDF5 file with 'images' and 'labels'", error) from None
    if images.ndim != 4 or images.shape[1:] != (64, 64, 3) or labels.shape != (images.shape[0], 6):
        raise files.bad_file(path, f"3dshapes HDF5 file: images {images.shape} and labels {labels.shape} "
                                   "should be (n, 64, 64, 3) and (n, 6)")
    return images, labels


class Shapes3D(ArrayData):
    """3D Shapes from `<data_dir>/3dshapes.h5` (or `<data_dir>/3dshapes/3dshapes.h5`)."""

    def __init__(self, data_dir=None, factor_sizes=FACTOR_SIZES):
        path = files.require(data_dir, "shapes3d", FILE, "3dshapes/" + FILE)
        images, labels = read_h5(path)
        check_count(path, "shapes3d", images.shape[0], factor_sizes)
        grid = SplitGrid(factor_sizes, range(len(factor_sizes)))
        rows = rows_from_labels(path, grid, label_classes(path, labels, factor_sizes))
        super().__init__("shapes3d", FACTOR_NAMES, grid, images, path, rows)
