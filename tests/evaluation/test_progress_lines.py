"""The progress lines of long work: per metric in an evaluation, per stage and per model in bin/reproduce."""

import re

from disent_tf import study
from disent_tf.countdown import Countdown
from disent_tf.evaluation import evaluate, representation
from disent_tf.evaluation.config import EvaluationConfig
from disent_tf.study import reproduce

from evaluation_fixtures import linear_gaussian


def ticking(*times):
    readings = iter(times)
    return lambda: next(readings)


def test_countdown_estimates_the_rest_at_the_rate_of_the_units_worked():
    countdown = Countdown(4, clock=ticking(0.0, 10.0, 10.0, 70.0))  # one reading per status
    assert countdown.status("models") == "0/4 models done, 10s elapsed, ETA ?"
    countdown.advance(worked=False)  # found finished: no time, not in the rate
    countdown.advance()
    assert countdown.status("models") == "2/4 models done, 10s elapsed, ETA 20s"
    countdown.advance()
    countdown.advance()
    assert countdown.status("models") == "4/4 models done, 1m10s elapsed, ETA 0s"


def test_every_metric_prints_a_line_when_it_starts_and_when_it_is_scored(tiny_data):
    lines = []
    config = EvaluationConfig(metrics=("mig", "dci"), representation="both", sample_scale=0.003, seed=3,
                              num_workers=1)
    evaluate.evaluate(tiny_data, representation.from_gaussian_callable(linear_gaussian()), config,
                      progress=lines.append)
    for kind in ("mean", "sampled"):
        for name in ("mig", "dci"):
            assert sum(line.startswith(f"[{kind}] {name}: drawing (") for line in lines) == 1, lines
            scored = [line for line in lines if line.startswith(f"[{kind}] {name}: ") and "s (" in line
                      and "drawing" not in line]
            assert len(scored) == 1 and re.search(r"; [1-4]/4 metrics done, \S+ elapsed, ETA \S+$", scored[0]), lines
    finished = [line for line in lines if "metrics done" in line and "drawing" not in line]
    assert [re.search(r"(\d)/4 metrics done", line).group(1) for line in finished] == ["1", "2", "3", "4"]
    assert finished[-1].endswith("ETA 0s")
    assert lines[0].startswith("[mean] mig: drawing (0/4 metrics done,") and lines[0].endswith("ETA ?)")


def test_a_shard_reports_the_models_done_of_its_total_with_an_eta(monkeypatch):
    done_before = {"train": "skipped", "export": "skipped", "metrics": "skipped", "visualizations": "skipped"}
    worked = dict(done_before, train="done")
    monkeypatch.setattr(reproduce, "reproduce",
                        lambda study, model_num, *args, **kwargs: done_before if model_num == 0 else worked)
    lines = []
    reproduce.run_shard(study.get("smoke"), "unused", 0, 2, model_num_range="0:6", log=lines.append)
    assert lines[0] == "task 0 of 2: 3 models of smoke"
    assert [line.split(": ", 1)[1].split(",")[0] for line in lines[1:]] == [
        "1/3 models done", "2/3 models done", "3/3 models done"]
    assert lines[1].endswith("ETA ?")  # model 0 was finished before: no rate yet
    assert all(re.search(r"elapsed, ETA \S+$", line) for line in lines[1:])
