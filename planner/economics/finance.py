"""Discounted cash flows: LCOE, NPV, IRR, simple and discounted payback (DOMAIN.md section 3).

Years are counted from 0 (the investment year); a cash flow list ``cf[y]`` is the
net money of year y (negative for spending). Rates are per year, as fractions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def npv(rate: float, cash_flows: Sequence[float]) -> float:
    """Net present value: sum_y CF_y / (1 + r)^y."""
    cf = np.asarray(cash_flows, dtype=float)
    return float(np.sum(cf / (1.0 + rate) ** np.arange(len(cf))))


def irr(cash_flows: Sequence[float], low: float = -0.99, high: float = 10.0, tol: float = 1e-12) -> float | None:
    """Internal rate of return: the rate with NPV = 0 (Brent's method, to ``tol``); ``None`` where no
    sign change brackets one (all money in, all money out, or no root in [low, high])."""
    from scipy.optimize import brentq  # under planner._lazy, from its own module alone

    cf = [float(x) for x in np.asarray(cash_flows, dtype=float)]

    def f(rate: float) -> float:  # Horner's scheme in 1 / (1 + r): a few dozen flows, no arrays
        x, acc = 1.0 / (1.0 + rate), 0.0
        for value in reversed(cf):
            acc = acc * x + value
        return acc

    f_low, f_high = f(low), f(high)
    if not (math.isfinite(f_low) and math.isfinite(f_high)) or f_low * f_high > 0:
        return None
    if f_low == 0.0:
        return low
    if f_high == 0.0:
        return high
    return float(brentq(f, low, high, xtol=tol, rtol=4 * np.finfo(float).eps, maxiter=300))


def payback_years(cash_flows: Sequence[float], rate: float = 0.0) -> float | None:
    """Years until the (discounted, with ``rate``) cumulative cash flow turns non-negative, interpolated
    within the year; ``None`` if it never does."""
    cf = np.asarray(cash_flows, dtype=float) / (1.0 + rate) ** np.arange(len(cash_flows))
    cumulative = np.cumsum(cf)
    if cumulative[0] >= 0:
        return 0.0
    for y in range(1, len(cf)):
        if cumulative[y] >= 0:
            return (y - 1) + (-cumulative[y - 1]) / cf[y]
    return None


def lcoe(rate: float, capex: float, opex_per_year: float, energy_kwh_per_year: float, years: int,
         fuel_per_year: float = 0.0, replacements: dict[int, float] | None = None,
         heat_credit_per_year: float = 0.0) -> float:
    """Levelised cost [EUR/kWh]: sum (capex + opex + fuel)_y / (1+r)^y over sum E_y / (1+r)^y.

    Capex falls in year 0, energy, opex and fuel in years 1..``years``; ``replacements`` maps a year
    to a cost (an inverter, a battery). A CHP's ``heat_credit_per_year`` is subtracted from its
    costs (say so where it is shown).
    """
    if energy_kwh_per_year <= 0:
        return math.inf
    y = np.arange(1, years + 1)
    discount = (1.0 + rate) ** y
    costs = capex + np.sum((opex_per_year + fuel_per_year - heat_credit_per_year) / discount)
    for year, cost in (replacements or {}).items():
        costs += cost / (1.0 + rate) ** year
    return float(costs / np.sum(energy_kwh_per_year / discount))


@dataclass(frozen=True)
class Investment:
    """One investment's yearly cash flows and its figures."""

    cash_flows: tuple[float, ...]
    rate: float

    @property
    def npv(self) -> float:
        """Net present value at the investment's rate [EUR]."""
        return npv(self.rate, self.cash_flows)

    @property
    def irr(self) -> float | None:
        """Internal rate of return, or None where no rate brackets NPV = 0."""
        return irr(self.cash_flows)

    @property
    def simple_payback_years(self) -> float | None:
        """Years until the undiscounted cumulative cash flow turns non-negative, or None."""
        return payback_years(self.cash_flows)

    @property
    def discounted_payback_years(self) -> float | None:
        """Years until the discounted cumulative cash flow turns non-negative, or None."""
        return payback_years(self.cash_flows, self.rate)


def investment(capex: float, yearly_net_income: float, years: int, rate: float,
               replacements: dict[int, float] | None = None) -> Investment:
    """Cash flows of an investment: -capex in year 0, then the yearly net income, minus replacements."""
    flows = [-capex] + [yearly_net_income] * years
    for year, cost in (replacements or {}).items():
        if 1 <= year <= years:
            flows[year] -= cost
    return Investment(tuple(flows), rate)
