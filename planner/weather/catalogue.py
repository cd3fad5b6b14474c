"""The bundled station catalogue: every weather data set that ships inside our dependencies.

Sources (all offline): pvlib's TMY3 files for Greensboro NC and Sand Point AK and
its TMY2 file for Miami FL; demandlib's 15 test reference years of the German
weather service (DWD TRY 2010), one per climate region, with the regions'
polygons. A German site takes the TRY region that holds it (its climate is the
point of the regions), anywhere else the nearest station; either way the
distance to the station is reported, with a warning when it is far.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

#: Beyond this distance a station is called far [km].
FAR_KM = 150.0
#: Beyond this difference in latitude the climate is likely another [deg].
OTHER_CLIMATE_DEG = 6.0


@dataclass(frozen=True)
class Station:
    """A bundled weather data set: id, name, source, position and reader."""
    id: str
    name: str
    source: str
    latitude: float
    longitude: float
    path: str
    reader: str  # name of the function in planner.weather.readers


@dataclass(frozen=True)
class StationChoice:
    """The station chosen for a site, its distance [km], why, and warnings."""
    station: Station
    distance_km: float
    reason: str
    warnings: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One line: the station, its distance and any warning."""
        text = f"{self.station.name} ({self.station.source}), {self.distance_km:,.0f} km away; {self.reason}"
        return text + "".join(f"; warning: {w}" for w in self.warnings)


def _pvlib_data() -> Path:
    import pvlib

    return Path(os.path.dirname(pvlib.__file__)) / "data"


def _demandlib_weather() -> Path:
    import demandlib

    return Path(os.path.dirname(demandlib.__file__)) / "vdi" / "resources_weather"


@lru_cache(maxsize=1)
def stations() -> tuple[Station, ...]:
    """Every bundled station, read from the files' own headers."""
    found = []
    for filename in ("723170TYA.CSV", "703165TY.csv"):
        path = _pvlib_data() / filename
        if path.exists():
            first = path.read_text(encoding="latin-1").splitlines()[0].split(",")
            found.append(Station(
                id=f"tmy3-{first[0]}", name=f"{first[1].strip(chr(34)).title()}, {first[2]}",
                source="TMY3 (pvlib)", latitude=float(first[4]), longitude=float(first[5]),
                path=str(path), reader="read_tmy3"))
    path = _pvlib_data() / "12839.tm2"
    if path.exists():
        head = path.read_text(encoding="latin-1").splitlines()[0].split()
        # ' 12839 MIAMI FL -5 N 25 48 W 80 16 2'
        lat = (int(head[5]) + int(head[6]) / 60) * (1 if head[4] == "N" else -1)
        lon = (int(head[8]) + int(head[9]) / 60) * (1 if head[7] == "E" else -1)
        found.append(Station(id=f"tmy2-{head[0]}", name=f"{head[1].title()}, {head[2]}",
                             source="TMY2 (pvlib)", latitude=lat, longitude=lon, path=str(path),
                             reader="read_tmy2"))
    for path in sorted(_demandlib_weather().glob("TRY2010_*_Jahr.dat")):
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        region = int(re.search(r"TRY2010_(\d+)_Jahr", path.name).group(1))
        name = re.search(r"Station:\s*(.+?)\s{2,}", head).group(1).strip()
        lage = re.search(r"Lage:\s*(\d+)°(\d+)'N.*?(\d+)°(\d+)'O", head)
        found.append(Station(
            id=f"dwd-try2010-{region:02d}", name=f"{name} (DWD TRY region {region})",
            source="DWD TRY 2010 (demandlib)",
            latitude=int(lage.group(1)) + int(lage.group(2)) / 60,
            longitude=int(lage.group(3)) + int(lage.group(4)) / 60,
            path=str(path), reader="read_dwd_try"))
    return tuple(found)


def station(station_id: str) -> Station:
    """A bundled station by id (WeatherError naming the known ones)."""
    for s in stations():
        if s.id == station_id:
            return s
    from planner.weather.checks import WeatherError

    raise WeatherError(f"no bundled weather station '{station_id}'; known: "
                       f"{', '.join(s.id for s in stations())}")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of radius 6,371 km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def try_region_at(latitude: float, longitude: float) -> int | None:
    """The DWD test reference year region whose polygon holds a point, or None outside Germany."""
    from shapely.geometry import Point

    point = Point(longitude, latitude)
    for code, polygon in _try_polygons():
        if polygon.contains(point):
            return code
    return None


@lru_cache(maxsize=1)
def _try_polygons():
    import json

    import shapely

    path = _demandlib_weather() / "TRY_polygons.geojson"
    if not path.exists():
        return ()
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return tuple((int(f["properties"]["TRY_code"]), shapely.geometry.shape(f["geometry"]))
                 for f in features)


def nearest_station(latitude: float, longitude: float) -> StationChoice:
    """The bundled station for a site, with its distance and warnings when it may not fit."""
    region = try_region_at(latitude, longitude)
    if region is not None:
        chosen = station(f"dwd-try2010-{region:02d}")
        reason = f"the site lies in DWD test reference region {region}"
    else:
        chosen = min(stations(), key=lambda s: distance_km(latitude, longitude, s.latitude, s.longitude))
        reason = "nearest bundled station"
    d = distance_km(latitude, longitude, chosen.latitude, chosen.longitude)
    warnings = fit_warnings(latitude, longitude, chosen.latitude, chosen.longitude, "the station",
                            far=region is None)
    return StationChoice(chosen, d, reason, tuple(warnings))


def station_warnings(station_id: str, latitude: float, longitude: float) -> list[str]:
    """Why a project's recorded bundled station may not fit its site (the warnings
    :func:`nearest_station` gives, for a station chosen earlier or by hand)."""
    chosen = station(station_id)
    region = try_region_at(latitude, longitude)
    in_region = region is not None and chosen.id == f"dwd-try2010-{region:02d}"
    return fit_warnings(latitude, longitude, chosen.latitude, chosen.longitude, "the station", far=not in_region)


def fit_warnings(site_lat: float, site_lon: float, data_lat, data_lon, what: str = "the weather file",
                 far: bool = True) -> list[str]:
    """Why weather from ``(data_lat, data_lon)`` may not fit a site: distance, climate, position.

    The same words for a bundled station and for a user's file. A position that is missing or
    impossible (a latitude of 999) is said as such: the data cannot be placed at all.
    """
    import math

    try:
        lat, lon = float(data_lat), float(data_lon)
    except (TypeError, ValueError):
        return [f"{what} gives no position: whether it fits the site cannot be checked"]
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 360):
        return [f"{what} gives an impossible position ({data_lat}, {data_lon}): whether it fits the "
                f"site cannot be checked"]
    warnings = []
    d = distance_km(site_lat, site_lon, lat, lon)
    if far and d > FAR_KM:
        warnings.append(f"{what} is {d:,.0f} km away: bring a weather file for the site "
                        f"(EPW, PVGIS TMY or TMY3)")
    if abs(lat - site_lat) > OTHER_CLIMATE_DEG:
        warnings.append(f"{what} lies {abs(lat - site_lat):.0f} degrees of latitude away, likely in "
                        f"another climate")
    return warnings


def read_station(station_id: str, **kwargs):
    """Read a bundled station's data in the standard form: ``(DataFrame, WeatherMeta)``."""
    from planner.weather import readers

    s = station(station_id)
    data, meta = getattr(readers, s.reader)(s.path, **kwargs)
    meta.station_id = s.id
    return data, meta
