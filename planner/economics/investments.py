"""The investment figures of a plan: each unit, each member, the community, over one horizon.

Every unit is bought in year 0 and bought again each time its own lifetime ends inside the
horizon; at the horizon the unit's remaining life is worth its straight-line residual value
(capex times remaining years over lifetime), counted as income in the last year. A member's
cash flows are its shares of its units' flows plus its yearly net benefit, so a household
with its own PV (25 years) and a CHP share (15 years) buys its CHP share again in year 15 and
never its PV. References: DOMAIN.md section 3 (NPV, IRR, payback); the residual value is the
straight-line book value (VDI 2067-1 counts the remaining value the same way).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner.economics.finance import Investment


def capital_flows(capex_eur: float, lifetime_years: int, horizon_years: int) -> np.ndarray:
    """A unit's capital cash flows per year 0..horizon [EUR]: purchases negative, residual positive.

    Parameters
    ----------
    capex_eur : float
        Price of the unit, paid in year 0 and at each replacement.
    lifetime_years : int
        Whole years the unit lasts (at least 1).
    horizon_years : int
        Years the plan is evaluated over.

    Returns
    -------
    numpy.ndarray
        ``horizon_years + 1`` values: ``-capex`` in year 0 and in years ``lifetime``,
        ``2 * lifetime``, ... before the horizon; ``+ capex * (lifetime - age) / lifetime`` in the
        horizon year, ``age`` being the years since the last purchase.

    Raises
    ------
    ValueError
        For a lifetime that is not a whole number of years from 1, or a negative horizon.
    """
    lifetime = _check_years(lifetime_years, horizon_years)
    flows = np.zeros(horizon_years + 1)
    flows[0] -= capex_eur
    for year in range(lifetime, horizon_years, lifetime):
        flows[year] -= capex_eur
    flows[horizon_years] += residual_value(capex_eur, lifetime, horizon_years)
    return flows


def residual_value(capex_eur: float, lifetime_years: int, horizon_years: int) -> float:
    """Straight-line value of a unit's remaining life at the horizon [EUR].

    ``capex * (lifetime - age) / lifetime``, ``age`` the years since the unit was last bought
    (in year 0 or at a replacement before the horizon).
    """
    lifetime = _check_years(lifetime_years, horizon_years)
    last = ((horizon_years - 1) // lifetime) * lifetime  # the last purchase before the horizon
    age = horizon_years - last
    return capex_eur * max(lifetime - age, 0) / lifetime


def _check_years(lifetime_years, horizon_years) -> int:
    if isinstance(lifetime_years, bool) or not float(lifetime_years).is_integer() or lifetime_years < 1:
        raise ValueError(f"a lifetime must be a whole number of years from 1, got {lifetime_years!r}")
    if horizon_years < 1:
        raise ValueError(f"the horizon must be at least one year, got {horizon_years!r}")
    return int(lifetime_years)


def _with_income(capital: np.ndarray, yearly_eur: float) -> tuple[float, ...]:
    flows = capital.copy()
    flows[1:] += yearly_eur
    return tuple(float(v) for v in flows)


def plan_finance(costs: pd.DataFrame, owners: Mapping[str, Mapping[str, float]], savings: pd.Series,
                 generation_kwh_by_member: pd.Series, subsidy_eur_per_kwh: float, horizon_years: int,
                 rate: float, scheme_label: str = "the SDR pool") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Unit, member and community investment figures.

    Parameters
    ----------
    costs : DataFrame
        One row per unit from :func:`planner.economics.costs.unit_costs`.
    owners : mapping
        ``owners[unit_id][member_id]`` = share of the unit (shares of a unit sum to 1).
    savings : Series
        Each member's yearly saving [EUR] (the chosen scheme against grid only).
    generation_kwh_by_member : Series
        Each member's yearly generation [kWh], for the production subsidy.
    subsidy_eur_per_kwh : float
        Production subsidy [EUR/kWh].
    horizon_years : int
    rate : float
        Discount rate per year.
    scheme_label : str
        The settlement scheme whose savings are the benefit, as text.

    Returns
    -------
    units, members : DataFrame
        ``costs`` with value per kWh, NPV, IRR, simple and discounted payback per unit; and
        per member capex, yearly net benefit, NPV, IRR, paybacks.
    community : dict
        The same for the whole community, with the conventions stated.
    """
    costs = costs.copy()
    energy_total = float(costs.energy_kwh_per_year.sum())
    # each generated kWh is worth, on average, what the community saves per kWh it generates
    value_per_kwh = float(savings.sum()) / energy_total if energy_total > 0 else 0.0
    capital = {c.unit_id: capital_flows(c.capex_eur, c.lifetime_years, horizon_years) for c in costs.itertuples()}
    running = costs.opex_eur_per_year + costs.fuel_eur_per_year - costs.heat_credit_eur_per_year
    figures = {"npv_eur": [], "irr": [], "simple_payback_years": [], "discounted_payback_years": []}
    for c, run_cost in zip(costs.itertuples(), running):
        if c.kind == "battery":  # its value is in the members' savings, not in energy of its own
            for values in figures.values():
                values.append(None)
            continue
        yearly = (value_per_kwh + subsidy_eur_per_kwh) * c.energy_kwh_per_year - run_cost
        inv = Investment(_with_income(capital[c.unit_id], yearly), rate)
        figures["npv_eur"].append(inv.npv)
        figures["irr"].append(inv.irr)
        figures["simple_payback_years"].append(inv.simple_payback_years)
        figures["discounted_payback_years"].append(inv.discounted_payback_years)
    costs["value_eur_per_kwh"] = value_per_kwh
    costs["residual_eur"] = [residual_value(c.capex_eur, c.lifetime_years, horizon_years)
                             for c in costs.itertuples()]
    for name, values in figures.items():
        costs[name] = values

    members = list(dict.fromkeys(list(savings.index) + [m for shares in owners.values() for m in shares]))
    member_capital = {m: np.zeros(horizon_years + 1) for m in members}
    member_capex = dict.fromkeys(members, 0.0)
    member_running = dict.fromkeys(members, 0.0)
    for c, run_cost in zip(costs.itertuples(), running):
        for member, share in owners[c.unit_id].items():
            member_capital[member] += share * capital[c.unit_id]
            member_capex[member] += share * c.capex_eur
            member_running[member] += share * run_cost
    rows = []
    for member in members:
        yearly = float(savings.get(member, 0.0)) + subsidy_eur_per_kwh * float(
            generation_kwh_by_member.get(member, 0.0)) - member_running[member]
        inv = Investment(_with_income(member_capital[member], yearly), rate)
        invests = member_capex[member] > 0
        rows.append({"member_id": member, "capex_eur": member_capex[member], "yearly_net_benefit_eur": yearly,
                     "npv_eur": inv.npv, "irr": inv.irr if invests else None,
                     "simple_payback_years": inv.simple_payback_years if invests else None,
                     "discounted_payback_years": inv.discounted_payback_years if invests else None})
    member_table = pd.DataFrame(rows)

    total_capital = sum(capital.values(), np.zeros(horizon_years + 1))
    yearly = float(savings.sum()) + subsidy_eur_per_kwh * energy_total - float(running.sum())
    inv = Investment(_with_income(total_capital, yearly), rate)
    community = {
        "capex_eur": float(costs.capex_eur.sum()), "yearly_net_benefit_eur": yearly, "horizon_years": horizon_years,
        "discount_rate": rate, "npv_eur": inv.npv, "irr": inv.irr,
        "simple_payback_years": inv.simple_payback_years, "discounted_payback_years": inv.discounted_payback_years,
        "residual_value_eur": float(costs.residual_eur.sum()),
        "production_subsidy_eur_per_kwh": subsidy_eur_per_kwh,
        "benefit": f"savings under {scheme_label} against grid only, plus subsidy, minus opex and fuel, "
                   "plus CHP heat credit",
        "lifetimes": "each unit is bought again when its own lifetime ends inside the horizon; its remaining "
                     "life at the horizon counts as a straight-line residual value in the last year",
        "unit_value_eur_per_kwh": value_per_kwh,
        "unit_value_note": "units are valued at the community's average saving per kWh generated "
                           "(batteries: cost only, their value is in the members' savings)",
    }
    return costs, member_table, community


__all__ = ["capital_flows", "plan_finance", "residual_value"]
