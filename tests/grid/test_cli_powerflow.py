"""planner powerflow as a pandapower user runs it."""

import copy
import json

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from tests.grid.test_powerflow import runpp_at, small_meshed_net
from planner.cli import main
from tests.test_cli import assert_one_line_error, run


@pytest.fixture
def inproc(capsys):
    """The CLI in this process (subprocesses cost seconds of imports each)."""
    from types import SimpleNamespace

    def call(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)

    return call

KEYS = {"steps", "losses_mwh", "line_losses_mwh", "trafo_losses_mwh", "max_line_loading_percent",
        "max_trafo_loading_percent", "min_vm_pu", "max_vm_pu", "non_converged_steps", "seconds"}


@pytest.fixture
def case(tmp_path):
    net = small_meshed_net()
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    index = pd.date_range("2019-06-01", periods=96, freq="15min", tz="UTC")
    rng = np.random.default_rng(5)
    table = pd.DataFrame({"load.p_mw.0": rng.uniform(0, 0.05, 96), "sgen.p_mw.0": rng.uniform(0, 0.08, 96)},
                         index=index)
    csv = tmp_path / "profiles.csv"
    out = table.copy()
    out.insert(0, "time", index.strftime("%Y-%m-%dT%H:%M:%SZ"))
    out.to_csv(csv, index=False)
    return net, path, table, csv


def test_summary_and_results(case, tmp_path):
    net, path, table, csv = case
    result = run("powerflow", path, "--profiles", csv, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert KEYS <= set(summary) and summary["steps"] == 96 and summary["non_converged_steps"] == 0
    vm = pd.read_parquet(tmp_path / "out" / "res_bus_vm_pu.parquet")
    line = pd.read_parquet(tmp_path / "out" / "res_line_loading_percent.parquet")
    trafo = pd.read_parquet(tmp_path / "out" / "res_trafo_loading_percent.parquet")
    assert vm.shape == (96, 1 + len(net.bus)) and line.shape == (96, 1 + len(net.line))
    assert trafo.shape == (96, 1 + len(net.trafo))
    assert list(vm.columns[1:]) == [str(i) for i in net.bus.index]
    ref = runpp_at(net, table, 10)
    np.testing.assert_allclose(vm.iloc[10, 1:].to_numpy(dtype=float), ref.res_bus.vm_pu.to_numpy(), atol=1e-6)
    assert summary["max_line_loading_percent"] == pytest.approx(line.iloc[:, 1:].to_numpy().max())
    # energy is power times the step length (15 minutes)
    assert summary["losses_mwh"] == pytest.approx(summary["line_losses_mwh"] + summary["trafo_losses_mwh"])


def test_parquet_profiles_and_resolution_override(case, tmp_path, inproc):
    net, path, table, _ = case
    parquet = tmp_path / "profiles.parquet"
    table.rename_axis("time").reset_index().to_parquet(parquet)
    assert inproc("powerflow", path, "--profiles", parquet, "-o", tmp_path / "a").returncode == 0
    assert inproc("powerflow", path, "--profiles", parquet, "-o", tmp_path / "b",
               "--resolution-minutes", "60").returncode == 0
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert b["losses_mwh"] == pytest.approx(4 * a["losses_mwh"])


def test_bad_inputs(case, tmp_path, inproc):
    net, path, table, csv = case
    out = tmp_path / "out"
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(csv)
    frame.rename(columns={"load.p_mw.0": "load.p_mw.42"}).to_csv(bad, index=False)
    assert_one_line_error(inproc("powerflow", path, "--profiles", bad, "-o", out),
                          "names load 42, which the net does not have")
    frame.iloc[[0, 2, 1]].to_csv(bad, index=False)
    assert_one_line_error(inproc("powerflow", path, "--profiles", bad, "-o", out), "times go backwards")
    frame.iloc[[0, 1, 1]].to_csv(bad, index=False)
    assert_one_line_error(inproc("powerflow", path, "--profiles", bad, "-o", out), "appears twice")
    frame.assign(**{"sgen.p_mw.0": None}).to_csv(bad, index=False)
    assert_one_line_error(inproc("powerflow", path, "--profiles", bad, "-o", out), "has no number at")
    frame.drop(columns=["time"]).to_csv(bad, index=False)
    assert_one_line_error(inproc("powerflow", path, "--profiles", bad, "-o", out), "no column 'time'")
    no_slack = copy.deepcopy(net)
    no_slack.ext_grid.drop(no_slack.ext_grid.index, inplace=True)
    pp.to_json(no_slack, str(tmp_path / "noslack.json"))
    assert_one_line_error(inproc("powerflow", tmp_path / "noslack.json", "--profiles", csv, "-o", out),
                          "no external grid")
    isolated = copy.deepcopy(net)
    lonely = pp.create_bus(isolated, 0.4)
    pp.create_load(isolated, lonely, p_mw=0.01)
    pp.to_json(isolated, str(tmp_path / "iso.json"))
    assert_one_line_error(inproc("powerflow", tmp_path / "iso.json", "--profiles", csv, "-o", out),
                          f"bus {lonely} is isolated")


def test_files_are_data_not_code(case, tmp_path, inproc):
    _, path, _, csv = case
    evil = json.loads(path.read_text())
    evil["_object"] = json.dumps({"bus": {"_module": "os", "_class": "system", "_object": "true"}})
    bad = tmp_path / "evil.json"
    bad.write_text(json.dumps(evil))
    assert_one_line_error(inproc("powerflow", bad, "--profiles", csv, "-o", tmp_path / "o"),
                          "names the Python class os.system")
    (tmp_path / "text.json").write_text("not json")
    assert_one_line_error(inproc("powerflow", tmp_path / "text.json", "--profiles", csv, "-o", tmp_path / "o"),
                          "not a JSON file")


def test_import_a_pandapower_grid_into_a_project(tmp_path, inproc):
    import pandapower.networks as pn

    net = pn.lv_schutterwald()
    path = tmp_path / "schutterwald.json"
    pp.to_json(net, str(path))
    project = tmp_path / "village.gpkg"
    assert inproc("new", "Village", "--lat", "48.457", "--lon", "7.884", "-o", project).returncode == 0
    result = inproc("import", project, path, "--as", "grid")
    assert result.returncode == 0, result.stderr
    assert "2940 buses, 3000 cables, 14 transformers, 1506 consumers" in result.stdout
    assert "1506 loads kept as consumers with the BDEW H0 profile" in result.stdout
    assert inproc("validate", project).returncode == 0
    again = inproc("import", project, path, "--as", "grid")
    assert again.returncode == 2 and "give a --prefix" in again.stderr
    assert inproc("import", project, path, "--as", "grid", "--prefix", "second-").returncode == 0
