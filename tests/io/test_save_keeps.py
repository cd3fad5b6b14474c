"""Saving loses nothing: others' layers and tables, links, permissions; leftovers are cleaned."""

import os
import shutil
import sqlite3
import subprocess
import sys

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from planner.io import ProjectFileError, load_project, save_project
from planner.io.project_file import is_temporary
from tests.conftest import DATA


@pytest.fixture
def saved(tmp_path, small_project):
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)
    return path


def _add_foreign(path):
    trees = gpd.GeoDataFrame({"species": ["oak", "lime"]}, geometry=[Point(1, 2), Point(3, 4)],
                             crs="EPSG:32632")
    pyogrio.write_dataframe(trees, path, layer="my_trees", driver="GPKG")
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE my_notes (note TEXT)")
        con.execute("INSERT INTO my_notes VALUES ('ask the council')")


def test_a_save_keeps_layers_and_tables_others_added(saved, small_project):
    _add_foreign(saved)
    project = load_project(saved)
    project.name = "Renamed"
    save_project(project, saved)
    assert load_project(saved).name == "Renamed"
    trees = pyogrio.read_dataframe(saved, layer="my_trees")
    assert list(trees.species) == ["oak", "lime"] and trees.geometry.iloc[1].equals(Point(3, 4))
    with sqlite3.connect(saved) as con:
        assert con.execute("SELECT note FROM my_notes").fetchall() == [("ask the council",)]


def test_import_keeps_them_too(saved, tmp_path):
    import pandapower as pp
    import pandapower.networks as pn

    _add_foreign(saved)
    import json

    from tests.conftest import X0, Y0

    grid = pn.example_simple()
    grid.bus["geo"] = [json.dumps({"type": "Point", "coordinates": [X0 + 5 * i, Y0]}) for i in range(len(grid.bus))]
    net = tmp_path / "net.json"
    pp.to_json(grid, str(net))
    result = subprocess.run([sys.executable, "-m", "planner", "import", saved, net, "--as", "grid",
                             "--prefix", "n-", "--crs", "EPSG:32632"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "my_trees" in {name for name, _ in pyogrio.list_layers(saved)}


def test_new_with_force_starts_anew(saved):
    _add_foreign(saved)
    result = subprocess.run([sys.executable, "-m", "planner", "new", "Fresh", "--lat", "48.1", "--lon",
                             "11.6", "-o", saved, "--force"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "my_trees" not in {name for name, _ in pyogrio.list_layers(saved)}


def test_saving_through_a_link_replaces_the_file_it_points_to(saved, small_project, tmp_path):
    link = tmp_path / "link.gpkg"
    link.symlink_to(saved)
    small_project.name = "Through the link"
    save_project(small_project, link)
    assert link.is_symlink() and os.path.realpath(link) == str(saved)
    assert load_project(saved).name == "Through the link"


def test_saving_keeps_the_permissions(saved, small_project):
    os.chmod(saved, 0o600)
    save_project(small_project, saved)
    assert oct(os.stat(saved).st_mode & 0o777) == "0o600"


def test_leftovers_of_killed_saves_are_removed_on_the_next_save_and_open(saved, small_project, tmp_path):
    dead = [tmp_path / ".village.saving-deadbeef.gpkg",  # an older version's name, no process id
            tmp_path / ".village.saving-99999999-0123abcd.gpkg",
            tmp_path / ".village.saving-99999999-0123abcd.gpkg-journal"]
    alive = tmp_path / f".village.saving-{os.getppid()}-00000000.gpkg"  # a save still running
    other = tmp_path / ".town.saving-99999999-0123abcd.gpkg"  # another project's
    for p in (*dead, alive, other):
        shutil.copyfile(saved, p) if p.suffix == ".gpkg" else p.write_bytes(b"")
    save_project(small_project, saved)
    assert not any(p.exists() for p in dead) and alive.exists() and other.exists()
    shutil.copyfile(saved, dead[1])
    load_project(saved)
    assert not dead[1].exists()


def test_a_temporary_is_never_taken_for_a_project(saved, tmp_path):
    temp = tmp_path / ".village.saving-99999999-0123abcd.gpkg"
    shutil.copyfile(saved, temp)
    assert is_temporary(temp) and not is_temporary(saved)
    with pytest.raises(ProjectFileError, match="temporary file of an interrupted save"):
        load_project(temp)


def test_a_plain_sqlite_file_is_not_called_a_damaged_geopackage(tmp_path):
    path = tmp_path / "plain.gpkg"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (x)")
    with pytest.raises(ProjectFileError, match="an SQLite database but not a GeoPackage"):
        load_project(path)


def test_a_schema_3_file_without_its_chp_layer_names_it(tmp_path):
    path = tmp_path / "v3.gpkg"
    shutil.copyfile(DATA / "project_v3.gpkg", path)
    with sqlite3.connect(path) as con:  # drop the layer as GDAL would
        con.execute("DROP TABLE chp_units")
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'chp_units'")
        con.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'chp_units'")
    with pytest.raises(ProjectFileError, match="lacks layer 'chp_units'"):
        load_project(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_one_line(saved):
    os.chmod(saved, 0)
    with pytest.raises(ProjectFileError, match="permission denied"):
        load_project(saved)


@pytest.mark.parametrize("column, text", [("tilt_deg", "thirty"), ("peak_kw", "7kW")])
def test_text_in_a_number_column_is_refused_not_read_as_a_number(saved, column, text):
    """SQLite keeps text a user typed into a REAL column (QGIS lets them); GDAL would read 0 or 7."""
    with sqlite3.connect(saved) as con:
        # GDAL's spatial-index triggers name its SQL functions; they do not fire for this update
        for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
            con.create_function(name, 1, lambda geometry: 0)
        con.execute(f"UPDATE pv_units SET {column} = ? WHERE id = 'pv2'", (text,))
    with pytest.raises(ProjectFileError, match=rf"layer 'pv_units', row \d+ \(id 'pv2'\): .* must be a number, "
                                               rf"got '{text}' \(column {column}\)"):
        load_project(saved)


def test_a_coordinate_far_beyond_the_site_fails_validation(small_project):
    from planner.model import PVUnit

    small_project.add(PVUnit(id="far", name="Typo", peak_kw=5.0, geometry=Point(1e122, 5_368_000.0)))
    issues = [str(i) for i in small_project.validate()]
    assert any("PV unit 'Typo'" in i and "km from the site's centre" in i for i in issues), issues
    assert len(issues) == 1
