"""Site suitability (DOMAIN.md section 7): each technology where local conditions favour it.

Every parcel gets a score from 0 to 1 per technology, with the inputs that made it,
so a group can see *why*. Each score is a product of factors, each factor the
ratio of a measured input to a stated reference value, capped at 1 (all
references are arguments, shown with the result):

PV
    roof area of the parcel's buildings (or, on open or agricultural land
    without buildings, the parcel's area for a ground-mounted array), turned
    into a possible peak power (:func:`~planner.generation.pv.suggested_peak_kw`);
    factors: specific yield at the site over ``pv_reference_yield``, with the
    orientation of a PV unit on the parcel, else of its roof (tilt and azimuth),
    else assumed and said so (:func:`_orientation`); possible peak over
    ``pv_reference_kwp``.
Wind
    mean wind speed at ``hub_height_m`` from the log profile with the parcel's
    roughness; distance from the parcel's centre to the nearest dwelling (a
    residential building or a consumer) against a setback of
    ``setback_tip_heights`` times the tip height (zero inside it); factor:
    hub-height wind over ``wind_reference_ms``.
CHP
    heat demand density around the parcel: annual heat of the consumers
    within ``heat_radius_m`` over that circle's area [MWh/(ha a)]; factor: over
    ``heat_reference_mwh_per_ha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.generation.pv import pv_ac_kw, suggested_peak_kw
from planner.generation.wind import DEFAULT_ROUGHNESS_M, ROUGHNESS_BY_LAND_USE
from planner.model import Project, PVUnit


@dataclass(frozen=True)
class Score:
    """One parcel's score for one technology, with the inputs that made it."""
    parcel_id: str
    technology: str
    score: float
    inputs: dict = field(default_factory=dict)
    reason: str = ""


def _factor(value: float, reference: float) -> float:
    return max(0.0, min(1.0, value / reference)) if reference > 0 else 0.0


def suitability(project: Project, weather: pd.DataFrame, *, elevation_m: float = 0.0,
                pv_reference_yield: float = 1300.0, pv_reference_kwp: float = 30.0,
                hub_height_m: float = 100.0, rotor_diameter_m: float = 80.0,
                setback_tip_heights: float = 3.0, wind_reference_ms: float = 7.0,
                wind_measurement_height_m: float = 10.0,
                heat_radius_m: float = 150.0, heat_reference_mwh_per_ha: float = 300.0) -> pd.DataFrame:
    """Scores of every parcel for PV, wind and CHP, one row per parcel and technology."""
    from shapely.geometry import Point
    from shapely.strtree import STRtree

    parcels = list(project.items("parcel").values())
    if not parcels:
        return pd.DataFrame(columns=["parcel_id", "technology", "score", "reason", "inputs"])
    buildings = list(project.items("building").values())
    consumers = list(project.items("consumer").values())
    site = project.site

    equator = 180.0 if site.latitude >= 0 else 0.0
    step_h = (weather.index[1] - weather.index[0]).total_seconds() / 3600.0
    yields: dict[tuple[float, float], float] = {}

    def specific_yield_at(tilt: float, azimuth: float) -> float:
        key = (round(float(tilt), 1), round(float(azimuth), 1))
        if key not in yields:
            probe = PVUnit(id="probe", peak_kw=1.0, tilt_deg=key[0], azimuth_deg=key[1] % 360.0,
                           geometry=Point(0, 0))
            yields[key] = float(pv_ac_kw([probe], weather, site.latitude, site.longitude, elevation_m)["probe"].sum()
                                * step_h)
        return yields[key]

    pv_units = list(project.items("pv_unit").values())
    mean_wind = float(weather["wind_speed"].mean())

    dwellings = [b.geometry for b in buildings if b.use == "residential"] + [c.geometry for c in consumers]
    dwelling_tree = STRtree(dwellings) if dwellings else None
    heat_points = [c.geometry for c in consumers if c.annual_heat_kwh > 0]
    heat_values = np.array([c.annual_heat_kwh for c in consumers if c.annual_heat_kwh > 0])
    heat_tree = STRtree(heat_points) if heat_points else None
    tip = hub_height_m + rotor_diameter_m / 2.0
    setback = setback_tip_heights * tip

    rows = []
    for parcel in parcels:
        on_parcel = [b for b in buildings if b.parcel_id == parcel.id or (
            b.parcel_id is None and parcel.geometry.contains(b.geometry.representative_point()))]
        roof = sum(b.geometry.area for b in on_parcel)
        ground = not on_parcel and parcel.land_use in ("agricultural", "open")
        area = parcel.geometry.area if ground else roof
        kwp = suggested_peak_kw(area, usable_share=0.4 if ground else 0.6)
        tilt, azimuth, orientation = _orientation(parcel, on_parcel, pv_units, ground, equator)
        specific_yield = specific_yield_at(tilt, azimuth)
        score = _factor(specific_yield, pv_reference_yield) * _factor(kwp, pv_reference_kwp)
        rows.append(Score(parcel.id, "pv", score, {
            "area_m2": round(area, 1), "mounting": "ground" if ground else "roof",
            "tilt_deg": tilt, "azimuth_deg": azimuth, "orientation_from": orientation,
            "possible_kwp": round(kwp, 1), "specific_yield_kwh_per_kwp": round(specific_yield, 1),
            "possible_kwh": round(kwp * specific_yield, 0)},
            "no roof or open land" if kwp == 0 else
            f"{kwp:,.1f} kWp at {specific_yield:,.0f} kWh/kWp (tilt {tilt:g}, azimuth {azimuth:g}: {orientation})"))

        z0 = ROUGHNESS_BY_LAND_USE.get(parcel.land_use, DEFAULT_ROUGHNESS_M)
        hub_wind = mean_wind * math.log(hub_height_m / z0) / math.log(wind_measurement_height_m / z0)
        centre = parcel.geometry.representative_point()
        if dwelling_tree is not None:
            nearest = dwellings[int(dwelling_tree.nearest(centre))]
            distance = float(centre.distance(nearest))
        else:
            distance = math.inf
        wind_score = 0.0 if distance < setback else _factor(hub_wind, wind_reference_ms)
        rows.append(Score(parcel.id, "wind", wind_score, {
            "hub_height_m": hub_height_m, "roughness_m": z0, "mean_wind_hub_ms": round(hub_wind, 2),
            "nearest_dwelling_m": None if math.isinf(distance) else round(distance, 1),
            "setback_m": round(setback, 1)},
            f"{distance:,.0f} m to the nearest dwelling, inside the {setback:,.0f} m setback"
            if distance < setback else f"{hub_wind:.1f} m/s at {hub_height_m:g} m"))

        density = 0.0
        if heat_tree is not None:
            near = heat_tree.query(centre.buffer(heat_radius_m), predicate="intersects")
            circle_ha = math.pi * heat_radius_m ** 2 / 10_000.0
            density = float(heat_values[near].sum()) / 1000.0 / circle_ha
        rows.append(Score(parcel.id, "chp", _factor(density, heat_reference_mwh_per_ha), {
            "heat_radius_m": heat_radius_m, "heat_density_mwh_per_ha": round(density, 1)},
            f"{density:,.0f} MWh/(ha a) of heat within {heat_radius_m:g} m"))
    return pd.DataFrame([{"parcel_id": r.parcel_id, "technology": r.technology,
                          "score": round(r.score, 3), "reason": r.reason, "inputs": r.inputs} for r in rows])


def _orientation(parcel, buildings, pv_units, ground: bool, equator: float) -> tuple[float, float, str]:
    """The tilt and azimuth that PV on the parcel would have, and where they come from.

    In order: a PV unit already on the parcel; the roof of its largest building with a known
    tilt and azimuth; a flat roof (racks at 15 degrees facing the equator); ground-mounted
    arrays (30 degrees facing the equator); else 30 degrees facing the equator, said to be
    assumed.
    """
    units = [u for u in pv_units if u.parcel_id == parcel.id]
    if units:
        unit = max(units, key=lambda u: u.peak_kw)
        return float(unit.tilt_deg), float(unit.azimuth_deg), f"PV unit '{unit.display_name}'"
    known = [b for b in buildings if b.roof_tilt_deg is not None and b.roof_azimuth_deg is not None]
    if known:
        roof = max(known, key=lambda b: b.geometry.area)
        return float(roof.roof_tilt_deg), float(roof.roof_azimuth_deg), f"roof of '{roof.display_name}'"
    if any((b.roof_shape or "").lower() == "flat" or b.roof_tilt_deg == 0 for b in buildings):
        return 15.0, equator, "flat roof: racks at 15 deg facing the equator"
    if ground:
        return 30.0, equator, "ground-mounted, facing the equator"
    return 30.0, equator, "roof orientation unknown: 30 deg facing the equator assumed"
