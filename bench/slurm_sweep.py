"""The sweep under a real SLURM: docs/scaling/sweep.sbatch on a single-node cluster this script starts.

    python bench/slurm_sweep.py [--work_dir=/tmp/slurm_sweep] [--models=4] [--tasks=2] [--steps=200]

Needs Debian's slurm-wlm and munge (`apt-get install slurm-wlm munge`; .ci/run
installs them). The script, as root or any user:

1. starts munged with its own key, slurmctld and slurmd, all on 127.0.0.1
   (free ports), their state, spool and logs under --work_dir;
2. submits docs/scaling/sweep.sbatch as it is, with smaller sizes on sbatch's
   command line (array, no GPU, CPUs, memory, time) and the slice after the
   script's name: models 0:--models of unsupervised_study_v1, --steps steps,
   metric sample counts scaled by 0.01, every metric on both representations;
3. while a model trains, `scontrol requeue`s its task: the trainer checkpoints
   on SLURM's SIGTERM, SLURM starts the task again, and the model must resume
   from that checkpoint (its train_results.json records the step);
4. runs the same slice serially, in one bin/reproduce process started beside
   the job array, and checks that bin/aggregate gives the same table from
   both, score for score;
5. stops the daemons by their pids.

It prints the measurements and exits 1 if any check fails. Run it with the
repository's Python environment active (or PYTHONPATH at the repository).
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SBATCH = os.path.join(REPO, "docs", "scaling", "sweep.sbatch")
DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "scontrol", "squeue", "sinfo")


class CheckFailed(Exception):
    pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(*command, env=None, check=True, capture=True):
    result = subprocess.run(command, env=env, text=True, capture_output=capture)
    if check and result.returncode:
        raise CheckFailed(f"{' '.join(command)} exited {result.returncode}: {(result.stderr or '').strip()}")
    return result


# ----------------------------------------------------------------- the cluster


SLURM_CONF = """\
# A single-node SLURM on loopback for bench/slurm_sweep.py; nothing leaves 127.0.0.1.
ClusterName=disent_tf_bench
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={user}
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
# No cgroups: processes are tracked by their parents, tasks are not bound to cores.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
# Time between the SIGTERM of a requeue or a time limit and the SIGKILL: the trainer checkpoints in it.
KillWait=60
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=bench Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


class SingleNodeSlurm:
    """munged, slurmctld and slurmd of a one-node cluster under `root`; stopped by their pids on exit."""

    def __init__(self, root, cpus):
        self.root = root
        self.cpus = cpus
        self.conf = os.path.join(root, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.pid_files = [os.path.join(root, name) for name in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid")]

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()
        return False

    def _start(self):
        for folder in ("state", "spool", "log", "munge"):
            os.makedirs(os.path.join(self.root, folder), mode=0o700, exist_ok=True)
        munge = os.path.join(self.root, "munge")
        run("mungekey", "--create", "--force", f"--keyfile={munge}/munge.key")
        # --force: the folders are under /tmp, which munged otherwise refuses as shared.
        run("munged", "--force", f"--socket={munge}/munge.socket", f"--key-file={munge}/munge.key",
            f"--log-file={self.root}/log/munged.log", f"--pid-file={munge}/munged.pid",
            f"--seed-file={munge}/munged.seed")
        with open(self.conf, "w") as handle:
            handle.write(SLURM_CONF.format(root=self.root, ctld_port=free_port(), slurmd_port=free_port(),
                                           user=_user(), node=socket.gethostname().split(".")[0], cpus=self.cpus,
                                           memory_mb=4000))
        run("slurmctld", "-f", self.conf, env=self.env)
        run("slurmd", "-f", self.conf, env=self.env)
        deadline = time.monotonic() + 60
        while "idle" not in run("sinfo", "-h", "-o", "%T", env=self.env, check=False).stdout:
            if time.monotonic() > deadline:
                raise CheckFailed(f"the SLURM node did not become idle in 60 s; see {self.root}/log/")
            time.sleep(0.5)

    def stop(self):
        """Cancels what still runs, then ends slurmd, slurmctld and munged by the pids in their pid files."""
        if os.path.exists(self.conf):
            run("scancel", "--user", _user(), env=self.env, check=False)
            _wait(lambda: not run("squeue", "-h", env=self.env, check=False).stdout.strip(), 90)
        for pid_file in self.pid_files:
            pid = _read_pid(pid_file)
            if pid is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if not _wait(lambda: not _alive(pid), 30):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def scontrol(self, *arguments):
        return run("scontrol", *arguments, env=self.env).stdout


def _user():
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _read_pid(path):
    try:
        with open(path) as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(condition, seconds, every=0.5):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


# ------------------------------------------------------------------- the sweep


def slice_flags(args):
    """bin/reproduce flags of the slice: the sizes only, the study's protocol otherwise."""
    return [f"--model_num_range=0:{args.models}", f"--steps={args.steps}", f"--checkpoint_every={args.checkpoint_every}",
            f"--eval_batches={args.eval_batches}", "--sample_scale=0.01", "--novisualize"]


def tool_env():
    """The environment of every bin/reproduce: this repository first, one thread per op (reproducible)."""
    return dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
                TF_NUM_INTRAOP_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2")


def submit(cluster, args, results_dir, venv):
    env = dict(tool_env(), **cluster.env, DISENT_TF_VENV=venv, DISENT_TF_REPO=REPO,
               DISENT_TF_RESULTS=results_dir)
    sizes = [f"--array=0-{args.tasks - 1}", "--gres=none", "--cpus-per-task=1", "--mem=2G", "--time=120"]
    output = run("sbatch", "--parsable", f"--chdir={args.work_dir}", *sizes, SBATCH, *slice_flags(args),
                 env=env).stdout
    return output.strip().split(";")[0]


def requeue_while_training(cluster, job, args, results_dir):
    """Requeues the task of the first model seen training past a checkpoint; returns (model_num, task, step)."""
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        for model_num in range(args.models):
            model = os.path.join(results_dir, str(model_num), "model")
            checkpoints = os.path.join(model, "checkpoints")
            if os.path.exists(os.path.join(model, "train_results.json")) or not os.path.isdir(checkpoints):
                continue
            steps = [int(name[5:-6]) for name in os.listdir(checkpoints)
                     if name.startswith("ckpt-") and name.endswith(".index")]
            if steps and max(steps) < args.steps:
                task = model_num % args.tasks
                print(f"requeueing task {job}_{task} while model {model_num} trains "
                      f"(newest checkpoint: step {max(steps)})", flush=True)
                cluster.scontrol("requeue", f"{job}_{task}")
                print(status(results_dir, args.models), flush=True)
                return model_num, task, max(steps)
        time.sleep(0.2)
    raise CheckFailed("no model was seen training with a checkpoint; raise --steps")


def wait_for_job(cluster, job, timeout):
    if not _wait(lambda: not run("squeue", "-h", "-j", job, env=cluster.env, check=False).stdout.strip(), timeout, 2):
        raise CheckFailed(f"job {job} did not finish in {timeout} s")
    states = {}
    for line in run("scontrol", "-o", "show", "job", job, env=cluster.env).stdout.splitlines():
        fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
        states[int(fields["ArrayTaskId"])] = (fields["JobState"], int(fields.get("Restarts", 0)),
                                              fields.get("ExitCode"))
    return states


@contextlib.contextmanager
def serial_run(args, results_dir):
    """The same slice in one bin/reproduce process, started now beside the job array; ended by pid on exit."""
    log = open(os.path.join(args.work_dir, "logs", "serial.out"), "w")
    process = subprocess.Popen([sys.executable, os.path.join(REPO, "bin", "reproduce"),
                                "--study=unsupervised_study_v1", "--task_index=0", "--num_tasks=1",
                                f"--output_dir={results_dir}", *slice_flags(args)],
                               env=tool_env(), stdout=log, stderr=subprocess.STDOUT)
    process.started = time.monotonic()
    try:
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def status(results_dir, models):
    result = run(sys.executable, os.path.join(REPO, "bin", "aggregate"), "--status", f"--input={results_dir}",
                 f"--model_num_range=0:{models}", env=tool_env(), check=False)
    return result.stdout.strip() if result.returncode == 0 else f"bin/aggregate --status failed: {result.stderr[-2000:]}"


def aggregate(results_dir, table):
    run(sys.executable, os.path.join(REPO, "bin", "aggregate"), f"--input={results_dir}", f"--output={table}",
        env=tool_env())
    import pandas as pd

    return pd.read_csv(table)


def compare(slurm_table, serial_table):
    """(score columns compared, rows, largest difference) of two bin/aggregate tables of the same slice."""
    import numpy as np

    columns = [c for c in serial_table.columns if ("." in c and not c.startswith("hparams.")) or c.startswith("train_")]
    if sorted(columns) != sorted(c for c in slurm_table.columns if c in columns) or len(slurm_table) != len(serial_table):
        raise CheckFailed("the two tables do not have the same rows and score columns")
    keys = ["model_num", "representation"]
    left = slurm_table.sort_values(keys).reset_index(drop=True)
    right = serial_table.sort_values(keys).reset_index(drop=True)
    if not (left[keys] == right[keys]).all().all():
        raise CheckFailed("the two tables hold different models")
    a, b = left[columns].to_numpy(float), right[columns].to_numpy(float)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    largest = float(np.nanmax(np.abs(a - b))) if a.size else 0.0
    if not same.all():
        rows, cols = np.nonzero(~same)
        raise CheckFailed(f"{len(rows)} scores differ, e.g. {columns[cols[0]]} of model {left['model_num'][rows[0]]}"
                          f" ({a[rows[0], cols[0]]} vs {b[rows[0], cols[0]]}); largest difference {largest}")
    return len(columns), len(left), largest


def environment_for_the_script(work_dir):
    """The DISENT_TF_VENV the script activates: this one, or a new one that sees this Python's packages."""
    if sys.prefix != sys.base_prefix:
        return sys.prefix
    venv = os.path.join(work_dir, "venv")
    run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv)
    return venv


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work_dir", default=None, help="Folder for the cluster and the results (default: new temp).")
    parser.add_argument("--models", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--checkpoint_every", type=int, default=25)
    parser.add_argument("--eval_batches", type=int, default=10)
    parser.add_argument("--timeout", type=int, default=3600, help="Seconds to wait for the job array.")
    args = parser.parse_args()
    missing = [name for name in DAEMONS if shutil.which(name) is None]
    if missing:
        print(f"error: {', '.join(missing)} not found; install SLURM and munge (apt-get install slurm-wlm munge).",
              file=sys.stderr)
        return 1
    args.work_dir = os.path.abspath(args.work_dir or tempfile.mkdtemp(prefix="slurm_sweep."))
    os.makedirs(os.path.join(args.work_dir, "logs"), exist_ok=True)
    slurm_results, serial_results = (os.path.join(args.work_dir, name) for name in ("slurm_results", "serial_results"))
    report = {"work_dir": args.work_dir, "slice": slice_flags(args), "tasks": args.tasks}
    try:
        venv = environment_for_the_script(args.work_dir)
        with SingleNodeSlurm(os.path.join(args.work_dir, "slurm"), cpus=args.tasks) as cluster, \
                serial_run(args, serial_results) as serial:
            started = time.monotonic()
            job = submit(cluster, args, slurm_results, venv)
            print(f"submitted job array {job}: {args.tasks} tasks, models 0:{args.models}", flush=True)
            model_num, task, seen = requeue_while_training(cluster, job, args, slurm_results)
            states = wait_for_job(cluster, job, args.timeout)
            report["slurm_s"] = round(time.monotonic() - started, 1)
            print(f"the job array finished in {report['slurm_s']} s", flush=True)
            if serial.wait(timeout=args.timeout):
                raise CheckFailed(f"the serial bin/reproduce exited {serial.returncode}; see {args.work_dir}/logs/serial.out")
            report["serial_s"] = round(time.monotonic() - serial.started, 1)
        report["task_states"] = {str(key): value for key, value in sorted(states.items())}
        print(status(slurm_results, args.models), flush=True)
        trained = json.load(open(os.path.join(slurm_results, str(model_num), "model", "train_results.json")))
        log = open(os.path.join(args.work_dir, "logs", f"{job}_{task}.out")).read()
        resumed = trained["start_step"]
        report.update(requeued={"model_num": model_num, "task": task, "checkpoint_seen": seen,
                                "resumed_step": resumed, "restarts": states[task][1]})
        if not all(state == "COMPLETED" for state, _, _ in states.values()):
            raise CheckFailed(f"not every task completed: {states}")
        if states[task][1] < 1 or not seen <= resumed < args.steps:
            raise CheckFailed(f"task {task} was not requeued and resumed mid-training: {report['requeued']}")
        resume_line = f"resuming from {slurm_results}/{model_num}/model/checkpoints/ckpt-{resumed} at step {resumed}"
        if resume_line not in log:
            raise CheckFailed(f"the requeued task's log does not say '{resume_line}'")

        columns, rows, largest = compare(aggregate(slurm_results, os.path.join(args.work_dir, "slurm.csv")),
                                         aggregate(serial_results, os.path.join(args.work_dir, "serial.csv")))
        report.update(compared={"rows": rows, "score_columns": columns, "largest_difference": largest})
    except CheckFailed as failure:
        print(f"REPORT {json.dumps(report)}")
        print(f"error: {failure}", file=sys.stderr)
        return 1
    print(f"REPORT {json.dumps(report)}")
    print(f"passed: the SLURM sweep's {rows} rows equal the serial run's on all {columns} score columns; model "
          f"{model_num} was requeued and resumed from step {resumed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
