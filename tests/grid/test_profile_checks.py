"""Profiles for planner powerflow: gaps, single rows, resolutions, repeated columns, file names."""

import json

import numpy as np
import pandas as pd
import pandapower as pp
import pytest

from planner.cli import main
from tests.grid.test_powerflow import small_meshed_net


@pytest.fixture
def files(tmp_path):
    net = small_meshed_net()
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    index = pd.date_range("2019-06-01", periods=8, freq="15min", tz="UTC")
    table = pd.DataFrame({"load.p_mw.0": np.full(8, 0.02)}, index=index)
    return path, table, tmp_path


def _csv(table, path):
    out = table.copy()
    out.insert(0, "time", table.index.strftime("%Y-%m-%dT%H:%M:%SZ"))
    out.to_csv(path, index=False)
    return path


def _run(capsys, *args):
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_a_missing_step_is_refused_with_the_gap_named(files, capsys):
    net, table, d = files
    profiles = _csv(table.drop(table.index[3]), d / "gap.csv")
    code, err = _run(capsys, "powerflow", net, "--profiles", profiles, "-o", d / "out")
    assert code == 2 and "gap.csv" in err and "irregular step" in err and "2019-06-01 00:30:00" in err
    assert not (d / "out").exists()


def test_a_single_row_needs_a_resolution(files, capsys):
    net, table, d = files
    one = _csv(table.iloc[:1], d / "one.csv")
    code, err = _run(capsys, "powerflow", net, "--profiles", one, "-o", d / "out")
    assert code == 2 and "single time step" in err and "one.csv" in err
    code, err = _run(capsys, "powerflow", net, "--profiles", one, "-o", d / "out", "--resolution-minutes", "60")
    assert code == 0, err
    assert json.loads((d / "out" / "summary.json").read_text())["steps"] == 1


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-15", "1e9"])
def test_the_resolution_is_checked(files, capsys, value):
    net, table, d = files
    profiles = _csv(table, d / "p.csv")
    code, err = _run(capsys, "powerflow", net, "--profiles", profiles, "-o", d / "out", "--resolution-minutes", value)
    assert code == 2 and "--resolution-minutes" in err
    assert not (d / "out").exists()


def test_a_repeated_column_is_named_as_written(files, capsys):
    net, _, d = files
    (d / "twice.csv").write_text("time,load.p_mw.0,load.p_mw.0\n2019-06-01T00:00Z,0.01,0.02\n"
                                 "2019-06-01T00:15Z,0.01,0.02\n")
    code, err = _run(capsys, "powerflow", net, "--profiles", d / "twice.csv", "-o", d / "out")
    assert code == 2 and "'load.p_mw.0' appears twice" in err and "load.p_mw.0.1" not in err


def test_profile_errors_name_the_file(files, capsys):
    net, table, d = files
    profiles = _csv(table.rename(columns={"load.p_mw.0": "load.p_mw.42"}), d / "named.csv")
    code, err = _run(capsys, "powerflow", net, "--profiles", profiles, "-o", d / "out")
    assert code == 2 and "named.csv" in err and "load 42" in err


def test_summary_json_holds_no_infinity(files, capsys):
    net, table, d = files
    profiles = _csv(table, d / "p.csv")
    assert _run(capsys, "powerflow", net, "--profiles", profiles, "-o", d / "out")[0] == 0
    text = (d / "out" / "summary.json").read_text()
    assert "Infinity" not in text and "NaN" not in text
