"""The optimiser's inputs from a project: the year's demand and existing generation per
transformer area, PV per kWp for each roof orientation, candidate roofs, prices and costs.

Candidate roofs are the buildings with a consumer in them and no PV unit yet; each takes up to
the peak power of the placement rule (:func:`planner.generation.placement.place_pv`: the usable
share of the footprint, the roof's own orientation). Roofs are grouped by transformer area, bus
and orientation (tilt to :data:`TILT_STEP_DEG`, azimuth to :data:`AZIMUTH_STEP_DEG`; the profile
per kWp of a group is the one at its rounded orientation, said in the result): within a group
every kWp yields and costs the same, so the programme sizes the group and the proposal fills its
roofs, largest first.

The community is one balance (DOMAIN section 1: sharing inside it is free of grid exchange);
each transformer area's exchange with the upstream grid is bounded by its rating. Import is
priced at the members' tariffs weighted by their yearly demand, export at the feed-in price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.economics.costs import BATTERY_INCLUDED_KW_PER_KWH
from planner.grid.areas import bus_areas
from planner.optimise.chp import (CHP_ETA_EL, CHP_ETA_TH, CHP_SIZES_KW, CHP_STORE_HOURS, HEAT_RADIUS_M,
                                  MIN_CLUSTER_HEAT_KWH, NO_AREA, heat_clusters)

TILT_STEP_DEG = 5.0
AZIMUTH_STEP_DEG = 15.0
#: The programme's exchange through a transformer stays within this share of its rating: the
#: power flow adds the grid's losses and the loads' reactive power to the transformer's loading
#: (the layout keeps the same headroom, planner.grid.layout.AREA_HEADROOM)
TRAFO_HEADROOM = 0.95
#: A consumer outside any building footprint gets the placement rule's fallback roof [kWp, deg].
FALLBACK_ROOF_KWP = 10.0
FALLBACK_TILT_DEG = 30.0
#: A consumer with a PV unit this close [m] (or at its bus) has its roof in use.
OWN_PV_M = 15.0
#: A new shared battery's power per kWh of capacity that its kWh price includes [kW/kWh] (the
#: placement rule's 10 kWh, 5 kW); more power is a decision of its own where the catalogue prices
#: it (``battery_power``), up to BATTERY_MAX_POWER_PER_KWH in all.
BATTERY_POWER_PER_KWH = BATTERY_INCLUDED_KW_PER_KWH
#: The most power per kWh a new battery may have [kW/kWh]: stationary lithium-ion batteries are
#: built for up to about two charges an hour (2 C); REopt leaves the ratio to its min/max kW inputs.
BATTERY_MAX_POWER_PER_KWH = 2.0


class OptimiseError(PlannerError):
    """A project or goal the optimiser cannot work on; the message says which and why."""


@dataclass(frozen=True)
class RoofGroup:
    """Candidate roofs of one area, bus and orientation."""

    area: str
    bus: str | None
    tilt_deg: float
    azimuth_deg: float
    roofs: tuple  # ((building or consumer id, max kWp, x, y, parcel id, owner id, bus id), ...), largest first
    max_kwp: float


@dataclass
class Inputs:
    """Everything the programme needs, as arrays over the year's steps (power in kW)."""

    index: pd.DatetimeIndex
    step_h: float
    areas: list[str]
    rating_kw: np.ndarray  # per area, the rating times TRAFO_HEADROOM [kW]; inf where unbounded
    demand_kw: np.ndarray  # (T, A)
    existing_kw: np.ndarray  # (T, A) output of today's units
    orientations: list[tuple[float, float]]
    pv_per_kwp: np.ndarray  # (T, O) AC output of 1 kWp
    groups: list[RoofGroup]
    hosting_kw: dict  # bus id -> extra PV the bus takes [kW]
    buy_eur_per_kwh: np.ndarray  # (T,)
    sell_eur_per_kwh: np.ndarray  # (T,)
    emission_kg_per_kwh: float
    export_limit_kw: float | None
    pv_annual_eur_per_kwp: float  # annuity of capex plus fixed O&M
    pv_capex_eur_per_kwp: float
    battery_annual_eur_per_kwh: float
    battery_capex_eur_per_kwh: float
    battery_round_trip: float = 0.9
    battery_soc_min: float = 0.1
    battery_soc_max: float = 0.9
    battery_power_per_kwh: float = BATTERY_POWER_PER_KWH
    # power beyond battery_power_per_kwh, per kW (None: the catalogue has no battery_power row, no such choice)
    battery_power_capex_eur_per_kw: float | None = None
    battery_power_annual_eur_per_kw: float | None = None
    battery_max_power_per_kwh: float = BATTERY_MAX_POWER_PER_KWH
    existing_battery_kwh: np.ndarray | None = None  # per area, today's batteries (kept)
    existing_battery_kw: np.ndarray | None = None
    sources: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    #: Days each step stands for (1 for the whole year; typical days: the days of their cluster).
    weights: np.ndarray | None = None
    #: Steps of a period whose batteries end where they start (typical days: 24); None: the year.
    period: int | None = None
    #: Heat clusters where a CHP may be built, their heat demand (T, C) [kW] and the terms.
    clusters: list = field(default_factory=list)
    heat_kw: np.ndarray | None = None
    chp_eta_el: float = CHP_ETA_EL
    chp_eta_th: float = CHP_ETA_TH
    chp_store_hours: float = CHP_STORE_HOURS
    chp_min_load: float = 0.5
    #: The electric sizes a cluster's CHP may take [kW] (those whose heat fits its peak).
    chp_sizes_kw: tuple = CHP_SIZES_KW
    #: Drawn wind sites as (site id, area, bus id), and every choice of type and count they
    #: offer (planner.optimise.wind.WindOption, their output over these steps).
    sites: list = field(default_factory=list)
    wind_options: list = field(default_factory=list)
    chp_annual_eur_per_kw: float = 0.0
    chp_capex_eur_per_kw: float = 0.0
    #: The gas a CHP burns and the consumers' boilers would have burnt for its heat [EUR/kWh, LHV].
    gas_eur_per_kwh: float = 0.10
    boiler_efficiency: float = 0.9
    gas_emission_kg_per_kwh: float = 0.202

    @property
    def heat(self) -> np.ndarray:
        """The clusters' heat demand (T, C) [kW] (no columns without clusters)."""
        return self.heat_kw if self.heat_kw is not None else np.zeros((self.steps, 0))

    @property
    def steps(self) -> int:
        return len(self.demand_kw)

    @property
    def weight(self) -> np.ndarray:
        return np.ones(self.steps) if self.weights is None else self.weights


def typical_days(inputs: Inputs, days: int = 16, extreme: bool = True) -> Inputs:
    """The year as ``days`` typical days (k-medoids over the days' demand, today's generation
    and PV per kWp, each column scaled to its largest value), each weighted by the days it
    stands for, plus (``extreme``) each transformer area's day of the highest net demand and of
    the highest feed-in its roofs could make, and the sunniest day, as days of their own
    (weight 1, on top of ``days``), so that the transformer limits meet the year's worst hours. Batteries cycle within each day (they end it where they start)."""
    from scipy.cluster.vq import kmeans2

    per_day = round(24.0 / inputs.step_h)
    n_days = inputs.steps // per_day
    if n_days <= days:
        return inputs
    cut = n_days * per_day
    # each wind site's first choice stands for its wind (every type follows the same wind)
    first = {}
    for o in inputs.wind_options:
        first.setdefault(o.site, o.el_kw)
    wind = np.column_stack(list(first.values()))[:cut] if first else np.zeros((cut, 0))
    blocks = [inputs.demand_kw[:cut], inputs.existing_kw[:cut], inputs.pv_per_kwp[:cut], inputs.heat[:cut], wind]
    features = np.hstack([b.reshape(n_days, per_day * b.shape[1]) for b in blocks if b.shape[1]])
    scale = np.abs(features).max(axis=0)
    features = features / np.where(scale > 0, scale, 1.0)
    chosen: list[int] = []
    if extreme:
        # each area's day of the highest net demand, and of the highest feed-in its roofs could
        # make (every candidate roof at full peak power): the hours its transformer limit binds
        net = inputs.demand_kw[:cut] - inputs.existing_kw[:cut]
        potential = np.zeros_like(net)
        for group in inputs.groups:
            o = inputs.orientations.index((group.tilt_deg, group.azimuth_deg))
            potential[:, inputs.areas.index(group.area)] += group.max_kwp * inputs.pv_per_kwp[:cut, o]
        most: dict = {}  # each wind site's largest choice, step by step
        for o in inputs.wind_options:
            most[o.site] = np.maximum(most.get(o.site, 0.0), o.el_kw[:cut])
        for site, kw in most.items():
            potential[:, inputs.areas.index(inputs.sites[site][1])] += kw
        for j in range(net.shape[1]):
            chosen.append(int(net[:, j].reshape(n_days, per_day).max(axis=1).argmax()))
            feed = (potential[:, j] - net[:, j]).reshape(n_days, per_day).max(axis=1)
            if feed.max() > 0:
                chosen.append(int(feed.argmax()))
        if inputs.pv_per_kwp.shape[1]:
            sun = inputs.pv_per_kwp[:cut].sum(axis=1).reshape(n_days, per_day).sum(axis=1)
            chosen.append(int(sun.argmax()))
        chosen = sorted(set(chosen))
    rest = np.array([d for d in range(n_days) if d not in chosen])
    k = max(1, min(days, len(rest)))
    rng = np.random.default_rng(0)
    centroids, labels = kmeans2(features[rest], k, seed=rng, minit="++")
    picked, weights = [], []
    for c in range(k):
        members = rest[labels == c]
        if not len(members):
            continue
        medoid = members[np.argmin(((features[members] - centroids[c]) ** 2).sum(axis=1))]
        picked.append(int(medoid))
        weights.append(float(len(members)))
    picked += chosen
    weights += [1.0] * len(chosen)
    # the year's remainder (a 365th day past whole days) is spread over the typical days' weights
    weights = np.array(weights) * (inputs.steps / per_day) / n_days
    order = np.argsort(picked)
    picked = [picked[i] for i in order]
    weights = weights[order]
    steps = np.concatenate([np.arange(d * per_day, (d + 1) * per_day) for d in picked])
    import dataclasses

    return dataclasses.replace(
        inputs, index=inputs.index[steps], demand_kw=inputs.demand_kw[steps],
        existing_kw=np.column_stack([_keep_energy(inputs.existing_kw[:, j], steps, np.repeat(weights, per_day))
                                     for j in range(inputs.existing_kw.shape[1])]),
        wind_options=[dataclasses.replace(o, el_kw=_keep_energy(o.el_kw, steps, np.repeat(weights, per_day)))
                      for o in inputs.wind_options],
        pv_per_kwp=inputs.pv_per_kwp[steps], heat_kw=inputs.heat_kw[steps] if inputs.heat_kw is not None else None,
        buy_eur_per_kwh=inputs.buy_eur_per_kwh[steps],
        sell_eur_per_kwh=inputs.sell_eur_per_kwh[steps], weights=np.repeat(weights, per_day), period=per_day,
        notes=list(inputs.notes) + [f"the year as {len(picked)} typical days (k-medoids over demand and sun, "
                                    f"{len(chosen)} extreme days of their own), batteries cycling within each day"
                                    + "; today's units' output (and the wind choices') scaled to their year's "
                                      "energy"])


def _keep_energy(year: np.ndarray, steps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The typical days' steps of ``year``, scaled so that their weighted sum is the year's (as
    tsam rescales its cluster periods), never above the year's highest value: wind does not
    follow the days, and its medoid days missed a tenth of its energy in a test here (the wind
    village's turbine: the same)."""
    out = year[steps].astype(float)
    target, top = float(year.sum()), float(year.max())
    for _ in range(5):
        now = float(out @ weights)
        if now <= 0 or abs(now - target) <= 1e-6 * target:
            break
        out = np.minimum(out * target / now, top)
    return out


def annuity_factor(rate: float, years: int) -> float:
    """Capital recovery factor r / (1 - (1 + r)^-n) (1 / n at r = 0)."""
    if years <= 0:
        raise OptimiseError(f"a lifetime of {years} years cannot be annualised")
    if abs(rate) < 1e-12:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def candidate_roofs(project) -> list[tuple]:
    """(id, where, max kWp, tilt, azimuth, parcel id, owner id, how) of every candidate roof.

    A building with a consumer in it and no PV unit takes the placement rule's peak power; a
    consumer that stands in no building (a project without footprints) and has no PV unit at
    its bus or within :data:`OWN_PV_M` takes the placement rule's fallback, a roof of
    :data:`FALLBACK_ROOF_KWP` kWp at 30 deg facing the equator, and the result says so."""
    import shapely
    from shapely.geometry import Point

    from planner.generation.placement import FLAT_USABLE_SHARE, ROOF_USABLE_SHARE, roof_orientation
    from planner.generation.pv import MODULE_W_PER_M2

    buildings = [b for b in project.items("building").values() if b.geometry is not None and b.geometry.area > 0]
    tree = shapely.STRtree([b.geometry for b in buildings]) if buildings else None
    pv_units = list(project.items("pv_unit").values())
    pv_points = [u.geometry for u in pv_units if u.geometry is not None]
    pv_buses = {u.bus_id for u in pv_units if u.bus_id}

    def hit(point):
        if point is None or tree is None:
            return set()
        return {int(i) for i in tree.query(point, predicate="intersects")}

    consumers = list(project.items("consumer").values())
    in_building = {c.id: hit(c.geometry) for c in consumers}
    with_pv = set().union(set(), *(hit(p) for p in pv_points))
    out = []
    owners: dict[int, str | None] = {}
    for c in consumers:
        for i in in_building[c.id]:
            owners.setdefault(i, c.member_id)
    for i in sorted(set(owners) - with_pv):
        b = buildings[i]
        tilt, azimuth, why = roof_orientation(b, project.site.latitude)
        share = FLAT_USABLE_SHARE if why.startswith("flat") else ROOF_USABLE_SHARE
        kwp = math.floor(b.geometry.area * share * MODULE_W_PER_M2 / 1000.0 * 2) / 2
        if kwp >= 1.0:
            out.append((b.id, b.geometry.representative_point(), kwp, tilt, azimuth, b.parcel_id, owners[i],
                        f"roof of {b.describe()}: {kwp:g} kWp by the placement rule"))
    pv_tree = shapely.STRtree(pv_points) if pv_points else None
    equator = 180.0 if project.site.latitude >= 0 else 0.0
    for c in consumers:
        if in_building[c.id] or c.geometry is None or (c.bus_id and c.bus_id in pv_buses):
            continue
        if pv_tree is not None and len(pv_tree.query(c.geometry, predicate="dwithin", distance=OWN_PV_M)):
            continue
        point = Point(c.geometry.x, c.geometry.y) if c.geometry.geom_type == "Point" else c.geometry.representative_point()
        out.append((c.id, point, FALLBACK_ROOF_KWP, FALLBACK_TILT_DEG, equator, c.parcel_id if hasattr(c, "parcel_id")
                    else None, c.member_id, f"{c.describe()} has no building footprint: a roof of "
                    f"{FALLBACK_ROOF_KWP:g} kWp at {FALLBACK_TILT_DEG:g} deg facing the equator assumed"))
    return out


def gather(project, *, resolution_minutes: int = 60, chp: bool = True, wind: bool = True) -> Inputs:
    """The optimiser's inputs for ``project`` (see the module docstring)."""
    from planner.community.tariffs import member_prices
    from planner.economics.costs import GAS_PRICE_EUR_PER_KWH, load_catalogue
    from planner.economics.indexes import AVOIDED_BOILER_EFFICIENCY, GAS_EMISSION_FACTOR_KG_PER_KWH
    from planner.generation.placement import nearest_bus
    from planner.generation.results import simulate_generation
    from planner.model import PVUnit
    from planner.simulation.stages import export_limit_kw

    if not len(project.items("consumer")):
        raise OptimiseError("the project has no consumers: there is no demand to meet")
    if not len(project.items("tariff")):
        raise OptimiseError("the project has no tariff: add one with its prices (energy, fees, export)")
    area_of, rating = bus_areas(project)
    roofs = candidate_roofs(project)
    groups: dict[tuple, list] = {}
    hosting = {b.id: b.hosting_capacity_kw for b in project.items("bus").values() if b.hosting_capacity_kw is not None}
    consumer_bus = {c.id: c.bus_id for c in project.items("consumer").values()}
    fallback = 0
    for rid, where, kwp, tilt, azimuth, parcel_id, owner, how in roofs:
        bus_id = consumer_bus.get(rid)
        if bus_id is None and area_of:
            bus = nearest_bus(project, where)
            bus_id = bus.id if bus is not None else None
        fallback += rid in consumer_bus
        area = area_of.get(bus_id, NO_AREA) if bus_id is not None else NO_AREA
        key = (area, bus_id if bus_id in hosting else None, round(tilt / TILT_STEP_DEG) * TILT_STEP_DEG,
               (round(azimuth / AZIMUTH_STEP_DEG) * AZIMUTH_STEP_DEG) % 360.0)
        groups.setdefault(key, []).append((rid, kwp, where.x, where.y, parcel_id, owner, bus_id))
    orientations = sorted({(k[2], k[3]) for k in groups})
    # one simulation of the year: today's units, demand, and 1 kWp at each orientation
    scratch = project.snapshot()
    probes = []
    for o, (tilt, azimuth) in enumerate(orientations):
        probe = PVUnit(id=f"__optimise_probe_{o}", peak_kw=1.0, tilt_deg=tilt, azimuth_deg=azimuth)
        scratch.add(probe)
        probes.append(probe.id)
    gen = simulate_generation(scratch, resolution_minutes=resolution_minutes)
    index = gen.consumers_kw.index
    step_h = gen.step_h
    areas = sorted(set(area_of.values()) | {NO_AREA})
    column = {a: j for j, a in enumerate(areas)}

    def area_of_entity(entity) -> str:
        return area_of.get(entity.bus_id, NO_AREA) if entity.bus_id else NO_AREA

    demand = np.zeros((len(index), len(areas)))
    for cid in gen.consumers_kw.columns:
        demand[:, column[area_of_entity(project.get("consumer", cid))]] += gen.consumers_kw[cid].to_numpy()
    existing = np.zeros_like(demand)
    for uid in gen.units_kw.columns:
        if uid in probes:
            continue
        unit = next((project.items(k)[uid] for k in ("pv_unit", "wind_turbine", "chp_unit")
                     if uid in project.items(k)), None)
        existing[:, column[area_of_entity(unit) if unit is not None else NO_AREA]] += gen.units_kw[uid].to_numpy()
    pv = gen.units_kw[probes].to_numpy() if probes else np.zeros((len(index), 0))
    used = [a for a in areas if demand[:, column[a]].any() or existing[:, column[a]].any()
            or any(k[0] == a for k in groups) or a != NO_AREA]
    keep = [column[a] for a in used]
    # prices: the members' own tariffs weighted by their yearly demand
    members = sorted({c.member_id for c in project.items("consumer").values() if c.member_id} or {"__all__"})
    plan = member_prices(project, members, index)
    weights = np.zeros(len(members))
    for c in project.items("consumer").values():
        if c.member_id in members:
            weights[members.index(c.member_id)] += float(gen.consumers_kw[c.id].sum()) if c.id in gen.consumers_kw else 0.0
    if weights.sum() <= 0:
        weights[:] = 1.0
    weights = weights / weights.sum()
    buy = np.asarray(plan.prices.buy, dtype=float) @ weights
    sell = np.asarray(plan.prices.sell, dtype=float) @ weights
    study = project.study
    catalogue = load_catalogue(study.cost_catalogue) if study.cost_catalogue else load_catalogue()
    for tech in ("pv_roof", "battery"):
        if tech not in catalogue.index:
            raise OptimiseError(f"the cost catalogue has no technology '{tech}'")
    no_chp_cost = chp and "chp" not in catalogue.index
    chp = chp and not no_chp_cost
    pv_row, bat_row = catalogue.loc["pv_roof"], catalogue.loc["battery"]

    def annual(row, upkeep=None) -> float:
        """A row's capex a year (with ``upkeep``'s lifetime and upkeep: a battery's power is the battery's)."""
        upkeep = row if upkeep is None else upkeep
        capex = float(row.capex_eur_per_unit)
        return capex * (annuity_factor(study.discount_rate, int(upkeep.lifetime_years))
                        + float(upkeep.opex_share_per_year))

    power_row = catalogue.loc["battery_power"] if "battery_power" in catalogue.index else None

    bat_kwh = np.zeros(len(used))
    bat_kw = np.zeros(len(used))
    for bat in project.items("battery").values():
        a = area_of_entity(bat)
        if a in used:
            bat_kwh[used.index(a)] += bat.capacity_kwh
            bat_kw[used.index(a)] += bat.power_kw
    notes = []
    clusters = heat_clusters(project, gen.heat_kw, area_of) if chp else []
    clusters = [c for c in clusters if c.area in used]
    heat = np.column_stack([gen.heat_kw[list(c.consumers)].sum(axis=1).to_numpy() for c in clusters]) \
        if clusters else None
    chp_row = catalogue.loc["chp"] if chp else None
    if clusters:
        notes.append(f"{len(clusters)} heat cluster(s) offered a CHP of one of {len(CHP_SIZES_KW)} sizes (natural gas, "
                     f"{CHP_ETA_EL:.0%} electrical and {CHP_ETA_TH:.0%} thermal efficiency, a store of "
                     f"{CHP_STORE_HOURS:g} hours of its heat), each dispatched heat-led as planner run does: its heat "
                     f"replaces the consumers' boilers' gas")
    elif no_chp_cost:
        notes.append("no CHP offered: the cost catalogue has no technology 'chp'")
    elif chp:
        notes.append(f"no heat cluster offered a CHP: no {MIN_CLUSTER_HEAT_KWH / 1000:,.0f} MWh of heat a year "
                     f"within {HEAT_RADIUS_M:g} m that a CHP or heat pump does not heat already")
    if fallback:
        notes.append(f"{fallback} consumer(s) stand in no building footprint: each is offered a roof of "
                     f"{FALLBACK_ROOF_KWP:g} kWp at {FALLBACK_TILT_DEG:g} deg facing the equator (the placement "
                     f"rule's fallback); import buildings for their real roofs")
    if not roofs:
        notes.append("no candidate roof: every building with a consumer has PV already (or there are none)")
    if not area_of:
        notes.append("the project has no grid: the community is one balance without transformer limits")
    if project.items("battery"):
        notes.append("today's batteries are kept and dispatched by the programme (their own rule in planner run)")
    ordered = [RoofGroup(k[0], k[1], k[2], k[3], tuple(sorted(v, key=lambda r: -r[1])), float(sum(r[1] for r in v)))
               for k, v in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2], kv[0][3]))]
    sites, wind_options = [], []
    if wind and project.items("wind_site"):
        sites, wind_options, wind_notes = _wind_sites(project, area_of, used, catalogue, resolution_minutes)
        notes.extend(wind_notes)
    return Inputs(
        index=index, step_h=step_h, areas=used,
        rating_kw=np.array([rating.get(a, math.inf) * TRAFO_HEADROOM for a in used], dtype=float),
        demand_kw=demand[:, keep], existing_kw=existing[:, keep], orientations=orientations, pv_per_kwp=pv,
        groups=ordered, hosting_kw=hosting, buy_eur_per_kwh=buy, sell_eur_per_kwh=sell,
        emission_kg_per_kwh=study.grid_emission_factor_kg_per_kwh, export_limit_kw=export_limit_kw(project),
        pv_annual_eur_per_kwp=annual(pv_row), pv_capex_eur_per_kwp=float(pv_row.capex_eur_per_unit),
        battery_annual_eur_per_kwh=annual(bat_row), battery_capex_eur_per_kwh=float(bat_row.capex_eur_per_unit),
        existing_battery_kwh=bat_kwh, existing_battery_kw=bat_kw,
        battery_power_capex_eur_per_kw=float(power_row.capex_eur_per_unit) if power_row is not None else None,
        battery_power_annual_eur_per_kw=annual(power_row, bat_row) if power_row is not None else None,
        sources={"pv": str(pv_row.source), "battery": str(bat_row.source), "weather": gen.weather.name
                 if hasattr(gen.weather, "name") else ""} | ({"chp": str(chp_row.source)} if clusters else {}),
        notes=notes, clusters=clusters, heat_kw=heat, sites=sites, wind_options=wind_options,
        chp_annual_eur_per_kw=annual(chp_row) if chp_row is not None else 0.0,
        chp_capex_eur_per_kw=float(chp_row.capex_eur_per_unit) if chp_row is not None else 0.0,
        gas_eur_per_kwh=GAS_PRICE_EUR_PER_KWH, boiler_efficiency=AVOIDED_BOILER_EFFICIENCY,
        gas_emission_kg_per_kwh=GAS_EMISSION_FACTOR_KG_PER_KWH)


def _wind_sites(project, area_of: dict, areas: list, catalogue, resolution_minutes: int):
    """The drawn wind sites not built yet, as (id, area, bus), their choices and notes."""
    import shapely

    from planner.generation.placement import nearest_bus
    from planner.generation.results import project_weather
    from planner.optimise.wind import BUILT_WITHIN_M, options

    turbines = [t.geometry for t in project.items("wind_turbine").values() if t.geometry is not None]
    tree = shapely.STRtree(turbines) if turbines else None
    sites, rows, notes = [], [], []
    for site in project.items("wind_site").values():
        if site.geometry is None:
            continue
        if tree is not None and len(tree.query(site.geometry, predicate="dwithin", distance=BUILT_WITHIN_M)):
            notes.append(f"{site.describe()} offers nothing: a wind turbine stands within {BUILT_WITHIN_M:g} m")
            continue
        bus_id = site.bus_id
        if bus_id is None and area_of:
            bus = nearest_bus(project, site.geometry, within_m=2000.0)
            bus_id = bus.id if bus is not None else None
        area = area_of.get(bus_id, NO_AREA) if bus_id else NO_AREA
        if area not in areas:  # an area the programme has no column for: the community's own
            area = NO_AREA if NO_AREA in areas else areas[0]
        sites.append(site)
        rows.append((site.id, area, bus_id))
    if not sites:
        return [], [], notes
    weather, meta = project_weather(project, resolution_minutes)
    choices, more = options(project, sites, weather, meta.wind_height_m, catalogue, project.study.discount_rate)
    return rows, choices, notes + more
