"""bin/reproduce and disent_tf.study.reproduce: a tiny real reproduction, reruns, refusals."""

import json
import os
import pathlib
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from disent_tf import study
from disent_tf.errors import UserError
from disent_tf.evaluation.config import EvaluationConfig, parse_metrics
from disent_tf.run_folder import StudyRun
from disent_tf.export import reader
from disent_tf.study import aggregate, reproduce
from disent_tf.visualize.model import latent_traversals, visualize_model
from harness.tools import assert_one_sentence_error, run_tool as run_bin

SMOKE = study.get("smoke")
MODEL_NUM = 2  # factor_vae: two optimizers, the most moving parts
TINY = {"steps": 20, "batch_size": 8, "checkpoint_every": 10, "eval_batches": 3}
# Cheap metrics at the smallest sample counts; the study's list is tested by name below.
PROTOCOL = EvaluationConfig(metrics=("mig", "sap", "unsupervised"), representation="both", sample_scale=0.01,
                            num_workers=1)


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    """One tiny reproduction of a smoke model, shared by the tests below."""
    output_dir = tmp_path_factory.mktemp("reproduce") / "output"
    lines = []
    stages = reproduce.reproduce(SMOKE, MODEL_NUM, str(output_dir), TINY, PROTOCOL, log=lines.append)
    return output_dir, stages, lines


def test_reproduction_writes_every_result_file(reproduced):
    output_dir, stages, lines = reproduced
    run = StudyRun.for_model(str(output_dir), MODEL_NUM)
    assert stages == {"train": "done", "export": "done", "metrics": "done", "visualizations": "done"}
    record = json.loads(pathlib.Path(run.config_path).read_text())
    assert record["study"] == "smoke" and record["model_num"] == MODEL_NUM
    assert record["train_config"]["model"] == "factor_vae" and record["train_config"]["steps"] == 20
    assert json.loads(pathlib.Path(run.training.train_results_path).read_text())["step"] == 20
    assert list(pathlib.Path(run.training.checkpoints_dir).glob("*.index"))
    assert list(pathlib.Path(run.training.summaries_dir).iterdir())
    assert pathlib.Path(run.export_root, str(MODEL_NUM), "1", "saved_model.pb").exists()
    for representation in ("mean", "sampled"):
        for metric in PROTOCOL.metrics:
            result = json.loads(pathlib.Path(run.metric_path(representation, metric)).read_text())
            assert result["representation"] == representation and result["metric"] == metric
            assert result["scores"] and result["sample_scale"] == 0.01
    for name in ("reconstructions.png", "samples.png", "traversals.png", "traversals.gif"):
        assert pathlib.Path(run.visualizations_dir, name).stat().st_size > 500, name
    assert any("training factor_vae" in line for line in lines)


def test_each_stage_prints_a_line_as_it_starts_and_as_it_ends(reproduced):
    _, _, lines = reproduced
    prefix = f"[model {MODEL_NUM}] stage "
    stage_lines = [line[len(prefix):] for line in lines if line.startswith(prefix)]
    expected = []
    for number, name in enumerate(("train", "export", "score", "visualize"), 1):
        expected += [f"{number}/4: {name}", f"{number}/4 {name}: done in"]
    assert [line.split(" in ")[0] + (" in" if " in " in line else "") for line in stage_lines] == expected
    assert all(line.endswith("on this model so far") for line in stage_lines[1::2])


def test_rerun_does_no_training(reproduced):
    output_dir, _, _ = reproduced
    run = StudyRun.for_model(str(output_dir), MODEL_NUM)
    before = os.stat(run.training.train_results_path).st_mtime_ns
    lines = []
    stages = reproduce.reproduce(SMOKE, MODEL_NUM, str(output_dir), TINY, PROTOCOL, log=lines.append)
    assert stages == {"train": "skipped", "export": "skipped", "metrics": "skipped", "visualizations": "skipped"}
    assert os.stat(run.training.train_results_path).st_mtime_ns == before
    assert not any("training factor_vae" in line for line in lines)


def test_a_different_config_in_the_same_folder_is_refused(reproduced):
    output_dir, _, _ = reproduced
    with pytest.raises(UserError, match=r"different config for this model \(steps 20 -> 40\)"):
        reproduce.reproduce(SMOKE, MODEL_NUM, str(output_dir), dict(TINY, steps=40), PROTOCOL)
    other_protocol = PROTOCOL.replace(sample_scale=0.5)
    with pytest.raises(UserError, match="evaluation"):
        reproduce.reproduce(SMOKE, MODEL_NUM, str(output_dir), TINY, other_protocol)


AGGREGATED_COLUMNS = ("model_num", "study", "model", "dataset", "seed", "steps", "batch_size", "hparams.gamma",
                      "hparam_name", "hparam_value", "data_source", "mig.discrete_mig", "sap.SAP_score",
                      "unsupervised.gaussian_total_correlation", "train_elbo", "train_reconstruction_loss")


def test_the_run_aggregates_into_a_table(reproduced):
    # The default suite's reduced form of the bin/aggregate test below (in process: no TensorFlow import).
    table = aggregate.load(str(reproduced[0]))
    assert sorted(table["representation"]) == ["mean", "sampled"]
    for column in AGGREGATED_COLUMNS:
        assert column in table.columns, column
    assert set(table["model"]) == {"factor_vae"} and set(table["hparam_value"]) == {10.0}


@pytest.mark.slow
def test_bin_aggregate_turns_the_run_into_a_table(reproduced, tmp_path):
    output_dir = tmp_path / "output"
    shutil.copytree(reproduced[0], output_dir)
    corrupt = output_dir / "7" / "metrics" / "mean" / "mig.json"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_text("{not json")
    table_path = tmp_path / "results.csv"
    result = run_bin("aggregate", f"--input={output_dir}", f"--output={table_path}")
    assert result.returncode == 0, result.stderr
    assert "skipped 1 unreadable result file(s):" in result.stderr and str(corrupt) in result.stderr
    table = pd.read_csv(table_path)
    assert sorted(table["representation"]) == ["mean", "sampled"]
    for column in ("model_num", "study", "model", "dataset", "seed", "steps", "batch_size", "hparams.gamma",
                   "hparam_name", "hparam_value", "data_source", "mig.discrete_mig", "sap.SAP_score",
                   "unsupervised.gaussian_total_correlation", "train_elbo", "train_reconstruction_loss"):
        assert column in table.columns, column
    assert set(table["model"]) == {"factor_vae"} and set(table["hparam_value"]) == {10.0}


def test_evaluating_an_existing_run_scores_it_without_training(reproduced, tmp_path):
    output_dir, _, _ = reproduced
    model_dir = StudyRun.for_model(str(output_dir), MODEL_NUM).training.root
    protocol = EvaluationConfig(metrics=("unsupervised",), representation="both", sample_scale=0.01, num_workers=1)
    lines = []
    stages = reproduce.evaluate_existing(model_dir, str(tmp_path), SMOKE, protocol, visualize=False,
                                         log=lines.append)
    assert stages == {"export": "done", "metrics": "done"}
    run = StudyRun(str(tmp_path / "model"))
    assert json.loads(pathlib.Path(run.config_path).read_text())["swept_hparam"] == {"name": "gamma", "value": 10.0}
    assert pathlib.Path(run.metric_path("sampled", "unsupervised")).exists()
    assert not any("training" in line for line in lines)


def test_only_print_prints_the_config_and_trains_nothing(tmp_path):
    result = run_bin("reproduce", "--model_num=0", "--only_print", f"--output_dir={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["train_config"]["model"] == "beta_vae" and record["train_config"]["hparams"] == {"beta": 1.0}
    assert record["train_config"]["steps"] == 300_000 and record["model_num"] == 0
    assert not (tmp_path / "out").exists()
    shard = run_bin("reproduce", "--study=smoke", "--task_index=1", "--num_tasks=3", "--only_print",
                    f"--output_dir={tmp_path / 'out'}")
    assert shard.returncode == 0, shard.stderr
    printed = json.loads("[" + shard.stdout.replace("}\n{", "},{") + "]")
    assert [record["model_num"] for record in printed] == [1, 4]
    assert printed[0]["evaluation"]["sample_scale"] == SMOKE.evaluation.sample_scale
    assert not (tmp_path / "out").exists()


def printed_model_nums(result):
    assert result.returncode == 0, result.stderr
    return [record["model_num"] for record in json.loads("[" + result.stdout.replace("}\n{", "},{") + "]")]


def test_the_task_index_comes_from_slurm_or_kubernetes_without_task_index(tmp_path, monkeypatch):
    shard = ("reproduce", "--study=smoke", "--num_tasks=3", "--only_print", f"--output_dir={tmp_path / 'out'}")
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID", raising=False)
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "1")  # a Kubernetes Indexed Job
    result = run_bin(*shard)
    assert printed_model_nums(result) == [1, 4] and "task_index 1 from JOB_COMPLETION_INDEX" in result.stderr
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "2")  # a SLURM job array; SLURM's is read first
    assert printed_model_nums(run_bin(*shard)) == [2, 5]
    # An explicit mode wins over the scheduler's index.
    assert printed_model_nums(run_bin(*shard, "--task_index=0")) == [0, 3]
    assert printed_model_nums(run_bin("reproduce", "--study=smoke", "--model_num=4", "--only_print")) == [4]
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "x")
    assert_one_sentence_error(run_bin(*shard), "SLURM_ARRAY_TASK_ID='x' is not a task index")
    assert not (tmp_path / "out").exists()


def test_bad_flags_are_one_sentence(tmp_path):
    result = run_bin("reproduce", "--model_num=12600", f"--output_dir={tmp_path}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: model_num 12600 is out of range for study 'unsupervised_study_v1': use a value from 0 to 12599.")


def test_study_protocol_scores_every_metric_of_the_evaluation():
    assert study.get("unsupervised_study_v1").evaluation.metrics == ("all",)
    assert parse_metrics(("all",)) == ["beta_vae", "factor_vae", "mig", "dci", "sap", "modularity",
                                                "downstream_lr", "downstream_gbt", "unsupervised"]
    smoke = SMOKE.evaluation.replace(sample_scale=0.5)
    assert smoke.sample_scale == 0.5 and "dci" in smoke.metrics


def test_the_runs_export_is_found_and_pictured(reproduced, tmp_path):
    # The default suite's reduced form of the bin/visualize test below: what its main does, in process.
    export_dir = reader.find_export(str(reproduced[0] / str(MODEL_NUM)))
    paths = visualize_model(export_dir, str(tmp_path), num_images=8, num_values=5)
    assert sorted(paths) == ["reconstructions", "samples", "traversals", "traversals_gif"]
    for name in ("reconstructions.png", "samples.png", "traversals.png", "traversals.gif"):
        assert (tmp_path / name).stat().st_size > 500
    assert Image.open(tmp_path / "traversals.png").size == (2 * (5 * 66 + 2), 2 * (10 * 66 + 2))


@pytest.mark.slow
def test_bin_visualize_finds_the_runs_export(reproduced, tmp_path):
    output_dir, _, _ = reproduced
    result = run_bin("visualize", f"--model_dir={output_dir / str(MODEL_NUM)}", f"--output_dir={tmp_path}",
                     "--num_images=8", "--num_values=5")
    assert result.returncode == 0, result.stderr
    for name in ("reconstructions.png", "samples.png", "traversals.png", "traversals.gif"):
        assert (tmp_path / name).stat().st_size > 500 and str(tmp_path / name) in result.stdout
    traversals = Image.open(tmp_path / "traversals.png")
    # 10 latent rows x 5 values of 64x64 images, scale 2, 2-pixel padding.
    assert traversals.size == (2 * (5 * 66 + 2), 2 * (10 * 66 + 2))
    assert Image.open(tmp_path / "traversals.gif").n_frames == 5 + 3


def test_latent_traversals_move_one_dimension_at_a_time():
    class CodesAsImages:
        num_latent = 3

        def decode(self, latents):
            return latents[:, None, None, :]

    values = np.linspace(-2, 2, 5, dtype=np.float32)
    base = np.array([0.5, -1.0, 3.0], np.float32)
    strips = latent_traversals(CodesAsImages(), base, values)
    assert strips.shape == (3, 5, 1, 1, 3)
    for dimension in range(3):
        expected = np.repeat(base[None], 5, axis=0)
        expected[:, dimension] = values
        np.testing.assert_array_equal(strips[dimension, :, 0, 0], expected)


def snapshot(folder):
    """(path, size, mtime) of every file under `folder`: what a reader must leave as it found it."""
    return sorted((str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in folder.rglob("*")
                  if path.is_file())


@pytest.fixture
def sweep_folder(reproduced, tmp_path):
    """A sweep of smoke models 0:6 in every state, from the tiny reproduction's real files.

    2: done (the reproduction itself); 3: training, its checkpoint at step 10
    and a live lock (this process); 4: failed (run_shard found another
    model's config in its folder); 0, 1, 5: not started.
    """
    output_dir, _, _ = reproduced
    sweep = tmp_path / "sweep"
    for number in (2, 3, 4):
        shutil.copytree(output_dir / str(MODEL_NUM), sweep / str(number))
    training = sweep / "3"
    for path in [training / "model" / "train_results.json", *training.glob("model/checkpoints/ckpt-20.*")]:
        path.unlink()
    shutil.rmtree(training / "metrics")
    with pytest.raises(UserError, match="1 of 1 models failed: 4"):
        reproduce.run_shard(SMOKE, str(sweep), 0, 1, "4:5", TINY, PROTOCOL, visualize=False, log=lambda line: None)
    return sweep


def test_a_failed_model_leaves_its_error_and_a_successful_rerun_removes_it(sweep_folder):
    failure = json.loads((sweep_folder / "4" / "failed.json").read_text())
    assert failure["model_num"] == 4 and failure["error_type"] == "UserError"
    assert failure["error"].startswith(f"{sweep_folder / '4'} holds a different config for this model")
    shutil.copy(sweep_folder / "4" / "failed.json", sweep_folder / "2" / "failed.json")
    # Model 2 is finished: every stage is skipped, and the stale failure record goes.
    reproduce.reproduce_recording_failure(SMOKE, MODEL_NUM, str(sweep_folder), TINY, PROTOCOL, log=lambda line: None)
    assert not (sweep_folder / "2" / "failed.json").exists()


def test_status_shows_each_state_and_disturbs_nothing(sweep_folder):
    from disent_tf.locks import FolderLock

    with FolderLock(sweep_folder / "3"):
        before = snapshot(sweep_folder)
        result = run_bin("aggregate", "--status", f"--input={sweep_folder}", "--model_num_range=0:6")
        assert snapshot(sweep_folder) == before
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    counts = {line.rsplit(None, 1)[0].strip(): int(line.split()[-1]) for line in lines[1:6]}
    assert counts == {"done": 1, "scoring": 0, "training": 1, "failed": 1, "not started": 3}
    assert lines[6].startswith(f"model 3: training, step 10/20 (its newest checkpoint); pid {os.getpid()} on ")
    error = json.loads((sweep_folder / "4" / "failed.json").read_text())["error"]
    assert lines[7] == f"model 4: failed at step 20: {error.splitlines()[0]}"
    # Not started models count the --steps the started ones were given (20), not the study's 1,000.
    assert lines[8].startswith("50 of 120 training steps; ETA ") and "at the sweep's rate so far" in lines[8]


def test_status_of_a_stopped_model_and_of_a_missing_folder(sweep_folder, tmp_path):
    from disent_tf.study import status

    report = status.sweep_status(str(sweep_folder))
    assert [(model.model_num, model.state) for model in report.models] == [(2, "done"), (3, "training"), (4, "failed")]
    assert "no process holds it (stopped: rerunning its task resumes it)" in status.format_status(report, "s")
    assert_one_sentence_error(run_bin("aggregate", "--status", f"--input={tmp_path / 'nothing'}"),
                              "does not exist; pass the --output_dir of bin/reproduce")


def test_the_same_record_is_not_rewritten_so_its_time_stays_the_models_start(tmp_path):
    sweep = study.get("smoke")
    run, config = reproduce.model_config(sweep, 0, str(tmp_path))
    record = reproduce.config_record(sweep.name, 0, config, sweep.swept_hparam(0), sweep.evaluation.record())
    reproduce.check_or_write_record(run, record)
    os.utime(run.config_path, (1_000_000, 1_000_000))
    reproduce.check_or_write_record(run, record)
    assert os.stat(run.config_path).st_mtime == 1_000_000
    # A runtime field that changed (the strategy) is recorded.
    moved = dict(record, train_config=dict(record["train_config"], strategy="mirrored"))
    reproduce.check_or_write_record(run, moved)
    assert json.loads(pathlib.Path(run.config_path).read_text())["train_config"]["strategy"] == "mirrored"
