"""Bringing a town's parcels, buildings and streets into a project.

Formats (read by GDAL through pyogrio): GeoJSON, Shapefile (also zipped), GeoPackage (``layer``
picks one) and OpenStreetMap extracts (``.osm.pbf``, ``.osm``), where buildings are the
``building=*`` multipolygons, streets the ``highway=*`` lines and parcels the ``landuse=*``
multipolygons. Everything is reprojected into the project's CRS. Invalid geometries are
repaired with shapely's ``make_valid`` where the repair keeps an area (or a line); the rest
is dropped; both counts are reported with the reasons. Attributes are kept where they mean
something to the planner: OSM ``building`` (use), ``building:levels``, ``height``,
``roof:shape``, ``roof:angle`` and ``roof:direction`` (a pitched roof's main face), or columns of
the same names (``levels``, ``height``, ``roof_shape``) in other files.

A file whose features lie far from the site (farther than ``max_distance_km`` from it) is
refused with the distance: it is almost always the wrong file or the wrong CRS.
"""

from __future__ import annotations

import math
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from planner import PlannerError
from planner.model import Building, Parcel, Project, Street

KINDS = ("parcels", "buildings", "streets")
#: A file whose features' middle lies farther from the site than this is refused [km].
MAX_DISTANCE_KM = 10.0
#: Footprints smaller than this are no building or parcel [m^2] (sheds of a few m^2 stay).
MIN_AREA_M2 = 1.0
_OSM_SUFFIXES = (".pbf", ".osm")
_LAND_USE = {
    "residential": "residential", "commercial": "commercial", "retail": "commercial", "industrial": "industrial",
    "farmland": "agricultural", "farmyard": "agricultural", "meadow": "agricultural", "orchard": "agricultural",
    "vineyard": "agricultural", "greenhouse_horticulture": "agricultural", "forest": "forest", "grass": "open",
    "recreation_ground": "open", "village_green": "open", "brownfield": "open", "greenfield": "open",
    "cemetery": "public", "education": "public", "religious": "public", "military": "public",
    "construction": "other", "railway": "other", "basin": "water", "reservoir": "water",
}
_BUILDING_USE = {
    "house": "residential", "detached": "residential", "residential": "residential", "apartments": "residential",
    "terrace": "residential", "semidetached_house": "residential", "dormitory": "residential", "bungalow": "residential",
    "commercial": "commercial", "retail": "commercial", "office": "commercial", "supermarket": "commercial",
    "hotel": "commercial", "kiosk": "commercial", "industrial": "industrial", "warehouse": "industrial",
    "manufacture": "industrial", "farm": "agricultural", "barn": "agricultural", "farm_auxiliary": "agricultural",
    "stable": "agricultural", "greenhouse": "agricultural", "school": "public", "university": "public",
    "hospital": "public", "church": "public", "public": "public", "civic": "public", "government": "public",
    "kindergarten": "public", "train_station": "public", "fire_station": "public",
}
_COMPASS = {"N": 0, "NNE": 22.5, "NE": 45, "ENE": 67.5, "E": 90, "ESE": 112.5, "SE": 135, "SSE": 157.5, "S": 180,
            "SSW": 202.5, "SW": 225, "WSW": 247.5, "W": 270, "WNW": 292.5, "NW": 315, "NNW": 337.5}


class GeographyError(PlannerError):
    """A geography file that cannot be imported; the message names the file and why."""


@dataclass
class GeographyReport:
    """What an import read, kept, repaired and dropped (with reasons), and how far the file lies."""

    kind: str
    path: str
    layer: str | None = None
    read: int = 0
    imported: int = 0
    repaired: int = 0
    dropped: Counter = field(default_factory=Counter)
    distance_km: float | None = None
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the user."""
        dropped = sum(self.dropped.values())
        why = ", ".join(f"{n} {reason}" for reason, n in self.dropped.most_common())
        text = (f"{self.imported} {self.kind} from {self.read} features of {Path(self.path).name}"
                + (f" (layer {self.layer})" if self.layer else "")
                + f"; {self.repaired} repaired (make_valid), {dropped} dropped" + (f" ({why})" if why else ""))
        if self.distance_km is not None:
            text += f"; {self.distance_km:,.1f} km from the site's centre"
        return text + "".join(f"; {n}" for n in self.notes)


def _is_osm(path: Path) -> bool:
    return path.name.lower().endswith(_OSM_SUFFIXES) or path.name.lower().endswith(".osm.pbf")


def _source(path: Path) -> str:
    """What GDAL opens: zipped Shapefiles through /vsizip/."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                shapes = [n for n in archive.namelist() if n.lower().endswith(".shp")]
        except zipfile.BadZipFile:
            raise GeographyError(f"{path}: not a readable zip file") from None
        if not shapes:
            raise GeographyError(f"{path}: the zip file holds no Shapefile (.shp)")
        return f"/vsizip/{path.resolve()}/{shapes[0]}"
    return str(path)


def read_features(path, kind: str, layer: str | None = None):
    """The features of a file for one kind, as a GeoDataFrame in the file's CRS, and the layer read.

    Raises
    ------
    GeographyError
        For a missing or unreadable file, an unknown layer, a file without a CRS.
    """
    import pyogrio

    if kind not in KINDS:
        raise GeographyError(f"cannot import '{kind}': choose one of {', '.join(KINDS)}")
    path = Path(path)
    if not path.exists():
        raise GeographyError(f"{path}: no such file")
    if path.is_dir():
        raise GeographyError(f"{path}: is a folder, not a geography file")
    source = _source(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    except Exception as exc:
        raise GeographyError(f"{path}: GDAL cannot read it: {' '.join(str(exc).split())[:150]}") from None
    osm = _is_osm(path)
    if layer is None:
        layer = ("lines" if kind == "streets" else "multipolygons") if osm else layers[0]
        if not osm and len(layers) > 1:
            raise GeographyError(f"{path}: holds {len(layers)} layers ({', '.join(layers[:6])}): say which "
                                 f"with --layer")
    elif layer not in layers:
        raise GeographyError(f"{path}: has no layer '{layer}' (it has {', '.join(layers[:6])})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pyogrio.read_dataframe(source, layer=layer, on_invalid="ignore")
    except Exception as exc:
        raise GeographyError(f"{path}: layer '{layer}' cannot be read: {' '.join(str(exc).split())[:150]}") from None
    if frame.crs is None:
        raise GeographyError(f"{path}: the file says nothing of its coordinate system (CRS); save it with one")
    if osm:
        column = {"buildings": "building", "streets": "highway", "parcels": "landuse"}[kind]
        if column not in frame.columns:
            raise GeographyError(f"{path}: the OpenStreetMap layer '{layer}' has no '{column}' tag")
        frame = frame[frame[column].notna()]
    return frame, layer


def _tags(row) -> dict[str, str]:
    """OSM tags: the columns GDAL names plus the ``other_tags`` hstore text."""
    tags = {}
    other = row.get("other_tags")
    if isinstance(other, str):
        tags.update(dict(re.findall(r'"([^"]+)"=>"((?:[^"\\]|\\.)*)"', other)))
    for key, value in row.items():
        if key in ("geometry", "other_tags") or value is None:
            continue
        if isinstance(value, str):
            tags.setdefault(key, value)
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
                and math.isfinite(float(value)):
            tags.setdefault(key, f"{value:g}" if isinstance(value, (float, np.floating)) else str(value))
    return tags


def _number(text) -> float | None:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    match = re.match(r"^\s*(-?\d+(?:[.,]\d+)?)", str(text))
    return float(match.group(1).replace(",", ".")) if match else None


def _direction(text) -> float | None:
    if text is None:
        return None
    value = _COMPASS.get(str(text).strip().upper())
    if value is not None:
        return float(value)
    number = _number(text)
    return None if number is None else number % 360.0


def _clean_geometry(geometry, kind: str):
    """(geometry, 'ok' | 'repaired') or (None, reason)."""
    import shapely

    if geometry is None or geometry.is_empty:
        return None, "empty geometry"
    wanted = ("LineString",) if kind == "streets" else ("Polygon", "MultiPolygon")
    repaired = False
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
        repaired = True
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in wanted + (("MultiLineString",) if kind == "streets"
                                                                          else ())]
        geometry = shapely.union_all(parts) if parts else None
        if geometry is None or geometry.is_empty:
            return None, "nothing of the right kind left after repair"
    if kind == "streets" and geometry.geom_type == "MultiLineString":
        merged = shapely.line_merge(geometry)
        geometry = merged if merged.geom_type == "LineString" else max(merged.geoms, key=lambda g: g.length)
    if geometry.geom_type not in wanted:
        return None, f"{geometry.geom_type} where {'lines' if kind == 'streets' else 'areas'} are needed"
    if kind != "streets" and geometry.area < MIN_AREA_M2:
        return None, "smaller than 1 m2"
    if kind == "streets" and geometry.length <= 0:
        return None, "zero length"
    if not geometry.is_valid:
        return None, "invalid after repair"
    return geometry, "repaired" if repaired else "ok"


def import_geography(project: Project, path, kind: str, *, layer: str | None = None, prefix: str = "",
                     max_distance_km: float | None = MAX_DISTANCE_KM,
                     progress: Callable[[float], None] | None = None,
                     check: Callable[[], None] | None = None) -> GeographyReport:
    """Add a file's parcels, buildings or streets to ``project`` (changed only when all is well).

    Parameters
    ----------
    project : Project
    path : str or path-like
    kind : {'parcels', 'buildings', 'streets'}
    layer : str, optional
        The layer of a multi-layer file.
    prefix : str
        Prefix for the new ids (ids are ``<prefix><b|s|p><OSM id or row>``).
    max_distance_km : float or None
        Refuse a file whose features' middle lies farther from the site; None: no check.
    progress : callable, optional
        ``progress(fraction)`` while features are turned into objects.
    check : callable, optional
        Called between features; raises to cancel (nothing is added then).

    Returns
    -------
    GeographyReport
    """
    from shapely import centroid, union_all
    from pyproj import Transformer

    frame, layer = read_features(path, kind, layer)
    report = GeographyReport(kind, str(path), layer, read=len(frame))
    if not len(frame):
        raise GeographyError(f"{path}: holds no {kind} (layer '{layer}')")
    frame = frame.to_crs(project.site.crs)
    middle = centroid(union_all(np.asarray(frame.geometry.envelope)))
    to_wgs = Transformer.from_crs(project.site.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(middle.x, middle.y)
    from planner.weather.catalogue import distance_km

    report.distance_km = distance_km(project.site.latitude, project.site.longitude, lat, lon)
    if max_distance_km is not None and report.distance_km > max_distance_km:
        raise GeographyError(f"{path}: its {kind} lie {report.distance_km:,.1f} km from the site's centre "
                             f"({lat:.4f}, {lon:.4f}), more than {max_distance_km:g} km: the wrong file or CRS? "
                             f"(--allow-far imports it anyway)")
    cls = {"parcels": Parcel, "buildings": Building, "streets": Street}[kind]
    origin = f"OpenStreetMap ({Path(path).name}, ODbL)" if _is_osm(Path(path)) else Path(path).name
    letter = {"parcels": "p", "buildings": "b", "streets": "s"}[kind]
    existing = project.items(cls.KIND)
    new = []
    total = len(frame)
    for n, (idx, row) in enumerate(frame.iterrows()):
        if check is not None and n % 500 == 0:
            check()
        if progress is not None and n % 500 == 0:
            progress(n / total)
        geometry, state = _clean_geometry(row.geometry, kind)
        if geometry is None:
            report.dropped[state] += 1
            continue
        report.repaired += state == "repaired"
        tags = _tags(row)
        osm_id = tags.get("osm_id") or tags.get("osm_way_id")
        ident = f"{prefix}{letter}{osm_id if osm_id else idx}"
        if ident in existing or any(e.id == ident for e in new):
            raise GeographyError(f"{path}: id '{ident}' is in the project already: give a --prefix")
        name = tags.get("name") or ""
        if kind == "buildings":
            use = _BUILDING_USE.get(str(tags.get("building", "")).lower(), "residential"
                                    if str(tags.get("building", "")).lower() in ("yes", "") else "other")
            # Shapefiles cut field names to 10 characters: building:levels becomes building_l
            levels = _number(tags.get("building:levels") or tags.get("building_l") or tags.get("levels"))
            height = _number(tags.get("height"))
            tilt = _number(tags.get("roof:angle") or tags.get("roof_angle"))
            entity = Building(
                id=ident, name=name, geometry=geometry, use=use, osm_id=str(osm_id) if osm_id else None,
                height_m=height if height and height > 0 else None,
                levels=int(levels) if levels and levels >= 1 else None,
                roof_shape=tags.get("roof:shape") or tags.get("roof_shape"),
                roof_tilt_deg=tilt if tilt is not None and 0 <= tilt <= 90 else None,
                roof_azimuth_deg=_direction(tags.get("roof:direction") or tags.get("roof_direction")), source=origin)
        elif kind == "streets":
            entity = Street(id=ident, name=name, geometry=geometry, highway=str(tags.get("highway") or "residential"),
                            source=origin)
        else:
            use = _LAND_USE.get(str(tags.get("landuse") or tags.get("land_use") or "").lower(), "other")
            entity = Parcel(id=ident, name=name, geometry=geometry, land_use=use, source=origin)
        issues = entity.validate()
        if issues:
            report.dropped[f"invalid {issues[0].field}"] += 1
            continue
        new.append(entity)
    if check is not None:
        check()
    for entity in new:
        project.add(entity)
    report.imported = len(new)
    if _is_osm(Path(path)) and new and "OpenStreetMap" not in (project.attribution or ""):
        credit = "© OpenStreetMap contributors (ODbL)"  # the licence asks for it where the map is shown
        project.attribution = f"{project.attribution}; {credit}" if project.attribution else credit
        report.notes.append(f"attribution '{credit}' added to the project")
    if progress is not None:
        progress(1.0)
    return report


class TownMap:
    """A town file's features in a local metric CRS (its UTM zone), to pick a site on before any
    project exists: ``geometries`` [m], ``centre`` (x, y) [m], and :meth:`lat_lon` of a point."""

    def __init__(self, geometries, crs):
        import pyproj
        import shapely

        self.geometries = np.asarray(geometries, dtype=object)
        self.crs = crs
        envelope = shapely.envelope(shapely.union_all(shapely.envelope(self.geometries)))
        self.centre = (float(envelope.centroid.x), float(envelope.centroid.y))
        self._to_wgs84 = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def lat_lon(self, x: float, y: float) -> tuple[float, float]:
        """(latitude, longitude) [deg], WGS 84, of a point in the map's CRS."""
        longitude, latitude = self._to_wgs84.transform(x, y)
        return float(latitude), float(longitude)


def town_map(path, layer: str | None = None) -> TownMap:
    """The buildings and streets of an OSM extract (or the features of another geography file),
    reprojected to their UTM zone, for a map to click the site on.

    Raises
    ------
    GeographyError
        For a file that cannot be read or holds no features.
    """
    path = Path(path)
    kinds = ("buildings", "streets") if _is_osm(path) else ("buildings",)
    frames = []
    for kind in kinds:
        try:
            frame, _ = read_features(path, kind, layer)
        except GeographyError:
            if kind == kinds[-1] and not frames:
                raise
            continue
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        if len(frame):
            frames.append(frame.to_crs("EPSG:4326"))
    if not frames:
        raise GeographyError(f"{path}: holds no features to take a site from")
    geometries = np.concatenate([np.asarray(f.geometry.values, dtype=object) for f in frames])
    import geopandas

    series = geopandas.GeoSeries(geometries, crs="EPSG:4326")
    crs = series.estimate_utm_crs()
    return TownMap(np.asarray(series.to_crs(crs).values, dtype=object), crs)


def centre_of(path, layer: str | None = None) -> tuple[float, float]:
    """The middle of a geography file's features as (latitude, longitude) [deg], WGS 84: where a
    new project's site goes when it is taken from the town's own data.

    Raises
    ------
    GeographyError
        For a file that cannot be read or holds no features.
    """
    import shapely

    path = Path(path)
    kinds = ("buildings", "streets", "parcels") if _is_osm(path) else ("buildings",)
    for kind in kinds:
        try:
            frame, _ = read_features(path, kind, layer)
        except GeographyError:
            if kind == kinds[-1]:
                raise
            continue
        frame = frame[frame.geometry.notna()]
        if len(frame):
            envelope = shapely.envelope(shapely.union_all(np.asarray(frame.to_crs("EPSG:4326").geometry.envelope)))
            middle = envelope.centroid
            return float(middle.y), float(middle.x)
    raise GeographyError(f"{path}: holds no features to take a site from")
