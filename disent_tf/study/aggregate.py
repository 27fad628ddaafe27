"""Collect the result files of a study into one pandas table.

Input is the folder `bin/reproduce` writes (see `disent_tf.run_folder.StudyRun`):
`<input>/<run>/config.json` and `<input>/<run>/metrics/<representation>/<metric>.json`.
Two layouts of the same numbers:

- "wide" (default): one row per (run, representation), one column per score
  named `<metric>.<key>` (e.g. `mig.discrete_mig`), plus the config columns.
- "long": one row per (run, representation, metric, key) with a `value` column,
  plus the config columns.

Config columns: run, model_num, study, every TrainConfig field (hparams
flattened to `hparams.<name>`), `hparam_name` / `hparam_value` (the swept
regularisation strength), `data_source` and `sample_scale` (1: the study's
metric sample counts), `train_<loss>` (the trained model evaluated on
fresh batches: train_results.json's `evaluation`), and the compute time
`seconds_training` (the run's training loop and that evaluation, from
train_results.json; a run resumed after an interruption counts its last
part only) and `seconds_scoring` (the seconds of the row's representation's
metric files, summed).
"""

import io
import json
import os
from typing import List, NamedTuple

import pandas as pd

from disent_tf import filesystem, records
from disent_tf.errors import MissingFileError, UserError
from disent_tf.run_folder import StudyRun, join

LAYOUTS = ("wide", "long")
ROW_KEYS = ("run", "representation")
FORMATS = (".csv", ".json", ".parquet")
TRAINING_SECONDS, SCORING_SECONDS = "seconds_training", "seconds_scoring"


class Aggregate(NamedTuple):
    table: pd.DataFrame
    skipped: List[str]  # "path (reason)" for each unreadable result file


def collect(input_dir, table_layout="wide") -> Aggregate:
    """Reads every run under `input_dir` (or `input_dir` itself if it is one run)."""
    if table_layout not in LAYOUTS:
        raise UserError(f"unknown layout '{table_layout}'; use one of: {', '.join(LAYOUTS)}.")
    if not filesystem.isdir(input_dir):
        raise MissingFileError(
            f"results folder '{input_dir}' does not exist; pass the --output_dir of bin/reproduce."
        )
    rows, skipped, configs = [], [], {}
    for path in sorted(_result_files(input_dir)):
        run_dir = os.path.dirname(os.path.dirname(os.path.dirname(path)))
        try:
            if run_dir not in configs:
                configs[run_dir] = config_columns(records.read_json(StudyRun(run_dir).config_path))
                configs[run_dir].update(train_columns(StudyRun(run_dir).training.read_results()))
                configs[run_dir]["run"] = os.path.basename(run_dir.rstrip("/"))
            rows.extend(_score_rows(path, configs[run_dir]))
        except filesystem.errors() + (ValueError, KeyError, TypeError, AttributeError) as error:
            skipped.append(f"{path} ({_reason(error)})")
    long_table = pd.DataFrame(rows)
    if long_table.empty:
        return Aggregate(long_table, skipped)
    long_table = _order_columns(_with_scoring_seconds(long_table), ["metric", "key", "value"])
    table = long_table if table_layout == "long" else to_wide(long_table)
    return Aggregate(_sorted(table), skipped)


def merge(kept, fresh):
    """An earlier table of a sweep, `kept`, updated with `fresh`: a run in both keeps only fresh's rows.

    For a sweep whose results folder was lost part way (a machine not kept):
    its saved table holds the runs finished before, and the runs trained
    since, in a new folder, join or replace them. Both tables must be of one
    study and one layout.
    """
    studies = {str(name) for table in (kept, fresh) if "study" in table.columns for name in table["study"].dropna()}
    if len(studies) > 1:
        raise UserError(f"cannot merge results of the studies {', '.join(sorted(studies))}; "
                        "merge only tables of one sweep.")
    kept, fresh = (table.astype({"run": str}) for table in (kept, fresh))  # a CSV reads folder names as numbers
    kept = kept[~kept["run"].isin(set(fresh["run"]))]
    return _sorted(pd.concat([fresh, kept], ignore_index=True))


def read_metric_result(path):
    """(representation, metric, {key: float}, {column: value}) of one result file written by reproduce.

    The file is the JSON `disent_tf.study.reproduce` writes per metric and
    representation: {"representation", "metric", "scores": {key: number},
    "data_source", "sample_scale", ...}. This is the only place that knows
    that format.
    """
    result = records.read_json(path)
    scores = {str(key): float(value) for key, value in result["scores"].items()}
    columns = {"data_source": result.get("data_source"), "sample_scale": result.get("sample_scale"),
               SCORING_SECONDS: result.get("seconds")}
    return str(result["representation"]), str(result["metric"]), scores, columns


def config_columns(record):
    """Flat columns of a run's config.json record."""
    columns = {"model_num": record.get("model_num"), "study": record.get("study")}
    for name, value in record["train_config"].items():
        if name == "hparams":
            columns.update({f"hparams.{key}": val for key, val in value.items()})
        else:
            columns[name] = value
    swept = record.get("swept_hparam") or {}
    columns["hparam_name"] = swept.get("name")
    columns["hparam_value"] = swept.get("value")
    return columns


def train_columns(train_results):
    """`train_<loss>` columns: the trained model's evaluation on fresh batches (train_results.json), as the
    study stored its train results (the paper's unsupervised-score analysis reads them)."""
    evaluation = train_results.get("evaluation") or {}
    columns = {f"train_{name}": float(value) for name, value in evaluation.get("means", {}).items()}
    if train_results.get("wall_time_s") is not None:
        columns[TRAINING_SECONDS] = float(train_results["wall_time_s"]) + float(evaluation.get("elapsed_time_s", 0))
    return columns


def _with_scoring_seconds(long_table):
    """`seconds_scoring` per (run, representation): the sum over its metric files (each file's rows share one)."""
    if long_table[SCORING_SECONDS].isna().all():
        return long_table.drop(columns=SCORING_SECONDS)
    per_file = long_table.groupby([*ROW_KEYS, "metric"])[SCORING_SECONDS].first()
    total = per_file.groupby(level=list(ROW_KEYS)).sum(min_count=1)
    keys = pd.MultiIndex.from_frame(long_table[list(ROW_KEYS)])
    return long_table.assign(**{SCORING_SECONDS: total.reindex(keys).to_numpy()})


def to_wide(long_table):
    """One row per (run, representation); score columns `<metric>.<key>`."""
    if long_table.empty:
        return long_table
    config_names = [c for c in long_table.columns if c not in ("metric", "key", "value")]
    frame = long_table.assign(column=long_table["metric"] + "." + long_table["key"])
    scores = frame.pivot_table(index=list(ROW_KEYS), columns="column", values="value", aggfunc="first")
    scores.columns.name = None
    configs = frame[config_names].drop_duplicates(subset=list(ROW_KEYS)).set_index(list(ROW_KEYS))
    wide = configs.join(scores).reset_index()
    return _order_columns(wide, sorted(scores.columns))


def to_long(table):
    """The long layout of a wide or long table (score columns contain a dot)."""
    if {"metric", "key", "value"} <= set(table.columns):
        return table
    score_names = [c for c in table.columns if _is_score_column(c)]
    config_names = [c for c in table.columns if c not in score_names]
    long_table = table.melt(id_vars=config_names, value_vars=score_names, var_name="column", value_name="value")
    long_table = long_table.dropna(subset=["value"])
    split = long_table["column"].str.split(".", n=1, expand=True)
    long_table = long_table.assign(metric=split[0], key=split[1]).drop(columns="column")
    return _order_columns(long_table, ["metric", "key", "value"])


def ensure_wide(table):
    if {"metric", "key", "value"} <= set(table.columns):
        return to_wide(table)
    return table


def save(table, path):
    """Writes the table; the format follows the extension (.csv, .json, .parquet)."""
    extension = os.path.splitext(path)[1].lower()
    if extension == ".csv":
        records.write_text(path, table.to_csv(index=False))
    elif extension == ".json":
        records.write_text(path, table.to_json(orient="records", indent=1) + "\n")
    elif extension == ".parquet":
        _require_pyarrow()
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        records.write_bytes(path, buffer.getvalue())
    else:
        raise UserError(f"cannot write '{path}': name the output file with one of {', '.join(FORMATS)}.")
    return path


def load(path, table_layout="wide") -> pd.DataFrame:
    """A results table from a results folder or a saved .csv/.json/.parquet table."""
    if filesystem.isdir(path):
        return collect(path, table_layout).table
    if not filesystem.exists(path):
        raise MissingFileError(f"results '{path}' do not exist; pass a results folder or a table from bin/aggregate.")
    extension = os.path.splitext(path)[1].lower()
    if extension not in FORMATS:
        raise UserError(f"cannot read '{path}': give a results folder or a {', '.join(FORMATS)} table.")
    if extension == ".parquet":
        _require_pyarrow()
    table = _read_table(path, extension)
    missing = [key for key in ROW_KEYS if key not in table.columns]
    if not table.empty and missing:
        raise UserError(f"'{path}' has no {' or '.join(missing)} column, so it is not a table written by "
                        "bin/aggregate (or it is damaged); write it again or pass the results folder instead.")
    return ensure_wide(table) if table_layout == "wide" else to_long(table)


def _read_table(path, extension):
    """The DataFrame in a saved table; a UserError naming the file when it is not a valid one."""
    try:
        with filesystem.GFile(path, "rb") as handle:
            content = handle.read()
        if extension == ".csv":
            return pd.read_csv(io.BytesIO(content))
        if extension == ".json":
            return pd.DataFrame(json.loads(content.decode("utf-8")))
        return pd.read_parquet(io.BytesIO(content))
    except filesystem.permission_errors():
        raise UserError(f"cannot read '{path}' (permission denied); give your user read access to it.") from None
    except _table_errors(extension) as error:
        raise UserError(f"'{path}' is not a valid {extension} table ({_reason(error)}); write it again with "
                        "bin/aggregate or pass the results folder instead.") from None


def _table_errors(extension):
    """What pandas, json and pyarrow raise on a corrupt table (parse, decode and type errors)."""
    errors = (ValueError, TypeError, KeyError, IndexError) + filesystem.errors()
    if extension == ".parquet":
        import pyarrow  # not every pyarrow error is a ValueError (e.g. ArrowSerializationError)

        errors += (pyarrow.ArrowException,)
    return errors


def _result_files(input_dir):
    patterns = ("*/metrics/*/*.json", "metrics/*/*.json")
    for pattern in patterns:
        yield from filesystem.glob(join(input_dir, pattern))


def _score_rows(path, config):
    representation, metric, scores, columns = read_metric_result(path)
    base = dict(config, representation=representation, **columns)
    return [dict(base, metric=metric, key=key, value=value) for key, value in scores.items()]


def _sorted(table):
    """Rows in model_num order (runs without one last), then representation; folder names sort 10 < 2."""
    keys = [c for c in ("model_num", "run", "representation", "metric", "key") if c in table.columns]
    return table.sort_values(keys, na_position="last", kind="stable").reset_index(drop=True)


def _is_score_column(name):
    return "." in name and not name.startswith("hparams.")


def _order_columns(table, last):
    """Identity columns, config columns (the hyperparameters together), then `last`."""
    first = [c for c in ("run", "model_num", "study", "representation") if c in table.columns]
    middle = [c for c in table.columns if c not in first and c not in last]
    hparams = sorted(c for c in middle if c.startswith("hparams."))
    middle = [c for c in middle if c not in hparams]
    at = middle.index("hparam_name") if "hparam_name" in middle else len(middle)
    middle = middle[:at] + hparams + middle[at:]
    return table[first + middle + [c for c in last if c in table.columns]]


def _reason(error):
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON: {error.msg.lower()}, line {error.lineno}"
    if isinstance(error, KeyError):
        return f"missing entry {error}"
    if isinstance(error, FileNotFoundError):
        return f"{error.filename} not found"
    if isinstance(error, filesystem.not_found_errors()):  # tf.errors.NotFoundError, for a remote path
        return f"{error.message.split(';')[0]} not found"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _require_pyarrow():
    try:
        import pyarrow  # noqa: F401  (pandas needs it for parquet)
    except ImportError:
        raise UserError(
            "writing or reading .parquet needs pyarrow: pip install pyarrow, or use .csv / .json.") from None
