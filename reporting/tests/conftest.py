import pytest

from reporting.tests.data import H1_2026, at, build_dataset, build_world

__all__ = ["H1_2026", "at"]


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def dataset(world):
    return build_dataset(world)
