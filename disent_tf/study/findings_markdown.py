"""The findings of a results table as Markdown, written into a page between two markers.

    update_page("docs/findings.md", table, figures_dir="docs/figures/findings")

replaces what lies between FINDINGS_START and FINDINGS_END in the page
(everything else, the prose a person wrote around it, stays) with, for each
finding of disent_tf.study.findings: the paper's statement, the computed
sentence and verdict, the headline numbers and the finding's figure, saved
as a PNG under `figures_dir` and linked relative to the page. A page without
the markers is refused, so no other file is overwritten. Every number comes
from the table; nothing is typed in.
"""

import os

from disent_tf import records
from disent_tf.errors import UserError
from disent_tf.study import findings, findings_figures, plots, report

FINDINGS_START = "<!-- bin/report --markdown: findings start (generated: edit the prose around it only) -->"
FINDINGS_END = "<!-- bin/report --markdown: findings end -->"


def update_page(page, table, figures_dir, source):
    """Writes the findings of `table` (read from `source`) into `page`'s marked block; returns the figure paths."""
    text = read_page(page)
    block, figures = findings_block(table, figures_dir, os.path.dirname(os.path.abspath(page)), source)
    start, end = text.index(FINDINGS_START), text.index(FINDINGS_END)
    records.write_text(page, text[:start + len(FINDINGS_START)] + "\n" + block + "\n" + text[end:])
    return figures


def read_page(page):
    """The page's text; UserError unless it exists and holds both markers, in order."""
    if not os.path.isfile(page):
        raise UserError(f"--markdown '{page}' does not exist; create it with the two marker lines "
                        f"'{FINDINGS_START}' and '{FINDINGS_END}' where the findings go.")
    with open(page, encoding="utf-8") as handle:
        text = handle.read()
    start, end = text.find(FINDINGS_START), text.find(FINDINGS_END)
    if start < 0 or end < start:
        raise UserError(f"{page} has no findings markers, so bin/report will not write into it; add the lines "
                        f"'{FINDINGS_START}' and '{FINDINGS_END}' where the findings go.")
    return text


def findings_block(table, figures_dir, page_dir, source):
    """(Markdown of every finding, the figure files written)."""
    lines = [f"Computed by `bin/report` from `{source}`: {table['run'].nunique()} models, "
             f"{len(table)} rows. Compute: {report.compute_time_sentence(table)}", ""]
    figures = []
    for finding in findings.all_findings(table):
        lines += [f"### Finding {finding.number}: {finding.title}", "",
                  f"- **The paper:** {finding.paper}",
                  f"- **Here:** {finding.sentence}", ""]
        if finding.numbers:
            lines += ["| number | value |", "| --- | --- |"]
            lines += [f"| {name} | {_format(value)} |" for name, value in finding.numbers.items()]
            lines.append("")
        drawn = findings_figures.figure(finding, table)
        if drawn is not None:
            path = os.path.join(figures_dir, f"finding{finding.number}.png")
            plots.save_png(drawn, path)
            figures.append(path)
            lines += [f"![Finding {finding.number}]({os.path.relpath(path, page_dir)})", ""]
    return "\n".join(lines).rstrip() + "\n", figures


def _format(value):
    try:
        return f"{float(value):.3g}"
    except (TypeError, ValueError):
        return str(value)
