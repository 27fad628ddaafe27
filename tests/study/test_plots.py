"""bin/plot writes the paper's figures from a synthetic results table."""

import pytest
from PIL import Image

from disent_tf.study import aggregate, plots
from harness.tools import assert_succeeded, run_tool

from study_fixtures import write_synthetic_results

FIGURES = ["rank_correlation.png", "score_distributions.png", "score_vs_regularization_dsprites_full.png",
           "total_correlation_sampled_vs_mean.png"]


def small_results_table(tmp_path):
    """dsprites_full, 3 methods x 2 strengths x 2 seeds, saved long: small, so that drawing is quick."""
    model_nums = [method * 300 + value * 50 + seed for method in (0, 1, 4) for value in (0, 5) for seed in (0, 1)]
    write_synthetic_results(tmp_path / "output", model_nums)
    return aggregate.save(aggregate.load(str(tmp_path / "output"), "long"), str(tmp_path / "results.csv"))


def assert_real_figures(output_dir):
    assert sorted(p.name for p in output_dir.iterdir()) == sorted(FIGURES)
    for name in FIGURES:
        image = Image.open(output_dir / name)
        assert image.format == "PNG" and image.width > 300 and image.height > 200
        # Not a blank canvas: a real figure has many distinct colours.
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20


def test_plot_all_writes_every_figure(tmp_path):
    # The default suite's reduced form of the bin/plot test below (in process: no TensorFlow import).
    output_dir = tmp_path / "plots"
    written = plots.plot_all(aggregate.load(small_results_table(tmp_path)), str(output_dir), log=lambda line: None)
    assert sorted(written) == sorted(str(output_dir / name) for name in FIGURES)
    assert_real_figures(output_dir)


def test_two_processes_draw_the_same_figures_as_one(tmp_path):
    # bin/plot draws two at a time in forked processes; the files and the order of its lines do not change.
    table = aggregate.load(small_results_table(tmp_path))
    one, two = tmp_path / "one", tmp_path / "two"
    lines_one, lines_two = [], []
    plots.plot_all(table, str(one), log=lines_one.append)
    plots.plot_all(table, str(two), log=lines_two.append, processes=2)
    assert [line.replace(str(one), "") for line in lines_one] == [line.replace(str(two), "") for line in lines_two]
    for name in FIGURES:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


@pytest.mark.slow
def test_bin_plot_writes_every_figure(tmp_path):
    table_path = small_results_table(tmp_path)
    output_dir = tmp_path / "plots"
    result = assert_succeeded(run_tool("plot", f"--results={table_path}", f"--output_dir={output_dir}", timeout=180))
    assert_real_figures(output_dir)
    for name in FIGURES:
        assert str(output_dir / name) in result.stdout


def test_missing_columns_skip_a_figure_with_a_note(synthetic_results, tmp_path):
    table = aggregate.load(str(synthetic_results))
    assert plots.total_correlation_figure(table.drop(columns=[plots.TOTAL_CORRELATION])) == (
        f"needs the columns {plots.TOTAL_CORRELATION}")
    assert plots.total_correlation_figure(table[table["representation"] == "mean"]) == (
        "needs scores of both the mean and the sampled representation")
    config_only = table[["run", "model_num", "representation", "model", "dataset", "hparam_value"]]
    notes = []
    assert plots.plot_all(config_only, str(tmp_path / "plots"), log=notes.append) == []
    assert len(notes) == 4 and all(note.startswith("skipped ") for note in notes)
    assert not (tmp_path / "plots").exists()
