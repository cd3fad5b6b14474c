"""The stages of a simulation, each a pure function of its inputs with a documented result.

``simulate`` (:mod:`planner.simulation.run`) calls them in order and names them to its task
(the app's progress bar, the CLI's lines): weather and generation, dispatch, power flow,
balance and settlement, indexes, finance (the power flow stage: :mod:`planner.simulation.grid_stage`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.community.balance import Balance
from planner.community.comparison import all_schemes
from planner.community.settlement import ContractTerms, SchemeResult
from planner.community.tariffs import TariffPlan, member_prices
from planner.economics.indexes import (
    GAS_EMISSION_FACTOR_KG_PER_KWH, GRID_EMISSION_FACTOR_KG_PER_KWH, co2_avoided_kg, gini, jain,
)
from planner.economics.shapley import ShapleyResult, community_value, shapley
from planner.generation import storage
from planner.generation.results import GenerationResult
from planner.model import Project
from planner.model.study import SCHEME_LABELS
from planner.simulation.grid_stage import GridOutcome

COMMUNITY = "community"
#: Years over which investments are judged (units with shorter lives are bought again).
HORIZON_YEARS = 20


def _owner(project: Project, member_id: str | None) -> str:
    return member_id if member_id and member_id in project.items("member") else COMMUNITY


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


@dataclass(frozen=True)
class Dispatch:
    """Members' energy per step after batteries and curtailment [kWh per step].

    Attributes
    ----------
    members : list of str
        Column order (pseudo-member ``community`` for units or consumers without a member).
    generation, load : DataFrame
        Per member: generation (own units and shares, plus battery discharge) and load
        (consumption plus battery charging), after curtailment.
    consumption : DataFrame
        What the members whose battery charges consume before it does (the grid-only baseline;
        columns: those members only, the others consume their ``load``).
    battery_kw : DataFrame
        Per battery, charging positive [kW].
    storage_loss_kwh : float
        Charged minus discharged (conversion losses and the energy left in store).
    delivered_kw : DataFrame
        Each unit's output after curtailment [kW].
    curtailed_kwh : float
    shares : dict
        ``{unit id: {member id: share}}``.
    """

    members: list[str]
    generation: pd.DataFrame
    load: pd.DataFrame
    consumption: pd.DataFrame
    battery_kw: pd.DataFrame
    storage_loss_kwh: float
    delivered_kw: pd.DataFrame
    curtailed_kwh: float
    shares: dict


def dispatch(project: Project, gen: GenerationResult) -> Dispatch:
    """Members' generation and load, batteries dispatched (a member's on its own net power, a shared
    one on the community's), then generation curtailed where export would pass the limit."""
    h = gen.step_h
    index = gen.units_kw.index
    members = list(project.items("member"))
    shares = ownership(project)
    consumer_owner = {c.id: _owner(project, c.member_id) for c in project.items("consumer").values()}
    holders = {m for unit_shares in shares.values() for m in unit_shares}
    if COMMUNITY in holders | set(consumer_owner.values()):
        members.append(COMMUNITY)
    for bat in project.items("battery").values():  # owners without units or consumers of their own
        if _owner(project, bat.owner_id) not in members:
            members.append(_owner(project, bat.owner_id))
    column = {m: j for j, m in enumerate(members)}
    units = [u for u in shares if u in gen.units_kw]
    # members' energy as (T, n) arrays laid out as pandas keeps a frame's block: the frames made
    # of them at the end are views, and batteries and curtailment change them in place
    g = _to_members(gen.units_kw[units].to_numpy(), [
        [(column[m], share * h) for m, share in shares[u].items()] for u in units], len(members))
    consumers = gen.consumers_kw if gen.consumers_kw.index.equals(index) else gen.consumers_kw.reindex(
        index, fill_value=0.0)
    l_ = _to_members(consumers.to_numpy(), [
        [(column[consumer_owner[c]], h)] if c in consumer_owner else [] for c in consumers.columns], len(members))
    # the batteries' owners' columns as they are before charging (the grid-only baseline): the
    # others' stay as l_ is, so not a second members x steps array (105 MB on the sample)
    owners = sorted({column[_owner(project, bat.owner_id)] for bat in project.items("battery").values()})
    consumption = pd.DataFrame(np.asfortranarray(l_[:, owners]), index=index, columns=[members[j] for j in owners])
    battery_kw = pd.DataFrame(index=index)
    storage_loss = 0.0
    for bat in project.items("battery").values():
        j = column[_owner(project, bat.owner_id)]
        net = (g.sum(axis=1) - l_.sum(axis=1)) if bat.shared else (g[:, j] - l_[:, j])
        result = storage.dispatch(bat, pd.Series(net / h, index=index))
        g[:, j] += result.discharge_kw.to_numpy() * h
        l_[:, j] += result.charge_kw.to_numpy() * h
        battery_kw[bat.id] = result.charge_kw - result.discharge_kw
        storage_loss += float((result.charge_kw.sum() - result.discharge_kw.sum()) * h)
    delivered_kw, curtailed = _curtail(project, gen, shares, g, l_, members, h)
    frame = functools.partial(pd.DataFrame, index=index, columns=members, copy=False)
    return Dispatch(members, frame(g), frame(l_), consumption, battery_kw, storage_loss,
                    delivered_kw, curtailed, shares)


def _to_members(values: np.ndarray, weights: list[list[tuple[int, float]]], n: int) -> np.ndarray:
    """Columns of ``values`` (T, k) summed into n member columns: column i goes to the members
    ``weights[i]`` names, times their weights (one sparse product, not k column additions)."""
    import scipy.sparse as sp

    rows = [i for i, pairs in enumerate(weights) for _ in pairs]
    cols = [j for pairs in weights for j, _ in pairs]
    data = [w for pairs in weights for _, w in pairs]
    matrix = sp.csc_matrix((data, (rows, cols)), shape=(values.shape[1], n))
    # (n, T) C-ordered, handed on as its (T, n) transpose: the layout pandas keeps a frame's block
    # in, so the frame and its to_numpy() are views of it, never copies of a year's arrays
    return np.ascontiguousarray(matrix.T @ values.T).T if values.size else np.zeros((values.shape[0], n))


def export_limit_kw(project: Project) -> float | None:
    """The most the community may feed upstream [kW]: the sum of its connections' limits, or
    None when any connection has none."""
    grids = list(project.items("external_grid").values())
    if not grids or any(x.max_export_kw is None for x in grids):
        return None
    return float(sum(x.max_export_kw for x in grids))


def _curtail(project: Project, gen: GenerationResult, shares, g: np.ndarray, l_: np.ndarray,
             members: list[str], h: float) -> tuple[pd.DataFrame, float]:
    """Cut generation where the community's export would pass its export limit (after batteries).

    At each step the excess over the limit is taken from the members in surplus in proportion
    to their surpluses, and from each such member's units in proportion to what they give it
    (a community controller limiting the feed-in at the connection). ``g`` and ``l_`` are the
    members' generation and load (T, n); ``g`` is changed in place.

    Returns
    -------
    delivered_kw : DataFrame
        Each unit's output after curtailment [kW] (the power flow injects this).
    curtailed_kwh : float
    """
    limit = export_limit_kw(project)
    if limit is None or not len(gen.units_kw.columns):
        return gen.units_kw, 0.0
    G, L = g, l_
    surplus = np.maximum(G - L, 0.0)
    S, D = surplus.sum(axis=1), np.maximum(L - G, 0.0).sum(axis=1)
    cut_total = np.maximum(S - D - limit * h, 0.0)
    if not cut_total.any():
        return gen.units_kw, 0.0
    cut = np.divide(surplus * cut_total[:, None], S[:, None], out=np.zeros_like(surplus), where=S[:, None] > 0)
    fraction = pd.DataFrame(np.divide(cut, G, out=np.zeros_like(cut), where=G > 0), index=gen.units_kw.index,
                            columns=members)
    g -= cut
    delivered = gen.units_kw.copy()
    for uid, unit_shares in shares.items():
        if uid in delivered:
            lost = sum(share * fraction[m] for m, share in unit_shares.items() if m in fraction)
            delivered[uid] = delivered[uid] * (1.0 - lost)
    return delivered, float(cut_total.sum())


@dataclass(frozen=True)
class Settlement:
    """The balance and every scheme's bills, on each member's tariff.

    ``mean_prices`` (import weighted by consumption, export by generation) serve only where one
    figure per kWh is needed: Shapley values and on-bill savings.
    """

    balance: Balance
    plan: TariffPlan
    schemes: dict[str, SchemeResult]
    mean_prices: tuple[float, float]


def settle(project: Project, d: Dispatch) -> Settlement:
    """Community balance per member and step, each member's prices, every settlement scheme."""
    index = d.generation.index
    balance = Balance(index, d.members, d.generation.to_numpy(), d.load.to_numpy())
    plan = member_prices(project, d.members, index)
    prices = plan.prices
    pb, ps = _weighted_mean(prices.buy, balance.load), _weighted_mean(prices.sell, balance.generation)
    contracts = [ContractTerms(c.seller_id, c.buyer_id, c.price_eur_per_kwh, c.priority, c.cap_kwh, c.id)
                 for c in project.items("contract").values()]
    schemes = all_schemes(balance, prices, contracts=contracts, baseline_load=d.consumption)
    return Settlement(balance, plan, schemes, (pb, ps))


def _weighted_mean(price: np.ndarray, weight: np.ndarray) -> float:
    """The mean of ``price`` weighted by ``weight`` (both per step and member; the plain mean where
    the weights are all zero), with no temporary of their size."""
    total = float(weight.sum())
    if total <= 0:
        return float(price.mean()) if price.size else 0.0
    return float(np.einsum("ij,ij->", price, weight)) / total


def shapley_stage(s: Settlement, samples: int) -> ShapleyResult:
    """Each member's Shapley value of the community's sharing at the mean prices: exact up to
    12 members, else ``samples`` random orderings (:mod:`planner.economics.shapley`)."""
    value, marginal = community_value(s.balance.generation, s.balance.load, *s.mean_prices)
    return shapley(len(s.balance.members), value, samples=samples, marginal=marginal)


def fairness_indexes(project: Project, s: Settlement) -> dict:
    """How the benefit is shared (DOMAIN.md section 3): the Gini and Jain indexes of the members'
    savings under the study's benefit scheme against grid only, and the savings by member group
    (the settlement alone gives them: ``planner run``'s report draws the members' page from them
    while the power flow still runs)."""
    scheme = project.study.benefit_scheme
    schemes = s.schemes
    savings = (schemes["grid_only"].member_bills() - schemes[scheme].member_bills()).drop(COMMUNITY, errors="ignore")
    groups: dict[str, list[float]] = {}
    for member_id, saving in savings.items():
        member = project.items("member").get(member_id)
        key = (member.group or member.kind) if member is not None else COMMUNITY
        groups.setdefault(key, []).append(float(saving))
    return {"gini": gini(savings.to_numpy()), "jain": jain(savings.to_numpy()), "benefit_scheme": scheme,
            "benefits_by_group": {k: {"members": len(v), "savings_eur": sum(v), "mean_savings_eur": sum(v) / len(v)}
                                  for k, v in groups.items()}}


def indexes_stage(project: Project, gen: GenerationResult, d: Dispatch, s: Settlement, grid: GridOutcome, *,
                  grid_emission_factor: float | None, upstream_loss_factor: float,
                  phi: ShapleyResult | None) -> tuple[dict, pd.DataFrame | None]:
    """CO2 avoided, fairness (Gini, Jain, by group), avoided upstream losses, spending kept local,
    Shapley values (``phi``, from :func:`shapley_stage`) and governance (DOMAIN.md section 3)."""
    h = gen.step_h
    balance, schemes, prices = s.balance, s.schemes, s.plan.prices
    fair = fairness_indexes(project, s)
    chp_fuel = sum(x.fuel_chp_kwh for x in gen.chp.values())
    chp_heat = sum(float(x.q_chp_kw.sum() * h) for x in gen.chp.values())
    demand = float(balance.load.sum() - d.battery_kw.clip(lower=0).sum().sum() * h)
    factor = {} if grid_emission_factor is None else {"grid_factor": grid_emission_factor}
    co2 = co2_avoided_kg(demand - grid.import_kwh, chp_fuel, chp_heat, **factor)
    # energy served locally (generation used inside the community) no longer travels the upstream grid
    local_kwh = float(np.minimum(balance.generation.sum(axis=1), balance.load.sum(axis=1)).sum())
    own_losses = (grid.figures.get("losses_mwh") or 0.0) * 1000.0 if grid.figures else 0.0
    indexes = {
        "co2_avoided_t": co2 / 1000.0, "gini": fair["gini"], "jain": fair["jain"],
        "grid_emission_factor_kg_per_kwh": factor.get("grid_factor", GRID_EMISSION_FACTOR_KG_PER_KWH),
        "gas_emission_factor_kg_per_kwh": GAS_EMISSION_FACTOR_KG_PER_KWH,
        "benefit_scheme": fair["benefit_scheme"],
        "avoided_upstream_losses_kwh": local_kwh * upstream_loss_factor,
        "community_grid_losses_kwh": own_losses,
        "net_avoided_losses_kwh": local_kwh * upstream_loss_factor - own_losses,
        "upstream_loss_factor": upstream_loss_factor,
        "benefits_by_group": fair["benefits_by_group"],
    }
    # what members pay for the energy they take under the SDR pool, and the part of it that
    # leaves the community (grid imports on their tariffs, charges on shared energy)
    sdr = schemes["sdr"]
    to_grid = float(sdr.details["import_cost"].sum()) + float(sdr.details["shared_charges"].sum())
    spending = to_grid + float((sdr.details["p_internal"] * balance.shared).sum())  # members share min(S, D)
    indexes["spending_kept_local"] = (1.0 - to_grid / spending) if spending > 0 else None
    indexes["spending_kept_local_note"] = ("share of the members' electricity spending under the SDR pool that "
                                           "stays with members instead of paying for grid imports and charges")
    n = len(balance.members)
    if phi is None:
        shapley_table = None
        indexes["shapley"] = {"method": "not computed (shapley_samples=0)"}
    else:
        shapley_table = pd.DataFrame({"member_id": balance.members, "shapley_eur": phi.values,
                                      "standard_error_eur": phi.standard_error if phi.standard_error is not None
                                      else np.zeros(n)})
        indexes["shapley"] = {"method": "exact" if phi.standard_error is None
                              else f"sampled, {phi.samples} orderings",
                              "community_value_eur": float(phi.values.sum()),
                              "prices": "consumption-weighted mean import and generation-weighted mean export price"}
    holders = {sh.member_id for sh in project.items("ownership_share").values()
               if project.is_cooperative_unit(project.get(sh.unit_kind, sh.unit_id))}
    indexes["governance"] = {"rule": "one member, one vote, not weighted by shares",
                             "members": len(project.items("member")), "votes": len(project.items("member")),
                             "cooperative_share_holders": len(holders)}
    return indexes, shapley_table


def finance_stage(project: Project, gen: GenerationResult, d: Dispatch, s: Settlement,
                  subsidy_eur_per_kwh: float, catalogue):
    """Unit costs and LCOE; each member's and the community's investment over the study's horizon
    at its discount rate (:func:`planner.economics.investments.plan_finance`)."""
    from planner.economics.costs import battery_extra_kw, technology_of, unit_costs
    from planner.economics.investments import plan_finance

    h = gen.step_h
    energy = d.delivered_kw.sum() * h
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
            if kind == "battery":
                row["extra_kw"] = battery_extra_kw(u)
            rows.append(row)
            owners[u.id] = d.shares.get(u.id, {_owner(project, u.owner_id): 1.0})
    costs = unit_costs(rows, catalogue, rate=project.study.discount_rate)
    savings = s.schemes["grid_only"].member_bills() - s.schemes[project.study.benefit_scheme].member_bills()
    if project.grid_investment is not None:
        costs, owners = _with_grid(project, costs, owners, list(savings.index))
    gen_by_member = pd.Series(s.balance.generation.sum(axis=0), index=s.balance.members)
    return plan_finance(costs, owners, savings, gen_by_member, subsidy_eur_per_kwh, project.study.horizon_years,
                        project.study.discount_rate, scheme_label=SCHEME_LABELS[project.study.benefit_scheme])


GRID_UNIT = "community grid"


def _with_grid(project: Project, costs: pd.DataFrame, owners: dict, members: list):
    """The community's own grid as one more investment: its capex and upkeep, and its losses
    valued at the default tariff's import price (as fuel is for a CHP), owned in equal shares by
    every member (an assumption: the grid serves them all)."""
    from planner.community.tariffs import default_tariff_id

    grid = project.grid_investment
    price = project.get("tariff", default_tariff_id(project)).gross_import_price()
    row = {"unit_id": GRID_UNIT, "kind": "grid", "technology": "grid", "size": 1.0, "size_basis": "the grid",
           "capex_eur": grid.capex_eur, "opex_eur_per_year": grid.capex_eur * grid.opex_share_per_year,
           "fuel_eur_per_year": grid.losses_kwh_per_year * price, "heat_credit_eur_per_year": 0.0,
           "energy_kwh_per_year": 0.0, "lifetime_years": grid.lifetime_years, "lcoe_eur_per_kwh": float("nan"),
           "source": f"{grid.source}; losses {grid.losses_kwh_per_year:,.0f} kWh a year at {price:.4f} EUR/kWh "
                     f"(in the fuel column)"}
    costs = pd.concat([costs, pd.DataFrame([row])], ignore_index=True)
    owners = dict(owners)
    owners[GRID_UNIT] = {m: 1.0 / len(members) for m in members} if members else {_owner(project, None): 1.0}
    return costs, owners


def measures(project: Project, price: float) -> pd.DataFrame:
    """On-bill financed efficiency measures: repayments from savings at ``price`` [EUR/kWh]."""
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


