"""The sizing programme: a (mixed-integer) linear programme over the year, built with linopy,
solved by HiGHS.

Decision variables: kWp of PV per roof group ``pv[g]`` (at most its roofs' peak power), new
shared battery capacity per transformer area ``battery[a]`` [kWh] and its power beyond 0.5 kW
per kWh ``battery_kw[a]`` [kW] (continuous), a CHP size per heat cluster and turbines per wind
site (binary choices); per step
and area the battery's charge, discharge and state of charge, curtailment and the exchange
with the upstream grid through the area's transformer ``flow[t, a]`` (import positive); per
step the community's import and export. With h the step [h], eta = sqrt(round-trip):

* balance: PV(t, a) + existing(t, a) - curtailed + discharge - charge + flow = demand(t, a),
  PV(t, a) = sum over the area's groups of pv[g] * yield per kWp of its orientation at t;
* the community: import(t) - export(t) = sum_a flow(t, a); export(t) <= the export limit;
* the transformer: -rating_a <= flow(t, a) <= rating_a (loading at most 100 %, cos phi 1);
* battery: soc(t) = soc(t-1) + eta charge h - discharge h / eta, starting at soc_min;
  soc_min E <= soc <= soc_max E, charge and discharge <= P = power per kWh * E + ``battery_kw[a]``
  (plus today's): the power the kWh price includes (0.5 kW per kWh) and, where the catalogue
  prices it (``battery_power``), more bought per kW, P <= 2 kW per kWh;
  charged only from generation and discharged only into demand, as ``planner run`` dispatches
  batteries (no arbitrage with the grid: a battery that would pay by trading is not proposed);
* hosting capacity: the PV, CHP and turbines added at a bus <= its hosting capacity (where the
  project has one);
* turbines at a drawn wind site: one type in one count or none (binary), each choice's output
  simulated as planner run simulates it (:mod:`planner.optimise.wind`);
* a CHP per heat cluster (:mod:`planner.optimise.chp`): one of its sizes or none (binary), each
  size's electricity, gas and heat served by the heat-led rule planner run dispatches it with
  (minimum load, store, peak boiler), its electricity in its area's balance;
* options: import <= (1 - minimum self-sufficiency) * demand over the year; CO2 (the import's,
  and the new CHPs' gas less the boilers' gas their heat saves) <= a CO2 cap; capex <= a budget.

Objective (``goal="cost"``): the community's annualised cost, sum_g pv[g] * (annuity + O&M) +
sum_a (battery[a] and battery_kw[a]) * (annuity + O&M) + the CHPs' and turbines' picked
(annuity + O&M) + sum_t h (buy(t) import(t) - sell(t) export(t)) + gas price * (the CHPs' fuel -
their heat served / the boilers' efficiency).
``goal="co2"`` minimises the emissions (the import's and the CHPs' net gas), the cost breaking ties.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from planner.optimise.chp import options as chp_options
from planner.optimise.inputs import Inputs, OptimiseError
from planner.optimise.solver import (FIRST_ORDER_GAP, FIRST_ORDER_NOTE, first_order_suits, quiet,  # noqa: F401
                                     run, run_first_order)  # (GAP: said here)

#: Objective weight of the cost when the goal is CO2 (a tie-breaker, per EUR against kg).
TIE_BREAK = 1e-6


@dataclass(frozen=True)
class Goals:
    """What the optimum must meet besides being cheapest (None: no such constraint)."""

    goal: str = "cost"  # or "co2"
    min_self_sufficiency: float | None = None  # share of demand not imported, 0..1
    co2_cap_t: float | None = None  # emissions of the year's import [t]
    budget_eur: float | None = None  # capex of what is added

    def check(self) -> None:
        if self.goal not in ("cost", "co2"):
            raise OptimiseError(f"the goal must be 'cost' or 'co2', not {self.goal!r}")
        if self.min_self_sufficiency is not None and not 0.0 <= self.min_self_sufficiency <= 1.0:
            raise OptimiseError(f"the minimum self-sufficiency must be a share from 0 to 1, got "
                                f"{self.min_self_sufficiency!r}")
        for name, label in (("co2_cap_t", "the CO2 cap [t]"), ("budget_eur", "the budget [EUR]")):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise OptimiseError(f"{label} must be a number of at least 0, got {value!r}")


@dataclass
class Optimum:
    """The programme's answer: sizes, the year's figures and how the solve went."""

    pv_kwp: np.ndarray  # per roof group
    battery_kwh: np.ndarray  # new, per area
    cost_eur_per_year: float
    capex_eur: float
    annualised_capex_eur: float  # annuities and fixed O&M of what is added
    energy_cost_eur: float  # import bought minus export sold over the year
    import_kwh: float
    export_kwh: float
    demand_kwh: float
    generation_kwh: float  # PV added and today's units, before curtailment
    curtailed_kwh: float
    co2_t: float
    self_sufficiency: float
    max_flow_share: np.ndarray  # per area: the largest |flow| over its rating
    flow_kw: np.ndarray  # (T, A)
    status: str
    solve_s: float
    build_s: float
    variables: int
    constraints: int
    gap: float
    notes: list = field(default_factory=list)
    chp_kw: np.ndarray = field(default_factory=lambda: np.zeros(0))  # new, electric, per heat cluster
    chp_fuel_kwh: float = 0.0  # gas the new CHPs burn [kWh, LHV]
    chp_heat_kwh: float = 0.0  # their heat used, in place of the consumers' boilers
    heat_cost_eur: float = 0.0  # their gas less the boilers' gas their heat saves
    wind: list = field(default_factory=list)  # per wind site: the WindOption picked, or None
    battery_kw: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the new batteries' power, per area

    @property
    def wind_kw(self) -> float:
        """Rated power of the turbines picked [kW]."""
        return float(sum(o.rated_kw * o.count for o in self.wind if o is not None))

    def as_dict(self) -> dict:
        return {"cost_eur_per_year": self.cost_eur_per_year, "capex_eur": self.capex_eur,
                "annualised_capex_eur": self.annualised_capex_eur, "energy_cost_eur": self.energy_cost_eur,
                "import_kwh": self.import_kwh, "export_kwh": self.export_kwh, "demand_kwh": self.demand_kwh,
                "generation_kwh": self.generation_kwh, "curtailed_kwh": self.curtailed_kwh, "co2_t": self.co2_t,
                "self_sufficiency": self.self_sufficiency, "pv_kwp": float(self.pv_kwp.sum()),
                "battery_kwh": float(self.battery_kwh.sum()), "battery_kw": float(self.battery_kw.sum()),
                "chp_kw": float(self.chp_kw.sum()),
                "chp_fuel_kwh": self.chp_fuel_kwh, "chp_heat_kwh": self.chp_heat_kwh,
                "heat_cost_eur": self.heat_cost_eur, "wind_kw": self.wind_kw,
                "wind_turbines": int(sum(o.count for o in self.wind if o is not None)), "status": self.status,
                "solve_s": round(self.solve_s, 3), "build_s": round(self.build_s, 3), "variables": self.variables,
                "constraints": self.constraints, "gap": self.gap, "notes": self.notes}


def _group_matrix(inputs: Inputs) -> np.ndarray:
    """(G, A, O) indicator: group g lies in area a and faces orientation o."""
    area = {a: j for j, a in enumerate(inputs.areas)}
    orient = {o: k for k, o in enumerate(inputs.orientations)}
    out = np.zeros((len(inputs.groups), len(inputs.areas), len(inputs.orientations)))
    for g, group in enumerate(inputs.groups):
        out[g, area[group.area], orient[(group.tilt_deg, group.azimuth_deg)]] = 1.0
    return out


def _choices(m, v, inputs: Inputs, name: str, options: list, group: list, area: list):
    """Binary ``{name}_pick`` per option, at most one per group, and ``{name}_el`` (time, area):
    the output of the options picked in each area (each option's ``el_kw`` over the steps)."""
    import xarray as xr

    T, A = inputs.steps, len(inputs.areas)
    pick = m.add_variables(binary=True, coords=[np.arange(len(options))], dims=["option"], name=f"{name}_pick")
    for g in sorted(set(group)):
        mine = [j for j, k in enumerate(group) if k == g]
        m.add_constraints(pick.isel(option=mine).sum() <= 1, name=f"one_{name}_{g}")
    upper = np.zeros(A)
    for a in area:
        upper[inputs.areas.index(a)] = np.inf
    out = m.add_variables(lower=0.0, upper=xr.DataArray(upper, dims="area"), coords=[np.arange(T), np.arange(A)],
                          dims=["time", "area"], name=f"{name}_el")
    for j in np.flatnonzero(np.isinf(upper)):
        mine = [k for k, a in enumerate(area) if a == inputs.areas[j]]
        profile = xr.DataArray(np.column_stack([options[k].el_kw for k in mine]), dims=["time", "option"])
        m.add_constraints(out.isel(area=int(j)) - (pick.isel(option=mine) * profile).sum("option") == 0,
                          name=f"{name}_el_{j}")
    v[f"{name}_pick"], v[f"{name}_el"] = pick, out
    return out


def _store(m, inputs: Inputs, soc, step, name: str) -> None:
    """soc(t) = soc(t-1) + step(t): typical days cycle within each day, the year starts empty."""
    import xarray as xr

    T = inputs.steps
    if inputs.period:  # typical days: each day's first step follows its own last one
        prev = np.arange(T) - 1
        prev[::inputs.period] += inputs.period
        previous = soc.isel(time=xr.DataArray(prev, dims="time")).assign_coords(time=np.arange(T))
        m.add_constraints(soc - previous - step == 0, name=f"{name}_step")
        return
    if T > 1:
        later = {"time": slice(1, None)}
        previous = soc.isel(time=slice(None, -1)).assign_coords(time=np.arange(1, T))
        m.add_constraints(soc.isel(later) - previous - step.isel(later) == 0, name=f"{name}_step")
    first = {"time": 0}
    m.add_constraints(soc.isel(first) - step.isel(first) == 0, name=f"{name}_start")


def build(inputs: Inputs, goals: Goals, *, extra=None):
    """The linopy model of ``inputs`` under ``goals`` (``extra(model, v)`` adds constraints)."""
    import linopy
    import xarray as xr

    T, A, G, O = inputs.steps, len(inputs.areas), len(inputs.groups), len(inputs.orientations)
    h = inputs.step_h
    coords_t = [np.arange(T)]
    coords_ta = [np.arange(T), np.arange(A)]
    m = linopy.Model()
    v = {}
    g_max = np.array([g.max_kwp for g in inputs.groups], dtype=float)
    v["pv"] = m.add_variables(lower=0.0, upper=xr.DataArray(g_max, dims="group"), coords=[np.arange(G)],
                              dims=["group"], name="pv") if G else None
    v["battery"] = m.add_variables(lower=0.0, coords=[np.arange(A)], dims=["area"], name="battery")
    dims_ta = ["time", "area"]
    rating = np.where(np.isfinite(inputs.rating_kw), inputs.rating_kw, np.inf)
    v["flow"] = m.add_variables(lower=xr.DataArray(-rating, dims="area"), upper=xr.DataArray(rating, dims="area"),
                                coords=coords_ta, dims=dims_ta, name="flow")
    v["charge"] = m.add_variables(lower=0.0, coords=coords_ta, dims=dims_ta, name="charge")
    # batteries as planner run dispatches them: discharged only into demand (a bound), charged only
    # from generation (below)
    v["discharge"] = m.add_variables(lower=0.0, upper=xr.DataArray(inputs.demand_kw, dims=dims_ta), coords=coords_ta,
                                     dims=dims_ta, name="discharge")
    v["soc"] = m.add_variables(lower=0.0, coords=coords_ta, dims=dims_ta, name="soc")
    v["curtailed"] = m.add_variables(lower=0.0, coords=coords_ta, dims=dims_ta, name="curtailed")
    v["import"] = m.add_variables(lower=0.0, coords=coords_t, dims=["time"], name="import")
    export_upper = inputs.export_limit_kw if inputs.export_limit_kw is not None else np.inf
    v["export"] = m.add_variables(lower=0.0, upper=export_upper, coords=coords_t, dims=["time"], name="export")
    demand = xr.DataArray(inputs.demand_kw, dims=dims_ta)
    existing = xr.DataArray(inputs.existing_kw, dims=dims_ta)
    made = []  # what the new units make per step and area
    if G:
        # PV per area and orientation (a few variables), then its output per step
        v["pv_ao"] = m.add_variables(lower=0.0, coords=[np.arange(A), np.arange(O)], dims=["area", "orient"],
                                     name="pv_ao")
        S = xr.DataArray(_group_matrix(inputs), dims=["group", "area", "orient"])
        m.add_constraints(v["pv_ao"] == (v["pv"] * S).sum("group"), name="pv_ao_sum")
        yield_ = xr.DataArray(inputs.pv_per_kwp, dims=["time", "orient"])
        made.append((v["pv_ao"] * yield_).sum("orient"))
    opts = chp_options(inputs) if inputs.clusters else []
    J = len(opts)
    if J:
        # a CHP per heat cluster, one of its sizes or none (binary): its electricity is the
        # heat-led dispatch planner run gives that size, its gas and heat served are fixed by it
        made.append(_choices(m, v, inputs, "chp", opts, [o.cluster for o in opts],
                             [inputs.clusters[o.cluster].area for o in opts]))
    wind = inputs.wind_options
    if wind:
        # turbines at a drawn site: one type in one count, or none (binary: an integer count),
        # their output with the wakes between them as planner run computes it
        made.append(_choices(m, v, inputs, "wind", wind, [o.site for o in wind],
                             [inputs.sites[o.site][1] for o in wind]))
    if made:
        new = made[0]
        for more in made[1:]:
            new = new + more
        m.add_constraints(v["charge"] + v["curtailed"] - new <= existing, name="charge_and_curtail_from_generation")
        m.add_constraints(new + v["discharge"] - v["charge"] - v["curtailed"] + v["flow"] == demand - existing,
                          name="balance")
    else:
        m.add_constraints(v["charge"] + v["curtailed"] <= existing, name="charge_and_curtail_from_generation")
        m.add_constraints(v["discharge"] - v["charge"] - v["curtailed"] + v["flow"] == demand - existing,
                          name="balance")
    m.add_constraints(v["import"] - v["export"] - v["flow"].sum("area") == 0.0, name="community")
    # batteries: today's kept, new ones added per area
    eta = math.sqrt(inputs.battery_round_trip)
    old_kwh = xr.DataArray(inputs.existing_battery_kwh if inputs.existing_battery_kwh is not None else np.zeros(A),
                           dims="area")
    old_kw = xr.DataArray(inputs.existing_battery_kw if inputs.existing_battery_kw is not None else np.zeros(A),
                          dims="area")
    energy = v["battery"] + old_kwh
    power = inputs.battery_power_per_kwh * v["battery"] + old_kw
    if inputs.battery_power_annual_eur_per_kw is not None:
        # power beyond what the kWh price includes, bought per kW (REopt's kW and kWh apart), up to
        # the most power per kWh a battery is built for
        v["battery_kw"] = m.add_variables(lower=0.0, coords=[np.arange(A)], dims=["area"], name="battery_kw")
        power = power + v["battery_kw"]
        room = max(inputs.battery_max_power_per_kwh - inputs.battery_power_per_kwh, 0.0)
        m.add_constraints(v["battery_kw"] - room * v["battery"] <= 0, name="battery_kw_max")
    m.add_constraints(v["charge"] - power <= 0, name="charge_power")
    m.add_constraints(v["discharge"] - power <= 0, name="discharge_power")
    # soc: the energy stored above the minimum state of charge (the year starts there)
    m.add_constraints(v["soc"] - (inputs.battery_soc_max - inputs.battery_soc_min) * energy <= 0, name="soc_max")
    _store(m, inputs, v["soc"], eta * h * v["charge"] - h / eta * v["discharge"], "soc")
    # hosting capacity per bus
    if inputs.hosting_kw:
        # what is added at a bus, PV, CHP and turbines together, within its hosting capacity
        chp_bus = [inputs.clusters[o.cluster].feed_bus for o in opts]
        wind_bus = [inputs.sites[o.site][2] for o in wind]
        buses = sorted({g.bus for g in inputs.groups} | set(chp_bus) | set(wind_bus))
        for k, bus in enumerate(b for b in buses if b in inputs.hosting_kw):
            terms = []
            members = [i for i, g in enumerate(inputs.groups) if g.bus == bus]
            if members:
                terms.append(v["pv"].isel(group=members).sum())
            for name, at, rated in (("chp", chp_bus, [o.size_kw for o in opts]),
                                    ("wind", wind_bus, [o.rated_kw * o.count for o in wind])):
                mine = [j for j, b in enumerate(at) if b == bus]
                if mine:
                    terms.append((v[f"{name}_pick"].isel(option=mine)
                                  * xr.DataArray([rated[j] for j in mine], dims="option")).sum())
            if terms:
                total = terms[0]
                for more in terms[1:]:
                    total = total + more
                m.add_constraints(total <= inputs.hosting_kw[bus], name=f"hosting_{k}")
    # the year's figures as expressions
    buy = xr.DataArray(inputs.buy_eur_per_kwh, dims="time")
    sell = xr.DataArray(inputs.sell_eur_per_kwh, dims="time")
    e = {"chp_options": opts}
    w = xr.DataArray(inputs.weight, dims="time")
    e["energy_cost"] = (h * w * buy * v["import"]).sum() - (h * w * sell * v["export"]).sum()
    capex = inputs.battery_capex_eur_per_kwh * v["battery"].sum()
    annual = inputs.battery_annual_eur_per_kwh * v["battery"].sum()
    if "battery_kw" in v:
        capex = capex + inputs.battery_power_capex_eur_per_kw * v["battery_kw"].sum()
        annual = annual + inputs.battery_power_annual_eur_per_kw * v["battery_kw"].sum()
    if G:
        capex = capex + inputs.pv_capex_eur_per_kwp * v["pv"].sum()
        annual = annual + inputs.pv_annual_eur_per_kwp * v["pv"].sum()
    if wind:
        capex = capex + (v["wind_pick"] * xr.DataArray([o.capex_eur for o in wind], dims="option")).sum()
        annual = annual + (v["wind_pick"] * xr.DataArray([o.annual_eur for o in wind], dims="option")).sum()
    if J:
        size = xr.DataArray([o.size_kw for o in opts], dims="option")
        capex = capex + inputs.chp_capex_eur_per_kw * (v["chp_pick"] * size).sum()
        annual = annual + inputs.chp_annual_eur_per_kw * (v["chp_pick"] * size).sum()
    e["capex"], e["annual"] = capex, annual
    e["import_kwh"] = (h * w * v["import"]).sum()
    e["co2_t"] = inputs.emission_kg_per_kwh / 1000.0 * e["import_kwh"]
    e["cost"] = annual + e["energy_cost"]
    if J:
        # the CHPs' gas less the gas the consumers' boilers would have burnt for the heat served
        # (DOMAIN section 3: CO2 avoided counts boiler heat x EF_gas / eta_boiler - CHP fuel x EF_gas)
        net_gas = (v["chp_pick"] * xr.DataArray([o.fuel_kwh - o.heat_kwh / inputs.boiler_efficiency for o in opts],
                                                dims="option")).sum()
        e["heat_cost"] = inputs.gas_eur_per_kwh * net_gas
        e["cost"] = e["cost"] + e["heat_cost"]
        e["co2_t"] = e["co2_t"] + inputs.gas_emission_kg_per_kwh / 1000.0 * net_gas
    demand_kwh = float((inputs.demand_kw.sum(axis=1) * inputs.weight).sum() * h)
    if goals.min_self_sufficiency is not None:
        m.add_constraints(e["import_kwh"] <= (1.0 - goals.min_self_sufficiency) * demand_kwh,
                          name="min_self_sufficiency")
    if goals.co2_cap_t is not None:
        m.add_constraints(e["co2_t"] <= goals.co2_cap_t, name="co2_cap")
    if goals.budget_eur is not None:
        m.add_constraints(capex <= goals.budget_eur, name="budget")
    if extra is not None:
        extra(m, v, e)
    objective = e["cost"] if goals.goal == "cost" else 1000.0 * e["co2_t"] + TIE_BREAK * e["cost"]
    m.add_objective(objective)
    return m, v, e


def solve(inputs: Inputs, goals: Goals | None = None, *, time_limit_s: float = 600.0, extra=None) -> Optimum:
    """Build and solve the programme; raise :class:`OptimiseError` naming what cannot be met."""
    goals = goals or Goals()
    goals.check()
    started = time.perf_counter()
    m, v, e = build(inputs, goals, extra=extra)
    built = time.perf_counter()
    first_order = first_order_suits(inputs, goals, extra, m)
    if first_order:
        with quiet():
            status, condition, gap = run_first_order(m, v, time_limit_s)
    else:
        status, condition = run(m, time_limit_s)
    solved = time.perf_counter()
    if str(condition) == "time_limit":
        raise OptimiseError(f"the solver found no optimum within {time_limit_s:g} s: ask for typical days "
                            f"(--days) or a longer time limit")
    if status != "ok" or str(condition) != "optimal":
        raise OptimiseError(_why_not(inputs, goals, str(condition)))
    h = inputs.step_h
    wt = inputs.weight
    pv = v["pv"].solution.to_numpy() if v["pv"] is not None else np.zeros(0)
    battery = v["battery"].solution.to_numpy()
    extra_kw = v["battery_kw"].solution.to_numpy() if "battery_kw" in v else np.zeros(len(battery))
    flow = v["flow"].solution.to_numpy()
    imp, exp = v["import"].solution.to_numpy(), v["export"].solution.to_numpy()
    curtailed = float(v["curtailed"].solution.to_numpy().sum(axis=1) @ wt * h)
    demand_kwh = float(inputs.demand_kw.sum(axis=1) @ wt * h)
    generation = float(inputs.existing_kw.sum(axis=1) @ wt * h)
    if len(pv):
        pv_ao = v["pv_ao"].solution.to_numpy()
        generation += float(((wt @ inputs.pv_per_kwp) * pv_ao).sum() * h)
    rating = np.where(np.isfinite(inputs.rating_kw) & (inputs.rating_kw > 0), inputs.rating_kw, np.nan)
    if not first_order:
        try:
            gap = float(m.solver_model.getInfo().mip_gap)
        except Exception:  # an LP reports no gap: it is solved to optimality
            gap = 0.0
        if not math.isfinite(gap) or gap > 1e20:
            gap = 0.0
    chp = np.zeros(len(inputs.clusters))
    fuel = heat = 0.0
    if "chp_pick" in v:
        opts = e["chp_options"]
        picked = np.round(v["chp_pick"].solution.to_numpy())
        for j in np.flatnonzero(picked > 0.5):
            o = opts[j]
            chp[o.cluster] = o.size_kw
            fuel += o.fuel_kwh
            heat += o.heat_kwh
            generation += float(o.el_kw @ wt * h)
    wind_choice: list = [None] * len(inputs.sites)
    wind_capex = wind_annual = 0.0
    if "wind_pick" in v:
        for j in np.flatnonzero(np.round(v["wind_pick"].solution.to_numpy()) > 0.5):
            o = inputs.wind_options[j]
            wind_choice[o.site] = o
            wind_capex += o.capex_eur
            wind_annual += o.annual_eur
            generation += float(o.el_kw @ wt * h)
    heat_cost = inputs.gas_eur_per_kwh * (fuel - heat / inputs.boiler_efficiency)
    energy_cost = float(h * (wt * inputs.buy_eur_per_kwh * imp).sum() - h * (wt * inputs.sell_eur_per_kwh * exp).sum())
    annual = float(inputs.battery_annual_eur_per_kwh * battery.sum() + inputs.pv_annual_eur_per_kwp * pv.sum()
                   + inputs.chp_annual_eur_per_kw * chp.sum() + wind_annual
                   + (inputs.battery_power_annual_eur_per_kw or 0.0) * extra_kw.sum())
    capex = float(inputs.battery_capex_eur_per_kwh * battery.sum() + inputs.pv_capex_eur_per_kwp * pv.sum()
                  + inputs.chp_capex_eur_per_kw * chp.sum() + wind_capex
                  + (inputs.battery_power_capex_eur_per_kw or 0.0) * extra_kw.sum())
    import_kwh = float(imp @ wt * h)
    gas_co2 = inputs.gas_emission_kg_per_kwh / 1000.0 * (fuel - heat / inputs.boiler_efficiency)
    return Optimum(
        chp_kw=chp, chp_fuel_kwh=fuel, chp_heat_kwh=heat, heat_cost_eur=heat_cost, wind=wind_choice,
        pv_kwp=pv, battery_kwh=battery, battery_kw=inputs.battery_power_per_kwh * battery + extra_kw,
        cost_eur_per_year=annual + energy_cost + heat_cost, capex_eur=capex,
        annualised_capex_eur=annual, energy_cost_eur=energy_cost, import_kwh=import_kwh,
        export_kwh=float(exp @ wt * h), demand_kwh=demand_kwh, generation_kwh=generation, curtailed_kwh=curtailed,
        co2_t=inputs.emission_kg_per_kwh / 1000.0 * import_kwh + gas_co2,
        self_sufficiency=1.0 - import_kwh / demand_kwh if demand_kwh > 0 else float("nan"),
        max_flow_share=np.nanmax(np.abs(flow), axis=0) / rating if len(flow) else np.zeros(0), flow_kw=flow,
        status=str(condition), solve_s=solved - built, build_s=built - started, variables=int(m.nvars),
        constraints=int(m.ncons), gap=gap, notes=list(inputs.notes) + ([FIRST_ORDER_NOTE] if first_order else []))


def _why_not(inputs: Inputs, goals: Goals, condition: str) -> str:
    """A sentence naming the constraint that cannot be met, with what can be reached instead."""
    if "infeasible" not in condition.lower():
        return f"the solver stopped without an optimum ({condition})"
    h = inputs.step_h
    # the grid alone: an area whose demand, less today's generation, passes its rating with no
    # store or roof that could ever cover it
    short = inputs.demand_kw - inputs.existing_kw
    for j, area in enumerate(inputs.areas):
        if math.isfinite(inputs.rating_kw[j]) and short[:, j].max() > inputs.rating_kw[j] and not any(
                g.area == area for g in inputs.groups):
            return (f"transformer area '{area}': demand less today's generation peaks at {short[:, j].max():,.0f} kW, "
                    f"above its transformer's {inputs.rating_kw[j]:,.0f} kVA, and no roof there could help")
    relaxed = Goals("cost", budget_eur=goals.budget_eur)
    best = _best(inputs, relaxed)
    within = f" within the budget of {goals.budget_eur:,.0f} EUR" if goals.budget_eur is not None else ""
    if best is None:
        return f"no sizing meets the grid's limits{within}: check them with planner size-grid"
    least_import, binding = best
    if goals.min_self_sufficiency is not None:
        reach = 1.0 - least_import / (inputs.demand_kw.sum(axis=1) @ inputs.weight)
        return (f"the minimum self-sufficiency of {goals.min_self_sufficiency:.0%} cannot be met: at most {reach:.1%} "
                f"is reachable{within}, with batteries of any size; binding: {binding}")
    least = inputs.emission_kg_per_kwh / 1000.0 * least_import * h
    return (f"the CO2 cap of {goals.co2_cap_t:,.1f} t cannot be met: the year's import emits at least {least:,.1f} t"
            f"{within}, with batteries of any size; binding: {binding}")


def _best(inputs: Inputs, goals: Goals) -> tuple[float, str] | None:
    """The least import [kW summed over the weighted steps] reachable under ``goals`` and what limits it
    (None: the grid's limits alone cannot be met)."""
    import xarray as xr

    m, v, e = build(inputs, goals)
    m.add_objective((xr.DataArray(inputs.weight, dims="time") * v["import"]).sum(), overwrite=True)
    status, condition = run(m, 600.0)
    if status != "ok" or str(condition) != "optimal":
        return None
    binding = []
    if v["pv"] is not None:
        full = np.isclose(v["pv"].solution.to_numpy(), [g.max_kwp for g in inputs.groups], rtol=1e-6, atol=1e-6)
        if full.all():
            binding.append(f"every candidate roof at its full peak power ({sum(g.max_kwp for g in inputs.groups):,.1f} kWp)")
    else:
        binding.append("no candidate roof (buildings with consumers and no PV)")
    flow = np.abs(v["flow"].solution.to_numpy())
    tight = [a for j, a in enumerate(inputs.areas)
             if math.isfinite(inputs.rating_kw[j]) and flow[:, j].max() >= inputs.rating_kw[j] * (1 - 1e-6)]
    if tight:
        binding.append(f"the transformer rating of {', '.join(tight[:5])}")
    if inputs.export_limit_kw is not None and v["export"].solution.to_numpy().max() >= inputs.export_limit_kw * (1 - 1e-6):
        binding.append(f"the export limit of {inputs.export_limit_kw:,.0f} kW")
    if goals.budget_eur is not None and float(e["capex"].solution) >= goals.budget_eur * (1 - 1e-6):
        binding.append("the budget")
    return float(v["import"].solution.to_numpy() @ inputs.weight), "; ".join(binding) or "the hours without sun (the batteries' losses)"


def today(inputs: Inputs, *, time_limit_s: float = 600.0) -> Optimum:
    """The community as it is (nothing added), on the same terms: the baseline the optimum's
    savings are measured against (REopt's business as usual). Today's batteries are dispatched
    by the programme here too."""
    def nothing_added(m, v, e):
        if v["pv"] is not None:
            m.add_constraints(v["pv"] == 0, name="no_new_pv")
        m.add_constraints(v["battery"] == 0, name="no_new_battery")
        if "battery_kw" in v:
            m.add_constraints(v["battery_kw"] == 0, name="no_new_battery_kw")
        for name in ("chp_pick", "wind_pick"):
            if name in v:
                m.add_constraints(v[name] == 0, name=f"no_new_{name}")

    return solve(inputs, Goals(), time_limit_s=time_limit_s, extra=nothing_added)
