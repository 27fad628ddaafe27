"""Running the command-line tools and helper scripts as a user would, and checking their errors."""

import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def run_tool(name, *flags, cwd=None, timeout=300):
    """`bin/<name> flags...` in a subprocess with this Python; returns the CompletedProcess."""
    return run_script(REPO / "bin" / name, *flags, cwd=cwd, timeout=timeout)


def run_script(path, *arguments, cwd=None, timeout=300):
    """`python path arguments...` in a subprocess (TensorFlow's C++ INFO lines silenced, one thread per op)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_NUM_INTRAOP_THREADS="1")
    return subprocess.run([sys.executable, str(path), *map(str, arguments)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=str(cwd) if cwd else None)


def assert_succeeded(result):
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def assert_one_sentence_error(result, message):
    """Exit code 1, no traceback, exactly one `error:` line, which contains `message`; returns that line."""
    assert result.returncode == 1, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-3000:]
    return errors[0]
