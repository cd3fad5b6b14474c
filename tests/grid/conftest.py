import pytest

from planner.grid.pandapower_io import simbench_case  # noqa: F401 - the tests' SimBench cases


@pytest.fixture(scope="session")
def rural1_week():
    return simbench_case("1-LV-rural1--0-sw", 7 * 96)
