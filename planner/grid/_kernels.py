"""Compiled inner loops of the batch power flow (numba).

Every time step is independent, so steps are spread over the cores; each step
runs its whole fixed-point iteration with the shared sparse LU factors, which
fit in cache. Layout: arrays of steps are ``(T, n)``, one step per contiguous row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True)
def _step(l_ptr, l_idx, l_val, l_inv, u_ptr, u_idx, u_val, u_inv, perm_r, perm_c, s_t, rhs, v, y, tol,
          max_iter):  # pragma: no cover - compiled
    """One step's fixed-point iteration from the voltages in ``v`` (changed in place); returns
    the iterations taken, or 0 when it did not converge. The factors come without their
    diagonals, which are given inverted (``l_inv``, ``u_inv``)."""
    n = s_t.shape[0]
    for k in range(max_iter):
        for i in range(n):
            y[perm_r[i]] = np.conj(s_t[i] / v[i]) + rhs[i]
        for i in range(n):  # forward substitution, L lower triangular
            acc = y[i]
            for p in range(l_ptr[i], l_ptr[i + 1]):
                acc -= l_val[p] * y[l_idx[p]]
            y[i] = acc * l_inv[i]
        for i in range(n - 1, -1, -1):  # backward substitution, U upper triangular
            acc = y[i]
            for p in range(u_ptr[i], u_ptr[i + 1]):
                acc -= u_val[p] * y[u_idx[p]]
            y[i] = acc * u_inv[i]
        change = 0.0  # squared magnitudes: no square roots in the loop
        smallest = np.inf
        for i in range(n):
            xi = y[perm_c[i]]
            dr, di = xi.real - v[i].real, xi.imag - v[i].imag
            d = dr * dr + di * di
            if d > change or d != d:
                change = d
            a = xi.real * xi.real + xi.imag * xi.imag
            if a < smallest:
                smallest = a
            v[i] = xi
        if change < tol * tol:
            return k + 1
        if change != change or smallest < 0.09:  # NaN or voltage collapse (below 0.3 p.u.): give up
            return 0
    return 0


@njit(cache=True, parallel=True, nogil=True)
def fixed_point(l_ptr, l_idx, l_val, l_inv, u_ptr, u_idx, u_val, u_inv, perm_r, perm_c,
                s, rhs, v0, tol, max_iter, v_out, converged, iterations):  # pragma: no cover - compiled
    """Solve ``Y_pp V = conj(S / V) + rhs`` for every row of ``s`` (T, n).

    ``Pr Y_pp Pc = L U`` (SuperLU's factors in CSR form, diagonals apart). The steps are cut into contiguous
    runs spread over the cores; in a run each step starts from its predecessor's voltages
    (the no-load voltages ``v0`` start a run, and follow a step that did not converge), which
    saves about half the iterations on smooth profiles.
    """
    T, n = s.shape
    runs = min(T, 64)
    for r in prange(runs):
        v = v0.copy()
        y = np.empty(n, dtype=np.complex128)
        for t in range(r * T // runs, (r + 1) * T // runs):
            taken = _step(l_ptr, l_idx, l_val, l_inv, u_ptr, u_idx, u_val, u_inv, perm_r, perm_c, s[t], rhs, v,
                          y, tol, max_iter)
            converged[t] = taken > 0
            iterations[t] = taken if taken > 0 else max_iter
            for i in range(n):
                v_out[t, i] = v[i]
            if taken == 0:
                v[:] = v0


@njit(cache=True, parallel=True, nogil=True)
def branch_flows(f_bus, t_bus, yff, yft, ytf, ytt, v, scale_f, scale_t, scale_loss, i_f, i_t,
                 loss):  # pragma: no cover - compiled
    """Per step and branch: from/to current magnitudes and losses ``Re(S_f + S_t)``, each times
    its scale (per unit to kA at the branch's ends, to MW)."""
    T = v.shape[0]
    nb = f_bus.shape[0]
    for t in prange(T):
        for b in range(nb):
            vf = v[t, f_bus[b]]
            vt = v[t, t_bus[b]]
            cf = yff[b] * vf + yft[b] * vt
            ct = ytf[b] * vf + ytt[b] * vt
            i_f[t, b] = abs(cf) * scale_f[b]
            i_t[t, b] = abs(ct) * scale_t[b]
            loss[t, b] = (vf * np.conj(cf) + vt * np.conj(ct)).real * scale_loss
