"""Bring consumers in from a file of points or building polygons (``planner import --as consumers``).

An OpenStreetMap extract gives its ``building=*`` polygons, each one household (OSM holds no
consumption).

Each feature becomes one consumer: a point where it is, a polygon at a point inside it. Attributes
read: ``annual_kwh`` (kWh a year, at least 0), ``profile`` (a BDEW code such as H0, G0, L0; H0
where absent), ``phase`` (the connection: ``3ph``, or one phase ``L1``, ``L2``, ``L3``; also
``1``, ``2``, ``3`` or ``A``, ``B``, ``C`` for L1, L2, L3, as test feeders write them;
three-phase where absent),
``name`` and ``member``. Each consumer is settled as a member of its own (a
household, a business for a G profile, a farm for an L one, named after the feature's name or
address), on the project's default tariff; features that name the same ``member`` are that one
member's meters (a business with several), joined to it where the project has it already. A feature without ``annual_kwh`` gets :data:`HOUSEHOLD_KWH`, and the
report counts them. Where the project has a grid, each consumer is connected to the nearest
low-voltage bus within :data:`CONNECT_WITHIN_M`; otherwise ``planner size-grid`` connects it where
its layout puts it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from planner.io.geography import MAX_DISTANCE_KM, GeographyError, GeographyReport, _is_osm, read_features
from planner.model import Consumer, Member
from planner.model.people import ELECTRICITY_PROFILES

#: Annual demand of a consumer the file says nothing of [kWh]: a household, as the sample counts
#: one (3,000 kWh, between the German averages of two- and three-person households).
HOUSEHOLD_KWH = 3000.0
CONNECT_WITHIN_M = 200.0


def _number(value, path, row, field):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise GeographyError(f"{path}: feature {row}: {field} '{value}' is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise GeographyError(f"{path}: feature {row}: {field} must be a finite number of at least 0, got {value}")
    return number


def _text(row, columns, field) -> str:
    """A text attribute of a feature, stripped; empty where it is missing."""
    value = row[columns[field]] if field in columns else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _address(row, columns) -> str:
    """An address from the attributes a file of homes may carry (OSM's addr:* or a plain column)."""
    plain = _text(row, columns, "address")
    if plain:
        return plain
    street, number = _text(row, columns, "addr:street"), _text(row, columns, "addr:housenumber")
    return f"{street} {number}".strip()


#: How a file may write a connection, to the project's phases.
_PHASE_WORDS = {"3ph": "3ph", "abc": "3ph", "three": "3ph", "3-phase": "3ph", "l1": "L1", "l2": "L2", "l3": "L3",
                "1": "L1", "2": "L2", "3": "L3", "a": "L1", "b": "L2", "c": "L3"}


def _phase(value, path, row) -> str:
    """A feature's ``phase`` attribute as one of the project's phases (three-phase where empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return "3ph"
    text = str(value).strip().lower()
    if text.endswith(".0"):  # a number column read as floats
        text = text[:-2]
    phase = _PHASE_WORDS.get(text)
    if phase is None:
        raise GeographyError(f"{path}: feature {row}: phase '{value}' is not 3ph, L1, L2 or L3")
    return phase


def _member_kind(profile: str) -> str:
    """The member a consumer of this standard profile is: BDEW G* a business, L* a farm."""
    return {"G": "business", "L": "farm"}.get(profile[:1], "household")


def import_consumers(project, path, *, layer: str | None = None, prefix: str = "",
                     max_distance_km: float | None = MAX_DISTANCE_KM) -> GeographyReport:
    """Add a file's consumers to ``project`` (changed only when every feature is readable).

    Raises
    ------
    GeographyError
        Naming the file, and the feature and field for a bad value.
    """
    from pyproj import Transformer
    from shapely import centroid, union_all

    from planner.generation.placement import nearest_bus
    from planner.weather.catalogue import distance_km

    path = Path(path)
    frame, layer = read_features(path, "buildings", layer)  # an OSM extract: its building=* polygons
    report = GeographyReport("consumers", str(path), layer, read=len(frame))
    if not len(frame):
        raise GeographyError(f"{path}: holds no features")
    frame = frame.to_crs(project.site.crs)
    valid = frame.geometry.notna() & ~frame.geometry.is_empty
    middle = centroid(union_all(np.asarray(frame.geometry[valid].envelope)))
    lon, lat = Transformer.from_crs(project.site.crs, "EPSG:4326", always_xy=True).transform(middle.x, middle.y)
    report.distance_km = distance_km(project.site.latitude, project.site.longitude, lat, lon)
    if max_distance_km is not None and report.distance_km > max_distance_km:
        raise GeographyError(f"{path}: its consumers lie {report.distance_km:,.1f} km from the site's centre, more "
                             f"than {max_distance_km:g} km: the wrong file or CRS? (--allow-far imports it anyway)")
    columns = {c.lower(): c for c in frame.columns}
    existing = project.items("consumer")
    new, defaults, connected = [], 0, 0
    members: dict[str, Member] = {}
    has_grid = bool(len(project.items("bus")))
    for n, (_, row) in enumerate(frame.iterrows()):
        geometry = row.geometry
        if geometry is None or geometry.is_empty:
            report.dropped["without geometry"] += 1
            continue
        if geometry.geom_type == "Point":
            point = geometry
        elif geometry.geom_type in ("Polygon", "MultiPolygon"):
            if not geometry.is_valid:
                import shapely

                geometry = shapely.make_valid(geometry)
                report.repaired += 1
            point = geometry.representative_point()
            if point.is_empty:
                report.dropped["empty once repaired"] += 1
                continue
        else:
            report.dropped[f"{geometry.geom_type} (neither a point nor a building)"] += 1
            continue
        kwh = _number(row[columns["annual_kwh"]], path, n + 1, "annual_kwh") if "annual_kwh" in columns else None
        source = f"{Path(path).name}, feature {n + 1}"
        if kwh is None:
            kwh, defaults = HOUSEHOLD_KWH, defaults + 1
            source += f"; assumed: a household's {HOUSEHOLD_KWH:,.0f} kWh a year (the file gives no annual_kwh)"
        profile = row[columns["profile"]] if "profile" in columns else None
        if profile is None or (isinstance(profile, float) and math.isnan(profile)) or str(profile).strip() == "":
            profile = "H0"
        profile = str(profile).strip()
        profile_id = None
        if profile in project.items("load_profile"):  # one of the project's own load profiles
            profile, profile_id = "measured", profile
        elif profile not in ELECTRICITY_PROFILES or profile == "measured":
            own = sorted(project.items("load_profile"))
            raise GeographyError(f"{path}: feature {n + 1}: profile '{profile}' is not one of "
                                 f"{', '.join(p for p in ELECTRICITY_PROFILES if p != 'measured')}"
                                 + (f" nor a load profile of the project ({', '.join(own[:8])})" if own else
                                    " (import load profiles first: planner import PROJECT FILE --as profiles)"))
        consumer_id = f"{prefix}c{n + 1}"
        if consumer_id in existing:
            raise GeographyError(f"the project has a consumer '{consumer_id}' already: give a --prefix")
        name = _text(row, columns, "name")
        bus = nearest_bus(project, point, CONNECT_WITHIN_M) if has_grid else None
        connected += bus is not None
        group = _text(row, columns, "member")
        member_id = group or f"m-{consumer_id}"
        if member_id in project.items("member"):
            if not group:
                raise GeographyError(f"the project has a member '{member_id}' already: give a --prefix")
        elif member_id not in members:  # a household of its own, or the first meter of a group
            members[member_id] = Member(
                id=member_id, name=group or name or _address(row, columns) or f"Household {consumer_id}",
                kind=_member_kind(profile), source=f"{Path(path).name}: "
                + (f"the member named in its 'member' column ({group})" if group else
                   f"derived: each consumer of the file its own member (feature {n + 1})"))
        phase = _phase(row[columns["phase"]], path, n + 1) if "phase" in columns else "3ph"
        new.append(Consumer(id=consumer_id, name=name, geometry=point, annual_kwh=kwh, profile=profile,
                            profile_id=profile_id, bus_id=bus.id if bus else None, member_id=member_id,
                            source=source, phase=phase))
    for entity in [*members.values(), *new]:
        issues = entity.validate()
        if issues:
            raise GeographyError(f"{path}: {issues[0]}")
    project.add_all([*members.values(), *new])
    report.imported = len(new)
    grouped = len(new) - len(members)
    report.notes.append(f"{len(members)} member(s) added: each consumer its own household"
                        + (f", {grouped} meter(s) joined to a member named in the 'member' column" if grouped
                           else "") + " (the project's default tariff; People and money edits them)")
    if _is_osm(path):
        report.notes.append("OpenStreetMap holds no consumption: every building counts as one household")
    if defaults:
        report.notes.append(f"{defaults} without annual_kwh given the household default of {HOUSEHOLD_KWH:,.0f} kWh")
    if has_grid:
        report.notes.append(f"{connected} connected to the nearest bus within {CONNECT_WITHIN_M:g} m"
                            + (f", {len(new) - connected} too far from any (planner size-grid --new-layout "
                               f"lays the grid out anew)" if connected < len(new) else ""))
    else:
        report.notes.append("not connected yet: planner size-grid lays the grid out to them")
    return report
