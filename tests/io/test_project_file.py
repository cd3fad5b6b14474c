"""The project file: round trips, what GDAL sees, bad files, atomic saves, schema versions."""

import json
import shutil
import sqlite3
import subprocess

import numpy as np
import pyogrio
import pytest
from shapely.geometry import Polygon

from planner.io import ProjectFileError, load_project, save_project
from planner.io.migrations import SCHEMA_VERSION
from planner.io.project_file import LAYERS, SETTINGS_LAYER
from planner.model import Parcel, Project, PVUnit

from tests.conftest import DATA, KIND_ADDED_IN, make_small_project


def assert_same_project(a: Project, b: Project) -> None:
    assert (a.name, a.description, a.weather, a.attribution) == (b.name, b.description, b.weather, b.attribution)
    assert a.site == b.site
    assert a.counts() == b.counts()
    for kind in a.counts():
        for id, entity in a.items(kind).items():
            other = b.get(kind, id)
            assert other == entity or _same_but_geometry(entity, other), (entity, other)


def _same_but_geometry(x, y) -> bool:
    """Equal fields, and geometries equal as sets of points (a round trip may reorder rings)."""
    import dataclasses

    if type(x) is not type(y):
        return False
    fx = {f.name: getattr(x, f.name) for f in dataclasses.fields(x) if f.name != "geometry"}
    fy = {f.name: getattr(y, f.name) for f in dataclasses.fields(y) if f.name != "geometry"}
    return fx == fy and x.geometry.equals_exact(y.geometry, 0.0)


@pytest.fixture
def saved(tmp_path, small_project):
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)
    return path


def test_round_trip_every_kind(saved, small_project):
    assert all(n > 0 for n in small_project.counts().values()), "the fixture must hold every kind"
    assert_same_project(small_project, load_project(saved))


def test_every_layer_reads_back_with_pyogrio(saved, small_project):
    listed = {name: geom for name, geom in pyogrio.list_layers(saved)}
    assert set(listed) == set(LAYERS) | {SETTINGS_LAYER}
    for layer, entity_type in LAYERS.items():
        info = pyogrio.read_info(saved, layer=layer)
        frame = pyogrio.read_dataframe(saved, layer=layer)
        entities = small_project.items(entity_type.KIND)
        assert info["features"] == len(entities)
        assert list(info["fields"]) == [s.name for s in entity_type.field_specs()]
        if entity_type.GEOMETRY is not None:
            assert info["crs"] == "EPSG:32632"
        by_id = frame.set_index("id")
        for id, entity in entities.items():
            row = by_id.loc[id]
            for spec in entity_type.field_specs()[1:]:
                value, stored = getattr(entity, spec.name), row[spec.name]
                if value is None:
                    assert stored is None or (isinstance(stored, float) and np.isnan(stored))
                else:
                    assert stored == value, (layer, id, spec.name)
            if entity_type.GEOMETRY is not None:
                assert row.geometry.equals(entity.geometry)


def test_settings_table(saved):
    frame = pyogrio.read_dataframe(saved, layer=SETTINGS_LAYER)
    settings = {k: json.loads(v) for k, v in zip(frame.key, frame.value)}
    assert settings["schema_version"] == SCHEMA_VERSION
    assert settings["crs"] == "EPSG:32632" and settings["timezone"] == "Europe/Berlin"


def test_ogrinfo_lists_every_layer(saved):
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("GDAL's ogrinfo is not installed (apt-get install gdal-bin)")
    out = subprocess.run([ogrinfo, "-ro", "-so", "-q", str(saved)], capture_output=True, text=True,
                         check=True)
    for layer in [*LAYERS, SETTINGS_LAYER]:
        assert f": {layer} (" in out.stdout
    assert "Warning" not in out.stderr


def test_sample_opens_with_every_layer(sample_path):
    project = load_project(sample_path)
    counts = project.counts()
    # the real grid, and the cooperative energy centre's assumed bus and cable
    assert counts["bus"] == 2940 + 1 and counts["cable"] == 3000 + 1 and counts["transformer"] == 14
    assert counts["consumer"] == 1506 and counts["member"] == 1507  # the households and their cooperative
    assert project.site.crs == "EPSG:32632" and project.site.timezone == "Europe/Berlin"
    assert project.weather == "dwd-try2010-12"
    assert project.validate() == []


# ------------------------------------------------------------------ bad files
def _copy_without(src, dst, skip_layer):
    for layer, _ in pyogrio.list_layers(src):
        if layer == skip_layer:
            continue
        frame = pyogrio.read_dataframe(src, layer=layer)
        kwargs = {}
        if LAYERS.get(layer) is not None and LAYERS[layer].GEOMETRY is not None:
            kwargs["geometry_type"] = pyogrio.read_info(src, layer=layer)["geometry_type"]
        pyogrio.write_dataframe(frame, dst, layer=layer, **kwargs)


def _replace_layer(path, layer, frame, **kwargs):
    pyogrio.write_dataframe(frame, path, layer=layer, layer_options={"OVERWRITE": "YES"}, **kwargs)


def _set_setting(path, key, value):
    con = sqlite3.connect(path)
    con.execute(f"UPDATE {SETTINGS_LAYER} SET value = ? WHERE key = ?", (json.dumps(value), key))
    con.commit()
    con.close()


def expect_error(path, *fragments):
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nothing.gpkg", "no such file")


def test_folder(tmp_path):
    (tmp_path / "dir.gpkg").mkdir()
    expect_error(tmp_path / "dir.gpkg", "is a folder")


def test_not_a_geopackage(tmp_path):
    path = tmp_path / "notes.gpkg"
    path.write_text("this is not a database")
    expect_error(path, "not a GeoPackage")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.gpkg"
    path.write_bytes(b"")
    expect_error(path, "not a GeoPackage")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_truncated(saved, tmp_path, keep):
    data = saved.read_bytes()
    path = tmp_path / "cut.gpkg"
    path.write_bytes(data[: int(len(data) * keep)])
    expect_error(path, "damaged")


def test_geopackage_that_is_no_project(tmp_path):
    path = tmp_path / "other.gpkg"
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326").to_file(path)
    expect_error(path, "not a Peergrid project")


def test_missing_layer(saved, tmp_path):
    path = tmp_path / "partial.gpkg"
    _copy_without(saved, path, "cables")
    expect_error(path, "missing layer cables")


def test_missing_column(saved):
    frame = pyogrio.read_dataframe(saved, layer="pv_units").drop(columns=["tilt_deg"])
    _replace_layer(saved, "pv_units", frame, geometry_type="Point")
    expect_error(saved, "layer 'pv_units' lacks column tilt_deg")


def test_wrong_type(saved):
    frame = pyogrio.read_dataframe(saved, layer="pv_units")
    frame["peak_kw"] = frame["peak_kw"].astype(str)
    frame.loc[frame.id == "pv1", "peak_kw"] = "ten"
    _replace_layer(saved, "pv_units", frame, geometry_type="Point")
    expect_error(saved, "layer 'pv_units', row", "(id 'pv1')", "peak power must be a number, got 'ten'")


def test_invalid_geometry(saved):
    frame = pyogrio.read_dataframe(saved, layer="parcels")
    frame.loc[0, "geometry"] = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    _replace_layer(saved, "parcels", frame, geometry_type="MultiPolygon", promote_to_multi=True)
    expect_error(saved, "layer 'parcels'", "invalid polygon: Self-intersection")


def test_duplicate_ids(saved):
    frame = pyogrio.read_dataframe(saved, layer="members")
    frame.loc[1, "id"] = frame.loc[0, "id"]
    _replace_layer(saved, "members", frame)
    expect_error(saved, "layer 'members': id 'm1' appears twice")


def test_newer_schema_is_refused(saved):
    _set_setting(saved, "schema_version", SCHEMA_VERSION + 1)
    expect_error(saved, "written by a newer Peergrid Planner", f"schema version {SCHEMA_VERSION + 1}")


def test_bad_setting(saved):
    _set_setting(saved, "latitude", "north")
    expect_error(saved, "setting 'latitude' must be a float")


def test_bad_site(saved):
    _set_setting(saved, "timezone", "Mars/Olympus")
    expect_error(saved, "not an IANA time zone")


def test_reading_never_writes(saved, tmp_path):
    before = saved.read_bytes()
    load_project(saved)
    assert saved.read_bytes() == before


def test_layer_in_another_crs_is_reprojected(saved, small_project):
    frame = pyogrio.read_dataframe(saved, layer="buses").to_crs("EPSG:4326")
    _replace_layer(saved, "buses", frame, geometry_type="Point")
    bus = load_project(saved).get("bus", "b1")
    assert bus.geometry.distance(small_project.get("bus", "b1").geometry) < 1e-3


# ------------------------------------------------------------------ atomic save
def test_failed_save_leaves_the_old_file(saved, small_project, monkeypatch):
    before = saved.read_bytes()
    calls = {"n": 0}
    real = pyogrio.write_dataframe

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(ProjectFileError, match="could not save: No space left on device"):
        save_project(small_project, saved)
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]


def test_unstorable_project_is_refused_before_writing(saved, small_project):
    before = saved.read_bytes()
    small_project.add(Parcel(id="bad", geometry=Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])))
    with pytest.raises(ProjectFileError, match="Parcel 'bad': invalid polygon"):
        save_project(small_project, saved)
    assert saved.read_bytes() == before


def test_save_keeps_out_of_range_values_for_validate(tmp_path, small_project):
    # A draft with a negative capacity still saves (autosave must not lose work); validate names it.
    from shapely.geometry import Point

    small_project.add(PVUnit(id="neg", name="Roof 12", peak_kw=-5.0, geometry=Point(0, 0)))
    path = save_project(small_project, tmp_path / "draft.gpkg")
    issues = [str(i) for i in load_project(path).validate()]
    assert issues == ["PV unit 'Roof 12': peak power must be positive, got -5 kW"]


def test_save_needs_gpkg_suffix(tmp_path, small_project):
    with pytest.raises(ProjectFileError, match="must end in .gpkg"):
        save_project(small_project, tmp_path / "x.sqlite")


def test_save_overwrites(saved, small_project):
    from planner.model.commands import UpdateEntity

    UpdateEntity("pv_unit", "pv1", peak_kw=7.5).do(small_project)
    save_project(small_project, saved)
    assert load_project(saved).get("pv_unit", "pv1").peak_kw == 7.5


# ------------------------------------------------------------------ versions
@pytest.mark.parametrize("path", sorted(DATA.glob("project_v*.gpkg")), ids=lambda p: p.name)
def test_old_versions_open(path):
    """Every file written by an earlier schema still opens and gives the project it was made from."""
    from planner.model.commands import RemoveEntity

    version = int(path.stem.removeprefix("project_v"))
    assert 1 <= version <= SCHEMA_VERSION
    expected = make_small_project()
    for kind, added in KIND_ADDED_IN.items():
        if added > version:  # the file's version could not hold these
            for id in list(expected.items(kind)):
                RemoveEntity(kind, id).do(expected)
    assert_same_project(expected, load_project(path))


def test_every_schema_version_has_a_file():
    assert {int(p.stem.removeprefix("project_v")) for p in DATA.glob("project_v*.gpkg")} == set(
        range(1, SCHEMA_VERSION + 1))


def test_migration_chain_runs_in_order():
    from planner.io.migrations import Tables, migrate

    def v1_to_v2(t):
        t.settings["note"] = "v2"
        return t

    def v2_to_v3(t):
        t.settings["note"] += "+v3"
        return t

    tables = migrate(Tables(settings={"schema_version": 1}), 1,
                     migrations={1: v1_to_v2, 2: v2_to_v3}, target=3)
    assert tables.settings == {"schema_version": 3, "note": "v2+v3"}
    with pytest.raises(ValueError, match="no migration from schema version 3"):
        migrate(Tables(settings={}), 3, migrations={}, target=4)


def test_the_grid_investment_setting_round_trips_and_a_bad_one_is_refused(small_project, tmp_path):
    from planner.model import GridInvestment

    small_project.grid_investment = GridInvestment(capex_eur=250_000.0, losses_kwh_per_year=12_345.0,
                                                   source="planner size-grid")
    path = tmp_path / "g.gpkg"
    save_project(small_project, path)
    assert load_project(path).grid_investment == small_project.grid_investment
    _set_setting(path, "grid_investment", {"capex_eur": -1.0})
    expect_error(path, "setting 'grid_investment'", "capex_eur must be a finite number of at least 0")
    _set_setting(path, "grid_investment", {"capex_eur": 1.0, "os.system": "rm"})
    expect_error(path, "setting 'grid_investment' must be an object")


def test_the_study_settings_round_trip_and_a_bad_one_is_refused(small_project, tmp_path):
    from planner.model.study import StudySettings

    small_project.study = StudySettings(grid_emission_factor_kg_per_kwh=0.25, emission_factor_source="EEA 2023",
                                        upstream_loss_factor=0.07, discount_rate=0.06, horizon_years=25,
                                        cost_catalogue="costs.csv")
    path = tmp_path / "s.gpkg"
    save_project(small_project, path)
    assert load_project(path).study == small_project.study
    _set_setting(path, "study", {"discount_rate": 3.0})
    expect_error(path, "setting 'study'", "discount_rate must be a number from -0.05 to 0.5")
    _set_setting(path, "study", {"horizon_years": 20, "__class__": "x"})
    expect_error(path, "setting 'study' must be an object")
