"""disent_tf.filesystem against tf.io.gfile: each test runs the same calls through both, on real files.

The library's bookkeeping goes through disent_tf.filesystem so that local paths need no TensorFlow;
whatever passes with tf.io.gfile here must pass with it too. A path with a scheme goes to tf.io.gfile
itself (checked on TensorFlow's ram:// file system).
"""

import pytest
import tensorflow as tf

from disent_tf import filesystem

FILE_ERRORS = (OSError, tf.errors.OpError)


@pytest.fixture(params=["disent_tf.filesystem", "tf.io.gfile"])
def gfile(request):
    return filesystem if request.param == "disent_tf.filesystem" else tf.io.gfile


def write(gfile, path, text):
    with gfile.GFile(str(path), "w") as handle:
        handle.write(text)


def read(gfile, path, mode="r"):
    with gfile.GFile(str(path), mode) as handle:
        return handle.read()


def test_exists_and_isdir(gfile, tmp_path):
    write(gfile, tmp_path / "file.txt", "x")
    assert gfile.exists(str(tmp_path / "file.txt")) and not gfile.isdir(str(tmp_path / "file.txt"))
    assert gfile.exists(str(tmp_path)) and gfile.isdir(str(tmp_path))
    assert not gfile.exists(str(tmp_path / "missing")) and not gfile.isdir(str(tmp_path / "missing"))


def test_makedirs_creates_parents_and_accepts_an_existing_folder(gfile, tmp_path):
    folder = tmp_path / "a" / "b" / "c"
    gfile.makedirs(str(folder))
    gfile.makedirs(str(folder))
    assert folder.is_dir()


def test_gfile_text_is_utf8_and_binary_is_bytes(gfile, tmp_path):
    write(gfile, tmp_path / "text.txt", "ß → ∞\n")
    assert (tmp_path / "text.txt").read_bytes() == "ß → ∞\n".encode("utf-8")
    assert read(gfile, tmp_path / "text.txt") == "ß → ∞\n"
    with gfile.GFile(str(tmp_path / "data.bin"), "wb") as handle:
        handle.write(b"\x00\xff")
    assert read(gfile, tmp_path / "data.bin", "rb") == b"\x00\xff"
    with pytest.raises(FILE_ERRORS):
        read(gfile, tmp_path / "missing.txt")
    with pytest.raises(FILE_ERRORS):
        write(gfile, tmp_path / "no_folder" / "x.txt", "x")


def test_listdir_names_files_and_folders(gfile, tmp_path):
    write(gfile, tmp_path / "a.json", "x")
    write(gfile, tmp_path / ".hidden", "x")
    (tmp_path / "sub").mkdir()
    assert sorted(gfile.listdir(str(tmp_path))) == [".hidden", "a.json", "sub"]
    with pytest.raises(FILE_ERRORS):
        gfile.listdir(str(tmp_path / "missing"))


def test_glob_matches_within_path_parts_hidden_names_included(gfile, tmp_path):
    for name in ("0/metrics/mean/mig.json", "0/metrics/mean/.tmp.json", "1/metrics/sampled/dci.json",
                 "1/metrics/sampled/dci.json.tmp-1", "metrics/mean/sap.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write(gfile, tmp_path / name, "x")
    found = sorted(gfile.glob(f"{tmp_path}/*/metrics/*/*.json"))
    assert found == [f"{tmp_path}/0/metrics/mean/.tmp.json", f"{tmp_path}/0/metrics/mean/mig.json",
                     f"{tmp_path}/1/metrics/sampled/dci.json"]
    assert gfile.glob(f"{tmp_path}/metrics/mean/sap.json") == [f"{tmp_path}/metrics/mean/sap.json"]
    assert gfile.glob(f"{tmp_path}/missing/*.json") == []


def test_rename_refuses_an_existing_target_unless_overwrite(gfile, tmp_path):
    write(gfile, tmp_path / "new", "new")
    write(gfile, tmp_path / "old", "old")
    with pytest.raises(FILE_ERRORS):
        gfile.rename(str(tmp_path / "new"), str(tmp_path / "old"))
    gfile.rename(str(tmp_path / "new"), str(tmp_path / "old"), overwrite=True)
    assert read(gfile, tmp_path / "old") == "new" and not (tmp_path / "new").exists()
    (tmp_path / "folder").mkdir()
    gfile.rename(str(tmp_path / "folder"), str(tmp_path / "moved"))
    assert (tmp_path / "moved").is_dir()


def test_copy_refuses_an_existing_target_unless_overwrite(gfile, tmp_path):
    write(gfile, tmp_path / "source", "source")
    write(gfile, tmp_path / "target", "target")
    with pytest.raises(FILE_ERRORS):
        gfile.copy(str(tmp_path / "source"), str(tmp_path / "target"))
    gfile.copy(str(tmp_path / "source"), str(tmp_path / "target"), overwrite=True)
    gfile.copy(str(tmp_path / "source"), str(tmp_path / "third"))
    assert read(gfile, tmp_path / "target") == read(gfile, tmp_path / "third") == "source"
    assert read(gfile, tmp_path / "source") == "source"


def test_remove_and_rmtree(gfile, tmp_path):
    write(gfile, tmp_path / "file", "x")
    gfile.remove(str(tmp_path / "file"))
    assert not (tmp_path / "file").exists()
    with pytest.raises(FILE_ERRORS):
        gfile.remove(str(tmp_path / "file"))
    (tmp_path / "tree" / "inner").mkdir(parents=True)
    write(gfile, tmp_path / "tree" / "inner" / "file", "x")
    gfile.rmtree(str(tmp_path / "tree"))
    assert not (tmp_path / "tree").exists()


def test_stat_gives_length_time_and_kind(gfile, tmp_path):
    write(gfile, tmp_path / "file", "12345")
    result = gfile.stat(str(tmp_path / "file"))
    assert result.length == 5 and not result.is_directory
    assert abs(result.mtime_nsec - (tmp_path / "file").stat().st_mtime_ns) < 10**9
    assert gfile.stat(str(tmp_path)).is_directory
    with pytest.raises(FILE_ERRORS):
        gfile.stat(str(tmp_path / "missing"))


def test_the_error_classes_catch_local_and_tensorflow_errors(tmp_path):
    with pytest.raises(filesystem.not_found_errors()):
        filesystem.GFile(str(tmp_path / "missing"), "r").read()
    with pytest.raises(filesystem.not_found_errors()):
        tf.io.gfile.GFile(str(tmp_path / "missing"), "r").read()
    assert tf.errors.OpError in filesystem.errors() and OSError in filesystem.errors()
    assert tf.errors.PermissionDeniedError in filesystem.permission_errors()


def test_a_path_with_a_scheme_goes_to_tensorflow():
    assert filesystem.is_remote("gs://bucket/x") and not filesystem.is_remote("/tmp/x")
    assert not filesystem.is_remote("relative/gs:/x")
    folder = "ram://disent_tf_filesystem_test/folder"
    filesystem.makedirs(folder)
    with filesystem.GFile(f"{folder}/file.txt", "w") as handle:
        handle.write("in memory")
    assert filesystem.exists(f"{folder}/file.txt") and filesystem.isdir(folder)
    assert tf.io.gfile.GFile(f"{folder}/file.txt").read() == "in memory"
    assert filesystem.glob(f"{folder}/*.txt") == [f"{folder}/file.txt"]
    filesystem.rename(f"{folder}/file.txt", f"{folder}/moved.txt")
    assert filesystem.listdir(folder) == ["moved.txt"]
    filesystem.rmtree("ram://disent_tf_filesystem_test")
    assert not filesystem.exists(folder)
