"""MPI3D (Gondal et al. 2019, https://github.com/rr-learning/disentanglement_dataset).

`mpi3d_{toy,realistic,real}.npz`, key `images` (n, 64, 64, 3) uint8 in
factor-major (row-major grid) order. Files of 1,036,800 images (published
today) have object_color 6 and object_shape 6; the competition files of
460,800 images, which the original study used, have 4 and 4: the loader
tells them apart by the image count. Held in memory as uint8 (12.7 GB / 5.7 GB).
"""

import numpy as np
import tensorflow as tf

from disent_tf.data import files
from disent_tf.data.arrays import ArrayData, check_count
from disent_tf.data.grid import SplitGrid
from disent_tf.errors import UserError

FACTOR_NAMES = ("object_color", "object_shape", "object_size", "camera_height",
                "background_color", "horizontal_axis", "vertical_axis")
SIZES_BY_COUNT = {
    1036800: (6, 6, 2, 3, 3, 40, 40),
    460800: (4, 4, 2, 3, 3, 40, 40),
}
VARIANTS = ("mpi3d_toy", "mpi3d_realistic", "mpi3d_real")


def read_images(path):
    """uint8 (n, 64, 64, 3) `images` of an MPI3D .npz, or a UserError naming the file."""
    try:
        with tf.io.gfile.GFile(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:
            images = np.asarray(archive["images"], dtype=np.uint8)
    except files.READ_ERRORS as error:
        raise files.read_failure(path, "MPI3D .npz with an 'images' array", error) from None
    if images.ndim != 4 or images.shape[1:] != (64, 64, 3):
        raise files.bad_file(path, f"MPI3D .npz: images have shape {images.shape}, expected (n, 64, 64, 3)")
    return images


class MPI3D(ArrayData):
    """One of mpi3d_toy / mpi3d_realistic / mpi3d_real from `<data_dir>/<variant>.npz`."""

    def __init__(self, data_dir=None, variant="mpi3d_toy", factor_sizes=None):
        if variant not in VARIANTS:
            raise UserError(f"unknown MPI3D variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
        path = files.require(data_dir, variant, f"{variant}.npz", f"{variant}/{variant}.npz")
        images = read_images(path)
        if factor_sizes is None:
            if images.shape[0] not in SIZES_BY_COUNT:
                raise UserError(
                    f"{path} holds {images.shape[0]} images; an MPI3D file has 1036800 or 460800, "
                    "so it is truncated or not the original one (see docs/data.md).")
            factor_sizes = SIZES_BY_COUNT[images.shape[0]]
        check_count(path, variant, images.shape[0], factor_sizes)
        grid = SplitGrid(factor_sizes, range(len(factor_sizes)))
        super().__init__(variant, FACTOR_NAMES, grid, images, path)
