"""The step-keyed input stream and the progress line."""

import numpy as np
import pytest
import tensorflow as tf

from disent_tf.data.pipeline import training_dataset
from disent_tf.training import inputs
from disent_tf.training.progress import Progress
from disent_tf.training.progress import format_duration


def test_the_batch_of_a_step_does_not_depend_on_where_the_run_started(monkeypatch, dsprites):
    monkeypatch.setattr(inputs, "SEGMENT_STEPS", 4)
    feed = inputs.TrainingInput(tf.distribute.get_strategy(), dsprites, 2, 5, training_dataset)
    straight, iterator = [], None
    for step in range(10):
        if step % 4 == 0:
            iterator = feed.iterator_at(step)
        straight.append(next(iterator).numpy())
    for start in (3, 4, 7):
        np.testing.assert_array_equal(next(feed.iterator_at(start)).numpy(), straight[start])
    assert inputs.segment_end(7) == 8 and inputs.segment_end(8) == 12
    # Segments are independent streams, not one stream restarted.
    assert not np.array_equal(straight[0], straight[4])
    assert len({inputs.segment_seed(5, k) for k in range(100)} | {inputs.segment_seed(6, 0)}) == 101


def test_progress_line_reports_speed_eta_and_losses():
    times = iter([0.0, 10.0])
    progress = Progress(start_step=100, total_steps=1100, clock=lambda: next(times))
    line = progress.line(200, {"loss": 123.456, "kl_loss": 7.0})
    assert line == "step 200/1100  10.0 steps/s  ETA 1m30s  loss 123.5 (kl_loss 7)"


@pytest.mark.parametrize("seconds, text", [(5, "5s"), (65, "1m05s"), (3725, "1h02m"), (-3, "0s")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
