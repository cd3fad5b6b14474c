"""Shapley values of each member's contribution to the community (DOMAIN.md section 3).

phi_i = sum over coalitions S without i of |S|! (n - |S| - 1)! / n! (v(S + i) - v(S)).
Exact up to :data:`EXACT_LIMIT` members (2^n coalitions); above, Monte-Carlo over random
orderings, with the standard error of each estimate. Identities: sum phi = v(N) - v(empty);
equal members get equal values; a member adding nothing gets 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

EXACT_LIMIT = 12


@dataclass(frozen=True)
class ShapleyResult:
    """Shapley values per member [EUR], with standard errors when sampled."""
    values: np.ndarray
    standard_error: np.ndarray | None  # None when exact
    samples: int


def shapley_exact(n: int, value: Callable[[np.ndarray], float]) -> ShapleyResult:
    """Exact values; ``value(mask)`` takes a boolean coalition mask of length n."""
    if n > 20:
        raise ValueError(f"exact Shapley values for {n} members need 2^{n} coalitions; sample instead")
    masks = ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    v = np.array([value(m) for m in masks])
    sizes = masks.sum(axis=1)
    weight = np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)])
    phi = np.zeros(n)
    codes = np.arange(2 ** n)
    for i in range(n):
        without = ~masks[:, i]
        base = codes[without]
        phi[i] = np.sum(weight[sizes[without]] * (v[base | (1 << i)] - v[base]))
    return ShapleyResult(phi, None, 2 ** n)


def shapley_sampled(n: int, value: Callable[[np.ndarray], float], samples: int = 200,
                    seed: int = 0, marginal: Callable | None = None) -> ShapleyResult:
    """Monte-Carlo over random orderings (Castro et al. 2009), with each estimate's standard error.

    ``marginal(order)`` may compute all n marginal contributions of one ordering at once (much
    faster for additive-over-time values); by default each coalition is evaluated by ``value``.
    """
    rng = np.random.default_rng(seed)
    contributions = np.zeros((samples, n))
    for k in range(samples):
        order = rng.permutation(n)
        if marginal is not None:
            contributions[k, order] = marginal(order)
            continue
        mask = np.zeros(n, dtype=bool)
        previous = value(mask)
        for i in order:
            mask[i] = True
            current = value(mask)
            contributions[k, i] = current - previous
            previous = current
    phi = contributions.mean(axis=0)
    se = contributions.std(axis=0, ddof=1) / math.sqrt(samples) if samples > 1 else None
    return ShapleyResult(phi, se, samples)


def shapley(n: int, value: Callable[[np.ndarray], float], samples: int = 200, seed: int = 0,
            marginal: Callable | None = None) -> ShapleyResult:
    """Exact up to :data:`EXACT_LIMIT` members, sampled above."""
    if n <= EXACT_LIMIT:
        return shapley_exact(n, value)
    return shapley_sampled(n, value, samples, seed, marginal)


def community_value(generation: np.ndarray, load: np.ndarray, pb: float, ps: float):
    """v(S): what coalition S saves by sharing inside itself against each member alone with the grid.

    For a coalition, the pooled grid bill is pb max(D_S - S_S, 0) - ps max(S_S - D_S, 0) per step;
    alone each member pays pb d_i - ps s_i. v(S) = sum alone - pooled = (pb - ps) sum_t min(S_S, D_S).
    """
    # d_i - s_i = L_i - G_i, members as rows (adding a member to a coalition adds one contiguous
    # row), of the steps where somebody has a surplus and somebody a deficit: the others add
    # nothing to any coalition
    generation, load = np.asarray(generation, dtype=float), np.asarray(load, dtype=float)
    active = np.zeros(load.shape[0], dtype=np.bool_)
    _active_steps(generation, load, active)
    net_rows = np.empty((load.shape[1], int(active.sum())))
    totals = np.empty(load.shape[1])
    _net_rows(generation, load, active, net_rows, totals)

    def value(mask: np.ndarray) -> float:
        rows = net_rows[mask]
        return float((pb - ps) * np.minimum(np.maximum(-rows, 0.0).sum(axis=0),
                                            np.maximum(rows, 0.0).sum(axis=0)).sum())

    # min(S, D) = (S + D - |S - D|) / 2, and sum_t (S + D) of a coalition is the sum of its
    # members' totals: one running sum of each ordering's net deficit d - s is all a sampled
    # ordering needs (``totals``: each member's sum over the steps of |d_i - s_i| = s_i + d_i).
    row_sums = np.empty(net_rows.shape[0])

    def marginal(order: np.ndarray) -> np.ndarray:
        _running_abs_sums(net_rows, np.ascontiguousarray(order, dtype=np.int64), row_sums)
        shared = 0.5 * (pb - ps) * (np.cumsum(totals[order]) - row_sums)
        return np.diff(shared, prepend=0.0)

    return value, marginal


@njit(cache=True, nogil=True, fastmath=True)
def _running_abs_sums(rows, order, out):  # pragma: no cover - compiled
    """``out[k] = sum_t |rows[order[0]] + ... + rows[order[k]]|``: the running sum kept in one
    vector of the steps (it stays in cache), never a members-by-steps matrix."""
    running = np.zeros(rows.shape[1])
    for k in range(order.shape[0]):
        row = rows[order[k]]
        acc = 0.0
        for t in range(rows.shape[1]):
            x = running[t] + row[t]
            running[t] = x
            acc += abs(x)
        out[k] = acc


@njit(cache=True, nogil=True)
def _active_steps(generation, load, out):  # pragma: no cover - compiled
    """``out[t]``: somebody has a surplus and somebody a deficit at step t (members read a column
    at a time)."""
    T, n = load.shape
    up = np.zeros(T, dtype=np.bool_)
    down = np.zeros(T, dtype=np.bool_)
    for i in range(n):
        for t in range(T):
            x = load[t, i] - generation[t, i]
            if x > 0.0:
                up[t] = True
            elif x < 0.0:
                down[t] = True
    for t in range(T):
        out[t] = up[t] and down[t]


@njit(cache=True, nogil=True)
def _net_rows(generation, load, active, out, totals):  # pragma: no cover - compiled
    """``out[i]``: member i's L - G at the active steps; ``totals[i]``: the sum of their magnitudes."""
    T, n = load.shape
    for i in range(n):
        k = 0
        total = 0.0
        for t in range(T):
            if active[t]:
                x = load[t, i] - generation[t, i]
                out[i, k] = x
                total += abs(x)
                k += 1
        totals[i] = total
