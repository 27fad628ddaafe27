"""bin/report --markdown: the findings written into a page's marked block, the prose around it kept."""

import pandas as pd
import pytest

from disent_tf.errors import UserError
from disent_tf.study import findings, findings_markdown
from harness.tools import run_tool
from report_fixture import PATH as FIXTURE

PAGE = f"# Findings\n\nHand-written prose.\n\n{findings_markdown.FINDINGS_START}\nold\n{findings_markdown.FINDINGS_END}\n\nMore prose.\n"


def test_the_block_holds_each_findings_numbers_and_figure_and_the_prose_stays(tmp_path):
    page = tmp_path / "findings.md"
    page.write_text(PAGE)
    table = pd.read_csv(FIXTURE)
    figures = findings_markdown.update_page(str(page), table, str(tmp_path / "figures"), "fixture.csv")
    text = page.read_text()
    assert text.startswith("# Findings\n\nHand-written prose.\n") and text.endswith("More prose.\n")
    assert "\nold\n" not in text
    for finding in findings.all_findings(table):
        assert f"### Finding {finding.number}: {finding.title}" in text
        # The computed sentence opens with the verdict, so the page does not say it twice.
        assert finding.sentence.lower().startswith(f"{finding.verdict}:")
        assert f"**Here:** {finding.sentence}" in text
        for name, value in finding.numbers.items():
            assert f"| {name} | {float(value):.3g} |" in text
    assert figures and all((tmp_path / "figures" / name).exists() for name in
                           [path.rsplit("/", 1)[-1] for path in figures])
    assert "](figures/finding1.png)" in text
    # Rewriting gives the same page: the block is replaced, not appended.
    findings_markdown.update_page(str(page), table, str(tmp_path / "figures"), "fixture.csv")
    assert page.read_text() == text


def test_a_page_without_the_markers_is_refused_and_left_alone(tmp_path):
    page = tmp_path / "notes.md"
    page.write_text("# My notes\n")
    with pytest.raises(UserError, match="has no findings markers"):
        findings_markdown.read_page(str(page))
    done = run_tool("report", f"--results={FIXTURE}", f"--markdown={page}")
    assert done.returncode == 1 and "has no findings markers" in done.stderr and "Traceback" not in done.stderr
    assert page.read_text() == "# My notes\n"
