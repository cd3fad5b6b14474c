"""planner export by extension: the workbook, the map with its results, the members table, and
the grid as a pandapower net that solves, at the year's worst hour, to the run's own loadings."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandapower as pp
import pandas as pd
import pytest

from planner.io import save_project

ROOT = Path(__file__).resolve().parents[2]


def planner(*args):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    from tests.conftest import make_runnable_project

    folder = tmp_path_factory.mktemp("export")
    path = folder / "village.gpkg"
    save_project(make_runnable_project(), path)
    result = planner("export", path, "-o", folder / "village.xlsx")
    assert result.returncode == 0, result.stderr
    return folder, path


def test_the_workbook_has_its_sheets_with_units_in_the_headers(village):
    folder, _ = village
    with zipfile.ZipFile(folder / "village.xlsx") as book:
        workbook = book.read("xl/workbook.xml").decode()
        sheets = " ".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/"))
        strings = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
    for name in ("Summary", "Members", "Member statements", "Units", "Grid"):
        assert f'name="{name}"' in workbook
    text = sheets + strings
    for heading in ("demand (kWh)", "bill (EUR)", "capex (EUR)", "Self-sufficiency"):
        assert heading in text, heading


def test_the_map_and_the_members_table_carry_the_results(village):
    folder, path = village
    assert planner("export", path, "-o", folder / "village.geojson").returncode == 0
    frame = gpd.read_file(folder / "village.geojson")
    assert frame.crs.to_epsg() == 4326
    assert {"bus", "cable", "transformer", "consumer", "pv_unit", "parcel", "building"} <= set(frame.layer)
    elements = pd.read_csv(folder / "village.results" / "grid_elements.csv")
    cable = frame[frame.layer == "cable"].iloc[0]
    expected = elements[(elements.kind == "cable") & (elements.id == cable.id)].value.iloc[0]
    assert cable.max_loading_percent == pytest.approx(expected)
    assert frame[frame.layer == "pv_unit"].energy_kwh.min() > 0
    assert planner("export", path, "-o", folder / "members.csv").returncode == 0
    members = pd.read_csv(folder / "members.csv")
    assert {"member id", "demand (kWh)", "bill (EUR)", "savings (EUR)"} <= set(members.columns)


def test_the_exported_net_solves_to_the_run_s_loadings_at_the_worst_hour(village):
    """pandapower's runpp on the exported net, fed the run's own series at the transformer's
    worst hour, gives the loadings the run recorded for that hour."""
    folder, path = village
    assert planner("export", path, "-o", folder / "net.json").returncode == 0
    results = folder / "village.results"
    trafo = pd.read_parquet(results / "transformers_loading.parquet")
    worst = trafo.max(axis=1).idxmax()
    units = pd.read_parquet(results / "units_kw.parquet").loc[worst]
    consumers = pd.read_parquet(results / "consumers_kw.parquet").loc[worst]
    batteries = pd.read_parquet(results / "batteries_kw.parquet").loc[worst]
    net = pp.from_json(str(folder / "net.json"))
    net.load["p_mw"] = [consumers[n] / 1000.0 for n in net.load.name]
    net.sgen["p_mw"] = [units[n] / 1000.0 for n in net.sgen.name]
    net.storage["p_mw"] = [batteries[n] / 1000.0 for n in net.storage.name]
    pp.runpp(net)
    for t in net.trafo.index:
        assert net.res_trafo.loading_percent[t] == pytest.approx(trafo.loc[worst, net.trafo.name[t]], rel=1e-3)
    summary = json.loads((results / "summary.json").read_text())
    assert net.res_trafo.loading_percent.max() == pytest.approx(summary["grid"]["max_trafo_loading_percent"],
                                                                rel=1e-3)
