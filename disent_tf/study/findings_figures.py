"""One figure per finding of disent_tf.study.findings, in the style of the paper's figure it tests.

`figure(finding, table)` returns a matplotlib Figure (Agg, no pyplot
state), or None when the finding was not tested. Findings 1 and 2 reuse the
figures of disent_tf.study.plots (paper Figs. 1 and 3); 3 draws every
model's score by method and setting (Figs. 4-5); 4 and 5 are heat maps of
the rank correlations (Figs. 7, 9-10); 6 the transfer probabilities (Fig. 8).
"""

import numpy as np
from matplotlib.figure import Figure

from disent_tf.study import findings, plots


def figure(finding, table):
    """The figure of `finding` (computed from `table`), or None when it has nothing to show."""
    if finding.verdict == findings.NOT_TESTED:
        return None
    drawn = _DRAW[finding.number](finding, table)
    return None if isinstance(drawn, str) else drawn  # plots' figures answer a string when columns lack


def seeds_figure(finding, table):
    """Finding 3: each score of every model, grouped by method and setting; the seeds of a setting joined."""
    mean = table[table["representation"] == "mean"]
    scores = [(label, column) for label, column in findings.HEADLINE_SCORES if column in set(finding.details["column"])]
    columns = min(3, len(scores))
    rows = -(-len(scores) // columns)
    result = Figure(figsize=(4.2 * columns, 2.9 * rows + 0.6), layout="constrained")
    axes = result.subplots(rows, columns, squeeze=False).ravel()
    for axis, (label, column) in zip(axes, scores):
        _seeds_panel(axis, mean, column)
        axis.set_title(label, fontsize=9)
    for axis in axes[len(scores):]:
        axis.set_visible(False)
    result.suptitle("Every model's score (mean representation): a column per setting, its seeds joined;\n"
                    "the spread within a column against that between methods (red: a method's mean)", fontsize=10)
    return result


def correlation_figure(finding, table):
    """Findings 4 and 5: the heat map of the Spearman correlations in `finding.details`."""
    matrix = finding.details
    result = Figure(figsize=(1.2 * len(matrix.columns) + 3.2, 0.5 * len(matrix) + 1.9), layout="constrained")
    axis = result.subplots()
    image = axis.imshow(np.nan_to_num(matrix.to_numpy(dtype=float)), vmin=-1, vmax=1, cmap="RdBu_r", aspect="auto")
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        axis.text(j, i, "n/a" if np.isnan(value) else f"{value:.2f}", ha="center", va="center", fontsize=8)
    axis.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=30, ha="right", fontsize=8)
    axis.set_yticks(range(len(matrix)), matrix.index, fontsize=8)
    result.colorbar(image, ax=axis, label="Spearman rank correlation")
    result.suptitle(f"Finding {finding.number}: rank correlation over models", fontsize=10)
    return result


def transfer_figure(finding, table):
    """Finding 6: per score, the probability that the setting best on one data set beats a random one on another."""
    shares = finding.details.groupby("score", sort=False)["beats_random"].mean()
    result = Figure(figsize=(7, 3.2), layout="constrained")
    axis = result.subplots()
    axis.bar(range(len(shares)), shares.to_numpy(), color="tab:blue")
    axis.axhline(0.5, color="black", linestyle="--", label="chance")
    axis.set_xticks(range(len(shares)), shares.index, rotation=30, ha="right", fontsize=8)
    axis.set_ylim(0, 1)
    axis.set_ylabel("P(transferred beats random)", fontsize=8)
    axis.legend(fontsize=8)
    result.suptitle("Finding 6: hyperparameters transferred between data sets", fontsize=10)
    return result


def _seeds_panel(axis, rows, column):
    position, ticks, labels = 0, [], []
    for method in findings.methods(rows):
        part = rows[rows["model"] == method]
        start = position
        for value in sorted(part["hparam_value"].dropna().unique()):
            seeds = part.loc[part["hparam_value"] == value, column].dropna().to_numpy()
            axis.plot([position] * len(seeds), seeds, "o-", color="tab:blue", markersize=3, alpha=0.8)
            position += 1
        if position > start:
            axis.hlines(part[column].mean(), start - 0.3, position - 0.7, color="tab:red", linewidth=1)
            ticks.append((start + position - 1) / 2)
            labels.append(findings.method_label(method))
        position += 0.5
    axis.set_xticks(ticks, labels, rotation=30, ha="right", fontsize=7)
    axis.tick_params(axis="y", labelsize=7)


_DRAW = {
    1: lambda finding, table: plots.total_correlation_figure(table),
    2: lambda finding, table: plots.rank_correlation_figure(table),
    3: seeds_figure,
    4: correlation_figure,
    5: correlation_figure,
    6: transfer_figure,
}
