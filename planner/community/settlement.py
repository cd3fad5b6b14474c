"""Settlement schemes (DOMAIN.md section 2): who pays whom, per member and step.

Every scheme returns a :class:`SchemeResult` whose books close at every step:
the members' payments minus receipts equal the community's grid bill minus its
grid income. Prices are per kWh: ``pb`` the grid import price (lambda_b), ``ps``
the grid export price (lambda_s), scalars or arrays over the steps. Energy
only: fixed charges are the same under every scheme and left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.community.balance import Balance


@dataclass(frozen=True)
class SchemeResult:
    """Net cost (payments minus receipts, EUR) of each member per month, the members' total per step,
    and the community's grid side per step. (Per step and member the cost is aggregated at once: a
    15-minute year of 1,500 members would hold 420 MB per scheme.)"""

    name: str
    index: pd.DatetimeIndex
    members: list[str]
    step_total: np.ndarray  # (T,) sum over members
    monthly_cost: pd.DataFrame  # (months, n)
    grid_net_cost: np.ndarray  # (T,) community grid bill minus grid income
    details: dict = field(default_factory=dict)

    @classmethod
    def from_costs(cls, name, b: Balance, cost: np.ndarray, grid: np.ndarray, details=None) -> "SchemeResult":
        months = _local(b.index).to_period("M")
        starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
        monthly = pd.DataFrame(np.add.reduceat(cost, starts, axis=0) if len(starts) else np.zeros((0, cost.shape[1])),
                               index=months[starts], columns=b.members)
        return cls(name, b.index, b.members, cost.sum(axis=1), monthly, np.asarray(grid, dtype=float),
                   details or {})

    def member_bills(self) -> pd.Series:
        return pd.Series(self.monthly_cost.sum(axis=0).to_numpy(), index=self.members, name=self.name)

    def monthly(self) -> pd.DataFrame:
        """Statement: net cost per member (columns) and calendar month (rows)."""
        return self.monthly_cost

    def total(self) -> float:
        return float(self.step_total.sum())

    def books_gap(self) -> float:
        """The largest step mismatch between members' net cost and the community's grid net cost."""
        return float(np.max(np.abs(self.step_total - self.grid_net_cost))) if len(self.index) else 0.0


def _local(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Wall-clock times (months are the community's months, not UTC's)."""
    return index.tz_localize(None) if index.tz is not None else index


def _col(x, T):
    return np.broadcast_to(np.asarray(x, dtype=float), (T,)).astype(float)


def grid_only(b: Balance, pb) -> SchemeResult:
    """Baseline: each member buys all its consumption from the grid; nobody produces."""
    pb = _col(pb, len(b.index))
    cost = pb[:, None] * b.load
    return SchemeResult.from_costs("grid_only", b, cost, pb * b.load.sum(axis=1))


def net_billing(b: Balance, pb, ps) -> SchemeResult:
    """Each member alone with the grid: pays pb per kWh of deficit, earns ps per kWh of surplus."""
    T = len(b.index)
    pb, ps = _col(pb, T), _col(ps, T)
    cost = pb[:, None] * b.deficit - ps[:, None] * b.surplus
    return SchemeResult.from_costs("net_billing", b, cost, pb * b.total_deficit - ps * b.total_surplus)


def net_metering(b: Balance, pb, px, period: str = "month") -> SchemeResult:
    """Netting over a period (``"month"`` or ``"year"``): bill = pb max(sum(L-G), 0) - px max(sum(G-L), 0).

    ``pb`` and ``px`` are the prices of the period (scalars; px is the credit for net excess). Each
    period's bill falls on its last step.
    """
    if period not in ("month", "year"):
        raise ValueError(f"net metering period is month or year, got '{period}'")
    net = b.load - b.generation
    key = _local(b.index).to_period("M" if period == "month" else "Y")
    cost = np.zeros_like(net)
    for p in pd.unique(key):
        rows = np.flatnonzero(key == p)
        total = net[rows].sum(axis=0)
        cost[rows[-1]] = float(pb) * np.maximum(total, 0.0) - float(px) * np.maximum(-total, 0.0)
    return SchemeResult.from_costs(f"net_metering_{period}ly", b, cost, cost.sum(axis=1))


def sdr_prices(S, D, pb, ps):
    """Supply-demand-ratio prices (Liu et al. 2017): sell p_s and buy p_b per step."""
    S, D = np.asarray(S, float), np.asarray(D, float)
    pb, ps = _col(pb, len(S)), _col(ps, len(S))
    ratio = np.divide(S, D, out=np.full_like(S, np.inf), where=D > 0)
    under = ratio < 1
    r = np.where(under, ratio, 0.0)
    p_sell = np.where(under, pb * ps / ((pb - ps) * r + ps), ps)
    p_buy = np.where(under, p_sell * r + pb * (1 - r), ps)
    return p_sell, p_buy


def mmr_prices(S, D, pb, ps):
    """Mid-market-rate prices (Long et al. 2017): sell p_s and buy p_b per step."""
    S, D = np.asarray(S, float), np.asarray(D, float)
    pb, ps = _col(pb, len(S)), _col(ps, len(S))
    mid = (pb + ps) / 2
    p_buy = np.where(S < D, np.divide(mid * S + pb * (D - S), D, out=mid.copy(), where=D > 0), mid)
    p_sell = np.where(S > D, np.divide(mid * D + ps * (S - D), S, out=mid.copy(), where=S > 0), mid)
    return p_sell, p_buy


def _pool(name, b: Balance, prices: Callable, pb, ps) -> SchemeResult:
    T = len(b.index)
    s, d = b.surplus, b.deficit
    S, D = s.sum(axis=1), d.sum(axis=1)
    p_sell, p_buy = prices(S, D, pb, ps)
    cost = p_buy[:, None] * d - p_sell[:, None] * s
    pb, ps = _col(pb, T), _col(ps, T)
    grid = pb * np.maximum(D - S, 0.0) - ps * np.maximum(S - D, 0.0)
    return SchemeResult.from_costs(name, b, cost, grid, {"p_sell": p_sell, "p_buy": p_buy})


def sdr(b: Balance, pb, ps) -> SchemeResult:
    """Supply-demand-ratio pool: members trade at p_s / p_b, the pool's remainder with the grid."""
    return _pool("sdr", b, sdr_prices, pb, ps)


def mmr(b: Balance, pb, ps) -> SchemeResult:
    """Mid-market-rate pool."""
    return _pool("mmr", b, mmr_prices, pb, ps)


def bill_sharing(b: Balance, pb, ps) -> SchemeResult:
    """The community's net grid bill B = pb max(D-S, 0) - ps max(S-D, 0), split by share.

    Split: the import cost goes to the members in deficit in proportion to their deficits d_i/D,
    the export income to the members in surplus in proportion to their surpluses s_i/S; energy
    shared inside the community changes hands for nothing (Long et al. 2017).
    """
    T = len(b.index)
    pb, ps = _col(pb, T), _col(ps, T)
    s, d = b.surplus, b.deficit
    S, D = s.sum(axis=1), d.sum(axis=1)
    imp, exp = np.maximum(D - S, 0.0), np.maximum(S - D, 0.0)
    cost_share = np.divide(d, D[:, None], out=np.zeros_like(d), where=D[:, None] > 0)
    income_share = np.divide(s, S[:, None], out=np.zeros_like(s), where=S[:, None] > 0)
    cost = (pb * imp)[:, None] * cost_share - (ps * exp)[:, None] * income_share
    return SchemeResult.from_costs("bill_sharing", b, cost, pb * imp - ps * exp)


@dataclass(frozen=True)
class ContractTerms:
    seller: str
    buyer: str
    price: float
    priority: int = 1
    cap_kwh: float | None = None
    id: str = ""


def bilateral(b: Balance, contracts: Sequence[ContractTerms], pb, ps,
              pool: Callable = sdr_prices, pool_name: str = "sdr") -> SchemeResult:
    """Negotiated rates first: each contract (priority order) moves min(seller surplus, buyer deficit)
    at its price, within its annual cap; what remains goes to the pool, then to the grid."""
    s, d = b.surplus.copy(), b.deficit.copy()
    position = {m: i for i, m in enumerate(b.members)}
    cost = np.zeros_like(s)
    traded = {}
    for c in sorted(contracts, key=lambda c: (c.priority, c.id)):
        i, j = position[c.seller], position[c.buyer]
        amount = np.minimum(s[:, i], d[:, j])
        if c.cap_kwh is not None:
            amount = np.diff(np.minimum(np.cumsum(amount), c.cap_kwh), prepend=0.0)
        s[:, i] -= amount
        d[:, j] -= amount
        cost[:, j] += c.price * amount
        cost[:, i] -= c.price * amount
        traded[c.id or f"{c.seller}->{c.buyer}"] = float(amount.sum())
    S, D = s.sum(axis=1), d.sum(axis=1)
    p_sell, p_buy = pool(S, D, pb, ps)
    cost += p_buy[:, None] * d - p_sell[:, None] * s
    T = len(b.index)
    pb, ps = _col(pb, T), _col(ps, T)
    grid = pb * np.maximum(D - S, 0.0) - ps * np.maximum(S - D, 0.0)
    return SchemeResult.from_costs(f"bilateral+{pool_name}", b, cost, grid,
                                   {"p_sell": p_sell, "p_buy": p_buy, "traded_kwh": traded})


def allocation(b: Balance, pb, ps, keys: dict[str, float] | None = None,
               internal_price=None) -> SchemeResult:
    """EU renewable energy community allocation keys.

    Community generation G_c = sum of the members' generation is allocated: static key
    (``keys``, summing to 1) A_i = min(L_i, k_i G_c); dynamic (``keys=None``)
    A_i = L_i min(1, G_c / sum L). Members pay pb for L_i - A_i and ``internal_price`` (default
    the mid-market rate) for A_i; producers receive, in proportion to their generation, the
    internal price for the allocated energy and ps for the rest.
    """
    T = len(b.index)
    pb, ps = _col(pb, T), _col(ps, T)
    p_int = (pb + ps) / 2 if internal_price is None else _col(internal_price, T)
    G = b.generation
    Gc = G.sum(axis=1)
    L = b.load
    if keys is None:
        total = L.sum(axis=1)
        factor = np.minimum(1.0, np.divide(Gc, total, out=np.ones_like(Gc), where=total > 0))
        A = L * factor[:, None]
        name = "allocation_dynamic"
    else:
        k = np.array([keys.get(m, 0.0) for m in b.members], dtype=float)
        if not np.isclose(k.sum(), 1.0):
            raise ValueError(f"static allocation keys must sum to 1, got {k.sum():g}")
        A = np.minimum(L, k[None, :] * Gc[:, None])
        name = "allocation_static"
    allocated = A.sum(axis=1)
    revenue = p_int * allocated + ps * (Gc - allocated)
    producer_share = np.divide(G, Gc[:, None], out=np.zeros_like(G), where=Gc[:, None] > 0)
    cost = pb[:, None] * (L - A) + p_int[:, None] * A - revenue[:, None] * producer_share
    grid = pb * (L - A).sum(axis=1) - ps * (Gc - allocated)
    return SchemeResult.from_costs(name, b, cost, grid, {"allocated_kwh_per_member": A.sum(axis=0)})


def all_schemes(b: Balance, pb, ps, *, contracts: Sequence[ContractTerms] = (),
                static_keys: dict[str, float] | None = None, net_metering_credit=None,
                baseline: Balance | None = None) -> dict[str, SchemeResult]:
    """Every scheme on the same balance, for comparison side by side.

    ``baseline`` is the balance without generation or storage for the grid-only scheme (by
    default ``b``'s load): a battery's charging is no consumption a member would buy without it.
    """
    px = ps if net_metering_credit is None else net_metering_credit
    pb_scalar = float(np.mean(pb))
    px_scalar = float(np.mean(px))
    if static_keys is None:
        load = b.load.sum(axis=0)
        total = load.sum()
        static_keys = {m: (float(v / total) if total > 0 else 1.0 / len(b.members))
                       for m, v in zip(b.members, load)}
    results = [
        grid_only(baseline if baseline is not None else b, pb), net_billing(b, pb, ps),
        net_metering(b, pb_scalar, px_scalar, "month"), net_metering(b, pb_scalar, px_scalar, "year"),
        sdr(b, pb, ps), mmr(b, pb, ps), bill_sharing(b, pb, ps),
        bilateral(b, contracts, pb, ps),
        allocation(b, pb, ps, static_keys), allocation(b, pb, ps, None),
    ]
    return {r.name: r for r in results}
