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
def chunk_figures(v_pq, converged, n_bus, pq, ref, v_slack, bus_lookup, f_bus, t_bus, yff, yft, ytf, ytt, scale_f,
                  scale_t, scale_loss, line_rows, line_factor, trafo_rows, trafo_hv, trafo_lv, rows3, factor3,
                  counted, sp_ptr, sp_idx, sp_val, vm, line_loading, line_pl, trafo_loading, trafo_pl,
                  trafo3w_loading, trafo3w_pl, other_pl, s_slack):  # pragma: no cover - compiled
    """Each step's results from its PQ-bus voltages, with no arrays of every branch: bus voltage
    magnitudes (pandapower's bus order, NaN off the case), line and transformer loading [%] and
    losses [MW], three-winding transformers, the losses of every other branch, and each slack
    bus's power [MVA]. ``line_factor`` is 100 / rated current; ``trafo_hv``/``trafo_lv`` turn the
    end currents into loading [%]; ``factor3`` (n3, 3) each winding's. Rows of -1 (out of the
    case) and steps that did not converge give NaN. Steps in blocks over the cores."""
    T = v_pq.shape[0]
    nb = f_bus.shape[0]
    nan = np.nan
    blocks = min(T, 64)
    for blk in prange(blocks):
        v = np.full(n_bus, np.nan + 0j)  # buses neither PQ nor slack (none in a checked net) stay NaN
        i_f = np.empty(nb)
        i_t = np.empty(nb)
        loss = np.empty(nb)
        for r in range(ref.shape[0]):
            v[ref[r]] = v_slack[r]
        for t in range(blk * T // blocks, (blk + 1) * T // blocks):
            if not converged[t]:
                vm[t, :] = nan
                line_loading[t, :] = nan
                line_pl[t, :] = nan
                trafo_loading[t, :] = nan
                trafo_pl[t, :] = nan
                trafo3w_loading[t, :] = nan
                trafo3w_pl[t, :] = nan
                other_pl[t] = nan
                s_slack[t, :] = nan
                continue
            for k in range(pq.shape[0]):
                v[pq[k]] = v_pq[t, k]
            for j in range(bus_lookup.shape[0]):
                b = bus_lookup[j]
                vm[t, j] = abs(v[b]) if b >= 0 else nan
            other = 0.0
            for b in range(nb):
                vf = v[f_bus[b]]
                vt = v[t_bus[b]]
                cf = yff[b] * vf + yft[b] * vt
                ct = ytf[b] * vf + ytt[b] * vt
                i_f[b] = abs(cf) * scale_f[b]
                i_t[b] = abs(ct) * scale_t[b]
                loss[b] = (vf * np.conj(cf) + vt * np.conj(ct)).real * scale_loss
                if not counted[b]:
                    other += loss[b]
            other_pl[t] = other
            for j in range(line_rows.shape[0]):
                b = line_rows[j]
                if b >= 0:
                    line_loading[t, j] = max(i_f[b], i_t[b]) * line_factor[j]
                    line_pl[t, j] = loss[b]
                else:
                    line_loading[t, j] = nan
                    line_pl[t, j] = nan
            for j in range(trafo_rows.shape[0]):
                b = trafo_rows[j]
                if b >= 0:
                    trafo_loading[t, j] = max(i_f[b] * trafo_hv[j], i_t[b] * trafo_lv[j])
                    trafo_pl[t, j] = loss[b]
                else:
                    trafo_loading[t, j] = nan
                    trafo_pl[t, j] = nan
            for j in range(rows3.shape[0]):
                if rows3[j, 0] < 0 or rows3[j, 1] < 0 or rows3[j, 2] < 0:
                    trafo3w_loading[t, j] = nan
                    trafo3w_pl[t, j] = nan
                    continue
                trafo3w_loading[t, j] = max(i_f[rows3[j, 0]] * factor3[j, 0], i_t[rows3[j, 1]] * factor3[j, 1],
                                            i_t[rows3[j, 2]] * factor3[j, 2])
                trafo3w_pl[t, j] = loss[rows3[j, 0]] + loss[rows3[j, 1]] + loss[rows3[j, 2]]
            for r in range(ref.shape[0]):
                acc = 0j
                for p in range(sp_ptr[r], sp_ptr[r + 1]):
                    acc += sp_val[p] * v[sp_idx[p]]
                s_slack[t, r] = v[ref[r]] * np.conj(acc) * scale_loss


@njit(cache=True, parallel=True, nogil=True)
def column_extremes(values, ok, top, top_row, low, low_row):  # pragma: no cover - compiled
    """Per column of ``values`` (T, n), over the rows where ``ok``: the largest and smallest value
    and the first row holding it (-1 and -inf/inf where a column has no number)."""
    T, n = values.shape
    for j in prange(n):
        hi, hi_row, lo, lo_row = -np.inf, -1, np.inf, -1
        for t in range(T):
            if not ok[t]:
                continue
            x = values[t, j]
            if x != x:
                continue
            if x > hi or hi_row < 0:
                hi, hi_row = x, t
            if x < lo or lo_row < 0:
                lo, lo_row = x, t
        top[j], top_row[j], low[j], low_row[j] = hi, hi_row, lo, lo_row


@njit(cache=True, parallel=True, nogil=True)
def injections(values, start, static, s_base, position, factor, out):  # pragma: no cover - compiled
    """Each step's PQ-bus injections [p.u.]: ``s_base`` (everything at its static value) plus, per
    driven column j of ``values`` (from row ``start``), ``factor[j]`` times its change against
    ``static[j]`` at PQ bus ``position[j]`` (-1: none)."""
    T, n = out.shape
    for t in prange(T):
        for k in range(n):
            out[t, k] = s_base[k]
        for j in range(position.shape[0]):
            k = position[j]
            if k >= 0:
                out[t, k] += factor[j] * (values[start + t, j] - static[j])
