"""Writers of tiny files in each original format, for the loader tests."""

import numpy as np
import scipy.io


def write_shapes3d(path, sizes, rng, permute=True):
    """3dshapes.h5 for a tiny grid; rows shuffled (labels say where each image belongs)."""
    import h5py

    count = int(np.prod(sizes))
    classes = np.stack(np.unravel_index(np.arange(count), sizes), axis=1)
    # Float label values as in the real file: an increasing value per class.
    labels = classes * 0.25 - 1.0
    images = rng.integers(0, 256, size=(count, 64, 64, 3), dtype=np.uint8)
    order = rng.permutation(count) if permute else np.arange(count)
    with h5py.File(path, "w") as h5:
        h5.create_dataset("images", data=images[order])
        h5.create_dataset("labels", data=labels[order].astype(np.float64))
    return images  # in grid order


def write_binary_matrix(path, array):
    """NYU binary matrix: int32 magic, int32 ndim, max(3, ndim) int32 dims, data."""
    magic = {np.dtype(np.uint8): 0x1E3D4C55, np.dtype(np.int32): 0x1E3D4C54}[array.dtype]
    dims = list(array.shape) + [1] * max(0, 3 - array.ndim)
    header = np.array([magic, array.ndim] + dims, dtype="<i4").tobytes()
    with open(path, "wb") as handle:
        handle.write(header + array.astype(array.dtype.newbyteorder("<")).tobytes())


def write_smallnorb(folder, sizes, num_instances, rng):
    """The six SmallNORB .mat files for a tiny grid; instances split between the two chunks.

    Returns (images (n, 96, 96) uint8, labels (n, 5): category, instance, elevation, azimuth, lighting).
    """
    category, elevation, azimuth, lighting = sizes
    full = (category, num_instances, elevation, azimuth, lighting)
    labels = np.stack(np.unravel_index(np.arange(int(np.prod(full))), full), axis=1).astype(np.int32)
    labels = labels[rng.permutation(labels.shape[0])]
    images = rng.integers(0, 256, size=(labels.shape[0], 96, 96), dtype=np.uint8)
    training = labels[:, 1] % 2 == 0
    for chunk, part in (("5x46789x9x18x6x2x96x96-training", training),
                        ("5x01235x9x18x6x2x96x96-testing", ~training)):
        stereo = np.stack([images[part], 255 - images[part]], axis=1)
        info = labels[part][:, 1:].copy()
        info[:, 2] *= 2  # azimuth is stored as 0, 2, 4, ...
        write_binary_matrix(folder / f"smallnorb-{chunk}-dat.mat", stereo)
        write_binary_matrix(folder / f"smallnorb-{chunk}-cat.mat", labels[part][:, 0].astype(np.int32))
        write_binary_matrix(folder / f"smallnorb-{chunk}-info.mat", info.astype(np.int32))
    return np.concatenate([images[training], images[~training]]), np.concatenate(
        [labels[training], labels[~training]])


def write_cars(folder, elevations, azimuths, objects, rng, side=32):
    """`objects` car files `im` (side, side, 3, azimuths, elevations), names not in sorted order."""
    folder.mkdir(parents=True, exist_ok=True)
    meshes = []
    for number in range(objects):
        mesh = rng.integers(0, 256, size=(side, side, 3, azimuths, elevations), dtype=np.uint8)
        scipy.io.savemat(str(folder / f"car_{objects - number:03d}_mesh.mat"), {"im": mesh})
        meshes.append(mesh)
    return meshes[::-1]  # sorted file-name order
