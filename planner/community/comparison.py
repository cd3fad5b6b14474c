"""Every settlement scheme on the same balance, side by side (:func:`all_schemes`).

By default the compiled passes of :mod:`planner.community._kernels` give them all at once; with
``compiled=False`` the scheme functions of :mod:`planner.community.settlement` run one by one, a
calendar month at a time (:func:`by_month`): the readable reference the compiled passes are
tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from planner.community.balance import Balance, calendar_months
from planner.community.settlement import (
    ContractTerms, MemberPrices, SchemeResult, _col, _netting, _prices, allocation, bilateral, grid_only,
    mmr_prices, net_billing, net_metering, pools, sdr_prices,
)


def all_schemes(b: Balance, pb, ps=None, *, contracts: Sequence[ContractTerms] = (),
                static_keys: dict[str, float] | None = None, net_metering_credit=None,
                baseline: Balance | None = None, baseline_load: pd.DataFrame | None = None,
                compiled: bool = True) -> dict[str, SchemeResult]:
    """Every scheme on the same balance, for comparison side by side.

    ``pb`` is a :class:`MemberPrices` (each member on its tariff) or an import price for all
    with ``ps`` the export price. ``baseline`` is the balance without generation or storage for
    the grid-only scheme (by default ``b``'s load): a battery's charging is no consumption a
    member would buy without it. ``baseline_load`` says the same by the members whose load it
    changes (columns: members, the others' baseline is their load in ``b``), without a second
    members x steps array. ``net_metering_credit`` replaces the export price as the credit
    for net excess under net metering. ``compiled=False`` runs the scheme functions one by one
    (the readable reference the compiled loops are tested against).
    """
    prices = _prices(b, pb, ps)
    credit = prices if net_metering_credit is None else MemberPrices(
        prices.buy, np.broadcast_to(_col(net_metering_credit, len(b.index))[:, None], prices.buy.shape),
        prices.shared_charge, prices.fixed_per_month)
    if static_keys is None:
        load = b.load.sum(axis=0)
        total = load.sum()
        static_keys = {m: (float(v / total) if total > 0 else 1.0 / len(b.members))
                       for m, v in zip(b.members, load)}
    if baseline is not None and baseline_load is not None:
        raise ValueError("give the baseline as a balance or by the members it changes, not both")
    if compiled:
        return _compiled_schemes(b, _baseline_columns(b, baseline, baseline_load), prices, credit, contracts,
                                 static_keys)
    base = baseline if baseline is not None else b
    if baseline_load is not None:  # the whole baseline, for the scheme functions
        slot, values = _baseline_columns(b, None, baseline_load)
        load, changed = np.array(b.load, dtype=float), slot >= 0
        load[:, changed] = values[:, slot[changed]]
        base = Balance(b.index, b.members, np.zeros_like(load), load)
    capped = any(c.cap_kwh is not None for c in contracts)  # an annual cap ties the months together
    results = [
        by_month(grid_only, base, prices), by_month(net_billing, b, prices),
        net_metering(b, credit, period="month"), net_metering(b, credit, period="year"),
        *by_month(pools, b, prices),
        bilateral(b, contracts, prices) if capped else by_month(lambda x, p: bilateral(x, contracts, p), b, prices),
        by_month(lambda x, p: allocation(x, p, keys=static_keys), b, prices),
        by_month(lambda x, p: allocation(x, p, keys=None), b, prices),
    ]
    return {r.name: r for r in results}


def _baseline_columns(b: Balance, baseline: Balance | None, baseline_load: pd.DataFrame | None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The grid-only baseline as the compiled loops take it: per member its column in the values
    (-1: its load in ``b``), and the (T, k) values of the members whose baseline differs."""
    n = len(b.members)
    slot = np.full(n, -1, dtype=np.int64)
    if baseline_load is not None:
        position = {m: i for i, m in enumerate(b.members)}
        columns = [position[m] for m in baseline_load.columns]
        values = baseline_load.to_numpy(dtype=float)
    elif baseline is not None:
        load = np.asarray(baseline.load, dtype=float)
        columns = [i for i in range(n) if not np.array_equal(load[:, i], b.load[:, i])]
        values = load[:, columns]
    else:
        columns, values = [], np.zeros((len(b.index), 0))
    slot[columns] = np.arange(len(columns))
    return slot, np.asfortranarray(values)


def _compiled_schemes(b: Balance, base: tuple[np.ndarray, np.ndarray], prices: MemberPrices, credit: MemberPrices,
                      contracts: Sequence[ContractTerms], static_keys: dict[str, float]) -> dict[str, SchemeResult]:
    """:func:`all_schemes` by the compiled loops of :mod:`planner.community._kernels`: the same
    formulas, in a few passes over the members' generation and load (``base``: the grid-only
    baseline, :func:`_baseline_columns`)."""
    from planner.community import _kernels as K

    T, n = b.load.shape
    G, L = np.asarray(b.generation, dtype=float), np.asarray(b.load, dtype=float)
    months, starts = calendar_months(b.index)
    block = 256
    k = np.array([static_keys.get(m, 0.0) for m in b.members], dtype=float)
    if not np.isclose(k.sum(), 1.0):
        raise ValueError(f"static allocation keys must sum to 1, got {k.sum():g}")
    # contracts first, in priority order: their flows, and the surplus and deficit they leave
    ordered = sorted(contracts, key=lambda c: (c.priority, c.id))
    position = {m: i for i, m in enumerate(b.members)}
    seller = np.array([position[c.seller] for c in ordered], dtype=np.int64)
    buyer = np.array([position[c.buyer] for c in ordered], dtype=np.int64)
    touched = np.unique(np.r_[seller, buyer])
    slot = np.full(n, -1, dtype=np.int64)
    slot[touched] = np.arange(len(touched))
    s2, d2, extra = (np.zeros((T, len(touched))) for _ in range(3))
    contract_charges = np.zeros(T)
    traded = np.zeros(len(ordered))
    K.contract_flows(G, L, prices.shared_charge, seller, buyer, np.array([c.price for c in ordered], dtype=float),
                     np.array([-1.0 if c.cap_kwh is None else c.cap_kwh for c in ordered], dtype=float),
                     slot, s2, d2, extra, contract_charges, traded)
    sums = np.empty((T, K.STEP_SUMS))
    K.step_sums(G, L, prices.buy, prices.sell, slot, s2, d2, block, sums)
    S, D, S2, D2 = sums[:, 0], sums[:, 1], sums[:, 6], sums[:, 7]
    pb_ref, ps_ref = prices.reference_from_sums(D, S, sums[:, 2], sums[:, 3])
    pb_ref2, ps_ref2 = prices.reference_from_sums(D2, S2, sums[:, 8], sums[:, 9])
    alloc_static = np.empty(T)
    K.static_allocated(G, L, k, S, block, alloc_static)
    shared, shared2 = np.minimum(S, D), np.minimum(S2, D2)
    ratio = np.minimum(1.0, np.divide(S, D, out=np.ones_like(S), where=D > 0))
    f = np.column_stack([S, D, np.divide(shared, D, out=np.zeros_like(S), where=D > 0),
                         np.divide(shared, S, out=np.zeros_like(S), where=S > 0),
                         np.divide(shared2, D2, out=np.zeros_like(S), where=D2 > 0),
                         np.divide(shared2, S2, out=np.zeros_like(S), where=S2 > 0),
                         ratio, alloc_static, D * ratio])
    sdr_sell, sdr_buy = sdr_prices(S, D, pb_ref, ps_ref)
    mmr_sell, mmr_buy = mmr_prices(S, D, pb_ref, ps_ref)
    sdr2_sell, sdr2_buy = sdr_prices(S2, D2, pb_ref2, ps_ref2)
    mid = (pb_ref + ps_ref) / 2.0
    p_int = np.column_stack([sdr_sell, mid, np.zeros(T), sdr2_sell, mid, mid])
    M = len(starts)
    monthly = np.zeros((len(K.SCHEMES), M, n))
    step_total, grid = np.empty((T, len(K.SCHEMES))), np.empty((T, len(K.SCHEMES)))
    charges = np.empty((T, 4))
    consumption, allocated, net = np.zeros((M, n)), np.zeros((2, M, n)), np.zeros((M, K.NET_SUMS, n))
    K.member_costs(G, L, *base, prices.buy, prices.sell, prices.shared_charge,
                   credit.sell, starts.astype(np.int64), k, slot, s2, d2, extra, f, p_int,
                   monthly, step_total, grid, charges, consumption, allocated, net)
    grid[:, 5] += contract_charges  # what contract energy pays in charges leaves the community

    def result(name, column, costs, details=None):
        return _from_months(name, b, months, starts, costs, step_total[:, column].copy(), grid[:, column].copy(),
                            prices, details)

    pool = {"reference_buy": pb_ref, "reference_sell": ps_ref, "shared_charges": charges[:, 0],
            "import_cost": sums[:, 2] * (1.0 - f[:, 2])}
    zero = np.zeros(T)
    out = [result("grid_only", 0, monthly[0], {"consumption_kwh": consumption.sum(axis=0)}),
           result("net_billing", 1, monthly[1])]
    for period in ("month", "year"):
        costs, totals = np.zeros((M, n)), np.zeros(T)
        for end, m, bill in _netting(b.index, months, starts, net, period):
            costs[m] = bill
            totals[end] = bill.sum()
        out.append(_from_months(f"net_metering_{period}ly", b, months, starts, costs, totals, totals.copy(), prices))
    out += [result("sdr", 2, monthly[2], {"p_internal": sdr_sell, "p_sell": sdr_sell, "p_buy": sdr_buy, **pool}),
            result("mmr", 3, monthly[3], {"p_internal": mid, "p_sell": mmr_sell, "p_buy": mmr_buy, **pool}),
            result("bill_sharing", 4, monthly[4], {"p_internal": zero, "p_sell": zero, "p_buy": zero, **pool})]
    traded_kwh = {}
    for c, amount in zip(ordered, traded):
        traded_kwh[c.id or f"{c.seller}->{c.buyer}"] = float(amount)
    out.append(result("bilateral+sdr", 5, monthly[5], {
        "p_internal": sdr2_sell, "p_sell": sdr2_sell, "p_buy": sdr2_buy, "reference_buy": pb_ref2,
        "reference_sell": ps_ref2, "shared_charges": charges[:, 1], "import_cost": sums[:, 8] * (1.0 - f[:, 4]),
        "traded_kwh": traded_kwh}))
    for j, (name, column) in enumerate((("allocation_static", 6), ("allocation_dynamic", 7))):
        out.append(result(name, column, monthly[column], {"allocated_kwh_per_member": allocated[j].sum(axis=0),
                                                          "p_internal": mid, "shared_charges": charges[:, 2 + j]}))
    return {r.name: r for r in out}


def _from_months(name, b: Balance, months, starts, costs, step_total, grid, prices: MemberPrices,
                 details=None) -> SchemeResult:
    """A result from each member's cost per month; each month's fixed charges fall on its first
    step, as :meth:`SchemeResult.from_costs` puts them."""
    if np.any(prices.fixed_per_month) and len(starts):
        costs = costs + prices.fixed_per_month[None, :]
        step_total[starts] += prices.fixed_per_month.sum()
        grid[starts] += prices.fixed_per_month.sum()
    monthly = pd.DataFrame(costs, index=months[starts], columns=b.members)
    return SchemeResult(name, b.index, b.members, step_total, monthly, grid, details or {})


def by_month(scheme: Callable, b: Balance, prices: MemberPrices):
    """``scheme(b, prices)`` computed a calendar month at a time and joined: the same result for
    every scheme whose steps are settled apart (all but yearly netting and capped contracts),
    with temporaries of a month's size instead of a year's (several times faster for a thousand
    members). A scheme function may return a list of results (:func:`pools`): so does this."""
    _, starts = calendar_months(b.index)
    if len(starts) <= 1:
        return scheme(b, prices)
    bounds = list(starts) + [len(b.index)]
    results = []
    for a, z in zip(bounds[:-1], bounds[1:]):
        rows = slice(a, z)
        sub = Balance(b.index[rows], b.members, b.generation[rows], b.load[rows])
        sub.__dict__.update(surplus=b.surplus[rows], deficit=b.deficit[rows])  # views of the year's, once
        results.append(scheme(sub, MemberPrices(prices.buy[rows], prices.sell[rows], prices.shared_charge[rows],
                                                prices.fixed_per_month)))
    if isinstance(results[0], list):  # several schemes at once: join each
        return [_join([r[k] for r in results], b) for k in range(len(results[0]))]
    return _join(results, b)


def _join(parts: list[SchemeResult], b: Balance) -> SchemeResult:
    """Months of one scheme as one result."""
    details = {}
    for key, first in parts[0].details.items():
        values = [p.details[key] for p in parts]
        if isinstance(first, dict):
            details[key] = {k: sum(v.get(k, 0.0) for v in values) for k in first}
        elif isinstance(first, np.ndarray) and first.ndim == 1 and all(
                len(v) == len(p.index) for v, p in zip(values, parts)) and any(
                len(p.index) != len(b.members) for p in parts):  # per step, not per member
            details[key] = np.concatenate(values)
        else:
            details[key] = sum(values[1:], values[0])
    first = parts[0]
    return SchemeResult(first.name, b.index, b.members, np.concatenate([p.step_total for p in parts]),
                        pd.concat([p.monthly_cost for p in parts]), np.concatenate([p.grid_net_cost for p in parts]),
                        details)
