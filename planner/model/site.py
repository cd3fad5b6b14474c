"""Where a project lies: geographic position, time zone and projected CRS."""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass

from planner.model.base import ValidationIssue


def utm_crs(latitude: float, longitude: float) -> str:
    """Return the EPSG code of the WGS 84 / UTM zone that holds a point.

    Zones are 6 degrees wide from 180 W; the exceptions around south-western
    Norway (zone 32V) and Svalbard (31X, 33X, 35X, 37X) follow the UTM standard.

    Returns
    -------
    str
        ``"EPSG:326zz"`` north of the equator, ``"EPSG:327zz"`` south of it.
    """
    if not (-80.0 <= latitude <= 84.0):
        raise ValueError(f"UTM covers latitudes 80 S to 84 N, got {latitude:g}")
    lon = ((longitude + 180.0) % 360.0) - 180.0
    zone = int(math.floor((lon + 180.0) / 6.0)) + 1
    zone = min(zone, 60)
    if 56.0 <= latitude < 64.0 and 3.0 <= lon < 12.0:
        zone = 32
    elif 72.0 <= latitude <= 84.0 and 0.0 <= lon < 42.0:
        if lon < 9.0:
            zone = 31
        elif lon < 21.0:
            zone = 33
        elif lon < 33.0:
            zone = 35
        else:
            zone = 37
    return f"EPSG:{32600 + zone if latitude >= 0 else 32700 + zone}"


def timezone_at(latitude: float, longitude: float) -> str:
    """Return the IANA time zone at a point, from timezonefinder's offline data.

    Falls back to the nautical zone (``Etc/GMT-1`` and so on) at sea.
    """
    from timezonefinder import TimezoneFinder

    name = TimezoneFinder().timezone_at(lat=latitude, lng=longitude)
    if name:
        return name
    offset = round(longitude / 15.0)
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


@dataclass(frozen=True)
class Site:
    """Geographic anchor of a project.

    Parameters
    ----------
    latitude, longitude : float
        WGS 84 position of the project's centre [deg].
    timezone : str
        IANA time zone (``"Europe/Berlin"``); time series are localised to it.
    crs : str
        Projected CRS of the project's geometry, in metres; by default the local UTM zone.
    """

    latitude: float
    longitude: float
    timezone: str
    crs: str

    @classmethod
    def at(cls, latitude: float, longitude: float, timezone: str | None = None,
           crs: str | None = None) -> "Site":
        """A site at a position, with time zone and UTM CRS found automatically."""
        site = cls(latitude, longitude, timezone or "UTC", crs or "EPSG:4326")
        problems = [i for i in site.validate() if i.field in ("latitude", "longitude")]
        if problems:
            from planner.model.base import ValidationError

            raise ValidationError(problems)
        return cls(
            latitude=float(latitude),
            longitude=float(longitude),
            timezone=timezone or timezone_at(latitude, longitude),
            crs=crs or _default_crs(latitude, longitude),
        )

    def centre_xy(self) -> tuple[float, float]:
        """The site's position in its projected CRS [m] (easting, northing)."""
        return _project_point(self.crs, self.latitude, self.longitude)

    def validate(self) -> list[ValidationIssue]:
        """Problems of the site: position, time zone, projected CRS in metres."""
        issues = []
        subject = "Site"
        for field, value, lo, hi in (("latitude", self.latitude, -90, 90),
                                     ("longitude", self.longitude, -180, 180)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                issues.append(ValidationIssue(subject, field, f"{field} must be a number, got {value!r}"))
            elif not lo <= value <= hi:
                issues.append(ValidationIssue(
                    subject, field, f"{field} must be between {lo} and {hi} deg, got {value:g} deg"))
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            issues.append(ValidationIssue(
                subject, "timezone", f"time zone '{self.timezone}' is not an IANA time zone"))
        issues.extend(ValidationIssue(subject, "crs", m) for m in _check_crs(self.crs))
        return issues


def _check_crs(crs: str) -> list[str]:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        parsed = CRS.from_user_input(crs)
    except (CRSError, TypeError) as exc:
        return [f"CRS '{crs}' is not known: {exc}"]
    if not parsed.is_projected:
        return [f"CRS '{crs}' is not projected; the map needs metres (for example a UTM zone)"]
    return []


def _default_crs(latitude: float, longitude: float) -> str:
    """The local UTM zone; beyond UTM's latitudes, a clear request for a CRS."""
    try:
        return utm_crs(latitude, longitude)
    except ValueError:
        from planner import PlannerError

        raise PlannerError(f"latitude {latitude:g} deg lies beyond UTM (80 S to 84 N): give a projected "
                           f"CRS in metres for the site (--crs), e.g. EPSG:3413 in the Arctic, EPSG:3031 "
                           f"in the Antarctic") from None


#: How far from the site's centre a project's objects may lie [m]; farther is a wrong CRS or a typo.
SITE_RADIUS_M = 100_000.0


def _project_point(crs: str, latitude: float, longitude: float) -> tuple[float, float]:
    return _transformer_point(crs, float(latitude), float(longitude))


def _transformer_point(crs, latitude, longitude):
    from pyproj import Transformer

    key = (crs, latitude, longitude)
    if key not in _CENTRES:
        transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        _CENTRES[key] = tuple(float(v) for v in transformer.transform(longitude, latitude))
    return _CENTRES[key]


_CENTRES: dict = {}
