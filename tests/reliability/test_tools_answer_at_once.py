"""The tools answer at once: --help, bad values and unknown names, and bin/aggregate and bin/plot on local files,
without importing TensorFlow, scikit-learn or numba (each costs seconds before any answer; issue 26).

Each case runs bin/<tool> as a whole process under a probe that writes, at exit, which of those
packages sys.modules holds. How long the cases take is bench/bench_cli.py's job, not a test's.
--help and an unknown flag both end in absl's flag parsing, after the same imports, so --help stands
for both here (the bench times both).
"""

import json
import os
import subprocess
import sys

import pytest

from disent_tf.cli import aggregate as aggregate_tool
from disent_tf.study import aggregate
from harness.tools import REPO
from study.study_fixtures import write_synthetic_results

HEAVY = ("tensorflow", "sklearn", "numba")
# Runs bin/<tool> as __main__ and, at exit (absl ends with sys.exit), writes the HEAVY packages it loaded.
PROBE = f"""
import atexit, json, runpy, sys
report, tool = sys.argv[1:3]
sys.argv = [tool] + sys.argv[3:]
atexit.register(lambda: open(report, "w").write(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}}
                                                                  & set({HEAVY!r})))))
runpy.run_path(tool, run_name="__main__")
"""
TOOLS = sorted(path.name for path in (REPO / "bin").iterdir() if path.is_file())


def probe(tmp_path, tool, *flags):
    """(exit code, stdout + stderr, heavy packages loaded) of `bin/<tool> flags...`."""
    report = tmp_path / f"{tool}-modules.json"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", PROBE, str(report), str(REPO / "bin" / tool), *map(str, flags)],
                            capture_output=True, text=True, timeout=300, env=env, cwd=str(tmp_path))
    return result.returncode, result.stdout + result.stderr, json.loads(report.read_text())


@pytest.mark.parametrize("tool", TOOLS)
def test_help_loads_no_heavy_package(tmp_path, tool):
    code, output, heavy = probe(tmp_path, tool, "--help")
    assert code == 1 and "flags:" in output, output[-2000:]  # absl prints the usage and exits with 1
    assert heavy == []


@pytest.mark.parametrize("flags, message", [
    (("train", "--model=nope"), "unknown model 'nope'"),
    (("train", "--steps=abc"), "Flags parsing error"),
    (("evaluate", "--export_dir=.", "--metrics=mig,nope"), "unknown metric nope"),
    (("evaluate", "--export_dir=.", "--sample_scale=2"), "--sample_scale must be in (0, 1]"),
    (("evaluate", "--export_dir=.", "--gbt_backend=nope"), "Flags parsing error"),
    (("evaluate_udr", "--export_dirs=a"), "needs at least two exports"),
    (("reproduce", "--model_num=999999"), "model_num"),
    (("visualize_dataset", "--dataset=nope"), "unknown data set 'nope'"),
])
def test_bad_input_is_refused_before_heavy_imports(tmp_path, flags, message):
    code, output, heavy = probe(tmp_path, *flags)
    assert code == 1 and message in output, output[-2000:]
    assert heavy == []


def test_only_print_loads_no_heavy_package(tmp_path):
    code, output, heavy = probe(tmp_path, "reproduce", "--model_num=3", "--only_print")
    assert code == 0 and json.loads(output)["model_num"] == 3, output[-2000:]
    assert heavy == []


def test_aggregate_and_plot_of_local_files_load_no_heavy_package(tmp_path):
    write_synthetic_results(tmp_path / "output", range(4))
    table = tmp_path / "results.csv"
    code, output, heavy = probe(tmp_path, "aggregate", f"--input={tmp_path / 'output'}", f"--output={table}")
    assert code == 0 and table.stat().st_size > 0, output[-2000:]
    assert heavy == []
    code, output, heavy = probe(tmp_path, "plot", f"--results={table}", f"--output_dir={tmp_path / 'plots'}")
    assert code == 0 and len(list((tmp_path / "plots").glob("*.png"))) >= 4, output[-2000:]
    assert heavy == []


def test_the_layouts_bin_aggregate_offers_are_the_tables():
    assert aggregate_tool.LAYOUTS == aggregate.LAYOUTS

