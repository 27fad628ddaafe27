"""Fixtures of the study tests."""

import pytest

from study_fixtures import write_synthetic_results


@pytest.fixture
def synthetic_results(tmp_path):
    """A results folder of 24 models: two data sets x every method x 2 strengths x 1 seed."""
    root = tmp_path / "output"
    per_dataset = [method * 300 + value * 50 for method in range(6) for value in (0, 5)]
    write_synthetic_results(root, per_dataset + [1800 + n for n in per_dataset])
    return root
