"""Fuzzing the readers through the command line: garbage and damaged real files.

For every input hypothesis makes, the command ends with exit 0 or 2 and no failure that the
planner did not foresee (``main`` turns those into an "unexpected ..." line, which fails here):
garbage never passes as data (exit 2), and a damaged real file either still reads or is
refused with a message of its own.
"""

import json
import os

import pandas as pd
import pandapower as pp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.cli import main

# 25 fixed examples each in the suite; FUZZ_EXAMPLES=500 FUZZ_RANDOM=1 for a longer hunt
SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 25)), deadline=None,
                    derandomize=not os.environ.get("FUZZ_RANDOM"),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """Valid files to damage: a project, an EPW, a net and its profiles."""
    from planner.io import save_project
    from tests.conftest import make_runnable_project
    from tests.grid.test_powerflow import small_meshed_net
    from planner.weather import read_station
    from tests.weather.conftest import write_epw

    greensboro, _ = read_station("tmy3-723170")

    d = tmp_path_factory.mktemp("real")
    save_project(make_runnable_project(), d / "village.gpkg")
    write_epw(d / "greensboro.epw", greensboro.iloc[:8760], lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    pp.to_json(small_meshed_net(), str(d / "net.json"))
    index = pd.date_range("2019-06-01", periods=4, freq="h", tz="UTC")
    pd.DataFrame({"time": index.strftime("%Y-%m-%dT%H:%M:%SZ"), "load.p_mw.0": [0.01, 0.02, 0.03, 0.01]}
                 ).to_csv(d / "profiles.csv", index=False)
    return _Files({name: (d / name).read_bytes() for name in ("village.gpkg", "greensboro.epw", "net.json",
                                                              "profiles.csv")})


class _Files(dict):
    """The valid files' bytes; a short repr keeps hypothesis's reports readable."""

    def __repr__(self):
        return f"<{len(self)} valid files>"


def _call(capsys, argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "unexpected" not in err and "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    return code, err


def _damage(data: bytes, draw) -> bytes:
    """Cut the file, overwrite a stretch with random bytes, or drop a stretch."""
    how = draw(st.sampled_from(["cut", "overwrite", "drop"]))
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    length = draw(st.integers(1, 4096))
    if how == "cut":
        return data[:at]
    if how == "drop":
        return data[:at] + data[at + length:]
    junk = draw(st.binary(min_size=1, max_size=64))
    return data[:at] + (junk * (length // len(junk) + 1))[:length] + data[at + length:]


garbage = st.one_of(st.binary(max_size=3000), st.text(max_size=2000).map(lambda t: t.encode("utf-8")))


@SETTINGS
@given(data=garbage, suffix=st.sampled_from([".gpkg", ".epw", ".csv", ".json", ".tm2", ".dat"]))
def test_garbage_is_never_data(tmp_path, capsys, real, data, suffix):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(data)
    argv = {".gpkg": ["validate", path],
            ".json": ["powerflow", path, "--profiles", tmp_path / "p.csv", "-o", tmp_path / "out"]}.get(
        suffix, ["assess", "pv", "--lat", "36.1", "--lon", "-79.95", "--kwp", "5", "--weather", path])
    (tmp_path / "p.csv").write_bytes(real["profiles.csv"])
    code, _ = _call(capsys, argv)
    assert code == 2


@SETTINGS
@given(st.data())
def test_damaged_project_files(tmp_path, capsys, real, data):
    path = tmp_path / "damaged.gpkg"
    path.write_bytes(_damage(real["village.gpkg"], data.draw))
    _call(capsys, ["validate", path])


@SETTINGS
@given(st.data())
def test_damaged_weather_files(tmp_path, capsys, real, data):
    path = tmp_path / "damaged.epw"
    path.write_bytes(_damage(real["greensboro.epw"], data.draw))
    _call(capsys, ["assess", "pv", "--lat", "36.1", "--lon", "-79.95", "--kwp", "5", "--weather", path])


@SETTINGS
@given(st.data())
def test_damaged_nets_and_profiles(tmp_path, capsys, real, data):
    net, profiles = tmp_path / "net.json", tmp_path / "p.csv"
    which = data.draw(st.sampled_from(["net", "profiles"]))
    net.write_bytes(_damage(real["net.json"], data.draw) if which == "net" else real["net.json"])
    profiles.write_bytes(_damage(real["profiles.csv"], data.draw) if which == "profiles" else real["profiles.csv"])
    _call(capsys, ["powerflow", net, "--profiles", profiles, "-o", tmp_path / "out", "--resolution-minutes", "60"])


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30)


@SETTINGS
@given(table=json_values, name=st.sampled_from(["bus", "line", "load", "ext_grid", "trafo"]))
def test_nets_with_a_table_replaced_by_any_json(tmp_path, capsys, real, table, name):
    document = json.loads(real["net.json"])
    document["_object"][name] = table
    net = tmp_path / "net.json"
    net.write_text(json.dumps(document))
    (tmp_path / "p.csv").write_bytes(real["profiles.csv"])
    _call(capsys, ["powerflow", net, "--profiles", tmp_path / "p.csv", "-o", tmp_path / "out"])
