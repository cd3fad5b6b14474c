"""Settlement schemes (DOMAIN.md section 2): who pays whom, per member and step.

Prices are per member and step (:class:`MemberPrices`): each member buys from and sells to
the grid on its own tariff. Scalars or per-step arrays still work and mean one tariff for all.

Every pool scheme is the same decomposition with its own internal price p_int: at each step
the community shares min(S, D); member i receives shared_in_i = d_i min(S, D) / D and gives
shared_out_i = s_i min(S, D) / S; what is left it trades with the grid on its own tariff.
Member i pays ``buy_i (d_i - shared_in_i) - sell_i (s_i - shared_out_i) + p_int (shared_in_i -
shared_out_i) + charge_i shared_in_i``, ``charge_i`` being what shared energy pays in grid
fees, levies and taxes (the project's shared-energy setting). With one tariff for all this is
exactly the published scheme: SDR (Liu et al. 2017) with p_int = p_s, MMR (Long et al. 2017)
with p_int the mid-market rate, bill sharing with p_int = 0. With several tariffs the
reference prices in those formulas are the buyers' deficit-weighted mean import price and
the sellers' surplus-weighted mean export price of the step.

Every scheme's books close at every step: what members pay minus what they receive equals
their grid bills minus grid income plus the charges shared energy pays out of the community
(and the members' fixed charges, the same under every scheme). Redistribution schemes move
money between members; with one tariff and no charges on shared energy the community's total
is the same under SDR, MMR and bill sharing, and only the split differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.community.balance import Balance, calendar_months


@dataclass(frozen=True)
class MemberPrices:
    """What each member pays and earns per kWh at each step, on its own tariff.

    Attributes
    ----------
    buy : ndarray (T, n)
        Grid import price [EUR/kWh], every component and VAT included.
    sell : ndarray (T, n)
        Export remuneration [EUR/kWh].
    shared_charge : ndarray (T, n)
        What a kWh of energy shared inside the community pays the member receiving it in grid
        fees, levies and taxes [EUR/kWh] (0 where the community owns its grid).
    fixed_per_month : ndarray (n,)
        Fixed charge [EUR/month], VAT included.
    """

    buy: np.ndarray
    sell: np.ndarray
    shared_charge: np.ndarray
    fixed_per_month: np.ndarray

    @classmethod
    def uniform(cls, pb, ps, T: int, n: int, shared_charge=0.0) -> "MemberPrices":
        """One tariff for everyone: scalars or per-step arrays."""
        return cls(np.broadcast_to(_col(pb, T)[:, None], (T, n)), np.broadcast_to(_col(ps, T)[:, None], (T, n)),
                   np.broadcast_to(_col(shared_charge, T)[:, None], (T, n)), np.zeros(n))

    @property
    def one_tariff(self) -> bool:
        """One tariff for all: the prices are broadcasts of one column."""
        return bool(self.buy.ndim == 2 and self.buy.strides[1] == 0 and self.sell.strides[1] == 0
                    and self.buy.shape[1])

    def reference(self, d: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The step's reference prices: buyers' deficit-weighted mean import price, sellers'
        surplus-weighted mean export price (plain means where nobody buys or sells)."""
        if self.one_tariff:
            return self.buy[:, 0].copy(), self.sell[:, 0].copy()  # one tariff: its prices are the means
        return self.reference_from_sums(d.sum(axis=1), s.sum(axis=1), (self.buy * d).sum(axis=1),
                                        (self.sell * s).sum(axis=1))

    def reference_from_sums(self, D, S, priced_d, priced_s) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`reference` from the step's deficit D, surplus S, sum buy_i d_i and sum sell_i s_i."""
        if self.one_tariff:
            return self.buy[:, 0].copy(), self.sell[:, 0].copy()
        pb = np.where(D > 0, np.divide(priced_d, D, out=np.zeros_like(D), where=D > 0), self.buy.mean(axis=1))
        ps = np.where(S > 0, np.divide(priced_s, S, out=np.zeros_like(S), where=S > 0), self.sell.mean(axis=1))
        return pb, ps


def _prices(b: Balance, pb, ps) -> MemberPrices:
    if isinstance(pb, MemberPrices):
        return pb
    return MemberPrices.uniform(pb, ps, len(b.index), len(b.members))


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
    def from_costs(cls, name, b: Balance, cost: np.ndarray, grid: np.ndarray, details=None,
                   prices: MemberPrices | None = None) -> "SchemeResult":
        """A result from each member's net cost per step (months summed at once) and the grid side."""
        months, starts = calendar_months(b.index)
        if prices is not None and np.any(prices.fixed_per_month):
            cost = cost.copy()  # each month's fixed charge falls on its first step
            cost[starts] += prices.fixed_per_month[None, :]
            grid = np.asarray(grid, dtype=float).copy()
            grid[starts] += prices.fixed_per_month.sum()
        monthly = pd.DataFrame(np.add.reduceat(cost, starts, axis=0) if len(starts) else np.zeros((0, cost.shape[1])),
                               index=months[starts], columns=b.members)
        return cls(name, b.index, b.members, cost.sum(axis=1), monthly, np.asarray(grid, dtype=float),
                   details or {})

    def member_bills(self) -> pd.Series:
        """Each member's net cost over the whole period [EUR]."""
        return pd.Series(self.monthly_cost.sum(axis=0).to_numpy(), index=self.members, name=self.name)

    def monthly(self) -> pd.DataFrame:
        """Statement: net cost per member (columns) and calendar month (rows)."""
        return self.monthly_cost

    def total(self) -> float:
        """What all members pay minus what they receive [EUR]."""
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
    """Baseline: each member buys all its consumption from the grid on its tariff; nobody produces."""
    prices = _prices(b, pb, 0.0)
    cost = prices.buy * b.load
    return SchemeResult.from_costs("grid_only", b, cost, cost.sum(axis=1), {"consumption_kwh": b.load.sum(axis=0)},
                                   prices=prices)


def net_billing(b: Balance, pb, ps=None) -> SchemeResult:
    """Each member alone with the grid: pays its import price per kWh of deficit, earns its export
    price per kWh of surplus."""
    prices = _prices(b, pb, ps)
    cost = prices.buy * b.deficit - prices.sell * b.surplus
    return SchemeResult.from_costs("net_billing", b, cost, cost.sum(axis=1), prices=prices)


def net_metering(b: Balance, pb, px=None, period: str = "month") -> SchemeResult:
    """Netting over a period (``"month"`` or ``"year"``): bill = pb max(sum(L-G), 0) - px max(sum(G-L), 0).

    ``px`` is the credit for net excess. With prices that vary (time of use), the net kWh of a
    period are priced at the member's deficit-weighted mean import price of the period and
    credited at its surplus-weighted mean export price (plain means where there is none).
    Each period's bill falls on its last step.
    """
    if period not in ("month", "year"):
        raise ValueError(f"net metering period is month or year, got '{period}'")
    prices = _prices(b, pb, px)
    months, starts = calendar_months(b.index)
    sums = []
    for a, z in zip(starts, [*starts[1:], len(b.index)]):  # calendar months are contiguous slices
        rows = slice(a, z)
        d, s = b.deficit[rows], b.surplus[rows]
        sums.append(np.stack([(b.load[rows] - b.generation[rows]).sum(axis=0), d.sum(axis=0), s.sum(axis=0),
                              (prices.buy[rows] * d).sum(axis=0), (prices.sell[rows] * s).sum(axis=0),
                              prices.buy[rows].sum(axis=0), prices.sell[rows].sum(axis=0)]))
    cost = np.zeros_like(b.load)
    for end, _, bill in _netting(b.index, months, starts, sums, period):
        cost[end] = bill
    return SchemeResult.from_costs(f"net_metering_{period}ly", b, cost, cost.sum(axis=1), prices=prices)


def _netting(index, months, starts, sums, period):
    """Net metering's bills from each calendar month's sums per member (rows: net use L - G,
    deficit, surplus, priced deficit, credited surplus, import prices, credit prices): for each
    period, its last step, its last month's position and each member's bill."""
    key = months if period == "month" else _local(index).to_period("Y")
    ends = [*starts[1:], len(index)]
    total, count = None, 0
    for m, (a, z) in enumerate(zip(starts, ends)):
        total, count = (sums[m].copy(), z - a) if total is None else (total + sums[m], count + (z - a))
        if z < len(index) and key[z] == key[z - 1]:
            continue  # the period goes on into the next month
        net, dw, sw, bd, ss, buy_sum, sell_sum = total
        buy = np.where(dw > 0, np.divide(bd, dw, out=np.zeros_like(dw), where=dw > 0), buy_sum / (count or 1))
        sell = np.where(sw > 0, np.divide(ss, sw, out=np.zeros_like(sw), where=sw > 0), sell_sum / (count or 1))
        yield z - 1, m, buy * np.maximum(net, 0.0) - sell * np.maximum(-net, 0.0)
        total = None


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


def _sdr_internal(S, D, pb, ps):
    """SDR's internal price: p_s below an SDR of 1, the export price at or above it."""
    p_sell, _ = sdr_prices(S, D, pb, ps)
    return p_sell


def _mmr_internal(S, D, pb, ps):
    return (pb + ps) / 2.0


def _bill_sharing_internal(S, D, pb, ps):
    return np.zeros_like(np.asarray(S, dtype=float))


def _share(name, b: Balance, internal: Callable, prices: MemberPrices, s=None, d=None, cost=None,
           details=None) -> SchemeResult:
    """The pool decomposition (module docstring) over surpluses ``s`` and deficits ``d``."""
    return _shares([(name, internal)], b, prices, s, d, cost, details)[0]


def _shares(pools, b: Balance, prices: MemberPrices, s=None, d=None, cost=None, details=None) -> list[SchemeResult]:
    """The pool decomposition for several ``(name, internal price)`` at once: the energy shared,
    the grid side and the charges are the same for every internal price, so they are computed
    once."""
    s = b.surplus if s is None else s
    d = b.deficit if d is None else d
    S, D = s.sum(axis=1), d.sum(axis=1)
    shared = np.minimum(S, D)
    shared_in = np.divide(d * shared[:, None], D[:, None], out=np.zeros_like(d), where=D[:, None] > 0)
    shared_out = np.divide(s * shared[:, None], S[:, None], out=np.zeros_like(s), where=S[:, None] > 0)
    pb_ref, ps_ref = prices.reference(d, s)
    grid_cost = prices.buy * (d - shared_in) - prices.sell * (s - shared_out)
    charges = prices.shared_charge * shared_in
    fixed_part = grid_cost + charges
    if cost is not None:
        fixed_part += cost
    net_in = shared_in - shared_out
    details = dict(details or {})
    grid = grid_cost.sum(axis=1) + charges.sum(axis=1) + details.pop("_contract_charges", 0.0)
    details["import_cost"] = (prices.buy * (d - shared_in)).sum(axis=1)
    out = []
    for name, internal in pools:
        p_int = internal(S, D, pb_ref, ps_ref)
        p_sell, p_buy = (sdr_prices if internal is _sdr_internal else mmr_prices)(S, D, pb_ref, ps_ref) \
            if internal is not _bill_sharing_internal else (np.zeros_like(S), np.zeros_like(S))
        total = fixed_part + p_int[:, None] * net_in
        out.append(SchemeResult.from_costs(name, b, total, grid,
                                           {"p_internal": p_int, "p_sell": p_sell, "p_buy": p_buy,
                                            "reference_buy": pb_ref, "reference_sell": ps_ref,
                                            "shared_charges": charges.sum(axis=1), **details}, prices=prices))
    return out


def pools(b: Balance, pb, ps=None) -> list[SchemeResult]:
    """The SDR pool, the MMR pool and bill sharing at once (as :func:`sdr`, :func:`mmr` and
    :func:`bill_sharing` each give them)."""
    return _shares([("sdr", _sdr_internal), ("mmr", _mmr_internal), ("bill_sharing", _bill_sharing_internal)],
                   b, _prices(b, pb, ps))


def sdr(b: Balance, pb, ps=None) -> SchemeResult:
    """Supply-demand-ratio pool: members trade at p_s / p_b, the pool's remainder with the grid."""
    return _share("sdr", b, _sdr_internal, _prices(b, pb, ps))


def mmr(b: Balance, pb, ps=None) -> SchemeResult:
    """Mid-market-rate pool."""
    return _share("mmr", b, _mmr_internal, _prices(b, pb, ps))


def bill_sharing(b: Balance, pb, ps=None) -> SchemeResult:
    """The community's net grid bill split by share (Long et al. 2017).

    With one tariff: B = pb max(D-S, 0) - ps max(S-D, 0); the import cost goes to the members in
    deficit in proportion to their deficits d_i/D, the export income to the members in surplus
    in proportion to their surpluses s_i/S; energy shared inside the community changes hands
    for nothing (p_int = 0). With several tariffs each member's share of the import or export
    is priced on its own tariff.
    """
    return _share("bill_sharing", b, _bill_sharing_internal, _prices(b, pb, ps))


@dataclass(frozen=True)
class ContractTerms:
    """A bilateral contract: seller, buyer, price [EUR/kWh], priority (1 first) and annual cap [kWh]."""
    seller: str
    buyer: str
    price: float
    priority: int = 1
    cap_kwh: float | None = None
    id: str = ""


def bilateral(b: Balance, contracts: Sequence[ContractTerms], pb, ps=None,
              pool: Callable = sdr_prices, pool_name: str = "sdr") -> SchemeResult:
    """Negotiated rates first: each contract (priority order) moves min(seller surplus, buyer deficit)
    at its price, within its annual cap; what remains goes to the pool (SDR by default), then to
    the grid. Contract energy is shared energy: the buyer pays its charges too."""
    prices = _prices(b, pb, ps)
    s, d = b.surplus.copy(), b.deficit.copy()
    position = {m: i for i, m in enumerate(b.members)}
    cost = np.zeros_like(s)
    contract_charges = np.zeros(len(b.index))
    traded = {}
    for c in sorted(contracts, key=lambda c: (c.priority, c.id)):
        i, j = position[c.seller], position[c.buyer]
        amount = np.minimum(s[:, i], d[:, j])
        if c.cap_kwh is not None:  # what the cap leaves after the steps before
            before = np.minimum(np.r_[0.0, np.cumsum(amount)[:-1]], c.cap_kwh)
            amount = np.maximum(np.minimum(amount, c.cap_kwh - before), 0.0)
        s[:, i] -= amount
        d[:, j] -= amount
        charge = prices.shared_charge[:, j] * amount
        cost[:, j] += c.price * amount + charge
        cost[:, i] -= c.price * amount
        contract_charges += charge
        traded[c.id or f"{c.seller}->{c.buyer}"] = float(amount.sum())
    internal = {sdr_prices: _sdr_internal, mmr_prices: _mmr_internal}.get(pool, _sdr_internal)
    return _share(f"bilateral+{pool_name}", b, internal, prices, s=s, d=d, cost=cost,
                  details={"traded_kwh": traded, "_contract_charges": contract_charges})


def allocation(b: Balance, pb, ps=None, keys: dict[str, float] | None = None,
               internal_price=None) -> SchemeResult:
    """EU renewable energy community allocation keys.

    What passes the members' meters is allocated, as the metering operator does: the community
    generation G_c is the members' surplus fed in (own use behind a meter is never allocated)
    and L_i a member's deficit drawn. Static key (``keys``, summing to 1) A_i = min(L_i, k_i G_c);
    dynamic (``keys=None``) A_i = L_i min(1, G_c / sum L). (Where producers have meters of their
    own, as in DOMAIN.md's statement, surplus is generation and deficit is load.) Members pay
    their import price for L_i - A_i, and ``internal_price`` (default: the mid-market rate of
    the step's deficit-weighted import price and surplus-weighted export price) plus the
    shared-energy charges for A_i; producers receive, in proportion to their surplus, the
    internal price for the allocated energy and their own export price for the rest.
    """
    prices = _prices(b, pb, ps)
    T = len(b.index)
    G = b.surplus
    Gc = G.sum(axis=1)
    L = b.deficit
    pb_ref, ps_ref = prices.reference(L, G)
    p_int = (pb_ref + ps_ref) / 2 if internal_price is None else _col(internal_price, T)
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
    producer_share = np.divide(G, Gc[:, None], out=np.zeros_like(G), where=Gc[:, None] > 0)
    exported = (Gc - allocated)[:, None] * producer_share
    charges = prices.shared_charge * A
    grid_cost = prices.buy * (L - A) - prices.sell * exported
    cost = grid_cost + p_int[:, None] * A + charges - (p_int * allocated)[:, None] * producer_share
    return SchemeResult.from_costs(name, b, cost, grid_cost.sum(axis=1) + charges.sum(axis=1),
                                   {"allocated_kwh_per_member": A.sum(axis=0), "p_internal": p_int,
                                    "shared_charges": charges.sum(axis=1)}, prices=prices)
