"""Data sets read from a locally prepared TensorFlow Datasets folder (never downloaded).

`tfds:dsprites`, `tfds:shapes3d` and `tfds:smallnorb` load their split with
`download=False` from `data_dir` (or $DISENT_TF_DATA, else TFDS's default
~/tensorflow_datasets) into memory as uint8 with a factor -> row lookup:
dsprites 3.0 GB, shapes3d 5.9 GB, smallnorb (train+test, resized to 64x64)
200 MB. Grid points that the split lacks raise a clear error when sampled.
"""

import numpy as np

from disent_tf.data import files
from disent_tf.data.arrays import ArrayData, rows_from_labels
from disent_tf.data.grid import SplitGrid
from disent_tf.errors import MissingFileError, UserError

# name -> (split, factor names, label keys, full grid sizes, factor columns, pixel max)
SOURCES = {
    "dsprites": dict(
        split="train", names=("shape", "scale", "orientation", "pos_x", "pos_y"),
        keys=("label_shape", "label_scale", "label_orientation", "label_x_position", "label_y_position"),
        sizes=(3, 6, 40, 32, 32), columns=(0, 1, 2, 3, 4), pixel_max=1.0),
    "shapes3d": dict(
        split="train", names=("floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation"),
        keys=("label_floor_hue", "label_wall_hue", "label_object_hue", "label_scale", "label_shape",
              "label_orientation"),
        sizes=(10, 10, 10, 8, 4, 15), columns=(0, 1, 2, 3, 4, 5), pixel_max=255.0),
    # The instance is stored in the grid but is not a factor, as in the .mat loader.
    "smallnorb": dict(
        split="train+test", names=("category", "elevation", "azimuth", "lighting"),
        keys=("label_category", "instance", "label_elevation", "label_azimuth", "label_lighting"),
        sizes=(5, 10, 9, 18, 6), columns=(0, 2, 3, 4), pixel_max=255.0),
}


def _load(tfds_name, split, data_dir):
    import tensorflow_datasets as tfds

    try:
        return tfds.load(tfds_name, split=split, data_dir=data_dir, download=False)
    except (AssertionError, tfds.core.registered.DatasetNotFoundError, FileNotFoundError):
        where = data_dir or "the default TFDS folder (~/tensorflow_datasets)"
        raise MissingFileError(
            f"tfds:{tfds_name} found no prepared data in {where}; prepare it there with "
            f"`tfds build {tfds_name}` or point --data_dir / {files.ENV_VAR} at a prepared TFDS folder "
            "(see docs/data.md).") from None


def _to_64(images):
    """uint8 images resized to 64x64 (SmallNORB's 96x96), as the .mat loader does."""
    if images.shape[1:3] == (64, 64):
        return images
    from disent_tf.data.smallnorb import resize
    return resize(images[..., 0])[..., None]


class TFDSData(ArrayData):
    """A TFDS data set as GroundTruthData, loaded into memory."""

    def __init__(self, data_dir=None, tfds_name="dsprites"):
        if tfds_name not in SOURCES:
            raise UserError(f"unknown TFDS source {tfds_name!r}; choose one of {', '.join(SOURCES)}.")
        spec = SOURCES[tfds_name]
        folder = files.data_folder(data_dir)
        dataset = _load(tfds_name, spec["split"], folder)
        images, labels = [], []
        for batch in dataset.batch(4096).as_numpy_iterator():
            images.append(_to_64(np.asarray(batch["image"], dtype=np.uint8)))
            labels.append(np.stack([batch[key] for key in spec["keys"]], axis=1).astype(np.int64))
        if not images:
            raise UserError(f"tfds:{tfds_name} in {folder} has an empty {spec['split']} split; rebuild it.")
        grid = SplitGrid(spec["sizes"], spec["columns"])
        rows = rows_from_labels(f"tfds:{tfds_name}", grid, np.concatenate(labels), complete=False)
        super().__init__(f"tfds:{tfds_name}", spec["names"], grid, np.concatenate(images),
                         f"tfds:{tfds_name} ({folder or 'default TFDS folder'})", rows, spec["pixel_max"])
