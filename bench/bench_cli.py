#!/usr/bin/env python3
"""How fast do the tools answer? Medians of whole-process wall times, every case interleaved.

    python bench/bench_cli.py [--rounds 5] [--json out.json] [--baseline /path/to/older/checkout]

Each case is one command a user types that should answer at once: --help,
an unknown flag, a bad value, an unknown metric or model name, and
bin/aggregate and bin/plot on local files (a small results folder this
script writes under a temporary folder). Each round runs every case once, in
turn, so a change in machine load touches all cases alike. Prints each
case's median, min and max wall seconds over --rounds rounds, the median CPU
seconds of the process (user + system: what the case costs on an idle
machine, which a loaded one stretches into wall time), whether it answered
as expected (exit code, and a text its output must hold: absl's --help exits
with 1 after the usage), whether it loaded TensorFlow, scikit-learn or numba
(checked by a last, untimed run with python -X importtime), and the load
average before and after.

--baseline times the same cases in another checkout (e.g. `git archive` of an
older commit), each run right before the same case here, and adds its median
wall and CPU seconds and the speedup (wall medians); its answers are not
checked.
"""

import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "sklearn", "numba")
TOOLS = ("train", "evaluate", "evaluate_udr", "reproduce", "aggregate", "plot", "visualize", "visualize_dataset",
         "run_smoke_study", "report")


def cases(folder):
    """(name, argv, expected exit code, text the output must hold) of every case; `folder` holds the results."""
    results_dir, table = folder / "results", folder / "results.csv"
    listed = [tool for tool in TOOLS if (REPO / "bin" / tool).exists()]
    yield from ((f"{tool} --help", [tool, "--help"], 1, "flags:") for tool in listed)
    yield from ((f"{tool} --nope", [tool, "--nope"], 1, "Unknown command line flag 'nope'") for tool in listed)
    yield "train --steps=abc", ["train", "--steps=abc"], 1, "Flags parsing error"
    yield "train --model=nope", ["train", "--model=nope"], 1, "unknown model 'nope'"
    yield "evaluate --metrics=nope", ["evaluate", f"--export_dir={folder}", "--metrics=nope"], 1, "unknown metric"
    yield ("evaluate --sample_scale=2", ["evaluate", f"--export_dir={folder}", "--sample_scale=2"], 1,
           "--sample_scale must be in")
    yield "reproduce --only_print", ["reproduce", "--model_num=0", "--only_print"], 0, '"model_num": 0'
    yield ("aggregate (local folder)", ["aggregate", f"--input={results_dir}", f"--output={folder / 'out.csv'}"], 0,
           "wrote")
    yield "plot (local CSV)", ["plot", f"--results={table}", f"--output_dir={folder / 'plots'}"], 0, ""


def write_results(folder):
    """A results folder of 4 runs x 2 representations in bin/reproduce's layout, and its table."""
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "study")]
    import study_fixtures  # the study tests' synthetic results folder

    study_fixtures.write_synthetic_results(folder / "results", range(4))
    subprocess.run([str(REPO / "bin" / "aggregate"), f"--input={folder / 'results'}",
                    f"--output={folder / 'results.csv'}"], check=True, capture_output=True, env=environment(REPO))


def environment(repo):
    return {**os.environ, "PYTHONPATH": str(repo), "TF_CPP_MIN_LOG_LEVEL": "2"}


def timed(repo, argv):
    """(wall seconds, CPU seconds, exit code, stdout + stderr) of one whole-process run of <repo>/bin/<argv[0]>."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    process = subprocess.run([sys.executable, str(repo / "bin" / argv[0]), *argv[1:]], capture_output=True,
                             text=True, env=environment(repo))
    wall = time.perf_counter() - start
    return wall, _children_cpu() - cpu_before, process.returncode, process.stdout + process.stderr


def _children_cpu():
    """User + system seconds of every finished child process so far (one runs at a time here)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def heavy_imports(repo, argv):
    """The heavy packages a run of `argv` imports (from -X importtime's log)."""
    process = subprocess.run([sys.executable, "-X", "importtime", str(repo / "bin" / argv[0]), *argv[1:]],
                             capture_output=True, text=True, env=environment(repo))
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in process.stderr.splitlines()
             if line.startswith("import time:")}
    return sorted(name for name in HEAVY if name in names)


def measure(all_cases, rounds, baseline):
    """({case: [(wall, CPU) seconds here]}, {case: [(wall, CPU) seconds in baseline]}, {case: answered as expected every
    time}, {case: last exit code})."""
    times = {name: [] for name, *_ in all_cases}
    before = {name: [] for name, *_ in all_cases}
    answered = {name: True for name, *_ in all_cases}
    codes = {}
    for _ in range(rounds):
        for name, argv, expected_code, expected_text in all_cases:
            if baseline and (baseline / "bin" / argv[0]).exists():
                before[name].append(timed(baseline, argv)[:2])
            wall, cpu, codes[name], output = timed(REPO, argv)
            times[name].append((wall, cpu))
            answered[name] &= codes[name] == expected_code and expected_text in output
    return times, before, answered, codes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="Also write the results to this JSON file.")
    parser.add_argument("--baseline", type=pathlib.Path, help="Another checkout to time the same cases in.")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as temporary:
        folder = pathlib.Path(temporary)
        write_results(folder)
        all_cases = list(cases(folder))
        times, before, answered, codes = measure(all_cases, args.rounds, args.baseline)
        heavy = {name: heavy_imports(REPO, argv) for name, argv, *_ in all_cases}
    load_after = os.getloadavg()
    rows = [_row(name, times[name], before[name], answered[name], codes[name], heavy[name])
            for name, *_ in all_cases]
    _print(rows, args.baseline)
    slowest = max(rows, key=lambda row: row["median_s"])
    print(f"slowest: {slowest['case']} at {slowest['median_s']:.2f} s (median of {args.rounds}); "
          f"{os.cpu_count()} cores, load average (1, 5, 15 min) {_load(load_before)} before, "
          f"{_load(load_after)} after")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


def _row(name, measured, before, answered, code, heavy):
    values = [wall for wall, _ in measured]
    row = {"case": name, "median_s": statistics.median(values), "min_s": min(values), "max_s": max(values),
           "cpu_median_s": statistics.median(cpu for _, cpu in measured), "answer_ok": answered, "exit_code": code,
           "heavy_imports": heavy}
    if before:
        row["baseline_median_s"] = statistics.median(wall for wall, _ in before)
        row["baseline_cpu_median_s"] = statistics.median(cpu for _, cpu in before)
    return row


def _print(rows, baseline):
    extra = f" {'before':>7s} {'CPU s':>5s} {'speedup':>7s}" if baseline else ""
    print(f"{'case':28s}{extra} {'median s':>8s} {'min':>5s} {'max':>5s} {'CPU s':>5s}  answer  heavy imports")
    for row in rows:
        if baseline:
            old = row.get("baseline_median_s")
            extra = (f" {old:7.2f} {row['baseline_cpu_median_s']:5.2f} {old / row['median_s']:6.1f}x" if old
                     else f" {'-':>7s} {'-':>5s} {'-':>7s}")
        answer = "ok    " if row["answer_ok"] else f"BAD {row['exit_code']:<2d}"
        print(f"{row['case']:28s}{extra} {row['median_s']:8.2f} {row['min_s']:5.2f} {row['max_s']:5.2f} "
              f"{row['cpu_median_s']:5.2f}  "
              f"{answer}  {', '.join(row['heavy_imports']) or '-'}")


def _load(averages):
    return "/".join(f"{value:.1f}" for value in averages)


if __name__ == "__main__":
    sys.exit(main())
