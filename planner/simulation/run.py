"""The whole simulation of a project: weather to generation, batteries, power flow, balance, settlement.

``simulate(project)`` returns a :class:`ScenarioResult`; ``write_outputs`` writes
``summary.json``, ``members.csv`` and Parquet time series as ARCHITECTURE.md
specifies for ``planner run``. Each step is a pure function of its inputs.

Conventions
-----------
- Units belong to their owner member; units without an owner, and consumers
  without a member, belong to the pseudo-member ``community``.
- A member's battery works on that member's net power; a shared battery on the
  community's. Charging counts as load, discharging as generation of its owner.
- Power flow: consumers are loads, PV/wind/CHP static generators, batteries
  storage (charging positive), all at unity power factor, at their buses.
- Prices: the tariff most members have (import price lambda_b, export price lambda_s).
- ``storage_loss_kwh`` is the energy charged minus the energy discharged: conversion
  losses plus what is left in store at the end of the year.
- No curtailment is modelled yet: ``curtailed_kwh`` is 0.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.community.balance import Balance, community_kpis
from planner.community.tariffs import default_tariff_id, member_prices
from planner.community.settlement import ContractTerms, SchemeResult, all_schemes
from planner.economics.costs import check_catalogue_covers, load_catalogue
from planner.economics.indexes import co2_avoided_kg, gini, jain
from planner.economics.shapley import community_value, shapley
from planner.generation import storage
from planner.generation.results import GenerationResult, simulate_generation
from planner.model import Project

COMMUNITY = "community"
#: Transmission and distribution losses upstream of the community, as a share of the energy
#: delivered (DOMAIN.md: typically 5-8 %; Germany about 5 %). Editable.
UPSTREAM_LOSS_FACTOR = 0.05
#: Years over which investments are judged (units with shorter lives are bought again).
HORIZON_YEARS = 20


@dataclass
class ScenarioResult:
    """Everything one simulation produced."""

    generation: GenerationResult
    balance: Balance
    schemes: dict[str, SchemeResult]
    battery_kw: pd.DataFrame  # charge positive, per battery
    storage_loss_kwh: float
    grid: dict | None
    grid_import_kwh: float
    grid_export_kwh: float
    prices: tuple[float, float]
    indexes: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    shapley: pd.DataFrame | None = None
    ownership: dict = field(default_factory=dict)
    measures: pd.DataFrame | None = None
    unit_finance: pd.DataFrame | None = None
    member_finance: pd.DataFrame | None = None
    curtailed_kwh: float = 0.0  # generation cut at the export limit
    delivered_kw: pd.DataFrame | None = None  # each unit's output after curtailment
    tariffs: dict = field(default_factory=dict)  # tariff id -> components, members billed on it
    default_tariff: str | None = None
    shared_energy: dict | None = None  # the setting that priced shared energy

    @property
    def step_h(self) -> float:
        return self.generation.step_h


def ownership(project: Project) -> dict[str, dict[str, float]]:
    """Who owns how much of each generating unit: ``{unit id: {member id: share}}``.

    Shares come from the project's ownership shares; what they leave stays with the unit's owner
    (or the community, for a unit without one).
    """
    out = {}
    for kind in ("pv_unit", "wind_turbine", "chp_unit"):
        for u in project.items(kind).values():
            split: dict[str, float] = {}
            for sh in project.items("ownership_share").values():
                if sh.unit_kind == kind and sh.unit_id == u.id:
                    split[sh.member_id] = split.get(sh.member_id, 0.0) + sh.share
            rest = 1.0 - sum(split.values())
            if rest > 1e-12:
                owner = _owner(project, u.owner_id)
                split[owner] = split.get(owner, 0.0) + rest
            out[u.id] = split
    return out


def _owner(project: Project, member_id: str | None) -> str:
    return member_id if member_id and member_id in project.items("member") else COMMUNITY


def simulate(project: Project, *, resolution_minutes: int = 60, with_grid: bool = True,
             grid_emission_factor: float | None = None, shapley_samples: int = 30,
             upstream_loss_factor: float = UPSTREAM_LOSS_FACTOR,
             subsidy_eur_per_kwh: float = 0.0, costs_path=None) -> ScenarioResult:
    """Run the whole chain on ``project`` (see the module docstring for the conventions)."""
    issues = project.validate()
    if issues:
        raise PlannerError(f"the project is not valid: {issues[0]}")
    # every input is checked before the first step of the long work
    if not (isinstance(subsidy_eur_per_kwh, (int, float)) and math.isfinite(subsidy_eur_per_kwh)
            and subsidy_eur_per_kwh >= 0):
        raise PlannerError(f"the production subsidy must be a finite amount of at least 0 EUR/kWh, got "
                           f"{subsidy_eur_per_kwh!r} (a negative subsidy would be a levy on generation, "
                           f"which the planner does not model)")
    catalogue = costs_path if isinstance(costs_path, pd.DataFrame) else load_catalogue(costs_path)
    check_catalogue_covers(project, catalogue)
    default_tariff_id(project)
    gen = simulate_generation(project, resolution_minutes=resolution_minutes)
    h = gen.step_h
    index = gen.units_kw.index
    members = list(project.items("member"))
    shares = ownership(project)
    consumer_owner = {c.id: _owner(project, c.member_id) for c in project.items("consumer").values()}
    holders = {m for unit_shares in shares.values() for m in unit_shares}
    if COMMUNITY in holders | set(consumer_owner.values()):
        members.append(COMMUNITY)
    g = pd.DataFrame(0.0, index=index, columns=members)
    for uid, unit_shares in shares.items():
        if uid in gen.units_kw:
            for member_id, share in unit_shares.items():
                g[member_id] += gen.units_kw[uid] * (share * h)
    l_ = (gen.consumers_kw * h).T.groupby(pd.Series(consumer_owner)).sum().T.reindex(columns=members,
                                                                                     fill_value=0.0)
    l_ = l_.reindex(index, fill_value=0.0)

    consumption = l_.copy()  # what members consume, before any battery charges
    battery_kw = pd.DataFrame(index=index)
    storage_loss = 0.0
    for bat in project.items("battery").values():
        owner = _owner(project, bat.owner_id)
        if owner not in g.columns:
            members.append(owner)
            g[owner] = 0.0
            l_[owner] = 0.0
            consumption[owner] = 0.0
        net = (g.sum(axis=1) - l_.sum(axis=1)) if bat.shared else (g[owner] - l_[owner])
        result = storage.dispatch(bat, net / h)
        g[owner] += result.discharge_kw * h
        l_[owner] += result.charge_kw * h
        battery_kw[bat.id] = result.charge_kw - result.discharge_kw
        storage_loss += float((result.charge_kw.sum() - result.discharge_kw.sum()) * h)

    delivered_kw, curtailed = _curtail(project, gen, shares, g, l_, members, h)
    balance = Balance(index, members, g[members].to_numpy(), l_[members].to_numpy())
    plan = member_prices(project, members, index)
    prices = plan.prices
    # one figure per kWh where a single price is needed (Shapley values, on-bill savings):
    # the import price weighted by what members consume, the export price by what they generate
    pb = float(np.average(prices.buy, weights=np.maximum(balance.load, 1e-12)))
    ps = float(np.average(prices.sell, weights=np.maximum(balance.generation, 1e-12)))
    contracts = [ContractTerms(c.seller_id, c.buyer_id, c.price_eur_per_kwh, c.priority, c.cap_kwh, c.id)
                 for c in project.items("contract").values()]
    baseline = Balance(index, members, np.zeros_like(balance.load), consumption[members].to_numpy())
    schemes = all_schemes(balance, prices, contracts=contracts, baseline=baseline)

    grid, imp, exp = None, float(balance.community_import.sum()), float(balance.community_export.sum())
    notes = []
    if with_grid and len(project.items("bus")) and len(project.items("external_grid")):
        grid, imp, exp = _power_flow(project, gen, battery_kw, delivered_kw)
    elif with_grid:
        notes.append("the project has no grid: import and export are the community balance's, without losses")

    baseline = schemes["grid_only"].member_bills()
    chosen = schemes["sdr"].member_bills()
    savings = (baseline - chosen).drop(COMMUNITY, errors="ignore")
    chp_fuel = sum(d.fuel_chp_kwh for d in gen.chp.values())
    chp_heat = sum(float(d.q_chp_kw.sum() * h) for d in gen.chp.values())
    demand = float(balance.load.sum() - battery_kw.clip(lower=0).sum().sum() * h)
    factor = {} if grid_emission_factor is None else {"grid_factor": grid_emission_factor}
    co2 = co2_avoided_kg(demand - imp, chp_fuel, chp_heat, **factor)
    # Energy served locally (generation used inside the community) no longer travels the upstream grid.
    local_kwh = float(np.minimum(balance.generation.sum(axis=1), balance.load.sum(axis=1)).sum())
    own_losses = (grid.get("losses_mwh") or 0.0) * 1000.0 if grid else 0.0
    groups = {}
    for member_id, saving in savings.items():
        member = project.items("member").get(member_id)
        key = (member.group or member.kind) if member is not None else COMMUNITY
        groups.setdefault(key, []).append(float(saving))
    indexes = {
        "co2_avoided_t": co2 / 1000.0, "gini": gini(savings.to_numpy()), "jain": jain(savings.to_numpy()),
        "benefit_scheme": "sdr",
        "avoided_upstream_losses_kwh": local_kwh * upstream_loss_factor,
        "community_grid_losses_kwh": own_losses,
        "net_avoided_losses_kwh": local_kwh * upstream_loss_factor - own_losses,
        "upstream_loss_factor": upstream_loss_factor,
        "benefits_by_group": {k: {"members": len(v), "savings_eur": sum(v), "mean_savings_eur": sum(v) / len(v)}
                              for k, v in groups.items()},
    }
    # what members pay for the energy they take under the SDR pool, and the part of it that
    # leaves the community (grid imports on their tariffs, charges on shared energy)
    sdr = schemes["sdr"]
    d, s_ = balance.deficit, balance.surplus
    shared = np.minimum(s_.sum(axis=1), d.sum(axis=1))
    total_d = d.sum(axis=1)
    shared_in = np.divide(d * shared[:, None], total_d[:, None], out=np.zeros_like(d), where=total_d[:, None] > 0)
    to_grid = float((prices.buy * (d - shared_in)).sum()) + float(sdr.details["shared_charges"].sum())
    spending = to_grid + float((sdr.details["p_internal"][:, None] * shared_in).sum())
    indexes["spending_kept_local"] = (1.0 - to_grid / spending) if spending > 0 else None
    indexes["spending_kept_local_note"] = ("share of the members' electricity spending under the SDR pool that "
                                           "stays with members instead of paying for grid imports")
    value, marginal = community_value(balance.generation, balance.load, pb, ps)
    n = len(balance.members)
    phi = shapley(n, value, samples=shapley_samples, marginal=marginal)
    shapley_table = pd.DataFrame({"member_id": balance.members, "shapley_eur": phi.values,
                                  "standard_error_eur": phi.standard_error if phi.standard_error is not None
                                  else np.zeros(n)})
    indexes["shapley"] = {"method": "exact" if phi.standard_error is None else f"sampled, {phi.samples} orderings",
                          "community_value_eur": float(phi.values.sum())}
    holders = {sh.member_id for sh in project.items("ownership_share").values()
               if project.is_cooperative_unit(project.get(sh.unit_kind, sh.unit_id))}
    indexes["governance"] = {"rule": "one member, one vote, not weighted by shares",
                             "members": len(project.items("member")), "votes": len(project.items("member")),
                             "cooperative_share_holders": len(holders)}
    result = ScenarioResult(gen, balance, schemes, battery_kw, storage_loss, grid, imp, exp, (pb, ps),
                            indexes, notes, shapley_table)
    result.tariffs = plan.describe(project)
    result.shared_energy = {**project.shared_energy.as_dict(), "described": project.shared_energy.describe()}
    result.default_tariff = plan.default_tariff
    result.curtailed_kwh, result.delivered_kw = curtailed, delivered_kw
    if curtailed:
        result.notes.append(f"{curtailed:,.0f} kWh of generation curtailed at the export limit of "
                            f"{export_limit_kw(project):,.0f} kW, taken from the members in surplus pro rata")
    result.ownership = shares
    result.measures = _measures(project, project.get("tariff", plan.default_tariff).gross_import_price())
    result.unit_finance, result.member_finance, finance = _finance(project, result, shares, subsidy_eur_per_kwh,
                                                                   catalogue)
    result.indexes["finance"] = finance
    return result


def _finance(project: Project, result: "ScenarioResult", shares, subsidy_eur_per_kwh: float, catalogue):
    """Unit costs and LCOE; each member's and the community's investment over :data:`HORIZON_YEARS`."""
    from planner.economics.costs import DISCOUNT_RATE, technology_of, unit_costs
    from planner.economics.investments import plan_finance

    gen = result.generation
    h = result.step_h
    energy = (gen.units_kw if result.delivered_kw is None else result.delivered_kw).sum() * h
    rows, owners = [], {}
    for kind in ("pv_unit", "wind_turbine", "chp_unit", "battery"):
        for u in project.items(kind).values():
            parcel = project.items("parcel").get(u.parcel_id) if u.parcel_id else None
            technology, size = technology_of(u, parcel.land_use if parcel else None)
            row = {"unit_id": u.id, "kind": kind, "technology": technology, "size": size,
                   "energy_kwh": float(energy.get(u.id, 0.0))}
            if kind == "chp_unit" and u.id in gen.chp:
                row["fuel_kwh"] = gen.chp[u.id].fuel_chp_kwh
                row["heat_kwh"] = float(gen.chp[u.id].q_chp_kw.sum() * h)
            rows.append(row)
            owners[u.id] = shares.get(u.id, {_owner(project, u.owner_id): 1.0})
    costs = unit_costs(rows, catalogue)
    savings = result.schemes["grid_only"].member_bills() - result.schemes["sdr"].member_bills()
    gen_by_member = pd.Series(result.balance.generation.sum(axis=0), index=result.balance.members)
    return plan_finance(costs, owners, savings, gen_by_member, subsidy_eur_per_kwh, HORIZON_YEARS,
                        DISCOUNT_RATE)


def _measures(project: Project, price: float) -> pd.DataFrame:
    from planner.economics.onbill import repayment_schedule

    rows = []
    for m in project.items("efficiency_measure").values():
        consumer = project.items("consumer").get(m.consumer_id)
        plan = repayment_schedule(m.cost_eur, m.savings_kwh_per_year, price, m.term_years, m.rate)
        rows.append({"measure_id": m.id, "name": m.name, "consumer_id": m.consumer_id,
                     "member_id": consumer.member_id if consumer else None, "cost_eur": m.cost_eur,
                     "savings_kwh_per_year": m.savings_kwh_per_year, "savings_eur_per_year": plan.savings_eur_per_year,
                     "annuity_eur": plan.annuity_eur, "repaid_after_years": plan.repaid_after_years,
                     "total_repaid_eur": plan.total_paid_eur,
                     "balance_with_the_meter_after_5_years_eur": plan.balance_left_at(5)})
    return pd.DataFrame(rows)


def export_limit_kw(project: Project) -> float | None:
    """The most the community may feed upstream [kW]: the sum of its connections' limits, or
    None when any connection has none."""
    grids = list(project.items("external_grid").values())
    if not grids or any(x.max_export_kw is None for x in grids):
        return None
    return float(sum(x.max_export_kw for x in grids))


def _curtail(project: Project, gen: GenerationResult, shares, g: pd.DataFrame, l_: pd.DataFrame,
             members: list[str], h: float) -> tuple[pd.DataFrame, float]:
    """Cut generation where the community's export would pass its export limit (after batteries).

    At each step the excess over the limit is taken from the members in surplus in proportion
    to their surpluses, and from each such member's units in proportion to what they give it
    (a community controller limiting the feed-in at the connection). ``g`` is changed in place.

    Returns
    -------
    delivered_kw : DataFrame
        Each unit's output after curtailment [kW] (the power flow injects this).
    curtailed_kwh : float
    """
    limit = export_limit_kw(project)
    if limit is None or not len(gen.units_kw.columns):
        return gen.units_kw, 0.0
    G, L = g[members].to_numpy(), l_[members].to_numpy()
    surplus = np.maximum(G - L, 0.0)
    S, D = surplus.sum(axis=1), np.maximum(L - G, 0.0).sum(axis=1)
    cut_total = np.maximum(S - D - limit * h, 0.0)
    if not cut_total.any():
        return gen.units_kw, 0.0
    cut = np.divide(surplus * cut_total[:, None], S[:, None], out=np.zeros_like(surplus), where=S[:, None] > 0)
    fraction = pd.DataFrame(np.divide(cut, G, out=np.zeros_like(cut), where=G > 0), index=g.index, columns=members)
    g[members] = G - cut
    delivered = gen.units_kw.copy()
    for uid, unit_shares in shares.items():
        if uid in delivered:
            lost = sum(share * fraction[m] for m, share in unit_shares.items() if m in fraction)
            delivered[uid] = delivered[uid] * (1.0 - lost)
    return delivered, float(cut_total.sum())


def _power_flow(project: Project, gen: GenerationResult, battery_kw: pd.DataFrame,
                delivered_kw: pd.DataFrame | None = None):
    from planner.grid.powerflow import build_model, parse_profiles, run
    from planner.grid.translate import to_pandapower

    net, ids = to_pandapower(project)
    columns = {}
    for cid, idx in ids["consumer"].items():
        columns[f"load.p_mw.{idx}"] = gen.consumers_kw[cid].to_numpy() / 1000.0
    for kind in ("pv_unit", "wind_turbine", "chp_unit"):
        for uid, idx in ids[kind].items():
            units = gen.units_kw if delivered_kw is None else delivered_kw
            columns[f"sgen.p_mw.{idx}"] = units[uid].to_numpy() / 1000.0
    for bid, idx in ids["battery"].items():
        columns[f"storage.p_mw.{idx}"] = battery_kw[bid].to_numpy() / 1000.0
    table = pd.DataFrame(columns, index=gen.units_kw.index)
    model = build_model(net)
    summary = run(model, parse_profiles(table, net, resolution_minutes=gen.step_h * 60.0))
    grid = summary.as_dict()
    return grid, summary.import_mwh * 1000.0, summary.export_mwh * 1000.0


def _members_table(result: ScenarioResult) -> pd.DataFrame:
    b = result.balance
    shared_in = b.shared_in().sum(axis=0)
    shared_out = b.shared_out().sum(axis=0)
    base = pd.DataFrame({
        "member_id": b.members,
        "demand_kwh": b.load.sum(axis=0),
        "generation_kwh": b.generation.sum(axis=0),
        "import_kwh": b.deficit.sum(axis=0) - shared_in,
        "export_kwh": b.surplus.sum(axis=0) - shared_out,
        "shared_in_kwh": shared_in,
        "shared_out_kwh": shared_out,
    })
    baseline = result.schemes["grid_only"].member_bills()
    rows = []
    for name, scheme in result.schemes.items():
        bills = scheme.member_bills()
        frame = base.copy()
        frame.insert(1, "scheme", name)
        frame["bill_eur"] = bills.to_numpy()
        frame["savings_eur"] = (baseline - bills).to_numpy()
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def summary_dict(result: ScenarioResult) -> dict:
    b = result.balance
    h = result.step_h
    generation = float(result.generation.units_kw.sum().sum() * h)
    demand = float(result.generation.consumers_kw.sum().sum() * h)
    grid = result.grid or {}
    kwh = 1000.0
    losses = (grid.get("losses_mwh") or 0.0) * kwh
    summary = {
        "energy": {
            "generation_kwh": generation,
            "demand_kwh": demand,
            "import_kwh": result.grid_import_kwh,
            "export_kwh": result.grid_export_kwh,
            "shared_kwh": float(b.shared.sum()),
            "curtailed_kwh": result.curtailed_kwh,
            "storage_loss_kwh": result.storage_loss_kwh,
            "import_before_losses_kwh": float(b.community_import.sum()),
            "export_before_losses_kwh": float(b.community_export.sum()),
            "reconciliation_gap_kwh": (result.grid_import_kwh - result.grid_export_kwh)
            - float(b.community_import.sum() - b.community_export.sum()) - losses,
        },
        "kpi": community_kpis(generation, demand, float(b.community_import.sum()),
                              float(b.community_export.sum()), result.curtailed_kwh),
        "grid": {
            "losses_kwh": losses,
            "line_losses_kwh": (grid.get("line_losses_mwh") or 0.0) * kwh,
            "trafo_losses_kwh": (grid.get("trafo_losses_mwh") or 0.0) * kwh,
            "loss_share_of_delivered": grid.get("loss_share_of_delivered"),
            "max_line_loading_percent": grid.get("max_line_loading_percent"),
            "max_trafo_loading_percent": grid.get("max_trafo_loading_percent"),
            "min_vm_pu": grid.get("min_vm_pu"),
            "max_vm_pu": grid.get("max_vm_pu"),
            "non_converged_steps": grid.get("non_converged_steps"),
            "worst_steps": grid.get("worst_steps"),
        } if result.grid else None,
        "schemes": {
            name: {"members_net_cost_eur": s.total(),
                   "community_grid_net_cost_eur": float(s.grid_net_cost.sum())}
            for name, s in result.schemes.items()},
        "indexes": result.indexes,
        "prices": {"mean_import_eur_per_kwh": result.prices[0], "mean_export_eur_per_kwh": result.prices[1],
                   "note": "each member is billed on its own tariff (see tariffs); these consumption- and "
                           "generation-weighted means serve only the Shapley values"},
        "tariffs": result.tariffs,
        "default_tariff": result.default_tariff,
        "shared_energy": result.shared_energy,
        "weather": {"name": result.generation.weather.name, "source": result.generation.weather.source,
                    "station_id": result.generation.weather.station_id,
                    "path": result.generation.weather.path,
                    "repairs": list(result.generation.weather.repairs),
                    "warnings": list(result.generation.weather.notes)},
        "wind_farms": result.generation.wind_farms,
        "resolution_minutes": int(round(h * 60)),
        "notes": result.notes,
    }
    return _clean(summary)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def write_outputs(result: ScenarioResult, folder: str | Path) -> Path:
    """``summary.json``, ``members.csv``, member statements and Parquet time series into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary_dict(result), indent=2, ensure_ascii=False))
    _members_table(result).to_csv(folder / "members.csv", index=False, float_format="%.4f")
    gen = result.generation
    gen.units_kw.astype("float32").to_parquet(folder / "units_kw.parquet")
    gen.consumers_kw.astype("float32").to_parquet(folder / "consumers_kw.parquet")
    if len(result.battery_kw.columns):
        result.battery_kw.to_parquet(folder / "batteries_kw.parquet")
    if result.shapley is not None:
        result.shapley.to_csv(folder / "shapley.csv", index=False, float_format="%.4f")
    if result.unit_finance is not None:
        result.unit_finance.to_csv(folder / "unit_finance.csv", index=False, float_format="%.6g")
        result.member_finance.to_csv(folder / "member_finance.csv", index=False, float_format="%.6g")
    if result.measures is not None and len(result.measures):
        result.measures.to_csv(folder / "efficiency_measures.csv", index=False, float_format="%.4f")
    energy = result.generation.units_kw.sum() * result.step_h
    rows = [{"unit_id": uid, "member_id": member, "share": share, "energy_kwh": float(energy.get(uid, 0.0)) * share}
            for uid, split in result.ownership.items() for member, share in split.items()]
    pd.DataFrame(rows, columns=["unit_id", "member_id", "share", "energy_kwh"]).to_csv(
        folder / "ownership.csv", index=False, float_format="%.4f")
    member_statements(result).to_csv(folder / "member_statements.csv", index=False, float_format="%.4f")
    return folder


def member_statements(result: ScenarioResult) -> pd.DataFrame:
    """One row per member and month: energy (kWh) and what the member pays under every scheme (EUR).

    This is the statement a cooperative hands to each member: rows of one ``member_id``.
    """
    b = result.balance
    months = b.index.tz_localize(None).to_period("M") if b.index.tz is not None else b.index.to_period("M")
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    labels = [str(m) for m in months[starts]]

    def monthly(array):
        return np.add.reduceat(array, starts, axis=0)  # (months, n)

    energy = {
        "demand_kwh": monthly(b.load), "generation_kwh": monthly(b.generation),
        "own_use_kwh": monthly(b.own_use),
        "shared_in_kwh": monthly(b.shared_in()), "shared_out_kwh": monthly(b.shared_out()),
    }
    energy["import_kwh"] = monthly(b.deficit) - energy["shared_in_kwh"]
    energy["export_kwh"] = monthly(b.surplus) - energy["shared_out_kwh"]
    n_months, n = len(labels), len(b.members)
    frame = pd.DataFrame({"member_id": np.tile(b.members, n_months), "month": np.repeat(labels, n)})
    for name, values in energy.items():
        frame[name] = values.reshape(-1)
    for name, scheme in result.schemes.items():
        frame[f"{name}_eur"] = scheme.monthly().to_numpy().reshape(-1)
    return frame.sort_values(["member_id", "month"], kind="stable").reset_index(drop=True)
