"""Compiled loops of the settlement (numba): every scheme of :func:`~planner.community.comparison.all_schemes`
in a few passes over the members' generation and load, with no year-long temporaries.

The formulas are those of :mod:`planner.community.settlement`, whose scheme functions stay the
readable reference; the tests hold these loops to them. Arrays of steps are ``(T, n)`` and are read
a member at a time (the dispatch hands them over column by column); prices may be read-only
broadcasts (a stride of 0 for one tariff). Months are contiguous runs of steps (``starts``) and
each is settled apart, so months are spread over the cores.

Order of the schemes in the results (:data:`SCHEMES`): grid only, net billing, SDR, MMR, bill
sharing, bilateral contracts then the SDR pool, static allocation, dynamic allocation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

SCHEMES = ("grid_only", "net_billing", "sdr", "mmr", "bill_sharing", "bilateral+sdr", "allocation_static",
           "allocation_dynamic")
#: Columns of :func:`step_sums`: S, D, sum buy d, sum sell s, sum buy, sum sell, then S, D, sum
#: buy d and sum sell s after the contracts' flows.
STEP_SUMS = 10
#: Per step inputs of :func:`member_costs`: S, D, shared/D, shared/S of the pool, the same two
#: of the bilateral scheme's pool, the dynamic allocation's factor min(1, S/D), the static
#: allocation's total, the dynamic allocation's total.
FACTORS = 9
#: Per month and member sums for net metering: net use (L - G), deficit, surplus, priced deficit,
#: credited surplus, import price, credit price.
NET_SUMS = 7


@njit(cache=True, nogil=True)
def contract_flows(G, L, charge, seller, buyer, price, cap, slot, s2, d2, extra, charges,
                   traded):  # pragma: no cover - compiled
    """Energy each contract moves per step, in the order given (priority): min(the seller's surplus
    left, the buyer's deficit left), within the contract's annual cap (``cap`` < 0: none). Steps
    run in order, as a cap runs out over the year.

    For the members in contracts (``slot[i]``: their column in ``s2``, ``d2``, ``extra``; -1 for
    the others) it leaves the surplus and deficit after the contracts and what the contracts cost
    each (price plus the charges a buyer pays on shared energy, minus a seller's income);
    ``charges`` gets the charges the contracts' energy pays per step, ``traded`` each contract's
    energy.
    """
    T = G.shape[0]
    C = seller.shape[0]
    delivered = np.zeros(C)
    for t in range(T):
        for c in range(C):
            for i in (seller[c], buyer[c]):
                k = slot[i]
                s2[t, k] = max(G[t, i] - L[t, i], 0.0)
                d2[t, k] = max(L[t, i] - G[t, i], 0.0)
                extra[t, k] = 0.0
        paid = 0.0
        for c in range(C):
            i, j = seller[c], buyer[c]
            ki, kj = slot[i], slot[j]
            amount = min(s2[t, ki], d2[t, kj])
            if cap[c] >= 0.0 and amount >= cap[c] - delivered[c]:
                amount = max(cap[c] - delivered[c], 0.0)
                delivered[c] = cap[c]
            else:
                delivered[c] += amount
            s2[t, ki] -= amount
            d2[t, kj] -= amount
            fee = charge[t, j] * amount
            extra[t, kj] += price[c] * amount + fee
            extra[t, ki] -= price[c] * amount
            paid += fee
        charges[t] = paid
    for c in range(C):
        traded[c] = delivered[c]


@njit(cache=True, nogil=True, parallel=True)
def step_sums(G, L, buy, sell, slot, s2, d2, block, out):  # pragma: no cover - compiled
    """Per step (rows of ``out``, :data:`STEP_SUMS` columns): the community's surplus S and deficit
    D and the sums its reference prices need, before and after the contracts (``slot``, ``s2``,
    ``d2`` of :func:`contract_flows`), in blocks of ``block`` steps over the cores."""
    T, n = G.shape
    blocks = (T + block - 1) // block
    for b in prange(blocks):
        a = b * block
        z = min(a + block, T)
        for t in range(a, z):
            for k in range(STEP_SUMS):
                out[t, k] = 0.0
        for i in range(n):
            u = slot[i]
            for t in range(a, z):
                x = G[t, i] - L[t, i]
                s = max(x, 0.0)
                d = max(-x, 0.0)
                out[t, 0] += s
                out[t, 1] += d
                out[t, 2] += buy[t, i] * d
                out[t, 3] += sell[t, i] * s
                out[t, 4] += buy[t, i]
                out[t, 5] += sell[t, i]
                if u >= 0:
                    s = s2[t, u]
                    d = d2[t, u]
                out[t, 6] += s
                out[t, 7] += d
                out[t, 8] += buy[t, i] * d
                out[t, 9] += sell[t, i] * s


@njit(cache=True, nogil=True, parallel=True)
def static_allocated(G, L, keys, S, block, out):  # pragma: no cover - compiled
    """Per step: the static allocation's total, sum_i min(d_i, k_i S)."""
    T, n = G.shape
    blocks = (T + block - 1) // block
    for b in prange(blocks):
        a = b * block
        z = min(a + block, T)
        for t in range(a, z):
            out[t] = 0.0
        for i in range(n):
            for t in range(a, z):
                out[t] += min(max(L[t, i] - G[t, i], 0.0), keys[i] * S[t])


@njit(cache=True, nogil=True, parallel=True)
def member_costs(G, L, base_slot, base, buy, sell, charge, credit, starts, keys, slot, s2, d2, extra, f, p_int,
                 monthly, step_total, grid, shared_charges, consumption, allocated,
                 net):  # pragma: no cover - compiled
    """Each scheme's cost per member and month, its total and the community's grid side per step.

    ``f`` (T, :data:`FACTORS`) and ``p_int`` (T, 6: SDR, MMR, bill sharing, the bilateral
    scheme's SDR pool, static and dynamic allocation) are per step. Outputs: ``monthly`` (8, M,
    n), ``step_total`` and ``grid`` (T, 8), ``shared_charges`` (T, 4: pool, bilateral pool,
    static and dynamic allocation), ``consumption`` (M, n) of the baseline, ``allocated`` (2, M,
    n), ``net`` (M, 7, n) for net metering. The bilateral scheme's grid side leaves out the
    contracts' charges (added by the caller). The grid-only scheme bills the baseline's load:
    member i's column ``base_slot[i]`` of ``base`` (T, k), or its load ``L`` where that is -1.
    """
    T, n = G.shape
    M = starts.shape[0]
    for m in prange(M):
        a = starts[m]
        z = starts[m + 1] if m + 1 < M else T
        for t in range(a, z):
            for k in range(8):
                step_total[t, k] = 0.0
                grid[t, k] = 0.0
            for k in range(4):
                shared_charges[t, k] = 0.0
        for i in range(n):
            acc = np.zeros(8)
            nm = np.zeros(NET_SUMS)
            used = 0.0
            a_static = 0.0
            a_dynamic = 0.0
            k_i = keys[i]
            u = slot[i]
            bs = base_slot[i]
            for t in range(a, z):
                g, l_ = G[t, i], L[t, i]
                s = max(g - l_, 0.0)
                d = max(l_ - g, 0.0)
                pb, ps, pc = buy[t, i], sell[t, i], charge[t, i]
                S = f[t, 0]
                # grid only (on the baseline's load) and net billing
                lb = l_ if bs < 0 else base[t, bs]
                c0 = pb * lb
                c1 = pb * d - ps * s
                used += lb
                # the pools: shares of min(S, D) in and out
                sin = d * f[t, 2]
                sout = s * f[t, 3]
                gc = pb * (d - sin) - ps * (s - sout)
                chg = pc * sin
                net_in = sin - sout
                c2 = gc + chg + p_int[t, 0] * net_in
                c3 = gc + chg + p_int[t, 1] * net_in
                c4 = gc + chg + p_int[t, 2] * net_in
                # contracts first, then the SDR pool over what is left
                if u >= 0:
                    s_b, d_b, x = s2[t, u], d2[t, u], extra[t, u]
                else:
                    s_b, d_b, x = s, d, 0.0
                sin2 = d_b * f[t, 4]
                sout2 = s_b * f[t, 5]
                gc2 = pb * (d_b - sin2) - ps * (s_b - sout2)
                chg2 = pc * sin2
                c5 = gc2 + chg2 + x + p_int[t, 3] * (sin2 - sout2)
                # allocation keys: A_i of the deficit; producers paid in proportion to their surplus
                prod = s / S if S > 0.0 else 0.0
                a_s = min(d, k_i * S)
                a_d = d * f[t, 6]
                gc6 = pb * (d - a_s) - ps * (S - f[t, 7]) * prod
                gc7 = pb * (d - a_d) - ps * (S - f[t, 8]) * prod
                ch6 = pc * a_s
                ch7 = pc * a_d
                c6 = gc6 + p_int[t, 4] * a_s + ch6 - p_int[t, 4] * f[t, 7] * prod
                c7 = gc7 + p_int[t, 5] * a_d + ch7 - p_int[t, 5] * f[t, 8] * prod
                a_static += a_s
                a_dynamic += a_d
                acc[0] += c0
                acc[1] += c1
                acc[2] += c2
                acc[3] += c3
                acc[4] += c4
                acc[5] += c5
                acc[6] += c6
                acc[7] += c7
                step_total[t, 0] += c0
                step_total[t, 1] += c1
                step_total[t, 2] += c2
                step_total[t, 3] += c3
                step_total[t, 4] += c4
                step_total[t, 5] += c5
                step_total[t, 6] += c6
                step_total[t, 7] += c7
                grid[t, 0] += c0
                grid[t, 1] += c1
                grid[t, 2] += gc + chg
                grid[t, 5] += gc2 + chg2
                grid[t, 6] += gc6 + ch6
                grid[t, 7] += gc7 + ch7
                shared_charges[t, 0] += chg
                shared_charges[t, 1] += chg2
                shared_charges[t, 2] += ch6
                shared_charges[t, 3] += ch7
                # net metering: the month's sums
                nm[0] += l_ - g
                nm[1] += d
                nm[2] += s
                nm[3] += pb * d
                nm[4] += credit[t, i] * s
                nm[5] += pb
                nm[6] += credit[t, i]
            for k in range(8):
                monthly[k, m, i] = acc[k]
            for k in range(NET_SUMS):
                net[m, k, i] = nm[k]
            consumption[m, i] = used
            allocated[0, m, i] = a_static
            allocated[1, m, i] = a_dynamic
        for t in range(a, z):
            grid[t, 3] = grid[t, 2]
            grid[t, 4] = grid[t, 2]


@njit(cache=True, nogil=True, parallel=True)
def step_totals(G, L, block, out):  # pragma: no cover - compiled
    """Per step: the members' total surplus S = sum max(G - L, 0) and deficit D = sum max(L - G, 0)
    (``out`` (T, 2)), in blocks of ``block`` steps over the cores."""
    T, n = G.shape
    blocks = (T + block - 1) // block
    for b in prange(blocks):
        a = b * block
        z = min(a + block, T)
        for t in range(a, z):
            out[t, 0] = 0.0
            out[t, 1] = 0.0
        for i in range(n):
            for t in range(a, z):
                x = G[t, i] - L[t, i]
                if x > 0.0:
                    out[t, 0] += x
                else:
                    out[t, 1] -= x


@njit(cache=True, nogil=True, parallel=True)
def monthly_energy(G, L, starts, totals, out):  # pragma: no cover - compiled
    """Each member's energy per month (``out`` (6, M, n)): load, generation, deficit, surplus, and
    its share of the energy shared in the community, received d_i min(S, D) / D and given
    s_i min(S, D) / S (``totals``: S and D per step)."""
    T, n = G.shape
    M = starts.shape[0]
    for m in prange(M):
        a = starts[m]
        z = starts[m + 1] if m + 1 < M else T
        for i in range(n):
            load = 0.0
            gen = 0.0
            deficit = 0.0
            surplus = 0.0
            shared_in = 0.0
            shared_out = 0.0
            for t in range(a, z):
                g, l_ = G[t, i], L[t, i]
                load += l_
                gen += g
                S, D = totals[t, 0], totals[t, 1]
                shared = min(S, D)
                if g > l_:
                    surplus += g - l_
                    if S > 0.0:
                        shared_out += (g - l_) * shared / S
                elif l_ > g:
                    deficit += l_ - g
                    if D > 0.0:
                        shared_in += (l_ - g) * shared / D
            out[0, m, i] = load
            out[1, m, i] = gen
            out[2, m, i] = deficit
            out[3, m, i] = surplus
            out[4, m, i] = shared_in
            out[5, m, i] = shared_out
