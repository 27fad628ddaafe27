"""MultiWorkerMirroredStrategy with two real worker processes on loopback, as a cluster runs it.

Each worker is `bin/train --strategy=multi_worker` with its own TF_CONFIG,
started in its own empty folder (what it may write outside the shared
--output_dir shows there). The two workers must train the same variables as
one process with MirroredStrategy over two logical CPUs and the same global
batch, data and seed; the chief alone writes the run's files and the export;
a worker killed mid-run stops the chief with one sentence within the
collective timeout, and restarting both resumes from the last checkpoint.

Three TensorFlow processes start per run on a 2-core machine (about a minute
each): slow, run with -m slow (.ci/run runs them).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from disent_tf.training.config import TrainConfig
from harness.tools import REPO

pytestmark = pytest.mark.slow

FLAGS = ("--model=beta_vae", "--batch_size=8", "--seed=3", "--log_every=10", "--eval_batches=2")
STEPS = 20


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_env(addresses, index):
    cluster = {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}
    # One thread per op: two workers share two cores (and a CPU run of threads is reproducible).
    return dict(os.environ, TF_CONFIG=json.dumps(cluster), TF_NUM_INTRAOP_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2",
                PYTHONPATH=str(REPO))


def one_process_env():
    env = worker_env([], 0)
    del env["TF_CONFIG"]
    return env


class Processes:
    """Started processes, each ended by its pid when the test ends (if it has not ended by itself)."""

    def __init__(self):
        self.started = []

    def start(self, arguments, env, cwd):
        os.makedirs(cwd, exist_ok=True)
        process = subprocess.Popen([sys.executable, *map(str, arguments)], env=env, cwd=str(cwd), text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.started.append(process)
        return process

    def workers(self, root, steps, *flags):
        """Both workers of a fresh two-worker cluster (new ports) training into root/run."""
        addresses = [f"127.0.0.1:{free_port()}" for _ in range(2)]
        command = [REPO / "bin" / "train", "--strategy=multi_worker", f"--steps={steps}",
                   f"--output_dir={root / 'run'}", *FLAGS, *flags]
        return [self.start(command, worker_env(addresses, index), root / f"worker_{index}") for index in range(2)]

    def stop_all(self):
        for process in self.started:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def processes():
    started = Processes()
    yield started
    started.stop_all()


def finish(process, timeout=600):
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(parent, name), folder)
                  for parent, _, names in os.walk(folder) for name in names)


def variables(prefix, kind):
    """{name: array} of a checkpoint's model weights (kind "_trainable_variables") or Adam's slots ("_variables").

    The checkpoint stores the model's weights once, under the optimizer that trains them.
    """
    reader = tf.train.load_checkpoint(str(prefix))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if f"/{kind}/" in name}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The two-worker run (with export) and the one-process two-replica run of the same training."""
    root = tmp_path_factory.mktemp("multi_worker")
    started = Processes()
    try:
        workers = started.workers(root, STEPS, f"--export_dir={root / 'export' / '1'}")
        single = started.start([REPO / "tests" / "training" / "two_cpus.py", REPO / "bin" / "train",
                                "--strategy=mirrored", f"--steps={STEPS}", f"--output_dir={root / 'mirrored'}",
                                "--noexport", *FLAGS],
                               one_process_env(), root / "mirrored_cwd")
        outcomes = [finish(process) for process in (*workers, single)]
    finally:
        started.stop_all()
    for code, _, stderr in outcomes:
        assert code == 0, stderr[-3000:]
    return root, outcomes


def test_two_workers_train_the_variables_of_two_replicas_in_one_process(two_runs):
    root, _ = two_runs
    checkpoints = [root / run / "checkpoints" / f"ckpt-{STEPS}" for run in ("run", "mirrored")]
    (cluster, single), (cluster_slots, single_slots) = (
        [variables(prefix, kind) for prefix in checkpoints] for kind in ("_trainable_variables", "_variables"))
    assert sorted(cluster) == sorted(single) and len(cluster) > 20
    assert sorted(cluster_slots) == sorted(single_slots) and len(cluster_slots) > 20
    moments = [name for name in cluster_slots if cluster_slots[name].dtype.kind == "f"]  # not the step count
    assert len(moments) > 20
    # Round-off (kernels summing in another order) grows over the steps, and Adam moves a weight by about its
    # learning rate whatever its gradient's size, so a near-zero gradient tipped by round-off moves its weight
    # by a part of one step. Data or a gradient scale wrong on one worker would move them by several steps, and
    # its moments by their own size. Recorded in docs/scaling.md.
    one_step = TrainConfig().learning_rate  # bin/train's default, the study's
    for name in cluster:
        largest = float(np.max(np.abs(cluster[name] - single[name])))
        assert largest <= 0.1 * one_step, f"{name} differs by {largest:.3g}, more than a tenth of one Adam step"
    for name in moments:
        largest = float(np.max(np.abs(cluster_slots[name] - single_slots[name])))
        assert largest <= 1e-2 * float(np.max(np.abs(single_slots[name]))), f"{name} differs by {largest:.3g}"
    results = json.loads((root / "run" / "train_results.json").read_text())
    assert (results["strategy"], results["num_replicas"], results["step"]) == ("multi_worker", 2, STEPS)


def test_only_the_chief_writes_checkpoints_summaries_results_and_export(two_runs):
    root, outcomes = two_runs
    written = files_under(root / "run")
    assert written == ["checkpoints/checkpoint", f"checkpoints/ckpt-{STEPS}.data-00000-of-00001",
                       f"checkpoints/ckpt-{STEPS}.index", written[3], "train_config.json", "train_results.json"]
    assert written[3].startswith("summaries/events.out.tfevents.")  # one event file: the chief's
    # The worker's part of each checkpoint went to its scratch folder, deleted at once.
    assert not files_under(root / "run" / ".worker_checkpoints")
    assert "saved_model.pb" in os.listdir(root / "export" / "1")
    assert not os.listdir(root / "worker_0") and not os.listdir(root / "worker_1")
    assert "SavedModel:" in outcomes[0][1]
    assert "non-chief worker" in outcomes[1][1] and "SavedModel:" not in outcomes[1][1]


def test_a_killed_worker_stops_the_chief_in_one_sentence_and_a_restart_resumes(tmp_path, processes):
    steps, every = 160, 20
    flags = (f"--checkpoint_every={every}", "--collective_timeout_s=20", "--noexport")
    chief, worker = processes.workers(tmp_path, steps, *flags)
    first = tmp_path / "run" / "checkpoints" / f"ckpt-{every}.index"
    while not first.exists():
        assert chief.poll() is None and worker.poll() is None, "a worker ended before its first checkpoint"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    code, _, stderr = finish(chief, timeout=180)
    print(f"the chief stopped {time.monotonic() - killed_at:.1f} s after the worker was killed")
    assert code == 1, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the cluster lost /job:worker/replica:0/task:1" in errors[0], stderr[-3000:]
    assert "restart every worker with the same command" in errors[0]
    kept = max(int(name[len("ckpt-"):-len(".index")]) for name in os.listdir(tmp_path / "run" / "checkpoints")
               if name.endswith(".index"))
    assert every <= kept < steps

    chief, worker = processes.workers(tmp_path, steps, *flags)
    (code, stdout, stderr), (worker_code, _, worker_stderr) = finish(chief), finish(worker)
    assert code == 0 and worker_code == 0, (stderr[-3000:], worker_stderr[-3000:])
    assert f"resuming from {tmp_path / 'run' / 'checkpoints' / f'ckpt-{kept}'} at step {kept}" in stdout
    results = json.loads((tmp_path / "run" / "train_results.json").read_text())
    assert (results["start_step"], results["step"]) == (kept, steps)
    print(f"restarted, both workers resumed from step {kept}")
