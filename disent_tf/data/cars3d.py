"""Cars3D (Reed et al. 2015, "Deep Visual Analogy-Making"): `cars/*.mat`.

Each of the 183 files holds one car, `im` uint8 (128, 128, 3, 24, 4): azimuth
on axis 3, elevation on axis 4 (disentanglement_lib's einsum "abcde->deabc").
Images are resized to 64x64 (Lanczos, as the original's antialiased
thumbnail). Factors elevation 4, azimuth 24, object 183; the object index is
the file's position in sorted file-name order, so it is the same on every
machine (the original used unsorted directory order). 17,568 images, 216 MB
of uint8 in memory.
"""

import numpy as np
import scipy.io
import tensorflow as tf
from PIL import Image

from disent_tf.data import files
from disent_tf.data.arrays import ArrayData
from disent_tf.data.grid import SplitGrid
from disent_tf.errors import UserError

FOLDER = "cars"
FACTOR_NAMES = ("elevation", "azimuth", "object")
FACTOR_SIZES = (4, 24, 183)


def resize(image, size=64):
    """uint8 (size, size, C) Lanczos resize of one uint8 image."""
    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS))


def read_car(path, elevations, azimuths):
    """uint8 (elevations, azimuths, 64, 64, 3) of one car file, or a UserError naming it."""
    try:
        with tf.io.gfile.GFile(path, "rb") as handle:
            mesh = np.asarray(scipy.io.loadmat(handle)["im"])
    except files.READ_ERRORS as error:
        raise files.read_failure(path, "Cars3D .mat file with an 'im' array", error) from None
    if mesh.ndim != 5 or mesh.shape[2:] != (3, azimuths, elevations):
        raise files.bad_file(path, f"Cars3D .mat file: 'im' has shape {mesh.shape}, expected "
                                   f"(H, W, 3, {azimuths}, {elevations})")
    mesh = mesh.astype(np.uint8)
    return np.stack([np.stack([resize(mesh[:, :, :, azimuth, elevation]) for azimuth in range(azimuths)])
                     for elevation in range(elevations)])


class Cars3D(ArrayData):
    """Cars3D from `<data_dir>/cars/*.mat`."""

    def __init__(self, data_dir=None, factor_sizes=FACTOR_SIZES):
        folder = files.require(data_dir, "cars3d", FOLDER)
        paths = sorted(tf.io.gfile.glob(f"{folder}/*.mat"))
        elevations, azimuths, objects = factor_sizes
        if len(paths) != objects:
            raise UserError(f"{folder} holds {len(paths)} .mat files but cars3d needs {objects} "
                            "(one per car); copy all of the original cars/*.mat files there (see docs/data.md).")
        cars = np.stack([read_car(path, elevations, azimuths) for path in paths], axis=2)
        images = cars.reshape((-1, 64, 64, 3))  # (elevation, azimuth, object) row-major = grid order
        grid = SplitGrid(factor_sizes, range(3))
        super().__init__("cars3d", FACTOR_NAMES, grid, images, folder)
