"""Wind turbines for the sizing programme: the choices a drawn wind site offers, each with the
output ``planner run`` would give it.

A :class:`~planner.model.WindSite` offers every turbine type it lists (empty: windpowerlib's
types with a power curve up to :data:`DEFAULT_MAX_RATED_KW`) in every count from 1 to its
``max_turbines``. Each choice is simulated as ``planner run`` simulates turbines
(:func:`planner.generation.wind.wind_with_wakes_kw`: the hub wind by windpowerlib from the
project's weather and the parcel's roughness, the density-corrected power curve, and, for
more than one, the Jensen wakes between them from their positions and each step's wind
direction). Several turbines stand in a row across the prevailing wind (the most frequent
wind direction of the weather, in 30 degree sectors), :data:`ROW_SPACING_DIAMETERS` rotor
diameters apart, centred on the site. The programme picks at most one choice per site (binary
variables: the count is an integer).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from planner.generation.wind import DEFAULT_MAX_RATED_KW

#: Turbines of one site stand this many rotor diameters apart, across the prevailing wind.
ROW_SPACING_DIAMETERS = 4.0
#: A site with a wind turbine this close [m] is built already and offers nothing.
BUILT_WITHIN_M = 200.0
#: The hub height taken where the library lists none [m].
FALLBACK_HUB_M = 100.0


@dataclass(frozen=True)
class LibraryType:
    """A windpowerlib turbine type: rated power [kW], rotor diameter and highest hub height [m]."""

    name: str
    rated_kw: float
    rotor_m: float
    hub_m: float | None


@dataclass(frozen=True)
class WindOption:
    """``count`` turbines of ``type_name`` at site ``site`` (an index into the programme's sites)."""

    site: int
    type_name: str
    count: int
    rated_kw: float  # each
    rotor_m: float
    hub_m: float
    points: tuple  # ((x, y), ...) where they stand
    el_kw: np.ndarray  # (T,) their output together, wakes included
    capex_eur: float
    annual_eur: float  # annuity of the capex plus fixed O&M


def library() -> dict[str, LibraryType]:
    """windpowerlib's turbine types with a power curve, with their data (oedb's turbine table)."""
    import os

    import pandas as pd
    import windpowerlib

    from planner.generation.wind import turbine_types

    table = pd.read_csv(os.path.join(os.path.dirname(windpowerlib.__file__), "oedb", "turbine_data.csv"))
    usable = set(turbine_types())
    out = {}
    for row in table.itertuples():
        if row.turbine_type not in usable or row.turbine_type in out:
            continue
        heights = [float(h.replace(",", ".")) for h in re.findall(r"\d+(?:[.,]\d+)?", str(row.hub_height))
                   if str(row.hub_height) != "nan"]
        out[row.turbine_type] = LibraryType(row.turbine_type, float(row.nominal_power) / 1000.0,
                                            float(row.rotor_diameter), max(heights) if heights else None)
    return out


def site_types(site, known: dict[str, LibraryType]) -> list[LibraryType]:
    """The types a site offers; a type the library does not know is an error naming the site."""
    from planner.optimise.inputs import OptimiseError

    if not site.turbine_types or not site.turbine_types.strip():
        return sorted((t for t in known.values() if t.rated_kw <= DEFAULT_MAX_RATED_KW), key=lambda t: t.name)
    names = [n.strip() for n in site.turbine_types.split(";") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        close = sorted(known, key=lambda k: _distance(k, unknown[0]))[:3]
        raise OptimiseError(f"{site.describe()}: turbine type '{unknown[0]}' is not in windpowerlib's library with a "
                            f"power curve (did you mean {', '.join(close)}?)")
    return [known[n] for n in dict.fromkeys(names)]


def _distance(a: str, b: str) -> int:
    """Characters that differ, for the nearest names."""
    import difflib

    return -int(difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() * 1000)


def prevailing_direction(weather) -> float | None:
    """The most frequent wind direction [deg, from], in 30 degree sectors weighted by the cube of
    the wind speed (the energy it carries); None where the weather has no direction."""
    if "wind_direction" not in weather or weather["wind_direction"].isna().all():
        return None
    direction = weather["wind_direction"].to_numpy(dtype=float)
    speed = weather["wind_speed"].to_numpy(dtype=float) if "wind_speed" in weather else np.ones(len(direction))
    ok = np.isfinite(direction) & np.isfinite(speed)
    sector = (np.round(direction[ok] / 30.0).astype(int) % 12)
    energy = np.bincount(sector, weights=speed[ok] ** 3, minlength=12)
    return float(np.argmax(energy) * 30.0)


def row_points(x: float, y: float, count: int, spacing_m: float, direction_deg: float | None) -> tuple:
    """``count`` points ``spacing_m`` apart on a line through (x, y) across ``direction_deg``
    (east-west where there is no direction), centred on (x, y)."""
    across = math.radians((direction_deg if direction_deg is not None else 0.0) + 90.0)
    dx, dy = math.sin(across), math.cos(across)
    offsets = (np.arange(count) - (count - 1) / 2.0) * spacing_m
    return tuple((float(x + o * dx), float(y + o * dy)) for o in offsets)


def options(project, sites: list, weather, wind_height_m: float, catalogue, rate: float) -> tuple[list, list]:
    """(every choice of every site, notes) with the year's output at the weather's steps."""
    from shapely.geometry import Point

    from planner.economics.costs import SMALL_WIND_KW
    from planner.generation.wind import DEFAULT_ROUGHNESS_M, ROUGHNESS_BY_LAND_USE, wind_with_wakes_kw
    from planner.model import WindTurbine
    from planner.optimise.inputs import OptimiseError, annuity_factor

    known = library()
    direction = prevailing_direction(weather)
    notes = []
    out = []
    for s, site in enumerate(sites):
        parcel = project.items("parcel").get(site.parcel_id) if site.parcel_id else None
        z0 = ROUGHNESS_BY_LAND_USE.get(parcel.land_use, DEFAULT_ROUGHNESS_M) if parcel else DEFAULT_ROUGHNESS_M
        for kind in site_types(site, known):
            tech = "wind_small" if kind.rated_kw <= SMALL_WIND_KW else "wind"
            if tech not in catalogue.index:
                raise OptimiseError(f"the cost catalogue has no technology '{tech}' for {site.describe()}")
            row = catalogue.loc[tech]
            hub = site.hub_height_m or kind.hub_m or FALLBACK_HUB_M
            if not site.hub_height_m and not kind.hub_m:
                notes.append(f"{kind.name}: the library lists no hub height, {FALLBACK_HUB_M:g} m taken")
            for count in range(1, site.max_turbines + 1):
                points = row_points(site.geometry.x, site.geometry.y, count, ROW_SPACING_DIAMETERS * kind.rotor_m,
                                    direction)
                units = [WindTurbine(id=f"__site_{s}_{k}", geometry=Point(*p), turbine_type=kind.name, hub_height_m=hub,
                                     rated_kw=kind.rated_kw, rotor_diameter_m=kind.rotor_m) for k, p in enumerate(points)]
                power, _ = wind_with_wakes_kw(units, weather, wind_height_m=wind_height_m, roughness_m=z0)
                capex = float(row.capex_eur_per_unit) * kind.rated_kw * count
                annual = capex * (annuity_factor(rate, int(row.lifetime_years)) + float(row.opex_share_per_year))
                out.append(WindOption(s, kind.name, count, kind.rated_kw, kind.rotor_m, hub, points,
                                      power.sum(axis=1).to_numpy(dtype=float), capex, annual))
    if sites and direction is not None:
        notes.append(f"{len(sites)} wind site(s) offer {len(out)} choice(s) of type and count; turbines of one site "
                     f"stand in a row across the prevailing wind (from {direction:g} deg), "
                     f"{ROW_SPACING_DIAMETERS:g} rotor diameters apart, their wakes computed")
    elif sites:
        notes.append(f"{len(sites)} wind site(s) offer {len(out)} choice(s) of type and count; the weather has no "
                     f"wind direction: turbines of one site stand in an east-west row")
    return out, notes
