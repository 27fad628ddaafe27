"""The main figures of Locatello et al. (ICML 2019) from any results table.

1. `rank_correlation.png`: Spearman rank correlation between the disentanglement
   scores across models, one matrix per data set (paper Fig. 2 / Fig. 12).
2. `score_distributions.png`: the spread of each score per method and data set
   (paper Fig. 7).
3. `score_vs_regularization_<dataset>.png`: each score against the method's
   regularisation strength (paper Fig. 8).
4. `total_correlation_sampled_vs_mean.png`: Gaussian total correlation of the
   sampled and of the mean representation against the regularisation strength
   (paper Fig. 1).

Figures 1-3 use the mean representation, as the paper's scores do. Input is a
wide table (`disent_tf.study.aggregate`); a long one is converted. Figures are
drawn on `matplotlib.figure.Figure` objects (Agg, no pyplot state) and written
with records.write_bytes (a path may be gs://; local ones need no TensorFlow), and
drawing one imports no TensorFlow (bin/report embeds them).

Each figure's grid has fixed margins in inches (`Margins`), not a layout
engine: matplotlib draws a figure with constrained layout twice to save it,
which made drawing half of bin/plot's time, and bin/plot is meant to answer
at once (bench/bench_cli.py).
"""

import dataclasses
import functools
import io
import multiprocessing
from concurrent import futures

import numpy as np
from matplotlib.figure import Figure

from disent_tf import records
from disent_tf.models import hparams
from disent_tf.run_folder import join
from disent_tf.study import findings

# The scores the paper compares, the method labels: one list, shared with the findings (study/findings.py).
HEADLINE_SCORES, TOTAL_CORRELATION, METHOD_LABELS = (findings.HEADLINE_SCORES, findings.TOTAL_CORRELATION,
                                                     findings.METHOD_LABELS)
DPI = 80
MIN_WIDTH = 6.5  # inches: room for the suptitle above a narrow grid


@dataclasses.dataclass(frozen=True)
class Margins:
    """Space around and between a figure's axes, in inches: what tick labels, titles and legends need."""

    left: float = 0.9
    right: float = 0.2
    bottom: float = 0.6
    top: float = 0.75  # a two-line suptitle
    between_columns: float = 0.3
    between_rows: float = 0.35


def plot_all(table, output_dir, log=print, processes=1):
    """Writes every figure the table has the columns for; returns the paths written.

    With `processes` > 1 the figures are drawn that many at a time, in
    processes forked from this one (drawing is most of bin/plot's time). Keep
    the default in a process that runs threads of its own, TensorFlow's say:
    forking one is unsafe.
    """
    from disent_tf.study import aggregate  # pandas, needed only here

    table = aggregate.ensure_wide(table)
    draw = functools.partial(_draw, table, output_dir=output_dir)
    builders = figure_builders(table)
    if processes > 1 and len(builders) > 1 and "fork" in multiprocessing.get_all_start_methods():
        with futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            outcomes = list(pool.map(draw, *zip(*builders)))
    else:
        outcomes = [draw(*builder) for builder in builders]
    written = []
    for file_name, path, reason in outcomes:
        if path is None:
            log(f"skipped {file_name}: {reason}")
            continue
        written.append(path)
        log(f"wrote {path}")
    return written


def figure_builders(table):
    """(file name, function of the table that returns the figure or why the table cannot have it) per figure."""
    builders = [("rank_correlation.png", rank_correlation_figure),
                ("score_distributions.png", score_distribution_figure)]
    builders += [(f"score_vs_regularization_{dataset}.png",
                  functools.partial(score_vs_regularization_figure, dataset=dataset))
                 for dataset in _regularization_datasets(table)]
    builders.append(("total_correlation_sampled_vs_mean.png", total_correlation_figure))
    return builders


def _draw(table, file_name, build, output_dir):
    """(file name, path written or None, why not): one figure built and saved, in this process or a pool's."""
    figure = build(table)
    if isinstance(figure, str):
        return file_name, None, figure
    return file_name, save_png(figure, join(output_dir, file_name)), None


def rank_correlation_figure(table):
    """Fig. 2 style: per data set, Spearman correlation between the headline scores."""
    mean = _representation(table, "mean")
    scores = _available_scores(mean)
    if isinstance(mean, str) or len(scores) < 2:
        return mean if isinstance(mean, str) else "needs at least two of the headline score columns"
    datasets = [d for d in _ordered(mean["dataset"]) if (mean["dataset"] == d).sum() >= 3]
    if not datasets:
        return "needs at least three models of one data set to rank"
    # Rotated score names below and beside each matrix, its colorbar on the right.
    figure = _figure(1, len(datasets), width=3.3, height=3.3,
                     margins=Margins(left=1.5, right=1.3, bottom=1.4, between_columns=1.5))
    labels = [label for label, _ in scores]
    for axis, dataset in zip(figure.axes, datasets):
        rows = mean[mean["dataset"] == dataset]
        matrix = rows[[column for _, column in scores]].corr(method="spearman").to_numpy()
        image = axis.imshow(np.nan_to_num(matrix), vmin=-1, vmax=1, cmap="RdBu_r")
        for (i, j), value in np.ndenumerate(matrix):
            axis.text(j, i, "n/a" if np.isnan(value) else f"{value:.2f}", ha="center", va="center", fontsize=7)
        axis.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        axis.set_yticks(range(len(labels)), labels, fontsize=7)
        axis.set_title(f"{dataset} ({len(rows)} models)", fontsize=9)
    figure.colorbar(image, cax=_right_margin_axes(figure, figure.axes[-1]), label="Spearman rank correlation")
    figure.suptitle("Rank correlation between disentanglement scores\n(mean representation)", fontsize=11)
    return figure


def score_distribution_figure(table):
    """Fig. 7 style: one box per method for each score (rows) and data set (columns)."""
    mean = _representation(table, "mean")
    if isinstance(mean, str):
        return mean
    scores = _available_scores(mean)
    if not scores or "model" not in mean.columns:
        return "needs a model column and at least one headline score column"
    datasets, methods = _ordered(mean["dataset"]), _methods(mean)
    # Every row has its own rotated method names.
    figure = _figure(len(scores), len(datasets), width=0.7 * len(methods) + 1.0, height=1.6,
                     margins=Margins(bottom=0.9, top=1.0, between_rows=0.95))
    for row, (label, column) in enumerate(scores):
        for col, dataset in enumerate(datasets):
            axis = figure.axes[row * len(datasets) + col]
            rows = mean[mean["dataset"] == dataset]
            groups = [rows.loc[rows["model"] == m, column].dropna().to_numpy() for m in methods]
            _boxes_with_points(axis, groups)
            axis.set_xticks(range(len(methods)), [METHOD_LABELS.get(m, m) for m in methods],
                            rotation=45, ha="right", fontsize=7)
            axis.set_ylabel(label if col == 0 else "", fontsize=8)
            if row == 0:
                axis.set_title(dataset, fontsize=9)
    figure.suptitle("Score distribution per method\n(mean representation; box: quartiles, dots: models)", fontsize=11)
    return figure


def score_vs_regularization_figure(table, dataset):
    """Fig. 8 style, for one data set: scores (rows) against each method's strength (columns)."""
    mean = _regularization_rows(table)
    if isinstance(mean, str):
        return mean
    scores = _available_scores(mean)
    rows = mean[mean["dataset"] == dataset]
    methods = _methods(rows)
    # One y scale per score, so that the methods can be compared along a row.
    figure = _figure(len(scores), len(methods), width=2.0, height=1.6, sharey="row",
                     margins=Margins(between_columns=0.15))
    for row, (label, column) in enumerate(scores):
        for col, method in enumerate(methods):
            axis = figure.axes[row * len(methods) + col]
            _score_by_strength(axis, rows[rows["model"] == method], column)
            axis.set_ylabel(label if col == 0 else "", fontsize=8)
            if row == 0:
                axis.set_title(METHOD_LABELS.get(method, method), fontsize=9)
            if row == len(scores) - 1:
                axis.set_xlabel(_strength_label(rows[rows["model"] == method]), fontsize=8)
    figure.suptitle(f"{dataset}: scores against regularisation strength (mean representation)", fontsize=11)
    return figure


def _regularization_rows(table):
    """The mean representation's rows with a strength and a headline score, or why there are none."""
    mean = _representation(table, "mean")
    if isinstance(mean, str):
        return mean
    if not _available_scores(mean) or "hparam_value" not in mean.columns or mean["hparam_value"].isna().all():
        return "needs hparam_value and at least one headline score column"
    return mean.dropna(subset=["hparam_value"])


def _regularization_datasets(table):
    """The data sets of score_vs_regularization's figures; ["all"] (the file that says why not) when none."""
    rows = _regularization_rows(table)
    return ["all"] if isinstance(rows, str) else _ordered(rows["dataset"])


def total_correlation_figure(table):
    """Fig. 1 style: Gaussian total correlation of the sampled vs the mean representation."""
    needed = {TOTAL_CORRELATION, "representation", "hparam_value", "model", "dataset"}
    if not needed <= set(table.columns):
        return f"needs the columns {', '.join(sorted(needed - set(table.columns)))}"
    rows = table.dropna(subset=[TOTAL_CORRELATION, "hparam_value"])
    if not {"mean", "sampled"} <= set(rows["representation"]):
        return "needs scores of both the mean and the sampled representation"
    datasets, methods = _ordered(rows["dataset"]), _methods(rows)
    # Every panel has its own title and strength axis; the legend sits below them all.
    figure = _figure(len(datasets), len(methods), width=2.0, height=1.7,
                     margins=Margins(bottom=0.85, between_columns=0.55, between_rows=0.85))
    for row, dataset in enumerate(datasets):
        for col, method in enumerate(methods):
            axis = figure.axes[row * len(methods) + col]
            subset = rows[(rows["dataset"] == dataset) & (rows["model"] == method)]
            values = sorted(subset["hparam_value"].unique())
            for representation, style in (("sampled", "o-"), ("mean", "s--")):
                part = subset[subset["representation"] == representation]
                medians = [part.loc[part["hparam_value"] == v, TOTAL_CORRELATION].median() for v in values]
                axis.plot(range(len(values)), medians, style, label=f"{representation} representation")
            axis.set_xticks(range(len(values)), [f"{v:g}" for v in values], fontsize=7)
            axis.set_xlabel(_strength_label(subset), fontsize=8)
            axis.set_title(f"{METHOD_LABELS.get(method, method)} on {dataset}", fontsize=8)
            axis.set_ylabel("Gaussian total correlation" if col == 0 else "", fontsize=8)
    figure.legend(*figure.axes[0].get_legend_handles_labels(), loc="lower center", ncols=2, fontsize=8)
    figure.suptitle("Total correlation of the sampled vs the mean representation\n(median over seeds)", fontsize=11)
    return figure


def png_bytes(figure):
    """The figure as PNG at the figures' DPI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_png(figure, path):
    records.write_bytes(path, png_bytes(figure))
    return path


def _figure(rows, cols, width, height, margins, sharey=False):
    """A figure of rows x cols axes, each `width` x `height` inches, with `margins` around and between them."""
    grid_width = cols * width + (cols - 1) * margins.between_columns
    widen = max(MIN_WIDTH - margins.left - margins.right - grid_width, 0) / 2  # a narrow grid is centred
    margins = dataclasses.replace(margins, left=margins.left + widen, right=margins.right + widen)
    figure_width = margins.left + margins.right + grid_width
    figure_height = margins.bottom + margins.top + rows * height + (rows - 1) * margins.between_rows
    figure = Figure(figsize=(figure_width, figure_height))
    grid = {"left": margins.left / figure_width, "right": 1 - margins.right / figure_width,
            "bottom": margins.bottom / figure_height, "top": 1 - margins.top / figure_height,
            # matplotlib's spaces are fractions of the mean axes width and height
            "wspace": margins.between_columns / width, "hspace": margins.between_rows / height}
    figure.subplots(rows, cols, squeeze=False, sharey=sharey, gridspec_kw=grid)
    return figure


def _right_margin_axes(figure, beside):
    """A thin axes in the right margin, as tall as `beside` (for a colorbar)."""
    width, _ = figure.get_size_inches()
    box = beside.get_position()
    return figure.add_axes((box.x1 + 0.25 / width, box.y0, 0.15 / width, box.height))


def _representation(table, representation):
    missing = {"representation", "dataset"} - set(table.columns)
    if missing:
        return f"needs the columns {', '.join(sorted(missing))}"
    rows = table[table["representation"] == representation]
    return rows if len(rows) else f"has no rows of the {representation} representation"


def _available_scores(rows):
    if isinstance(rows, str):
        return []
    return [(label, column) for label, column in HEADLINE_SCORES
            if column in rows.columns and rows[column].notna().any()]


def _ordered(values):
    return list(dict.fromkeys(values.dropna()))


def _methods(rows):
    """Methods in the paper's order, unknown ones after them."""
    present = _ordered(rows["model"])
    known = [m for m in METHOD_LABELS if m in present]
    return known + [m for m in present if m not in known]


def _boxes_with_points(axis, groups):
    positions = [i for i, group in enumerate(groups) if len(group)]
    if positions:
        axis.boxplot([groups[i] for i in positions], positions=positions, widths=0.6, showfliers=False)
    jitter = np.random.default_rng(0)  # fixed, so figures are reproducible
    for i, group in enumerate(groups):
        axis.plot(i + jitter.uniform(-0.15, 0.15, len(group)), group, ".", alpha=0.6, color="tab:blue")
    axis.set_xlim(-0.6, len(groups) - 0.4)


def _score_by_strength(axis, rows, column):
    values = sorted(rows["hparam_value"].unique())
    groups = [rows.loc[rows["hparam_value"] == v, column].dropna().to_numpy() for v in values]
    _boxes_with_points(axis, groups)
    axis.set_xticks(range(len(values)), [f"{v:g}" for v in values], fontsize=7)


def _strength_label(rows):
    names = _ordered(rows["hparam_name"]) if "hparam_name" in rows.columns else []
    return hparams.label(names[0]) if names else "regularisation strength"

