"""The optimum as units a planner can build, the Pareto front, and the check by simulation.

:func:`proposed_units` fills each roof group's kWp onto its roofs, largest first (whole half
kWp, at the group's orientation), owned by the member whose consumer stands there, at its bus;
puts each area's new battery at its transformer's low-voltage busbar as a shared community
battery; and each heat cluster's CHP at the cluster's centre with the cluster's radius as its heat
network, feeding its area's station busbar, heat-led, its store the programme's hours of heat and a peak boiler for the cluster's
highest hour. :func:`check` simulates the project with them (``planner run``'s chain, hourly) and
sets the simulated year beside the programme's: the energy bought minus sold at the same
prices, import, self-sufficiency, the grid's worst loading and voltages, and says where they
differ and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.optimise.inputs import NO_AREA, Inputs
from planner.optimise.model import Goals, Optimum, solve

PROPOSED = "derived: proposed by planner optimise"
#: PV is placed in whole steps of this size [kWp]; a battery smaller than MIN_BATTERY_KWH is left out.
KWP_STEP = 0.5
MIN_BATTERY_KWH = 1.0



def proposed_units(project, inputs: Inputs, optimum: Optimum) -> list:
    """PV units and batteries for the optimum (not yet in the project)."""
    from shapely.geometry import Point

    from planner.generation.placement import next_id
    from planner.model import Battery, PVUnit, WindTurbine
    from planner.optimise.chp import cluster_unit

    scratch = project.snapshot()
    out = []
    for group, kwp in zip(inputs.groups, optimum.pv_kwp):
        left = math.floor(float(kwp) / KWP_STEP + 1e-6) * KWP_STEP
        for rid, max_kwp, x, y, parcel_id, owner, bus in group.roofs:
            if left < KWP_STEP:
                break
            size = min(max_kwp, left)
            left -= size
            unit = PVUnit(id=next_id(scratch, "pv_unit", "pv-opt"), name=f"Proposed PV on {rid}", geometry=Point(x, y),
                          parcel_id=parcel_id if parcel_id in project.items("parcel") else None,
                          owner_id=owner if owner in project.items("member") else None, bus_id=bus, peak_kw=size,
                          tilt_deg=group.tilt_deg, azimuth_deg=group.azimuth_deg,
                          source=f"{PROPOSED}: {size:g} kWp on {rid}")
            scratch.add(unit)
            out.append(unit)
    stations = dict(project.items("transformer"))  # an area is named after its first transformer
    for cluster, kw in zip(inputs.clusters, optimum.chp_kw):
        if kw <= 0:
            continue
        # a CHP for a whole heat network feeds its station's busbar (its own cable, not drawn),
        # as the programme assumes: its area's balance, not one feeder's cables
        bus = cluster.feed_bus
        unit = cluster_unit(cluster, float(kw), eta_el=inputs.chp_eta_el, eta_th=inputs.chp_eta_th,
                            store_hours=inputs.chp_store_hours, min_load=inputs.chp_min_load,
                            unit_id=next_id(scratch, "chp_unit", "chp-opt"), bus=bus,
                            source=f"{PROPOSED}: {kw:g} kW electric for heat cluster {cluster.id} "
                                   f"({len(cluster.consumers)} consumers, {cluster.annual_heat_kwh / 1000:,.0f} MWh "
                                   f"of heat a year within {cluster.radius_m:,.0f} m)")
        scratch.add(unit)
        out.append(unit)
    for (site_id, _, bus), option in zip(inputs.sites, optimum.wind or [None] * len(inputs.sites)):
        if option is None:
            continue
        site = project.get("wind_site", site_id)
        for k, (x, y) in enumerate(option.points):
            unit = WindTurbine(id=next_id(scratch, "wind_turbine", "wind-opt"),
                               name=f"Proposed {option.type_name} ({site.display_name}{f' {k + 1}' if option.count > 1 else ''})",
                               geometry=Point(x, y), parcel_id=site.parcel_id, owner_id=site.owner_id, bus_id=bus,
                               turbine_type=option.type_name, hub_height_m=option.hub_m, rated_kw=option.rated_kw,
                               rotor_diameter_m=option.rotor_m,
                               source=f"{PROPOSED}: {option.count} x {option.type_name} at wind site {site_id}")
            scratch.add(unit)
            out.append(unit)
    power = optimum.battery_kw if len(optimum.battery_kw) else optimum.battery_kwh * inputs.battery_power_per_kwh
    for area, kwh, kw in zip(inputs.areas, optimum.battery_kwh, power):
        if kwh < MIN_BATTERY_KWH:
            continue
        kwh = round(float(kwh), 1)
        kw = round(max(float(kw), kwh * inputs.battery_power_per_kwh), 1)
        if area != NO_AREA and area in stations:
            trafo = stations[area]
            bus = trafo.lv_bus
            where = project.get("bus", bus).geometry
        else:
            bus = None
            points = [c.geometry.centroid for c in project.items("consumer").values() if c.geometry is not None]
            where = Point(np.mean([p.x for p in points]), np.mean([p.y for p in points])) if points else None
        unit = Battery(id=next_id(scratch, "battery", "battery-opt"), name=f"Proposed community battery ({area})",
                       geometry=where, bus_id=bus, capacity_kwh=kwh,
                       power_kw=kw, round_trip_efficiency=inputs.battery_round_trip,
                       soc_min=inputs.battery_soc_min, soc_max=inputs.battery_soc_max, shared=True,
                       source=f"{PROPOSED}: {kwh:g} kWh, {kw:g} kW for transformer area {area}")
        scratch.add(unit)
        out.append(unit)
    return out


def pareto(inputs: Inputs, goals: Goals | None = None, points: int = 10) -> list[Optimum]:
    """Cost against CO2 by the epsilon-constraint method: the cheapest plan, the least-CO2 plan,
    and the cheapest plan under CO2 caps evenly between them (``points`` in all). With one grid
    emission factor the import's CO2 and the self-sufficiency move together, so the same points
    are the cost-against-self-sufficiency front."""
    from dataclasses import replace

    goals = goals or Goals()
    cheapest = solve(inputs, replace(goals, goal="cost", co2_cap_t=None))
    cleanest = solve(inputs, replace(goals, goal="co2", co2_cap_t=None))
    hi, lo = cheapest.co2_t, cleanest.co2_t
    front = [cheapest]
    for k in range(1, points - 1):
        cap = hi - (hi - lo) * k / (points - 1)
        front.append(solve(inputs, replace(goals, goal="cost", co2_cap_t=cap)))
    front.append(cleanest)
    return front


def pareto_self_sufficiency(inputs: Inputs, goals: Goals | None = None, points: int = 10) -> list[Optimum] | None:
    """Cost against self-sufficiency by the epsilon-constraint method: the cheapest plan, then the
    cheapest under minimum self-sufficiencies evenly up to the most the grid's limits and the
    roofs allow (``points`` in all). None where it is the CO2 front (:func:`pareto`) already: the
    CO2 is then the import's alone, and a cap on it is a minimum self-sufficiency. A CHP to
    choose breaks that: its gas adds CO2 while its electricity raises the self-sufficiency."""
    from dataclasses import replace

    from planner.optimise.model import _best

    if not inputs.clusters:
        return None
    goals = replace(goals or Goals(), goal="cost", co2_cap_t=None, min_self_sufficiency=None)
    cheapest = solve(inputs, goals)
    demand = float(inputs.demand_kw.sum(axis=1) @ inputs.weight)
    best = _best(inputs, goals)
    most = 1.0 - best[0] / demand if best is not None and demand > 0 else cheapest.self_sufficiency
    lo = cheapest.self_sufficiency
    hi = max(lo, most - 1e-6)  # the very most, less the solver's tolerance
    front = [cheapest]
    for k in range(1, points):
        front.append(solve(inputs, replace(goals, min_self_sufficiency=lo + (hi - lo) * k / (points - 1))))
    return front


@dataclass
class Check:
    """The programme's year beside the simulated one."""

    rows: list  # (figure, optimiser, simulated, difference, why)
    grid: dict

    def as_dict(self) -> dict:
        return {"figures": [{"figure": r[0], "optimiser": r[1], "simulated": r[2], "difference": r[3], "why": r[4]}
                            for r in self.rows], "grid": self.grid}


def check(project, inputs: Inputs, optimum: Optimum, units=()) -> Check:
    """Simulate ``project`` (with the proposed ``units`` in it) and compare with ``optimum``."""
    from planner.simulation.run import simulate

    result = simulate(project, resolution_minutes=60, details=True)
    b = result.balance
    net = (b.load - b.generation).sum(axis=1)  # kWh per step
    imp, exp = np.maximum(net, 0.0), np.maximum(-net, 0.0)
    if inputs.period is None:  # the programme's own year and prices
        buy, sell = inputs.buy_eur_per_kwh, inputs.sell_eur_per_kwh
    else:  # typical days: the same prices over the whole simulated year
        buy, sell = _year_prices(project, result)
    n = min(len(imp), len(buy))
    energy = float((buy[:n] * imp[:n]).sum() - (sell[:n] * exp[:n]).sum())
    demand = float(b.load.sum()) - float(result.battery_kw.clip(lower=0).sum().sum() * result.step_h)
    heat_cost = _heat_cost([u for u in units if u.KIND == "chp_unit"], result, inputs)
    sim_cost = optimum.annualised_capex_eur + energy + heat_cost
    why_energy = ("typical days stand for the year in the programme; " if inputs.period else "") + (
        "planner run dispatches each battery by its rule (charge from surplus, discharge into deficit) on the "
        "whole community's balance, the programme optimally on its transformer area's")
    rows = [
        ("cost_eur_per_year", optimum.cost_eur_per_year, sim_cost, _rel(sim_cost, optimum.cost_eur_per_year),
         "the annualised capex is the same; the energy cost differs as below"),
    ]
    rows += [
        ("energy_cost_eur", optimum.energy_cost_eur, energy, _rel(energy, optimum.energy_cost_eur), why_energy),
    ]
    if len(optimum.chp_kw):
        rows.append(("heat_cost_eur", optimum.heat_cost_eur, heat_cost, _rel(heat_cost, optimum.heat_cost_eur),
                     "the programme gives each CHP size the heat-led dispatch planner run gives it, over its own "
                     "steps" + (" (the typical days one after the other, the store carried from day to day)"
                                if inputs.period else "")))
    rows += [
        ("import_kwh", optimum.import_kwh, float(imp.sum()), _rel(float(imp.sum()), optimum.import_kwh), why_energy),
        ("self_sufficiency", optimum.self_sufficiency, 1.0 - float(imp.sum()) / demand if demand > 0 else float("nan"),
         None, why_energy),
    ]
    grid = {}
    if result.grid:
        summary = result.grid
        grid = {k: summary.get(k) for k in ("max_trafo_loading_percent", "max_line_loading_percent", "min_vm_pu",
                                            "max_vm_pu", "losses_kwh") if k in summary}
        grid["trafo_limit_held"] = (summary.get("max_trafo_loading_percent") or 0.0) <= 100.0 + 1e-6
        grid["area_max_loading_percent"] = area_loading(project, result)
        grid["voltage_band_held"] = bool(summary.get("min_vm_pu") is None or (
            summary["min_vm_pu"] >= 0.9 - 1e-9 and summary["max_vm_pu"] <= 1.1 + 1e-9))
        grid["why"] = ("the programme bounds each transformer's active power at its rating; the power flow adds "
                       "losses and reactive power and checks the cables and voltages the programme does not model")
    return Check(rows, grid)


def _heat_cost(units, result, inputs: Inputs) -> float:
    """The simulated year's gas of the proposed CHPs less the boilers' gas their heat saved, at the
    programme's prices (the peak boiler stands in for the consumers' own boilers, as in the programme)."""
    gen = result.generation
    fuel = heat = 0.0
    for unit in units:
        d = gen.chp.get(unit.id) if gen.chp else None
        if d is None:
            continue
        fuel += d.fuel_chp_kwh
        heat += float((d.q_chp_kw - d.q_dumped_kw).sum() * d.step_h)
    return inputs.gas_eur_per_kwh * (fuel - heat / inputs.boiler_efficiency)


def _year_prices(project, result):
    from planner.community.tariffs import member_prices

    members = sorted({c.member_id for c in project.items("consumer").values() if c.member_id} or {"__all__"})
    plan = member_prices(project, members, result.generation.consumers_kw.index)
    weights = np.array([sum(float(result.generation.consumers_kw[c.id].sum()) for c in project.items("consumer").values()
                            if c.member_id == m and c.id in result.generation.consumers_kw) for m in members])
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(members), 1.0 / len(members))
    return np.asarray(plan.prices.buy, float) @ weights, np.asarray(plan.prices.sell, float) @ weights


def _rel(simulated: float, optimised: float) -> float | None:
    if not math.isfinite(optimised) or abs(optimised) < 1e-9:
        return None
    return (simulated - optimised) / abs(optimised)


def area_loading(project, result) -> dict:
    """{transformer area: the highest loading of its transformers over the simulated year [%]}."""
    from planner.grid.areas import bus_areas

    if result.trafo_loading is None or not len(result.trafo_loading.columns):
        return {}
    area_of, _ = bus_areas(project)
    peaks = result.trafo_loading.max()
    out: dict[str, float] = {}
    for trafo in project.items("transformer").values():
        if trafo.id in peaks.index and trafo.lv_bus in area_of:
            area = area_of[trafo.lv_bus]
            out[area] = max(out.get(area, 0.0), float(peaks[trafo.id]))
    return out


def optimise_checked(project, inputs: Inputs, goals: Goals, *, year: Inputs | None = None, rounds: int = 3,
                     time_limit_s: float = 600.0, progress=None):
    """Solve, place the units, simulate the year; where a transformer is loaded over 100 % in the
    simulated year (hours the typical days left out, losses, reactive power), lower that area's
    limit in the programme by the excess and solve again (at most ``rounds`` times).

    Returns (optimum, units, check, notes); the project is not changed."""
    import dataclasses

    say = progress or (lambda text: None)
    notes = []
    inputs = dataclasses.replace(inputs, rating_kw=inputs.rating_kw.copy())
    for r in range(rounds):
        optimum = solve(inputs, goals, time_limit_s=time_limit_s)
        units = proposed_units(project, inputs, optimum)
        trial = project.snapshot()
        for unit in units:
            trial.add(unit)
        say(f"simulating the year with the {len(units)} proposed unit(s) (round {r + 1})")
        result = check(trial, year if year is not None else inputs, optimum, units)
        over = {a: x for a, x in result.grid.get("area_max_loading_percent", {}).items() if x > 100.0 + 1e-6}
        if not over or r == rounds - 1:
            if over:
                notes.append(f"after {rounds} rounds the simulated year still loads {', '.join(over)} over 100 %")
            return optimum, units, result, notes
        for area, loading in over.items():
            j = inputs.areas.index(area)
            inputs.rating_kw[j] *= 100.0 / loading * 0.99
            notes.append(f"the simulated year loaded {area} to {loading:.1f} %: its limit in the programme lowered to "
                         f"{inputs.rating_kw[j]:,.0f} kW and solved again")
    raise AssertionError("unreachable")
