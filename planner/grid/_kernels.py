"""Compiled inner loops of the batch power flow (numba).

Every time step is independent, so steps are spread over the cores; a few consecutive steps
run their fixed-point iterations together over the shared sparse LU factors, which fit in
cache. Layout: arrays of steps are ``(T, n)``, one step per contiguous row; inside a block of
steps ``(n, BLOCK)``, the steps of one bus side by side.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


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
    case) and steps that did not converge give NaN. Steps in runs over the cores; a run takes
    16 steps at a time, their voltages and branch currents as real and imaginary arrays (n, 16)
    so the loop over the steps vectorises, then writes each element's 16 values (0.34 -> 0.20 s
    for the sample's hourly year on one core)."""
    T = v_pq.shape[0]
    nb = f_bus.shape[0]
    nan = np.nan
    B = 16  # steps at a time
    blocks = min(T, 64)
    yff_re, yff_im, yft_re, yft_im = yff.real.copy(), yff.imag.copy(), yft.real.copy(), yft.imag.copy()
    ytf_re, ytf_im, ytt_re, ytt_im = ytf.real.copy(), ytf.imag.copy(), ytt.real.copy(), ytt.imag.copy()
    others = np.flatnonzero(~counted)  # branches neither lines nor transformers (impedances, wards)
    for blk in prange(blocks):
        v_re = np.full((n_bus, B), np.nan)  # buses neither PQ nor slack (none in a checked net) stay NaN
        v_im = np.full((n_bus, B), np.nan)
        i_f = np.empty((nb, B))
        i_t = np.empty((nb, B))
        loss = np.empty((nb, B))
        for r in range(ref.shape[0]):
            for b in range(B):
                v_re[ref[r], b] = v_slack[r].real
                v_im[ref[r], b] = v_slack[r].imag
        first, last = blk * T // blocks, (blk + 1) * T // blocks
        for t0 in range(first, last, B):
            m = min(B, last - t0)
            for k in range(pq.shape[0]):
                i = pq[k]
                for b in range(m):
                    z = v_pq[t0 + b, k]
                    v_re[i, b] = z.real
                    v_im[i, b] = z.imag
            for br in range(nb):
                f, t = f_bus[br], t_bus[br]
                a_re, a_im, c_re, c_im = yff_re[br], yff_im[br], yft_re[br], yft_im[br]
                d_re, d_im, e_re, e_im = ytf_re[br], ytf_im[br], ytt_re[br], ytt_im[br]
                sf, st = scale_f[br], scale_t[br]
                for b in range(B):  # magnitudes as roots of squares: 5 times glibc's hypot, which abs() calls
                    vfr, vfi, vtr, vti = v_re[f, b], v_im[f, b], v_re[t, b], v_im[t, b]
                    cfr = a_re * vfr - a_im * vfi + c_re * vtr - c_im * vti
                    cfi = a_re * vfi + a_im * vfr + c_re * vti + c_im * vtr
                    ctr = d_re * vfr - d_im * vfi + e_re * vtr - e_im * vti
                    cti = d_re * vfi + d_im * vfr + e_re * vti + e_im * vtr
                    i_f[br, b] = math.sqrt(cfr * cfr + cfi * cfi) * sf
                    i_t[br, b] = math.sqrt(ctr * ctr + cti * cti) * st
                    loss[br, b] = (vfr * cfr + vfi * cfi + vtr * ctr + vti * cti) * scale_loss
            for j in range(bus_lookup.shape[0]):  # element by element: each writes m rows side by side
                i = bus_lookup[j]
                for b in range(m):
                    vm[t0 + b, j] = math.sqrt(v_re[i, b] * v_re[i, b] + v_im[i, b] * v_im[i, b]) if i >= 0 else nan
            for j in range(line_rows.shape[0]):
                br = line_rows[j]
                for b in range(m):
                    line_loading[t0 + b, j] = max(i_f[br, b], i_t[br, b]) * line_factor[j] if br >= 0 else nan
                    line_pl[t0 + b, j] = loss[br, b] if br >= 0 else nan
            for j in range(trafo_rows.shape[0]):
                br = trafo_rows[j]
                for b in range(m):
                    trafo_loading[t0 + b, j] = max(i_f[br, b] * trafo_hv[j], i_t[br, b] * trafo_lv[j]) \
                        if br >= 0 else nan
                    trafo_pl[t0 + b, j] = loss[br, b] if br >= 0 else nan
            for j in range(rows3.shape[0]):
                r0, r1, r2 = rows3[j, 0], rows3[j, 1], rows3[j, 2]
                for b in range(m):
                    if r0 < 0 or r1 < 0 or r2 < 0:
                        trafo3w_loading[t0 + b, j] = nan
                        trafo3w_pl[t0 + b, j] = nan
                    else:
                        trafo3w_loading[t0 + b, j] = max(i_f[r0, b] * factor3[j, 0], i_t[r1, b] * factor3[j, 1],
                                                         i_t[r2, b] * factor3[j, 2])
                        trafo3w_pl[t0 + b, j] = loss[r0, b] + loss[r1, b] + loss[r2, b]
            for b in range(m):
                t = t0 + b
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
                other = 0.0
                for br in others:
                    other += loss[br, b]
                other_pl[t] = other
                for r in range(ref.shape[0]):
                    acc_re, acc_im = 0.0, 0.0
                    for p in range(sp_ptr[r], sp_ptr[r + 1]):
                        i = sp_idx[p]
                        yr, yi = sp_val[p].real, sp_val[p].imag
                        acc_re += yr * v_re[i, b] - yi * v_im[i, b]
                        acc_im += yr * v_im[i, b] + yi * v_re[i, b]
                    vr, vi = v_re[ref[r], b], v_im[ref[r], b]
                    s_slack[t, r] = complex(vr * acc_re + vi * acc_im, vi * acc_re - vr * acc_im) * scale_loss


@njit(cache=True, parallel=True, nogil=True)
def column_extremes(values, ok, top, top_row, low, low_row):  # pragma: no cover - compiled
    """Per column of ``values`` (T, n), over the rows where ``ok``: the largest and smallest value
    and the first row holding it (-1 and -inf/inf where a column has no number). Read row by
    row in bands of 64 columns (a column alone strides through memory: twice the time)."""
    T, n = values.shape
    width = 64
    for band in prange((n + width - 1) // width):
        j0 = band * width
        j1 = min(n, j0 + width)
        for j in range(j0, j1):
            top[j], top_row[j], low[j], low_row[j] = -np.inf, -1, np.inf, -1
        for t in range(T):
            if not ok[t]:
                continue
            for j in range(j0, j1):
                x = values[t, j]
                if x != x:
                    continue
                if x > top[j] or top_row[j] < 0:
                    top[j], top_row[j] = x, t
                if x < low[j] or low_row[j] < 0:
                    low[j], low_row[j] = x, t


@njit(cache=True, parallel=True, nogil=True)
def injections(values, start, static, s_base, position, factor, out, fresh):  # pragma: no cover - compiled
    """Each step's PQ-bus injections [p.u.]: ``s_base`` (everything at its static value) plus, per
    driven column j of ``values`` (from row ``start``), ``factor[j]`` times its change against
    ``static[j]`` at PQ bus ``position[j]`` (-1: none). ``fresh``: ``out`` starts from ``s_base``;
    else the columns' changes are added to what it holds (the next block of columns)."""
    T, n = out.shape
    for t in prange(T):
        if fresh:
            for k in range(n):
                out[t, k] = s_base[k]
        for j in range(position.shape[0]):
            k = position[j]
            if k >= 0:
                out[t, k] += factor[j] * (values[start + t, j] - static[j])


#: Steps solved together in one pass over the LU factors (their values side by side, so each
#: factor entry is loaded once for all of them and the inner loops run on vectors: 16 doubles
#: are two AVX-512 registers; the sample's hourly year 1.6 -> 1.0 s on one core against 8).
BLOCK = 16


@njit(cache=True, nogil=True)
def _block(l_ptr, l_idx, l_re, l_im, li_re, li_im, u_ptr, u_idx, u_re, u_im, ui_re, ui_im, perm_r, perm_c,
           s_re, s_im, rhs_re, rhs_im, v_re, v_im, y_re, y_im, tol, max_iter, taken):  # pragma: no cover - compiled
    """The fixed-point iteration of ``B`` steps at once: ``s_re``/``s_im`` (n, B) their
    injections, ``v_re``/``v_im`` (n, B) their voltages (changed in place), ``y_re``/``y_im``
    (n, B) scratch; the factors' values (``l_re``, ``l_im``), inverted diagonals (``li_re``,
    ``li_im``) and ``rhs`` likewise as real and imaginary parts. Complex numbers kept as two real
    arrays: numba's complex type interleaves them, and the loops over the block's steps then do
    not vectorise. ``taken[b]`` gets the iterations step b needed, or 0 where it did not
    converge. The block iterates until every step has converged (one that has goes on
    converging) or failed."""
    n, B = s_re.shape
    done = np.zeros(B, dtype=np.bool_)
    failed = np.zeros(B, dtype=np.bool_)
    change = np.empty(B)
    smallest = np.empty(B)
    for b in range(B):
        taken[b] = 0
    for k in range(max_iter):
        for i in range(n):
            r = perm_r[i]
            hr, hi = rhs_re[i], rhs_im[i]
            for b in range(B):  # conj(s / v) = conj(s) v / |v|^2: no complex division
                vr, vi = v_re[i, b], v_im[i, b]
                sr, si = s_re[i, b], s_im[i, b]
                m = 1.0 / (vr * vr + vi * vi)
                y_re[r, b] = (sr * vr + si * vi) * m + hr
                y_im[r, b] = (sr * vi - si * vr) * m + hi
        for i in range(n):  # forward substitution, L lower triangular
            for p in range(l_ptr[i], l_ptr[i + 1]):
                ar, ai = l_re[p], l_im[p]
                j = l_idx[p]
                for b in range(B):
                    yr, yi = y_re[j, b], y_im[j, b]
                    y_re[i, b] -= ar * yr - ai * yi
                    y_im[i, b] -= ar * yi + ai * yr
            cr, ci = li_re[i], li_im[i]
            for b in range(B):
                yr, yi = y_re[i, b], y_im[i, b]
                y_re[i, b] = yr * cr - yi * ci
                y_im[i, b] = yr * ci + yi * cr
        for i in range(n - 1, -1, -1):  # backward substitution, U upper triangular
            for p in range(u_ptr[i], u_ptr[i + 1]):
                ar, ai = u_re[p], u_im[p]
                j = u_idx[p]
                for b in range(B):
                    yr, yi = y_re[j, b], y_im[j, b]
                    y_re[i, b] -= ar * yr - ai * yi
                    y_im[i, b] -= ar * yi + ai * yr
            cr, ci = ui_re[i], ui_im[i]
            for b in range(B):
                yr, yi = y_re[i, b], y_im[i, b]
                y_re[i, b] = yr * cr - yi * ci
                y_im[i, b] = yr * ci + yi * cr
        for b in range(B):
            change[b] = 0.0
            smallest[b] = np.inf
        for i in range(n):
            c = perm_c[i]
            for b in range(B):
                xr, xi = y_re[c, b], y_im[c, b]
                dr, di = xr - v_re[i, b], xi - v_im[i, b]
                d = dr * dr + di * di
                if d > change[b] or d != d:
                    change[b] = d
                a = xr * xr + xi * xi
                if a < smallest[b]:
                    smallest[b] = a
                v_re[i, b] = xr
                v_im[i, b] = xi
        pending = False
        for b in range(B):
            if done[b] or failed[b]:
                continue
            if change[b] < tol * tol:
                done[b] = True
                taken[b] = k + 1
            elif change[b] != change[b] or smallest[b] < 0.09:  # NaN or voltage collapse: give up
                failed[b] = True
            else:
                pending = True
        if not pending:
            return


@njit(cache=True, parallel=True, nogil=True)
def fixed_point(l_ptr, l_idx, l_val, l_inv, u_ptr, u_idx, u_val, u_inv, perm_r, perm_c,
                        s, rhs, v0, tol, max_iter, v_out, converged, iterations):  # pragma: no cover - compiled
    """Solve ``Y_pp V = conj(S / V) + rhs`` for every row of ``s`` (T, n).

    ``Pr Y_pp Pc = L U`` (SuperLU's factors in CSR form, diagonals apart, given inverted). The
    steps are cut into contiguous runs spread over the cores; a run solves :data:`BLOCK`
    consecutive steps at a time, each block starting from the voltages of the step before it
    (the no-load voltages ``v0`` start a run, and follow a block whose last step did not
    converge): on smooth profiles that saves about half the iterations, and a block shares each
    pass over the factors (rural3's year 0.19 s -> 0.12 s with blocks of 8 steps).
    """
    T, n = s.shape
    runs = min(T, 64)
    l_re, l_im, li_re, li_im = l_val.real.copy(), l_val.imag.copy(), l_inv.real.copy(), l_inv.imag.copy()
    u_re, u_im, ui_re, ui_im = u_val.real.copy(), u_val.imag.copy(), u_inv.real.copy(), u_inv.imag.copy()
    rhs_re, rhs_im = rhs.real.copy(), rhs.imag.copy()
    for r in prange(runs):
        first, last = r * T // runs, (r + 1) * T // runs
        start_re, start_im = v0.real.copy(), v0.imag.copy()
        s_re, s_im = np.empty((n, BLOCK)), np.empty((n, BLOCK))
        v_re, v_im = np.empty((n, BLOCK)), np.empty((n, BLOCK))
        y_re, y_im = np.empty((n, BLOCK)), np.empty((n, BLOCK))
        taken = np.empty(BLOCK, dtype=np.int64)
        for t0 in range(first, last, BLOCK):
            m = min(BLOCK, last - t0)
            for i in range(n):
                for b in range(BLOCK):
                    z = s[t0 + min(b, m - 1), i]  # a short last block repeats its last step
                    s_re[i, b], s_im[i, b] = z.real, z.imag
                    v_re[i, b], v_im[i, b] = start_re[i], start_im[i]
            _block(l_ptr, l_idx, l_re, l_im, li_re, li_im, u_ptr, u_idx, u_re, u_im, ui_re, ui_im, perm_r, perm_c,
                   s_re, s_im, rhs_re, rhs_im, v_re, v_im, y_re, y_im, tol, max_iter, taken)
            for b in range(m):
                converged[t0 + b] = taken[b] > 0
                iterations[t0 + b] = taken[b] if taken[b] > 0 else max_iter
                for i in range(n):
                    v_out[t0 + b, i] = complex(v_re[i, b], v_im[i, b])
            if taken[m - 1] > 0:
                for i in range(n):
                    start_re[i], start_im[i] = v_re[i, m - 1], v_im[i, m - 1]
            else:
                start_re[:] = v0.real
                start_im[:] = v0.imag
