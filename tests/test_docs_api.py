"""docs/api.md's example, run exactly as the page writes it."""

import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_the_api_pages_example_runs_as_written(tmp_path, monkeypatch, capsys):
    example = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, str(DOC), "exec"), {"__name__": "__main__"})
    assert (tmp_path / "exported" / "api_example" / "1" / "saved_model.pb").exists()
    printed = capsys.readouterr().out
    assert "'mig': {'discrete_mig':" in printed and "'dci': {" in printed
