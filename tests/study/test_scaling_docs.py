"""docs/scaling.md shows the job array script that bench/slurm_sweep.py submits to a real SLURM."""

import subprocess

from harness.tools import REPO

SBATCH = REPO / "docs" / "scaling" / "sweep.sbatch"


def test_the_doc_shows_the_sbatch_file_as_it_is():
    doc = (REPO / "docs" / "scaling.md").read_text()
    assert f"```bash\n{SBATCH.read_text()}```" in doc


def test_the_sbatch_file_is_valid_bash_with_the_directives_the_sweep_needs():
    assert subprocess.run(["bash", "-n", str(SBATCH)], capture_output=True).returncode == 0
    directives = [line.split()[1] for line in SBATCH.read_text().splitlines() if line.startswith("#SBATCH")]
    assert "--requeue" in directives and "--open-mode=append" in directives
    # bin/reproduce reads the task index from SLURM_ARRAY_TASK_ID; the count must be passed.
    assert '--num_tasks="${SLURM_ARRAY_TASK_COUNT}"' in SBATCH.read_text()
