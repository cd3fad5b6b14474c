"""CHP candidates for the sizing programme: heat clusters, and the sizes offered to each with
the electricity, gas and heat ``planner run``'s heat-led rule gives them.

A heat cluster is the set of consumers a new CHP would serve through a local heat network
(:func:`heat_clusters`). Its CHP takes one of :data:`CHP_SIZES_KW` (a binary choice in the
programme): for each size the cluster's heat demand is dispatched by
:func:`planner.generation.chp.dispatch`, the rule ``planner run`` applies (heat-led: full load
from a low to a full store, off below its minimum load, a peak boiler for the rest), so that
the programme's CHP makes what the simulated one makes, step by step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The area of consumers and units without a transformer above them (a project without a grid).
NO_AREA = "community"
#: A heat cluster: the consumers with heat within this distance of its centre [m] (the CHP
#: placement rule's heat network radius), none of them heated already by a CHP or a heat pump.
HEAT_RADIUS_M = 300.0
#: A cluster whose heat is below this [kWh a year] is offered no CHP: a 5 kW micro CHP's heat
#: (12.3 kW thermal, DOMAIN section 6) for 4,000 full-load hours.
MIN_CLUSTER_HEAT_KWH = 50_000.0
#: At most this many heat clusters, the largest by heat.
MAX_HEAT_CLUSTERS = 12
#: A new CHP's efficiencies (LHV) and thermal store: the placement rule's (planner.generation.placement.place_chp).
CHP_ETA_EL = 0.33
CHP_ETA_TH = 0.55
CHP_STORE_HOURS = 2.0
#: The electric sizes a new CHP may take [kW]: the steps of the module ranges makers offer,
#: from micro units to engines of 2 MW (ASUE, BHKW-Kennzahlen 2023, lists units across this range).
CHP_SIZES_KW = (1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 50.0, 70.0, 100.0, 140.0, 200.0, 250.0, 300.0, 400.0,
                530.0, 800.0, 1000.0, 1500.0, 2000.0)


@dataclass(frozen=True)
class HeatCluster:
    """Consumers whose heat a new CHP at ``centre`` with a heat network of ``radius_m`` would serve
    (exactly these: no other heated consumer lies within the radius)."""

    id: str
    area: str
    bus: str | None
    centre: tuple  # (x, y) of the consumer at its centre
    radius_m: float
    consumers: tuple  # consumer ids
    annual_heat_kwh: float
    peak_heat_kw: float
    #: Where its CHP feeds in: its area's station busbar (a CHP for a whole heat network has a
    #: cable of its own to the station), else the centre's bus.
    feed_bus: str | None = None


def heat_clusters(project, heat_kw: pd.DataFrame, area_of: dict, *, radius_m: float = HEAT_RADIUS_M,
                  min_heat_kwh: float = MIN_CLUSTER_HEAT_KWH, most: int = MAX_HEAT_CLUSTERS) -> list[HeatCluster]:
    """Where a new CHP could serve a local heat network: greedy disks over the consumers with heat.

    The consumers with heat that no CHP and no heat pump heats yet are the candidates (a CHP
    never serves a consumer a heat pump heats, so those do not bound a disk). The disk
    of ``radius_m`` around the candidate whose disk holds the most heat is the first cluster;
    the next disks shrink to leave out every consumer already in a cluster or already heated,
    so that a CHP at each centre with its cluster's radius serves exactly its cluster (``planner
    run`` serves every heated consumer within a CHP's radius). Clusters below ``min_heat_kwh``
    a year are left out."""
    from planner.generation.results import heat_served
    from planner.generation.placement import nearest_bus

    step_h = (heat_kw.index[1] - heat_kw.index[0]).total_seconds() / 3600.0 if len(heat_kw.index) > 1 else 1.0
    annual = heat_kw.sum() * step_h
    consumers = {c.id: c for c in project.items("consumer").values() if c.geometry is not None}
    pumped = {hp.consumer_id for hp in project.items("heat_pump").values()}  # a CHP never serves them
    with_heat = [cid for cid in heat_kw.columns if cid in consumers and annual[cid] > 0 and cid not in pumped]
    taken: set = set()
    for unit in project.items("chp_unit").values():
        if unit.geometry is not None:
            taken |= set(heat_served(unit, list(consumers.values()), with_heat))
    free = [cid for cid in with_heat if cid not in taken]
    if not free:
        return []
    from scipy.spatial import cKDTree

    xy = np.array([(consumers[c].geometry.centroid.x, consumers[c].geometry.centroid.y) for c in with_heat])
    heat = annual[with_heat].to_numpy(dtype=float)
    blocked = np.array([cid in taken for cid in with_heat])
    tree = cKDTree(xy)
    pairs = tree.sparse_distance_matrix(tree, radius_m, output_type="ndarray")
    rows, cols, dist = pairs["i"], pairs["j"], pairs["v"]
    out: list[HeatCluster] = []
    while len(out) < most and not blocked.all():
        # each disk stops short of the nearest consumer that is heated or in a cluster already
        reach = np.full(len(xy), radius_m)
        if blocked.any():
            nearest, _ = cKDTree(xy[blocked]).query(xy, k=1)
            reach = np.minimum(reach, nearest - 0.5)
        valid = ~blocked[rows] & ~blocked[cols] & (dist <= reach[rows])
        totals = np.bincount(rows[valid], weights=heat[cols[valid]], minlength=len(xy))
        i = int(np.argmax(totals))
        if totals[i] < min_heat_kwh:
            break
        mine = valid & (rows == i)
        members_ix = cols[mine]
        members = tuple(with_heat[j] for j in members_ix)
        centre = consumers[with_heat[i]]
        bus = centre.bus_id or (getattr(nearest_bus(project, centre.geometry.centroid), "id", None) if area_of
                                else None)
        area = area_of.get(bus, NO_AREA) if bus else NO_AREA
        station = project.items("transformer").get(area)  # an area is named after its first transformer
        out.append(HeatCluster(
            id=f"heat-{len(out) + 1}", area=area, bus=bus, feed_bus=station.lv_bus if station is not None else bus,
            centre=(float(xy[i, 0]), float(xy[i, 1])), radius_m=float(min(dist[mine].max() + 0.25, reach[i])),
            consumers=members, annual_heat_kwh=float(totals[i]),
            peak_heat_kw=float(heat_kw[list(members)].sum(axis=1).max())))
        blocked[members_ix] = True
    return out


@dataclass(frozen=True)
class Option:
    """One size of one cluster's CHP, dispatched heat-led over the programme's steps."""

    cluster: int
    size_kw: float
    el_kw: np.ndarray  # (T,) electricity
    fuel_kwh: float  # the year's gas (weighted steps)
    heat_kwh: float  # the year's heat served (made less dumped)


def cluster_unit(cluster: HeatCluster, p_el_kw: float, *, eta_el: float, eta_th: float, store_hours: float,
                 min_load: float = 0.5, unit_id: str = "chp", bus: str | None = None, source: str | None = None):
    """The CHP unit a cluster gets at ``p_el_kw``: at its centre, its radius as the heat network,
    heat-led, a store of ``store_hours`` of its heat and a peak boiler for the cluster's highest hour."""
    import math

    from shapely.geometry import Point

    from planner.model import CHPUnit

    q_th = p_el_kw * eta_th / eta_el
    return CHPUnit(id=unit_id, name=f"Proposed CHP ({cluster.id})", geometry=Point(*cluster.centre), bus_id=bus,
                   p_el_kw=p_el_kw, eta_el=eta_el, eta_th=eta_th, min_load=min_load,
                   store_kwh=round(store_hours * q_th, 1), boiler_kw=float(math.ceil(cluster.peak_heat_kw)),
                   mode="heat-led", fuel="natural_gas", heat_radius_m=round(cluster.radius_m, 1), source=source)


def options(inputs) -> list[Option]:
    """Every size each cluster may take (its heat at full load not above the cluster's peak), with
    the heat-led dispatch over ``inputs``' steps (typical days run one after the other)."""
    from planner.generation.chp import dispatch

    cached = getattr(inputs, "_chp_options", None)  # the Pareto front solves the same inputs ten times
    if cached is not None:
        return cached
    h = inputs.step_h
    w = inputs.weight
    index = pd.date_range("2001-01-01", periods=inputs.steps, freq=f"{round(h * 60)}min")
    out = []
    for c, cluster in enumerate(inputs.clusters):
        heat = pd.Series(inputs.heat[:, c], index=index)
        peak = float(heat.max())
        for size in inputs.chp_sizes_kw:
            if size * inputs.chp_eta_th / inputs.chp_eta_el > peak + 1e-9:
                break
            unit = cluster_unit(cluster, size, eta_el=inputs.chp_eta_el, eta_th=inputs.chp_eta_th,
                                store_hours=inputs.chp_store_hours, min_load=inputs.chp_min_load)
            d = dispatch(unit, heat)
            el = d.p_el_kw.to_numpy()
            served = (d.q_chp_kw - d.q_dumped_kw).to_numpy()
            out.append(Option(c, float(size), el, float(el @ w * h / inputs.chp_eta_el), float(served @ w * h)))
    inputs._chp_options = out
    return out
