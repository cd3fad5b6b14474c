"""Compiled loops of the three-phase batch power flow (numba): the sequence networks' triangular
solves for a block of steps side by side, and the steps spread over the cores.

The arithmetic is :func:`planner.grid.powerflow3ph.solve`'s, which stays the readable reference
(and is tested against these kernels): per iteration each bus's phase currents from its phase
voltages, their sequence components, and one forward and one backward pass over each sequence
network's LU factors.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Steps solved together in one pass over the factors.
BLOCK = 8
_A = complex(-0.5, 0.8660254037844386)  # exp(j 120 deg)
_A2 = complex(-0.5, -0.8660254037844386)


@njit(cache=True, nogil=True)
def _triangular(l_ptr, l_idx, l_val, l_inv, u_ptr, u_idx, u_val, u_inv, y):  # pragma: no cover - compiled
    """Solve L U x = y in place for every column of y (n, B)."""
    n, B = y.shape
    for i in range(n):
        for p in range(l_ptr[i], l_ptr[i + 1]):
            lv = l_val[p]
            j = l_idx[p]
            for b in range(B):
                y[i, b] -= lv * y[j, b]
        for b in range(B):
            y[i, b] *= l_inv[i]
    for i in range(n - 1, -1, -1):
        for p in range(u_ptr[i], u_ptr[i + 1]):
            uv = u_val[p]
            j = u_idx[p]
            for b in range(B):
                y[i, b] -= uv * y[j, b]
        for b in range(B):
            y[i, b] *= u_inv[i]


@njit(cache=True, nogil=True)
def _block(f0, f1, f2, perm0, perm1, perm2, pq, ref, v1_ref, rhs1, s, v, y0, y1, y2, i1, tol, max_iter,
           taken):  # pragma: no cover - compiled
    """Iterate a block: ``s`` (3, n, B) phase injections, ``v`` (3, n, B) sequence voltages (in place).
    ``f*`` are (l_ptr, l_idx, l_val, l_inv, u_ptr, u_idx, u_val, u_inv); ``perm*`` (perm_r, perm_c)."""
    _, n, B = s.shape
    n_pq = len(pq)
    done = np.zeros(B, dtype=np.bool_)
    change = np.empty(B)
    third = 1.0 / 3.0
    for b in range(B):
        taken[b] = 0
    for k in range(max_iter):
        for i in range(n):
            for b in range(B):
                v0, v1, v2 = v[0, i, b], v[1, i, b], v[2, i, b]
                va = v0 + v1 + v2
                vb = v0 + _A2 * v1 + _A * v2
                vc = v0 + _A * v1 + _A2 * v2
                ia = np.conj(s[0, i, b] / va)
                ib = np.conj(s[1, i, b] / vb)
                ic = np.conj(s[2, i, b] / vc)
                y0[perm0[0][i], b] = (ia + ib + ic) * third
                y2[perm2[0][i], b] = (ia + _A2 * ib + _A * ic) * third
                i1[i, b] = (ia + _A * ib + _A2 * ic) * third
        for k1 in range(n_pq):
            i = pq[k1]
            for b in range(B):
                y1[perm1[0][k1], b] = i1[i, b] + rhs1[k1]
        _triangular(f0[0], f0[1], f0[2], f0[3], f0[4], f0[5], f0[6], f0[7], y0)
        _triangular(f1[0], f1[1], f1[2], f1[3], f1[4], f1[5], f1[6], f1[7], y1)
        _triangular(f2[0], f2[1], f2[2], f2[3], f2[4], f2[5], f2[6], f2[7], y2)
        for b in range(B):
            change[b] = 0.0
        for i in range(n):
            for b in range(B):
                x0 = y0[perm0[1][i], b]
                x2 = y2[perm2[1][i], b]
                d0 = x0 - v[0, i, b]
                d2 = x2 - v[2, i, b]
                d = d0.real * d0.real + d0.imag * d0.imag + d2.real * d2.real + d2.imag * d2.imag
                if d > change[b] or d != d:
                    change[b] = d
                v[0, i, b] = x0
                v[2, i, b] = x2
        for k1 in range(n_pq):
            i = pq[k1]
            for b in range(B):
                x1 = y1[perm1[1][k1], b]
                d1 = x1 - v[1, i, b]
                d = d1.real * d1.real + d1.imag * d1.imag
                if d > change[b] or d != d:
                    change[b] = d
                v[1, i, b] = x1
        for k1 in range(len(ref)):
            for b in range(B):
                v[1, ref[k1], b] = v1_ref[k1]
        pending = False
        for b in range(B):
            if done[b]:
                continue
            if change[b] < tol * tol:
                done[b] = True
                taken[b] = k + 1
            elif change[b] != change[b]:  # NaN: a voltage collapsed
                done[b] = True
            else:
                pending = True
        if not pending:
            return


@njit(cache=True, parallel=True, nogil=True)
def fixed_point_3ph(f0, f1, f2, perm0, perm1, perm2, pq, ref, v1_ref, rhs1, s, start, tol, max_iter, v_out,
                    iterations):  # pragma: no cover - compiled
    """Solve every step of ``s`` (T, 3, n) from the sequence voltages ``start`` (3, n); writes the
    sequence voltages into ``v_out`` (T, 3, n) and the iterations (0: not converged)."""
    T = s.shape[0]
    n = s.shape[2]
    n_pq = len(pq)
    runs = min(T, 64)
    for r in prange(runs):
        first, last = r * T // runs, (r + 1) * T // runs
        s_b = np.empty((3, n, BLOCK), dtype=np.complex128)
        v = np.empty((3, n, BLOCK), dtype=np.complex128)
        y0 = np.empty((n, BLOCK), dtype=np.complex128)
        y1 = np.empty((n_pq, BLOCK), dtype=np.complex128)
        y2 = np.empty((n, BLOCK), dtype=np.complex128)
        i1 = np.empty((n, BLOCK), dtype=np.complex128)
        taken = np.empty(BLOCK, dtype=np.int64)
        warm = start.copy()
        for t0 in range(first, last, BLOCK):
            m = min(BLOCK, last - t0)
            for p in range(3):
                for i in range(n):
                    for b in range(BLOCK):
                        s_b[p, i, b] = s[t0 + min(b, m - 1), p, i]
                        v[p, i, b] = warm[p, i]
            _block(f0, f1, f2, perm0, perm1, perm2, pq, ref, v1_ref, rhs1, s_b, v, y0, y1, y2, i1, tol, max_iter,
                   taken)
            for b in range(m):
                iterations[t0 + b] = taken[b]
                for p in range(3):
                    for i in range(n):
                        v_out[t0 + b, p, i] = v[p, i, b]
            if taken[m - 1] > 0:
                for p in range(3):
                    for i in range(n):
                        warm[p, i] = v[p, i, m - 1]
            else:
                warm[:, :] = start


@njit(cache=True, parallel=True, nogil=True)
def bus_figures(v012, vm, vuf):  # pragma: no cover - compiled
    """Per step and bus of the sequence voltages ``v012`` (T, 3, n): each phase's magnitude into
    ``vm`` (T, 3, n) and the unbalance |V2| / |V1| into ``vuf`` (T, n)."""
    T, _, n = v012.shape
    for t in prange(T):
        for i in range(n):
            v0, v1, v2 = v012[t, 0, i], v012[t, 1, i], v012[t, 2, i]
            vm[t, 0, i] = abs(v0 + v1 + v2)
            vm[t, 1, i] = abs(v0 + _A2 * v1 + _A * v2)
            vm[t, 2, i] = abs(v0 + _A * v1 + _A2 * v2)
            vuf[t, i] = abs(v2) / abs(v1)


@njit(cache=True, parallel=True, nogil=True)
def line_figures(v012, fbus, tbus, y_from, y_to, scale_from, scale_to, i_phase, i_neutral):  # pragma: no cover
    """Per step and line: the largest phase current and the neutral current (3 |I0|), each the
    larger of the line's two ends. ``y_from`` (3, L, 2): each sequence's admittances of the from
    end to the from and to bus (``y_to`` likewise); ``scale_*``: p.u. to kA at each end."""
    T = v012.shape[0]
    L = len(fbus)
    for t in prange(T):
        for k in range(L):
            f, b = fbus[k], tbus[k]
            top, neutral = 0.0, 0.0
            for end in range(2):
                y = y_from if end == 0 else y_to
                scale = scale_from[k] if end == 0 else scale_to[k]
                i0 = (y[0, k, 0] * v012[t, 0, f] + y[0, k, 1] * v012[t, 0, b]) * scale
                i1 = (y[1, k, 0] * v012[t, 1, f] + y[1, k, 1] * v012[t, 1, b]) * scale
                i2 = (y[2, k, 0] * v012[t, 2, f] + y[2, k, 1] * v012[t, 2, b]) * scale
                m = max(abs(i0 + i1 + i2), abs(i0 + _A2 * i1 + _A * i2), abs(i0 + _A * i1 + _A2 * i2))
                top = max(top, m)
                neutral = max(neutral, 3.0 * abs(i0))
            i_phase[t, k] = top
            i_neutral[t, k] = neutral
