"""Loaders of the original files, each fed a tiny file in the original format."""

import numpy as np
import pytest
from PIL import Image

from disent_tf import data
from disent_tf.data.cars3d import Cars3D
from disent_tf.data.mpi3d import MPI3D
from disent_tf.data.shapes3d import Shapes3D
from disent_tf.data.smallnorb import SmallNORB
from disent_tf.errors import MissingFileError, UserError

from . import original_files


def test_every_name_loads_or_names_the_missing_file(tmp_path, monkeypatch):
    monkeypatch.delenv("DISENT_TF_DATA", raising=False)
    for name in data.names():
        if name.startswith("dsprites") or name in ("color_dsprites", "noisy_dsprites"):
            assert data.get(name, str(tmp_path)).num_observations > 0
            continue
        with pytest.raises(MissingFileError, match="DISENT_TF_DATA"):
            data.get(name, str(tmp_path))


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(UserError, match="dsprites_full, dsprites_noshape"):
        data.get("dsprite")


def test_data_folder_comes_from_the_environment_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setenv("DISENT_TF_DATA", str(tmp_path))
    with pytest.raises(MissingFileError, match=str(tmp_path / "3dshapes.h5")):
        data.get("shapes3d")


def test_shapes3d_labels_place_every_image(tmp_path):
    sizes = (2, 2, 2, 2, 2, 3)
    images = original_files.write_shapes3d(tmp_path / "3dshapes.h5", sizes, np.random.default_rng(0))
    shapes = Shapes3D(str(tmp_path), factor_sizes=sizes)
    assert shapes.factor_sizes == list(sizes) and shapes.observation_shape == (64, 64, 3)
    assert shapes.factor_names[0] == "floor_hue" and shapes.deterministic
    np.testing.assert_allclose(shapes.observations_at(np.arange(len(images))), images / 255.0, atol=1e-7)


def test_shapes3d_grid_size_mismatch_names_the_file(tmp_path):
    original_files.write_shapes3d(tmp_path / "3dshapes.h5", (2, 2, 2, 2, 2, 2), np.random.default_rng(0))
    with pytest.raises(UserError, match="3dshapes.h5 holds 64 images"):
        Shapes3D(str(tmp_path), factor_sizes=(2, 2, 2, 2, 2, 3))
    with pytest.raises(UserError, match="3dshapes.h5 holds 64 images"):
        data.get("shapes3d", str(tmp_path))  # the study's grid needs 480,000
    (tmp_path / "3dshapes.h5").write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    with pytest.raises(UserError, match="3dshapes.h5 is not a valid"):
        Shapes3D(str(tmp_path), factor_sizes=(2, 2, 2, 2, 2, 2))


def test_mpi3d_grid_order_and_counts(tmp_path):
    sizes = (2, 2, 2, 3, 3, 2, 2)
    images = np.random.default_rng(1).integers(0, 256, size=(int(np.prod(sizes)), 64, 64, 3), dtype=np.uint8)
    np.savez(tmp_path / "mpi3d_real.npz", images=images)
    mpi3d = MPI3D(str(tmp_path), variant="mpi3d_real", factor_sizes=sizes)
    assert mpi3d.name == "mpi3d_real" and mpi3d.num_factors == 7
    factors = np.array([[1, 0, 1, 2, 0, 1, 1]])
    index = np.ravel_multi_index(factors.T, sizes)
    np.testing.assert_allclose(mpi3d.sample_observations_from_factors(factors, np.random.RandomState(0)),
                               images[index] / 255.0, atol=1e-7)
    with pytest.raises(UserError, match="mpi3d_real.npz holds 288 images; an MPI3D file has 1036800 or 460800"):
        data.get("mpi3d_real", str(tmp_path))
    (tmp_path / "mpi3d_toy.npz").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(UserError, match="mpi3d_toy.npz is not a valid"):
        data.get("mpi3d_toy", str(tmp_path))


def test_cars3d_axes_resize_and_sorted_objects(tmp_path):
    meshes = original_files.write_cars(tmp_path / "cars", 2, 3, 2, np.random.default_rng(2))
    cars = Cars3D(str(tmp_path), factor_sizes=(2, 3, 2))
    assert cars.factor_names == ["elevation", "azimuth", "object"] and cars.observation_shape == (64, 64, 3)
    elevation, azimuth, car = 1, 2, 0
    observed = cars.sample_observations_from_factors(np.array([[elevation, azimuth, car]]), np.random.RandomState(0))
    source = meshes[car][:, :, :, azimuth, elevation]
    expected = np.asarray(Image.fromarray(source).resize((64, 64), Image.Resampling.LANCZOS)) / 255.0
    np.testing.assert_allclose(observed[0], expected, atol=1e-6)
    with pytest.raises(UserError, match="holds 2 .mat files but cars3d needs 183"):
        data.get("cars3d", str(tmp_path))


def test_smallnorb_reads_binary_matrices_and_draws_the_instance(tmp_path):
    sizes, instances = (2, 2, 3, 2), 2
    images, labels = original_files.write_smallnorb(tmp_path, sizes, instances, np.random.default_rng(3))
    norb = SmallNORB(str(tmp_path), factor_sizes=sizes, num_instances=instances)
    assert norb.factor_names == ["category", "elevation", "azimuth", "lighting"]
    assert norb.observation_shape == (64, 64, 1) and not norb.deterministic
    factors = np.array([[1, 1, 2, 0]] * 6)
    observed = norb.sample_observations_from_factors(factors, np.random.RandomState(7))
    drawn = np.random.RandomState(7).randint(instances, size=6)  # the hidden instance column
    for row, instance in zip(observed, drawn):
        match = np.nonzero((labels[:, 0] == 1) & (labels[:, 1] == instance) & (labels[:, 2] == 1)
                           & (labels[:, 3] == 2) & (labels[:, 4] == 0))[0]
        expected = np.asarray(Image.fromarray(images[match[0]]).resize((64, 64), Image.Resampling.LANCZOS))
        np.testing.assert_allclose(row[..., 0], expected / 255.0, atol=1e-6)


def test_smallnorb_truncated_file_is_named(tmp_path):
    original_files.write_smallnorb(tmp_path, (2, 2, 3, 2), 2, np.random.default_rng(3))
    path = tmp_path / "smallnorb-5x46789x9x18x6x2x96x96-training-dat.mat"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(UserError, match="training-dat.mat is not a valid SmallNORB"):
        SmallNORB(str(tmp_path), factor_sizes=(2, 2, 3, 2), num_instances=2)
