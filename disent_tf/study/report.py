"""The study report: one self-contained HTML page of a results table, opened from a file, no server, no network.

    make_report("results.csv", "report.html", run_dir="output")

The page holds each finding of disent_tf.study.findings (its figure, its
numbers, the computed verdict next to the paper's statement), a sortable
table of every model's scores, the traversals of the best model by MIG
(when the run folders of bin/reproduce are given), and the study's config,
versions and compute time. Figures are PNGs embedded as data URIs; the only
script is the table's sort, inline. Nothing here imports TensorFlow, so the
report needs only pandas and matplotlib.
"""

import base64
import html
import json
import os

import numpy as np
import pandas as pd

from disent_tf import records
from disent_tf.errors import MissingFileError, UserError
from disent_tf.study import findings, findings_figures, plots

# Every report starts with this; an existing --output without it is not overwritten.
MARKER = '<meta name="generator" content="disent_tf bin/report">'
ROW_KEYS = ("run", "representation")
IDENTITY_COLUMNS = ("run", "model", "hparam_name", "hparam_value", "seed", "dataset", "representation")
EXTRA_SCORES = (
    ("TC", findings.TOTAL_CORRELATION),
    ("Reconstruction", "train_reconstruction_loss"),
    ("ELBO", "train_elbo"),
    ("LR acc@100", "downstream_lr.100:mean_test_accuracy"),
    ("LR acc@10000", "downstream_lr.10000:mean_test_accuracy"),
    ("GBT acc@100", "downstream_gbt.100:mean_test_accuracy"),
    ("GBT acc@10000", "downstream_gbt.10000:mean_test_accuracy"),
)
BEST_BY = "mig.discrete_mig"
TIME_COLUMNS = ("seconds_training", "seconds_scoring")
WIDE_FIGURE_PX = 720


def make_report(results, output, run_dir=None):
    """Checks the inputs (UserError before any work), then writes the report to `output`; returns its path."""
    table = read_results(results)
    check_output(output)
    if run_dir is not None and not os.path.isdir(run_dir):
        raise MissingFileError(f"--run_dir '{run_dir}' is not a folder; pass the --output_dir of bin/reproduce, "
                               "or leave --run_dir out.")
    records.write_text(output, render(table, results, run_dir))  # atomic: never half a page
    return output


def read_results(path):
    """The wide table in the .csv `path` written by bin/aggregate; a one-sentence UserError otherwise."""
    if os.path.isdir(path):
        raise UserError(f"'{path}' is a folder; aggregate it first (bin/aggregate --input={path} "
                        "--output=results.csv) and pass that .csv.")
    if not os.path.exists(path):
        raise MissingFileError(f"results table '{path}' does not exist; pass a .csv written by bin/aggregate.")
    if os.path.splitext(path)[1].lower() != ".csv":
        raise UserError(f"cannot read '{path}': bin/report reads a .csv table; write one with bin/aggregate "
                        "--output=results.csv.")
    try:
        table = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, OSError) as error:  # pandas' parser and empty-data errors
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(f"'{path}' is not a valid .csv table ({reason}); write it again with bin/aggregate.") from None
    if {"metric", "key", "value"} <= set(table.columns):
        raise UserError(f"'{path}' is a long table; write it with bin/aggregate --layout=wide.")
    missing = [key for key in ROW_KEYS if key not in table.columns]
    if missing:
        raise UserError(f"'{path}' has no {' or '.join(missing)} column, so it is not a table written by "
                        "bin/aggregate; write it again with bin/aggregate.")
    if table.empty:
        raise UserError(f"'{path}' holds no results; run bin/reproduce and bin/aggregate first.")
    return table


def check_output(path):
    """Refuses an --output that is not .html, is a folder, cannot be written, or is a file that is no report."""
    if os.path.splitext(path)[1].lower() not in (".html", ".htm"):
        raise UserError(f"--output '{path}' must name an .html file.")
    records.check_replaceable(path, lambda content: MARKER.encode() in content[:4096], kind="an .html file",
                              ours="a report of bin/report")
    records.check_writable(os.path.dirname(os.path.abspath(path)))


# ---------------------------------------------------------------------- the page


def render(table, source, run_dir=None):
    """The report of `table` (read from `source`) as one HTML document."""
    results = findings.all_findings(table)
    sections = [_summary(results)] + [_finding_section(finding, table) for finding in results]
    sections += [_scores_section(table), _traversals_section(table, run_dir), _study_section(table, run_dir)]
    return PAGE.format(marker=MARKER, title="disent_tf study report", source=_text(source),
                       rows=len(table), runs=table["run"].nunique(), body="\n".join(sections), script=SORT_SCRIPT)


def _summary(results):
    rows = "".join(f"<tr><td>{f.number}</td><td><a href='#finding-{f.number}'>{_text(f.title)}</a></td>"
                   f"<td>{_verdict_badge(f.verdict)}</td></tr>" for f in results)
    return (f"<section><h2>Findings</h2><table class='summary'><thead><tr><th>#</th><th>Finding</th>"
            f"<th>Verdict</th></tr></thead><tbody>{rows}</tbody></table><p class='note'>Each verdict is computed "
            "from the table with the thresholds of disent_tf.study.findings (its module docstring and "
            "docs/study.md).</p></section>")


def _finding_section(finding, table):
    image = findings_figures.figure(finding, table)
    figure = (f"<img src='{png_data_uri(image)}' alt='Figure of finding {finding.number}'>" if image is not None
              else "<p class='note'>No figure: not tested.</p>")
    # A figure wider than half the page (e.g. one panel per method) gets a row of its own, the text below it.
    wide = image is not None and image.get_size_inches()[0] * plots.DPI > WIDE_FIGURE_PX
    numbers = "".join(f"<tr><th>{_text(name)}</th><td>{_format(value)}</td></tr>"
                      for name, value in finding.numbers.items())
    details = ("" if finding.details is None else
               f"<details><summary>The numbers behind it</summary>{_frame_html(finding.details)}</details>")
    return (f"<section id='finding-{finding.number}'><h2>{finding.number}. {_text(finding.title)}</h2>"
            f"<div class='finding'><div class='figure{' wide-figure' if wide else ''}'>{figure}</div><div class='text'>"
            f"<p><b>Paper:</b> {_text(finding.paper)}</p><p>{_verdict_badge(finding.verdict)} "
            f"{_text(finding.sentence)}</p><table class='numbers'>{numbers}</table>{details}</div></div></section>")


def _scores_section(table):
    columns = [(name, name) for name in IDENTITY_COLUMNS if name in table.columns]
    columns += [(label, column) for label, column in findings.HEADLINE_SCORES + EXTRA_SCORES if column in table.columns]
    head = "".join(f"<th title='{_text(column)}: click to sort'>{_text(label)}</th>" for label, column in columns)
    body = "".join("<tr>" + "".join(_cell(row[column]) for _, column in columns) + "</tr>"
                   for _, row in table.iterrows())
    return (f"<section id='scores'><h2>Every model's scores</h2><p class='note'>One row per run and "
            f"representation; click a column's header to sort by it (again to reverse).</p><div class='wide'>"
            f"<table id='scores-table' class='sortable'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            f"</table></div></section>")


def best_run(table):
    """The run with the highest MIG of its mean representation, or None."""
    mean = table[table["representation"] == "mean"]
    if BEST_BY not in mean.columns or mean[BEST_BY].isna().all():
        return None
    return mean.loc[mean[BEST_BY].idxmax(), "run"]


def _traversals_section(table, run_dir):
    run = best_run(table)
    if run is None:
        return "<section id='traversals'><h2>Traversals</h2><p>The table has no MIG to choose a model by.</p></section>"
    row = table[(table["run"] == run) & (table["representation"] == "mean")].iloc[0]
    chosen = (f"Run {_text(run)} ({_text(row.get('model', ''))}, {_text(row.get('hparam_name', ''))} "
              f"{_format(row.get('hparam_value'))}, seed {_format(row.get('seed'))}) has the highest MIG of the mean "
              f"representation, {_format(row[BEST_BY])}.")
    path = traversals_path(run_dir, run) if run_dir else None
    if path is None:
        picture = "<p class='note'>Pass --run_dir (the --output_dir of bin/reproduce) to show its traversals.</p>"
    elif not os.path.isfile(path):
        picture = f"<p class='note'>No traversals at {_text(path)} (bin/reproduce writes them last).</p>"
    else:
        with open(path, "rb") as handle:
            data = base64.b64encode(handle.read()).decode("ascii")
        picture = (f"<p class='note'>Each row moves one latent dimension, the others held ({_text(path)}).</p>"
                   f"<img class='traversals' src='data:image/png;base64,{data}' alt='Traversals of run {_text(run)}'>")
    return f"<section id='traversals'><h2>Traversals of the best model by MIG</h2><p>{chosen}</p>{picture}</section>"


def traversals_path(run_dir, run):
    return os.path.join(run_dir, str(run), "visualizations", "traversals.png")


def _study_section(table, run_dir):
    return (f"<section id='study'><h2>The study</h2><h3>Settings</h3>{_frame_html(settings(table))}"
            f"<h3>Config shared by every run</h3>{_frame_html(shared_config(table))}"
            f"<h3>Compute time</h3><p>{_text(compute_time_sentence(table))}</p>"
            f"<h3>Versions</h3>{_versions_html(table, run_dir)}</section>")


def settings(table):
    """Per method: the swept hyperparameter, its values, the seeds and the number of runs."""
    runs = table.drop_duplicates("run")
    rows = []
    for method in findings.methods(runs):
        part = runs[runs["model"] == method]
        rows.append({"method": findings.method_label(method), "hyperparameter": _values(part, "hparam_name"),
                     "values": _values(part, "hparam_value"), "seeds": _values(part, "seed"), "runs": len(part)})
    return pd.DataFrame(rows)


def _values(rows, column):
    """The distinct values of `column` in `rows`, sorted, as one string ("" without the column)."""
    if column not in rows.columns:
        return ""
    return ", ".join(_format(value) for value in sorted(rows[column].dropna().unique()))


def shared_config(table):
    """The config columns with one value in every row (what the whole study shares)."""
    rows = []
    for column in table.columns:
        if "." in column and not column.startswith("hparams."):
            continue  # a score
        values = table[column].unique()
        if len(values) == 1 and not _missing(values[0]) and column not in TIME_COLUMNS:
            rows.append({"setting": column, "value": _format(values[0])})
    return pd.DataFrame(rows, columns=["setting", "value"])


def compute_seconds(table):
    """(training seconds over runs, scoring seconds over rows) from the table; None where a column is absent."""
    training = (table.drop_duplicates("run")["seconds_training"].sum(min_count=1)
                if "seconds_training" in table.columns else np.nan)
    scoring = table["seconds_scoring"].sum(min_count=1) if "seconds_scoring" in table.columns else np.nan
    return (None if np.isnan(training) else float(training)), (None if np.isnan(scoring) else float(scoring))


def compute_time_sentence(table):
    training, scoring = compute_seconds(table)
    if training is None and scoring is None:
        return ("Unknown: the table has no seconds_training or seconds_scoring columns (aggregate the study with "
                "this version of bin/aggregate to record them).")
    total = (training or 0) + (scoring or 0)
    parts = [f"training {_duration(training)}" if training is not None else "training unknown",
             f"scoring {_duration(scoring)}" if scoring is not None else "scoring unknown"]
    return (f"{_duration(total)} of compute in all ({', '.join(parts)}), summed over the table's "
            f"{table['run'].nunique()} runs; runs side by side overlap in wall time.")


def library_versions(table, run_dir):
    """{library: version} that scored the study (a metric file of the best run), or {} without run folders."""
    run = best_run(table)
    if not run_dir or run is None:
        return {}
    folder = os.path.join(run_dir, str(run), "metrics", "mean")
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                versions = json.load(handle).get("versions")
        except (OSError, ValueError):
            continue
        if isinstance(versions, dict):
            return versions
    return {}


def report_versions():
    """The versions of what drew this report."""
    import matplotlib
    import scipy

    import disent_tf

    return {"disent_tf": disent_tf.__version__, "pandas": pd.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "matplotlib": matplotlib.__version__}


def _versions_html(table, run_dir):
    scored = library_versions(table, run_dir)
    if scored:
        scored_html = _frame_html(pd.DataFrame(sorted(scored.items()), columns=["library", "version"]))
    elif run_dir:
        scored_html = (f"<p class='note'>No metric file of run {_text(best_run(table))} under {_text(run_dir)} "
                       "records them.</p>")
    else:
        scored_html = ("<p class='note'>The versions that trained and scored the models are in each metric file; "
                       "pass --run_dir to show them.</p>")
    drawn = pd.DataFrame(sorted(report_versions().items()), columns=["library", "version"])
    return f"<p>Trained and scored with:</p>{scored_html}<p>This report drawn with:</p>{_frame_html(drawn)}"


# ---------------------------------------------------------------------- pieces


def png_data_uri(figure):
    return "data:image/png;base64," + base64.b64encode(plots.png_bytes(figure)).decode("ascii")


def _cell(value):
    """A table cell whose data-value is the raw number (the sort key) and whose text is rounded."""
    if _missing(value):
        return "<td data-value=''></td>"
    return f"<td data-value='{_text(value)}'>{_format(value)}</td>"


def _frame_html(frame):
    if frame is None or frame.empty:
        return "<p class='note'>None.</p>"
    labelled = not isinstance(frame.index, pd.RangeIndex)  # a plain row number is not worth a column
    head = "".join(f"<th>{_text(c)}</th>" for c in ([frame.index.name or ""] * labelled + list(frame.columns)))
    body = "".join("<tr>" + (f"<th>{_text(index)}</th>" if labelled else "")
                   + "".join(f"<td>{_format(v)}</td>" for v in row) + "</tr>"
                   for index, row in zip(frame.index, frame.itertuples(index=False)))
    return f"<table class='frame'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _verdict_badge(verdict):
    kind = {findings.HOLDS: "holds", findings.DOES_NOT_HOLD: "fails"}.get(verdict, "untested")
    return f"<span class='verdict {kind}'>{_text(verdict)}</span>"


def _duration(seconds):
    hours, rest = divmod(int(round(seconds)), 3600)
    return f"{hours} h {rest // 60:02d} min ({seconds:,.0f} s)"


def _format(value):
    if _missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and float(value).is_integer()):
        return f"{int(value)}" if abs(value) < 1e15 else f"{value:g}"
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return _text(value)


def _missing(value):
    return value is None or (isinstance(value, (float, np.floating)) and np.isnan(value))


def _text(value):
    return html.escape(str(value), quote=True)


SORT_SCRIPT = """
// Click a header of a .sortable table to sort its rows by that column (numbers as numbers, empty cells last).
function sortKey(cell) {
  var raw = cell.getAttribute('data-value');
  if (raw === null || raw === '') { return null; }
  var number = Number(raw);
  return isNaN(number) ? raw : number;
}
function compareKeys(x, y) {
  if (typeof x === 'number' && typeof y === 'number') { return x - y; }
  return String(x).localeCompare(String(y));
}
document.querySelectorAll('table.sortable').forEach(function (table) {
  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (header, column) {
    header.addEventListener('click', function () {
      var ascending = header.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(headers, function (other) { other.removeAttribute('aria-sort'); });
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = sortKey(a.cells[column]), y = sortKey(b.cells[column]);
        if (x === null || y === null) { return (x === null) - (y === null); }
        return ascending ? compareKeys(x, y) : compareKeys(y, x);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
{marker}
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em; color: #222; }}
h1 {{ margin-bottom: 0.2em; }}
section {{ border-top: 1px solid #ccc; margin-top: 1.5em; }}
.finding {{ display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }}
.figure {{ flex: 1 1 560px; }} .text {{ flex: 1 1 320px; }} .wide-figure {{ flex-basis: 100%; }}
.figure img {{ max-width: 100%; height: auto; }}
img.traversals {{ max-width: min(100%, 640px); image-rendering: pixelated; }}
.note {{ color: #666; font-size: 0.9em; }}
.verdict {{ font-weight: bold; padding: 0.1em 0.5em; border-radius: 0.3em; white-space: nowrap; }}
.holds {{ background: #d8f0d8; color: #135213; }} .fails {{ background: #f6d5d5; color: #7a1414; }}
.untested {{ background: #e6e6e6; color: #444; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }}
th, td {{ border: 1px solid #ddd; padding: 0.2em 0.5em; text-align: right; }}
th {{ background: #f3f3f3; }} td:first-child, th:first-child {{ text-align: left; }}
table.summary td, table.summary th {{ text-align: left; }}
table.sortable th {{ cursor: pointer; user-select: none; }}
table.sortable th[aria-sort=ascending]::after {{ content: " \\25B2"; }}
table.sortable th[aria-sort=descending]::after {{ content: " \\25BC"; }}
.wide {{ overflow-x: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="note">From {source}: {rows} rows, {runs} runs. Every number on this page is computed from that table by
disent_tf.study.findings; the paper is Locatello et al., <i>Challenging Common Assumptions in the Unsupervised
Learning of Disentangled Representations</i>, ICML 2019 (arXiv:1811.12359).</p>
{body}
<script>{script}</script>
</body>
</html>
"""
