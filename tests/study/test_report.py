"""bin/report and disent_tf.study.report on the synthetic fixture: the page's content, its inputs' errors."""

import re

import pandas as pd
import pytest

from disent_tf.errors import UserError
from disent_tf.study import findings, report
from harness.tools import assert_one_sentence_error, assert_succeeded, run_script, run_tool
from report_fixture import PATH as FIXTURE


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    output = tmp_path_factory.mktemp("report") / "report.html"
    report.make_report(FIXTURE, str(output))
    return output.read_text(encoding="utf-8")


def test_the_page_holds_every_finding_with_its_computed_sentence(page):
    table = pd.read_csv(FIXTURE)
    for finding in findings.all_findings(table):
        assert f"id='finding-{finding.number}'" in page
        assert report._text(finding.sentence) in page and report._text(finding.paper) in page
    assert page.count("<img src='data:image/png;base64,") == 5  # finding 6 is not tested: no figure
    assert page.startswith("<!DOCTYPE html>") and report.MARKER in page


def test_the_page_is_self_contained(page):
    assert not re.search(r"""(src|href)\s*=\s*['"](?!data:|#)""", page)  # only data URIs and in-page links
    assert "http://" not in page and "https://" not in page


def test_the_scores_table_has_a_row_per_run_and_representation(page):
    body = page.split("id='scores-table'")[1].split("</table>")[0]
    assert body.count("<tr>") == 1 + 24  # the header and the fixture's rows
    assert "data-value='0.225'" in body  # run 31's MIG (v = 0.90, MIG = v / 4)


def test_a_table_with_few_columns_still_makes_a_page():
    table = pd.read_csv(FIXTURE)[["run", "representation", "mig.discrete_mig"]]
    assert [f.verdict for f in findings.all_findings(table)] == [findings.NOT_TESTED] * 6
    page = report.render(table, "few.csv")
    assert page.count("<img") == 0 and "Run 31" in page and "Unknown: the table has no seconds_training" in page


def test_compute_time_is_summed_from_the_table():
    table = pd.read_csv(FIXTURE)
    # 12 runs x 100 s of training; 24 rows x 8 metric files x 5 s of scoring.
    assert report.compute_seconds(table) == (1200.0, 960.0)
    assert report.compute_time_sentence(table).startswith("0 h 36 min (2,160 s) of compute in all")
    untimed = table.drop(columns=["seconds_training", "seconds_scoring"])
    assert report.compute_seconds(untimed) == (None, None)
    assert report.compute_time_sentence(untimed).startswith("Unknown: the table has no seconds_training")


def test_the_best_model_by_mig_and_its_recorded_versions(tmp_path, page):
    table = pd.read_csv(FIXTURE)
    assert report.best_run(table) == 31
    assert "Pass --run_dir" in page
    metrics = tmp_path / "31" / "metrics" / "mean"
    metrics.mkdir(parents=True)
    (metrics / "mig.json").write_text('{"versions": {"tensorflow": "2.21.0", "scikit-learn": "1.9.1"}}')
    assert report.library_versions(table, str(tmp_path)) == {"tensorflow": "2.21.0", "scikit-learn": "1.9.1"}
    assert "<td>2.21.0</td>" in report._study_section(table, str(tmp_path))
    assert "No traversals at" in report._traversals_section(table, str(tmp_path))  # no visualizations/ here


def test_a_report_may_be_replaced_and_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "render", lambda table, source, run_dir=None: f"{report.MARKER}<p>{source}</p>")
    output = tmp_path / "report.html"
    report.make_report(FIXTURE, str(output))
    report.make_report(FIXTURE, str(output))  # our own page: replaced
    other = tmp_path / "notes.html"
    other.write_text("<html>my notes</html>")
    with pytest.raises(UserError, match="exists and is not a report of bin/report"):
        report.make_report(FIXTURE, str(other))
    assert other.read_text() == "<html>my notes</html>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.html", "report.html"]  # no temporary left


def test_bin_report_writes_the_page_without_tensorflow(tmp_path):
    output = tmp_path / "out" / "report.html"
    code = ("import sys; from disent_tf.cli import report; sys.argv = ['disent-report', '--results=' + sys.argv[1], "
            "'--output=' + sys.argv[2]]; import atexit; "
            "atexit.register(lambda: print('tensorflow imported:', 'tensorflow' in sys.modules)); report.run()")
    script = tmp_path / "run_report.py"
    script.write_text(code)
    result = assert_succeeded(run_script(script, FIXTURE, output))
    assert f"wrote {output}" in result.stdout
    assert "tensorflow imported: False" in result.stdout
    assert report.MARKER in output.read_text(encoding="utf-8")


def _bad(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case, message", [
    ("missing", "does not exist; pass a .csv written by bin/aggregate"),
    ("folder", "is a folder; aggregate it first"),
    ("json", "bin/report reads a .csv table"),
    ("empty", "is not a valid .csv table"),
    ("not_aggregate", "has no run or representation column"),
    ("long", "is a long table; write it with bin/aggregate --layout=wide"),
    ("header_only", "holds no results"),
])
def test_bad_results_are_one_sentence_before_any_work(tmp_path, case, message):
    results = {
        "missing": tmp_path / "nothing.csv",
        "folder": tmp_path,
        "json": _bad(tmp_path, "results.json", b"[]"),
        "empty": _bad(tmp_path, "empty.csv", b""),
        "not_aggregate": _bad(tmp_path, "other.csv", b"a,b\n1,2\n"),
        "long": _bad(tmp_path, "long.csv", b"run,representation,metric,key,value\n0,mean,mig,discrete_mig,0.1\n"),
        "header_only": _bad(tmp_path, "header.csv", b"run,representation\n"),
    }[case]
    output = tmp_path / "report.html"
    with pytest.raises(UserError, match=re.escape(message)) as error:
        report.make_report(str(results), str(output))
    assert len(str(error.value).splitlines()) == 1 and str(error.value).endswith(".")
    assert not output.exists()


@pytest.mark.parametrize("name, run_dir, message", [
    ("r.txt", None, "must name an .html file"),
    ("folder.html", None, "is a folder; name an .html file in it"),
    ("r.html", "absent", "is not a folder"),
])
def test_bad_outputs_are_one_sentence_before_any_work(tmp_path, name, run_dir, message):
    (tmp_path / "folder.html").mkdir()
    with pytest.raises(UserError, match=re.escape(message)):
        report.make_report(FIXTURE, str(tmp_path / name), run_dir and str(tmp_path / run_dir))
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r.txt").exists()


def test_bin_report_errors_are_one_sentence_and_exit_1(tmp_path):
    assert_one_sentence_error(run_tool("report", f"--output={tmp_path / 'r.html'}"), "pass --results=")
    assert_one_sentence_error(run_tool("report", f"--results={tmp_path / 'nothing.csv'}",
                                       f"--output={tmp_path / 'r.html'}"), "does not exist")
    assert not (tmp_path / "r.html").exists()
