"""Placing a unit where the user clicks: what it would be, from the roof, parcel and neighbours.

The app's placement tools call these; each returns the unit and the lines that say what was
assumed, so the user sees why a roof got 7.5 kWp facing 200 degrees.

PV
    On a building: peak power from the usable roof area (:data:`ROOF_USABLE_SHARE` of the
    footprint of a pitched roof's one face, :data:`FLAT_USABLE_SHARE` of a flat roof); the
    roof's own tilt and azimuth where known (OSM ``roof:angle``, ``roof:direction``); a flat
    roof carries racks at :data:`FLAT_ROOF_TILT_DEG` facing the equator; a pitched roof faces
    the normal of its longest edge (of the footprint's minimum rotated rectangle) on the
    equator's side, at :data:`PITCHED_ROOF_TILT_DEG` unless its angle is known. On open land:
    a ground-mounted array over :data:`GROUND_USABLE_SHARE` of the parcel.
Wind
    A library type with its own hub height; a warning with the distance when a dwelling is
    closer than :data:`SETBACK_TIP_HEIGHTS` times the tip height.
CHP
    Sized to the heat of the consumers within its heat-network radius:
    thermal power = annual heat / :data:`CHP_FULL_LOAD_HOURS`, electrical power from the
    power-to-heat ratio, a store of two hours of thermal power, a peak boiler for the rest.
Every unit goes to its parcel and to the nearest grid bus (within :data:`BUS_SEARCH_M`).
"""

from __future__ import annotations

import math

from shapely.geometry import Point

from planner.generation.pv import MODULE_W_PER_M2
from planner.model import Battery, CHPUnit, Consumer, Project, PVUnit, WindSite, WindTurbine

FLAT_ROOF_TILT_DEG = 15.0
PITCHED_ROOF_TILT_DEG = 35.0
#: Share of the footprint a pitched roof's sunny face offers to modules (one of two faces, less edges).
ROOF_USABLE_SHARE = 0.4
FLAT_USABLE_SHARE = 0.6
GROUND_USABLE_SHARE = 0.4
SETBACK_TIP_HEIGHTS = 3.0
CHP_FULL_LOAD_HOURS = 5000.0
BUS_SEARCH_M = 500.0
DEFAULT_TURBINE = "E-53/800"


def next_id(project: Project, kind: str, stem: str) -> str:
    """The first free id ``stem-1``, ``stem-2``, ... of a kind."""
    taken = project.items(kind)
    n = len(taken) + 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _containing(project: Project, kind: str, point: Point):
    hits = [e for e in project.items(kind).values() if e.geometry is not None and e.geometry.covers(point)]
    return min(hits, key=lambda e: e.geometry.area) if hits else None


def nearest_bus(project: Project, point: Point, within_m: float = BUS_SEARCH_M):
    """The nearest low-voltage grid bus, or None when none is within ``within_m``."""
    buses = [b for b in project.items("bus").values() if b.vn_kv < 1.0 and b.in_service]
    if not buses:
        return None
    bus = min(buses, key=lambda b: b.geometry.distance(point))
    return bus if bus.geometry.distance(point) <= within_m else None


def _equator_azimuth(latitude: float) -> float:
    return 180.0 if latitude >= 0 else 0.0


def roof_orientation(building, latitude: float) -> tuple[float, float, str]:
    """Tilt and azimuth [deg] of a building's roof for PV, and where they come from."""
    equator = _equator_azimuth(latitude)
    flat = (building.roof_shape or "").lower() == "flat" or building.roof_tilt_deg == 0
    if flat:
        return FLAT_ROOF_TILT_DEG, equator, f"flat roof: racks at {FLAT_ROOF_TILT_DEG:g} deg facing the equator"
    tilt = building.roof_tilt_deg if building.roof_tilt_deg is not None else PITCHED_ROOF_TILT_DEG
    tilt_from = "the roof's angle" if building.roof_tilt_deg is not None else f"{PITCHED_ROOF_TILT_DEG:g} deg assumed"
    if building.roof_azimuth_deg is not None:
        return tilt, building.roof_azimuth_deg, f"the roof's direction, {tilt_from}"
    rectangle = building.geometry.minimum_rotated_rectangle
    coords = list(rectangle.exterior.coords)
    edges = [(coords[i], coords[i + 1]) for i in range(4)]
    (x0, y0), (x1, y1) = max(edges, key=lambda e: math.dist(*e))
    along = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0  # compass bearing of the longest edge
    normals = [(along + 90.0) % 360.0, (along + 270.0) % 360.0]
    azimuth = min(normals, key=lambda a: abs(((a - equator) + 180.0) % 360.0 - 180.0))
    return tilt, round(azimuth, 1), f"the face on the equator's side of the longest edge, {tilt_from}"


def _derived(unit, notes: list[str]):
    """The placed object with a ``source`` saying the planner derived it, and how."""
    import dataclasses

    text = "; ".join(n for n in notes if not n.startswith(("connected to", "no grid bus")))
    return dataclasses.replace(unit, source=f"derived: placed by the planner: {text}")


def place_pv(project: Project, point: Point) -> tuple[PVUnit, list[str]]:
    """A PV array where the user clicked: on the roof there, else on the open parcel there."""
    site = project.site
    building = _containing(project, "building", point)
    parcel = _containing(project, "parcel", point)
    notes = []
    if building is not None:
        area = building.geometry.area
        tilt, azimuth, why = roof_orientation(building, site.latitude)
        share = FLAT_USABLE_SHARE if why.startswith("flat") else ROOF_USABLE_SHARE
        peak = max(round(area * share * MODULE_W_PER_M2 / 1000.0 * 2) / 2, 0.5)
        notes.append(f"on the roof of {building.describe()}: {area:,.0f} m2 footprint, {share:.0%} usable, "
                     f"{MODULE_W_PER_M2:g} W/m2: {peak:g} kWp; tilt {tilt:g}, azimuth {azimuth:g} from {why}")
        name, parcel_id = f"Roof {building.display_name}", building.parcel_id or (parcel.id if parcel else None)
        where = building.geometry.representative_point()
    elif parcel is not None:
        area = parcel.geometry.area
        peak = max(round(area * GROUND_USABLE_SHARE * MODULE_W_PER_M2 / 1000.0), 1.0)
        tilt, azimuth = 30.0, _equator_azimuth(site.latitude)
        notes.append(f"ground-mounted on {parcel.describe()}: {area:,.0f} m2, {GROUND_USABLE_SHARE:.0%} used: "
                     f"{peak:g} kWp at 30 deg facing the equator")
        name, parcel_id, where = f"Field {parcel.display_name}", parcel.id, point
    else:
        peak, tilt, azimuth = 10.0, 30.0, _equator_azimuth(site.latitude)
        notes.append("no roof or parcel here: 10 kWp at 30 deg facing the equator, to edit")
        name, parcel_id, where = "PV array", None, point
    bus = nearest_bus(project, where)
    notes.append(f"connected to {bus.describe()}" if bus else f"no grid bus within {BUS_SEARCH_M:g} m")
    unit = PVUnit(id=next_id(project, "pv_unit", "pv"), name=name, geometry=Point(where.x, where.y),
                  parcel_id=parcel_id, bus_id=bus.id if bus else None, peak_kw=peak, tilt_deg=tilt,
                  azimuth_deg=azimuth)
    return _derived(unit, notes), notes


def place_wind(project: Project, point: Point, turbine_type: str = DEFAULT_TURBINE) -> tuple[WindTurbine, list[str]]:
    """A library turbine with its own hub height; a warning when a dwelling is inside the setback."""
    from planner.generation.wind import make_turbine

    probe = WindTurbine(id="probe", turbine_type=turbine_type, hub_height_m=100.0, rated_kw=1.0, geometry=point)
    library = make_turbine(probe)
    hub = _library_hub_height(turbine_type) or 100.0
    rotor = float(library.rotor_diameter or 0.0)
    rated = float(library.nominal_power) / 1000.0
    parcel = _containing(project, "parcel", point)
    bus = nearest_bus(project, point, within_m=2000.0)
    notes = [f"{turbine_type}: {rated:g} kW, hub {hub:g} m, rotor {rotor:g} m (windpowerlib's library)"]
    dwellings = [b.geometry for b in project.items("building").values() if b.use == "residential"] + \
        [c.geometry for c in project.items("consumer").values()]
    if dwellings:
        distance = min(g.distance(point) for g in dwellings)
        setback = SETBACK_TIP_HEIGHTS * (hub + rotor / 2.0)
        if distance < setback:
            notes.append(f"warning: the nearest dwelling is {distance:,.0f} m away, inside the setback of "
                         f"{setback:,.0f} m ({SETBACK_TIP_HEIGHTS:g} tip heights)")
    notes.append(f"connected to {bus.describe()}" if bus else "no grid bus within 2,000 m")
    unit = WindTurbine(id=next_id(project, "wind_turbine", "wind"), name=f"Turbine {turbine_type}", geometry=point,
                       parcel_id=parcel.id if parcel else None, bus_id=bus.id if bus else None,
                       turbine_type=turbine_type, hub_height_m=hub, rated_kw=rated,
                       rotor_diameter_m=rotor or None)
    return _derived(unit, notes), notes


def _library_hub_height(turbine_type: str) -> float | None:
    """The highest hub height windpowerlib's turbine library lists for a type [m] (it lists several)."""
    import csv
    import os

    import windpowerlib

    path = os.path.join(os.path.dirname(windpowerlib.__file__), "oedb", "turbine_data.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("turbine_type") == turbine_type:
                heights = [float(h) for h in str(row.get("hub_height") or "").split(";") if h.strip()]
                return max(heights) if heights else None
    return None


def place_chp(project: Project, point: Point, heat_radius_m: float = 300.0, eta_el: float = 0.33,
              eta_th: float = 0.55) -> tuple[CHPUnit, list[str]]:
    """A CHP sized to the heat within its heat-network radius."""
    near = [c for c in project.items("consumer").values() if c.annual_heat_kwh > 0
            and c.geometry.distance(point) <= heat_radius_m]
    heat = sum(c.annual_heat_kwh for c in near)
    notes = []
    if heat > 0:
        p_th = heat / CHP_FULL_LOAD_HOURS
        p_el = max(round(p_th * eta_el / eta_th, 1), 1.0)
        notes.append(f"{heat / 1000:,.0f} MWh of heat a year within {heat_radius_m:g} m ({len(near)} consumers): "
                     f"{p_th:,.0f} kW thermal for {CHP_FULL_LOAD_HOURS:,.0f} full-load hours, {p_el:g} kW electric")
    else:
        p_th, p_el = 12.3, 5.0
        notes.append(f"no heat demand within {heat_radius_m:g} m: a 5 kW micro CHP, to size once consumers "
                     f"have heat")
    bus = nearest_bus(project, point)
    parcel = _containing(project, "parcel", point)
    unit = CHPUnit(id=next_id(project, "chp_unit", "chp"), name="CHP", geometry=point,
                   parcel_id=parcel.id if parcel else None, bus_id=bus.id if bus else None, p_el_kw=p_el,
                   eta_el=eta_el, eta_th=eta_th, store_kwh=round(2.0 * p_th, 1),
                   boiler_kw=round(max(2.0 * p_th, 10.0), 1), heat_radius_m=heat_radius_m)
    notes.append(f"connected to {bus.describe()}" if bus else f"no grid bus within {BUS_SEARCH_M:g} m")
    return _derived(unit, notes), notes


def place_battery(project: Project, point: Point) -> tuple[Battery, list[str]]:
    """A 10 kWh, 5 kW battery at the nearest bus (a home battery; edit for a community one)."""
    bus = nearest_bus(project, point)
    unit = Battery(id=next_id(project, "battery", "battery"), name="Battery", geometry=point,
                   bus_id=bus.id if bus else None, capacity_kwh=10.0, power_kw=5.0)
    notes = ["10 kWh, 5 kW home battery, to edit"]
    return _derived(unit, notes), notes + (
        [f"connected to {bus.describe()}"] if bus else [f"no grid bus within {BUS_SEARCH_M:g} m"])


def place_consumer(project: Project, point: Point) -> tuple[Consumer, list[str]]:
    """A household (BDEW H0, 3,000 kWh a year) at the nearest bus."""
    bus = nearest_bus(project, point)
    unit = Consumer(id=next_id(project, "consumer", "consumer"), name="Household", geometry=point,
                    bus_id=bus.id if bus else None, profile="H0", annual_kwh=3000.0)
    notes = ["household, BDEW H0, 3,000 kWh a year, to edit"]
    return _derived(unit, notes), notes + (
        [f"connected to {bus.describe()}"] if bus else [f"no grid bus within {BUS_SEARCH_M:g} m"])


#: How far from a click a heat pump or a wallbox looks for the consumer (meter) it belongs to [m].
METER_SEARCH_M = 40.0


def _meter_at(project: Project, point: Point, heat: bool = False):
    """The consumer a device clicked at belongs to: one in the building clicked, else the nearest
    within :data:`METER_SEARCH_M` (with ``heat``, only consumers with a heat demand)."""
    consumers = [c for c in project.items("consumer").values() if c.geometry is not None
                 and (not heat or (c.heat_profile is not None and c.annual_heat_kwh > 0))]
    building = _containing(project, "building", point)
    if building is not None:
        inside = [c for c in consumers if building.geometry.covers(c.geometry)]
        if inside:
            return min(inside, key=lambda c: c.geometry.distance(point))
    near = [c for c in consumers if c.geometry.distance(point) <= METER_SEARCH_M]
    return min(near, key=lambda c: c.geometry.distance(point)) if near else None


def place_heat_pump(project: Project, point: Point):
    """An air-source heat pump for the building clicked (or the nearest consumer with a heat demand),
    sized to its heat load at the bivalence point when the year is run."""
    from planner.model import HeatPump

    consumer = _meter_at(project, point, heat=True)
    if consumer is None:
        from planner import PlannerError

        raise PlannerError(f"no consumer with a heat demand in the building or within {METER_SEARCH_M:g} m: a heat "
                           f"pump heats a consumer's building (give the consumer a heat profile and an annual heat "
                           f"demand in the inspector first)")
    unit = HeatPump(id=next_id(project, "heat_pump", "hp"), name=f"Heat pump of {consumer.name or consumer.id}",
                    consumer_id=consumer.id, geometry=point)
    notes = [f"heats {consumer.describe()} ({consumer.annual_heat_kwh:,.0f} kWh a year)",
             "air source, low-temperature radiators, sized at the bivalence point of -7 degC when run; to edit"]
    return _derived(unit, notes), notes


def place_charging_point(project: Project, point: Point):
    """An 11 kW wallbox for the household clicked (its meter); away from any consumer, a public
    charging point of 4 plugs at the parcel, with a meter (consumer) of its own at the nearest bus."""
    from planner.model import ChargingPoint

    consumer = _meter_at(project, point)
    if consumer is not None:
        unit = ChargingPoint(id=next_id(project, "charging_point", "cp"), name=f"Wallbox of {consumer.name or consumer.id}",
                             consumer_id=consumer.id, geometry=point)
        notes = [f"charges through {consumer.describe()}'s meter", "one car, 11 kW, charging on arrival; to edit"]
        return _derived(unit, notes), notes
    bus = nearest_bus(project, point)
    parcel = _containing(project, "parcel", point)
    meter = Consumer(id=next_id(project, "consumer", "charging"), name="Public charging meter", geometry=point,
                     bus_id=bus.id if bus else None, parcel_id=parcel.id if parcel else None, profile="G0",
                     annual_kwh=0.0)
    unit = ChargingPoint(id=next_id(project, "charging_point", "cp"), name="Public charging point",
                         consumer_id=meter.id, location="work", vehicles=4, geometry=point)
    notes = [f"no consumer within {METER_SEARCH_M:g} m: a public charging point (4 plugs of 11 kW, cars parked by "
             f"day) with a meter of its own", f"connected to {bus.describe()}" if bus else
             f"no grid bus within {BUS_SEARCH_M:g} m"]
    return [_derived(meter, notes), _derived(unit, notes)], notes


def place_wind_site(project: Project, point: Point, max_turbines: int = 1) -> tuple[WindSite, list[str]]:
    """A place for wind turbines the optimiser may build: the nearest bus within 2 km, the
    library's types up to 2,500 kW; a warning when a dwelling is inside the setback of the
    tallest type offered."""
    from planner.generation.wind import DEFAULT_MAX_RATED_KW

    parcel = _containing(project, "parcel", point)
    bus = nearest_bus(project, point, within_m=2000.0)
    notes = [f"planner optimise may build up to {max_turbines} turbine(s) here, of windpowerlib's types up to "
             f"{DEFAULT_MAX_RATED_KW:,.0f} kW (edit the turbine types to choose)"]
    dwellings = [b.geometry for b in project.items("building").values() if b.use == "residential"] + \
        [c.geometry for c in project.items("consumer").values()]
    if dwellings:
        distance = min(g.distance(point) for g in dwellings)
        notes.append(f"the nearest dwelling is {distance:,.0f} m away (a setback of {SETBACK_TIP_HEIGHTS:g} tip "
                     f"heights: about {SETBACK_TIP_HEIGHTS * 100:,.0f} m for a 100 m tip)")
    notes.append(f"connected to {bus.describe()}" if bus else "no grid bus within 2,000 m")
    site = WindSite(id=next_id(project, "wind_site", "wind-site"), name="Wind site", geometry=point,
                    parcel_id=parcel.id if parcel else None, bus_id=bus.id if bus else None,
                    max_turbines=max_turbines)
    return _derived(site, notes), notes


PLACERS = {"pv_unit": place_pv, "wind_turbine": place_wind, "chp_unit": place_chp, "battery": place_battery,
           "consumer": place_consumer, "heat_pump": place_heat_pump, "charging_point": place_charging_point,
           "wind_site": place_wind_site}
