"""PNG grids and traversal strips of a data set, and the bin/visualize_dataset entry point."""

import numpy as np
import pytest
from PIL import Image

from disent_tf import data
from disent_tf.visualize import images as image_io
from disent_tf.visualize.dataset import factor_traversals, visualize_dataset
from harness.tools import assert_one_sentence_error, assert_succeeded, run_tool



def test_tile_places_images_row_by_row():
    images = np.zeros((3, 4, 5, 1), np.float32)
    images[1] = 1.0
    canvas = image_io.tile(images, columns=2, padding=1, pad_value=0.5)
    assert canvas.shape == (2 * 5 + 1, 2 * 6 + 1, 3)
    assert (canvas[1:5, 7:12] == 255).all() and (canvas[1:5, 1:6] == 0).all()
    assert (canvas[0] == 128).all()


def test_traversal_sweeps_one_factor_at_a_time():
    dsprites = data.get("dsprites_full")
    strips = factor_traversals(dsprites, np.random.RandomState(0), steps=6)
    assert len(strips) == 5 and all(strip.shape == (6, 64, 64, 1) for strip in strips)
    scale_strip = strips[1].sum(axis=(1, 2, 3))
    assert np.all(np.diff(scale_strip) > 0)  # growing sprite


def test_visualize_dataset_writes_pngs(tmp_path):
    written = visualize_dataset(data.get("dsprites_full"), str(tmp_path / "out"), num_samples=9, seed=1)
    samples = np.asarray(Image.open(written["samples"]))
    traversals = np.asarray(Image.open(written["traversals"]))
    assert samples.shape[2] == 3 and samples.shape[0] == samples.shape[1] > 3 * 64
    assert traversals.shape[0] > 5 * 64 * 2 - 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["samples.png", "traversals.png"]


def test_gif_writer(tmp_path):
    frames = [image_io.tile(np.full((2, 8, 8, 1), value, np.float32), 2) for value in (0.0, 1.0)]
    path = image_io.save_gif(str(tmp_path / "a.gif"), frames)
    assert Image.open(path).n_frames == 2


# A subprocess costs TensorFlow's import (~7 s): the default suite has test_visualize_dataset_writes_pngs.
@pytest.mark.slow
def test_entry_point_writes_the_pngs(tmp_path):
    ok = assert_succeeded(run_tool("visualize_dataset", "--dataset=dsprites_full", "--num_samples=4",
                                   f"--output_dir={tmp_path}", timeout=120))
    assert f"wrote {tmp_path}/samples.png" in ok.stdout and (tmp_path / "traversals.png").exists()


@pytest.mark.slow
def test_entry_point_missing_file_is_one_sentence(tmp_path):
    bad = run_tool("visualize_dataset", "--dataset=shapes3d", f"--data_dir={tmp_path}", timeout=120)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert_one_sentence_error(bad, "shapes3d needs")
    assert bad.stderr.strip().splitlines()[-1].startswith(f"error: shapes3d needs {tmp_path}/3dshapes.h5")
