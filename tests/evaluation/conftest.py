"""Fixtures of the evaluation tests."""

import pytest

from evaluation_fixtures import NoisyTinyData, TinyData


@pytest.fixture
def tiny_data():
    return TinyData()


@pytest.fixture
def noisy_data():
    return NoisyTinyData()
