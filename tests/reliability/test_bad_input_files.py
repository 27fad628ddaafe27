"""Bad input files and values end in one UserError sentence, raised before long work starts.

One test per case of the fault-injection review: truncated dSprites, unreadable
data folders and files, a decompression-bomb Scream, bad code tables, serving
URLs (letter case, redirects to other schemes) and corrupt result tables.

Permissions: the tests run as root here, and for root os.access always says
yes and chmod does not stop reads, so the unreadable cases patch os.access
(what disent_tf.data.files asks) instead of chmod-ing; the one real chmod test
is skipped for root.
"""

import io
import os
import zipfile

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from PIL import Image

from disent_tf import data
from disent_tf.data import dsprites, files, pipeline
from disent_tf.errors import MissingFileError, UserError
from disent_tf.evaluation import representation
from disent_tf.study import aggregate
from harness.serving import JsonHandler, local_server

DSPRITES_SHAPE = (737280, 64, 64)


def _one_sentence(error):
    """The message is one line ending in a full stop (the entry points print it as it is)."""
    message = str(error.value)
    assert "\n" not in message and message.endswith("."), message
    return message


def _npy_bytes(header_shape, data_bytes):
    """A .npy member whose header announces uint8 `header_shape` but that holds `data_bytes` bytes."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": tuple(header_shape)})
    buffer.write(bytes(data_bytes))
    return buffer.getvalue()


# --- 1. dSprites with a valid header but truncated or corrupt data -------------------------------

def test_dsprites_with_valid_header_but_truncated_data_fails_when_built(tmp_path):
    path = tmp_path / dsprites.DSPRITES_FILE
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imgs.npy", _npy_bytes(DSPRITES_SHAPE, 4096))
    with pytest.raises(UserError, match="is truncated or damaged .its 'imgs' array has") as error:
        data.get("dsprites_full", str(tmp_path))
    assert _one_sentence(error).startswith(str(path)) and "replace it with the original file" in str(error.value)


def test_dsprites_with_corrupt_compressed_pixels_is_one_sentence(tmp_path):
    path = tmp_path / "small.npz"
    np.savez_compressed(path, imgs=np.random.default_rng(0).integers(0, 2, (64, 64, 64), dtype=np.uint8))
    content = bytearray(path.read_bytes())
    start = content.index(b"imgs.npy") + 300  # inside the deflated pixels, past the local header
    content[start:start + 64] = bytes(64)
    path.write_bytes(bytes(content))
    with pytest.raises(UserError, match="is truncated or damaged .reading its 'imgs' array failed") as error:
        dsprites.load_dsprites_images(str(path))
    _one_sentence(error)


class _FailsOnFirstRead:
    """A data set whose file fails when its pixels are first read (as a corrupt dSprites would)."""

    observation_shape = (4, 4, 1)
    factor_sizes = (2,)

    def sample(self, num, rng):
        raise UserError("data.npz is truncated or damaged (test); replace it with the original file.")


def test_a_file_failing_on_first_read_fails_before_tf_data_starts():
    with pytest.raises(UserError, match="data.npz is truncated or damaged"):
        pipeline.training_dataset(_FailsOnFirstRead(), batch_size=2, seed=0)


# --- 2. missing / unreadable / damaged, each with its own fix ------------------------------------

def _deny(monkeypatch, *denied):
    """Make os.access refuse `denied` paths, as it would for a non-root user without permission."""
    real_access = os.access
    denied = {os.path.normpath(str(path)) for path in denied}
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: (
        os.path.normpath(str(path)) not in denied and real_access(path, mode, **kw)))


def test_unreadable_data_folder_is_not_reported_missing(tmp_path, monkeypatch):
    (tmp_path / "3dshapes.h5").write_bytes(b"whatever")
    _deny(monkeypatch, tmp_path)
    for name in ("shapes3d", "dsprites_full", "mpi3d_toy", "cars3d"):
        with pytest.raises(UserError, match="exists but cannot be read .permission denied.") as error:
            data.get(name, str(tmp_path))
        assert not isinstance(error.value, MissingFileError) and "does not exist" not in str(error.value)
        assert _one_sentence(error).startswith(str(tmp_path)) and "chmod" in str(error.value)


def test_unreadable_subfolder_is_named(tmp_path, monkeypatch):
    (tmp_path / "3dshapes").mkdir()
    (tmp_path / "3dshapes" / "3dshapes.h5").write_bytes(b"whatever")
    _deny(monkeypatch, tmp_path / "3dshapes")
    with pytest.raises(UserError, match="3dshapes exists but cannot be read"):
        data.get("shapes3d", str(tmp_path))


def test_unreadable_file_is_not_told_to_be_replaced(tmp_path, monkeypatch):
    path = tmp_path / "mpi3d_toy.npz"
    np.savez(path, images=np.zeros((2, 64, 64, 3), np.uint8))
    _deny(monkeypatch, path)
    with pytest.raises(UserError, match="mpi3d_toy.npz exists but cannot be read") as error:
        data.get("mpi3d_toy", str(tmp_path))
    assert "replace" not in _one_sentence(error)


def test_permission_errors_raised_while_reading_are_unreadable_not_damaged(tmp_path):
    # What a loader gets when permissions change between the check and the read.
    for error in (PermissionError(13, "Permission denied"),
                  tf.errors.PermissionDeniedError(None, None, "denied")):
        message = str(files.read_failure("/data/x.h5", "3dshapes HDF5 file", error))
        assert message.startswith("/data/x.h5 exists but cannot be read") and "replace" not in message
    damaged = str(files.read_failure("/data/x.h5", "3dshapes HDF5 file", OSError("bad signature")))
    assert "is not a valid 3dshapes HDF5 file" in damaged and "replace it with the original file" in damaged


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads files whatever their mode, so chmod cannot make one unreadable")
def test_chmod_unreadable_file_for_a_normal_user(tmp_path):
    path = tmp_path / "3dshapes.h5"
    path.write_bytes(b"whatever")
    path.chmod(0)
    try:
        with pytest.raises(UserError, match="exists but cannot be read"):
            data.get("shapes3d", str(tmp_path))
    finally:
        path.chmod(0o600)


def test_missing_data_folder_says_the_folder_is_missing(tmp_path):
    with pytest.raises(MissingFileError, match="the data folder .*nowhere does not exist") as error:
        data.get("shapes3d", str(tmp_path / "nowhere"))
    _one_sentence(error)


# --- 3. a decompression bomb as scream.jpg -----------------------------------------------------

@pytest.mark.parametrize("side", [120, 300])  # 1.4x (PIL warns) and 9x (PIL raises) the patched limit
def test_decompression_bomb_scream_is_one_sentence(tmp_path, monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)  # a tiny limit stands in for 89 megapixels
    (tmp_path / "scream").mkdir()
    Image.new("RGB", (side, side)).save(tmp_path / "scream" / "scream.jpg")
    with pytest.raises(UserError, match="scream.jpg is too large an image to decode safely") as error:
        data.get("scream_dsprites", str(tmp_path))
    assert "replace it with the original scream.jpg" in _one_sentence(error)


# --- 4. bad code tables ---------------------------------------------------------------------------

def test_code_table_folder_npz_complex_and_pickled_are_refused(tmp_path):
    with pytest.raises(UserError, match="is a folder; pass --codes=<file.npy>") as error:
        representation.load_code_table(str(tmp_path))
    _one_sentence(error)
    np.savez(tmp_path / "codes.npz", codes=np.zeros((4, 2), np.float32))
    with pytest.raises(UserError, match="codes.npz is a .npz archive, not a .npy array") as error:
        representation.load_code_table(str(tmp_path / "codes.npz"))
    _one_sentence(error)
    np.save(tmp_path / "complex.npy", np.ones((4, 2)) + 1j)
    with pytest.raises(UserError, match="is complex .complex128.; codes must be real numbers") as error:
        representation.load_code_table(str(tmp_path / "complex.npy"))
    _one_sentence(error)
    np.save(tmp_path / "objects.npy", np.array([[1.0, None]] * 4, dtype=object), allow_pickle=True)
    with pytest.raises(UserError, match="objects.npy holds Python objects") as error:
        representation.load_code_table(str(tmp_path / "objects.npy"))
    assert "allow_pickle" not in _one_sentence(error)
    (tmp_path / "codes.txt").write_text("0.1 0.2\n0.3 0.4\n")
    with pytest.raises(UserError, match="codes.txt is not a .npy array") as error:
        representation.load_code_table(str(tmp_path / "codes.txt"))
    assert "allow_pickle" not in _one_sentence(error)
    np.save(tmp_path / "good.npy", np.arange(8, dtype=np.float32).reshape(4, 2))
    assert representation.load_code_table(str(tmp_path / "good.npy")).table.shape == (4, 2)


# --- 5. serving URLs ------------------------------------------------------------------------------

class _Serving(JsonHandler):
    """`/ok:predict` answers zero codes for each instance; `/moved:predict` redirects to ftp://."""

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.request_json()
        if self.path.endswith("/moved:predict"):
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/codes")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_json({"predictions": [{"mean": [0.0, 0.0], "logvar": [0.0, 0.0]} for _ in body["instances"]]})


@pytest.fixture
def server_address():
    with local_server(_Serving) as address:
        yield address


def test_serving_url_scheme_is_case_insensitive(server_address):
    encoder = representation.from_serving(f"HTTP://{server_address}/v1/models/ok", timeout=10)
    assert encoder.encode(np.zeros((3, 4, 4, 1), np.float32)).shape == (3, 4)


def test_serving_redirect_to_another_scheme_is_refused(server_address):
    encoder = representation.from_serving(f"http://{server_address}/v1/models/moved", timeout=10)
    with pytest.raises(UserError, match="redirected to ftp://127.0.0.1/codes; TF Serving is only reached") as error:
        encoder.encode(np.zeros((1, 4, 4, 1), np.float32))
    _one_sentence(error)


# --- 6. corrupt result tables for bin/plot --------------------------------------------------------

def _table():
    return pd.DataFrame({"run": ["0", "1"], "representation": ["mean", "mean"], "mig.discrete_mig": [0.1, 0.2]})


def test_corrupt_parquet_json_and_csv_tables_are_one_sentence(tmp_path):
    parquet = aggregate.save(_table(), str(tmp_path / "results.parquet"))
    content = (tmp_path / "results.parquet").read_bytes()
    (tmp_path / "results.parquet").write_bytes(content[: len(content) // 2])
    (tmp_path / "results.json").write_text('[{"run": "0", "representation": "mean", "mig.discr')
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00run,\x9c\x80\n")
    (tmp_path / "ragged.csv").write_text("run,representation\n0,mean\n1,mean,0.2,extra\n")
    for path in (parquet, str(tmp_path / "results.json"), str(tmp_path / "binary.csv"),
                 str(tmp_path / "ragged.csv")):
        with pytest.raises(UserError, match="is not a valid .(parquet|json|csv) table") as error:
            aggregate.load(path)
        assert _one_sentence(error).startswith(f"'{path}'")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="has no run or representation column") as error:
        aggregate.load(str(tmp_path / "other.csv"))
    _one_sentence(error)
    aggregate.save(_table(), str(tmp_path / "good.csv"))
    assert aggregate.load(str(tmp_path / "good.csv"))["mig.discrete_mig"].tolist() == [0.1, 0.2]
