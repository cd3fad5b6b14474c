import warnings

import pandas as pd
import pytest


def simbench_case(code: str, steps: int | None = None):
    """A SimBench net and its own 15-minute profiles as a planner profile table."""
    import simbench as sb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = sb.get_simbench_net(code)
        absolute = sb.get_absolute_values(net, profiles_instead_of_study_cases=True)
    frames = []
    for (element, variable), frame in absolute.items():
        if element in ("load", "sgen", "storage") and frame.shape[1]:
            frame = frame.copy()
            frame.columns = [f"{element}.{variable}.{c}" for c in frame.columns]
            frames.append(frame)
    table = pd.concat(frames, axis=1)
    table.index = pd.date_range("2016-01-01", periods=len(table), freq="15min", tz="UTC")
    if steps is not None:
        table = table.iloc[:steps]
    return net, table


@pytest.fixture(scope="session")
def rural1_week():
    return simbench_case("1-LV-rural1--0-sw", 7 * 96)
