"""bin/aggregate and disent_tf.study.aggregate on a synthetic results folder."""

import json
import sys

import pandas as pd
import pytest

from disent_tf.errors import MissingFileError, UserError
from disent_tf.study import aggregate
from harness.tools import assert_one_sentence_error, assert_succeeded, run_tool
from study_fixtures import SCORES, write_synthetic_results


def test_wide_table_has_one_row_per_model_and_representation(synthetic_results):
    table = aggregate.load(str(synthetic_results))
    assert len(table) == 24 * 2
    assert set(table["representation"]) == {"mean", "sampled"}
    for column in ("model_num", "model", "dataset", "seed", "steps", "hparams.beta", "hparam_name",
                   "hparam_value", "mig.discrete_mig", "dci.disentanglement", "data_source"):
        assert column in table.columns, column
    row = table[(table["model_num"] == 300) & (table["representation"] == "mean")].iloc[0]
    assert (row["model"], row["hparam_name"], row["hparam_value"], row["hparams.gamma"]) == (
        "factor_vae", "gamma", 10, 10)


def test_long_table_round_trips_to_wide(synthetic_results):
    long_table = aggregate.load(str(synthetic_results), table_layout="long")
    wide = aggregate.load(str(synthetic_results))
    assert len(long_table) == 48 * 16  # 16 score keys in conftest.SCORES
    assert {"metric", "key", "value"} <= set(long_table.columns)
    back = aggregate.to_wide(long_table)
    pd.testing.assert_frame_equal(back.sort_index(axis=1), wide.sort_index(axis=1), check_dtype=False)


@pytest.mark.parametrize("extension", [".csv", ".json", ".parquet"])
def test_saved_tables_load_back(synthetic_results, tmp_path, extension):
    pytest.importorskip("pyarrow") if extension == ".parquet" else None
    table = aggregate.load(str(synthetic_results))
    path = aggregate.save(table, str(tmp_path / f"results{extension}"))
    loaded = aggregate.load(path)
    assert list(loaded.columns) == list(table.columns)
    assert loaded["mig.discrete_mig"].tolist() == pytest.approx(table["mig.discrete_mig"].tolist())


def test_parquet_without_pyarrow_is_one_sentence(synthetic_results, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    with pytest.raises(UserError, match="needs pyarrow"):
        aggregate.save(aggregate.load(str(synthetic_results)), str(tmp_path / "results.parquet"))


def test_unknown_extension_is_refused(synthetic_results, tmp_path):
    with pytest.raises(UserError, match=".csv, .json, .parquet"):
        aggregate.save(aggregate.load(str(synthetic_results)), str(tmp_path / "results.xlsx"))


def test_corrupt_result_files_are_skipped_and_named(synthetic_results):
    corrupt = synthetic_results / "0" / "metrics" / "mean" / "mig.json"
    corrupt.write_text('{"representation": "mean", "metric": "mig", "sco')
    no_scores = synthetic_results / "250" / "metrics" / "sampled" / "sap.json"
    no_scores.write_text(json.dumps({"representation": "sampled", "metric": "sap"}))
    result = aggregate.collect(str(synthetic_results))
    assert result.skipped == [f"{corrupt} (not valid JSON: unterminated string starting at, line 1)",
                              f"{no_scores} (missing entry 'scores')"]
    assert len(result.table) == 48
    mean_0 = result.table[(result.table["model_num"] == 0) & (result.table["representation"] == "mean")].iloc[0]
    assert pd.isna(mean_0["mig.discrete_mig"]) and not pd.isna(mean_0["dci.disentanglement"])


def test_a_missing_folder_is_one_sentence(tmp_path):
    with pytest.raises(MissingFileError, match="does not exist; pass the --output_dir of bin/reproduce"):
        aggregate.collect(str(tmp_path / "nowhere"))
    with pytest.raises(MissingFileError, match="do not exist; pass a results folder or a table"):
        aggregate.load(str(tmp_path / "nowhere.csv"))


def test_train_results_and_compute_seconds_are_columns(tmp_path):
    write_synthetic_results(tmp_path / "output", [0, 1], timed=True)
    table = aggregate.load(str(tmp_path / "output"))
    assert list(table["train_elbo"]) == [-50.0] * 4
    assert list(table["train_reconstruction_loss"]) == [45.0] * 4
    assert list(table["seconds_training"]) == [102.0] * 4  # training loop + its evaluation
    assert list(table["seconds_scoring"]) == [1.5 * len(SCORES)] * 4  # every metric file of the representation
    long_table = aggregate.load(str(tmp_path / "output"), table_layout="long")
    assert set(long_table["seconds_scoring"]) == {1.5 * len(SCORES)}


def test_results_without_timings_have_no_seconds_columns(synthetic_results):
    table = aggregate.load(str(synthetic_results))
    assert "seconds_scoring" not in table.columns and "seconds_training" not in table.columns


def test_merge_keeps_the_saved_runs_and_takes_the_new_ones(tmp_path):
    # A sweep whose folder was lost after runs 0-2: the saved table holds them, a new folder runs 2-4.
    write_synthetic_results(tmp_path / "lost", range(3), seed=1)
    write_synthetic_results(tmp_path / "new", range(2, 5), seed=2)
    saved = tmp_path / "results.csv"
    aggregate.save(aggregate.collect(str(tmp_path / "lost")).table, str(saved))
    fresh = aggregate.collect(str(tmp_path / "new")).table

    merged = aggregate.merge(aggregate.load(str(saved)), fresh)

    assert merged["model_num"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    new_run_2 = fresh[fresh["run"] == "2"]["mig.discrete_mig"].tolist()
    assert merged[merged["run"] == "2"]["mig.discrete_mig"].tolist() == new_run_2  # run 2 from the new folder only
    old = aggregate.load(str(saved))
    assert merged[merged["run"] == "0"]["mig.discrete_mig"].tolist() == old[old["run"] == 0]["mig.discrete_mig"].tolist()


def test_merge_refuses_tables_of_two_studies(tmp_path):
    write_synthetic_results(tmp_path / "a", range(2))
    write_synthetic_results(tmp_path / "b", range(2), study_name="findings_study")
    with pytest.raises(UserError, match="merge only tables of one sweep"):
        aggregate.merge(aggregate.collect(str(tmp_path / "a")).table, aggregate.collect(str(tmp_path / "b")).table)


def test_bin_aggregate_merge_writes_the_merged_table_and_refuses_a_missing_one(tmp_path):
    write_synthetic_results(tmp_path / "lost", range(2))
    write_synthetic_results(tmp_path / "new", range(1, 3), seed=3)
    table = tmp_path / "results.csv"
    missing = run_tool("aggregate", f"--input={tmp_path / 'new'}", f"--output={table}", "--merge")
    assert_one_sentence_error(missing, "drop --merge to write a new one")
    assert not table.exists()
    assert_succeeded(run_tool("aggregate", f"--input={tmp_path / 'lost'}", f"--output={table}"))

    merged = assert_succeeded(run_tool("aggregate", f"--input={tmp_path / 'new'}", f"--output={table}", "--merge"))

    assert "from 3 models (2 from" in merged.stdout and "1 kept from the table" in merged.stdout
    assert pd.read_csv(table)["model_num"].tolist() == [0, 0, 1, 1, 2, 2]
