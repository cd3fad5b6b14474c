"""Annual power flow, batched over time: build the network once, solve every step together.

The network model is pandapower's own: one ``runpp`` builds its internal case
(admittance matrix with line charging, transformer tap and magnetising
branches, bus shunts), which this module takes as it is. Each time step then
solves the same equations as ``runpp`` with constant-power injections:

    Y_pp V_p = conj(S_p / V_p) - Y_ps V_s

by a fixed-point (implicit Z-bus) iteration, with one sparse LU factorisation
of ``Y_pp`` shared by all steps and all iterations, and every step of a chunk
in one matrix of right-hand sides. Low-voltage grids converge in a few
iterations; steps that do not converge within ``max_iter`` (an absurd load,
voltage collapse) are counted, listed with their times and left as NaN, never
as zeros.

Results follow pandapower's definitions: line loading is the larger end
current over ``max_i_ka * df * parallel``; transformer loading is the larger of
``i_hv * vn_hv`` and ``i_lv * vn_lv`` times sqrt(3) over ``sn_mva``, divided by
``parallel * df``; branch losses are ``Re(S_from + S_to)``, so transformer
losses include iron losses.

Limits: constant-power loads only (ZIP shares must be zero) and no voltage-controlling
elements (``gen``, ``xward``, ``dcline``); each is refused by name with what to do instead.
The network model itself is :mod:`planner.grid.grid_model`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.grid.grid_model import ELEMENTS, GridModel, PowerFlowError, build_model, label

__all__ = ["ELEMENTS", "ChunkResult", "GridModel", "PowerFlowError", "Profiles", "Summary", "build_model", "label",
           "parse_profiles", "run"]

VARIABLES = ("p_mw", "q_mvar")
#: Sign of an element's value in the bus load (pandapower: loads and charging storage consume).
_LOAD_SIGN = {"load": 1.0, "sgen": -1.0, "storage": 1.0}
_COLUMN = re.compile(r"^(load|sgen|storage)\.(p_mw|q_mvar)\.(-?\d+)$")


@dataclass
class Profiles:
    """Driven quantities: time index and, per column, element, variable and pandapower index."""

    index: pd.DatetimeIndex
    values: np.ndarray  # (T, n_columns)
    columns: list[tuple[str, str, int]]
    step_h: float


def parse_profiles(frame: pd.DataFrame, net, *, resolution_minutes: float | None = None,
                   source: str = "profiles") -> Profiles:
    """Check a profile table (index: times; columns ``<element>.<variable>.<index>``) against a net.

    Parameters
    ----------
    frame : DataFrame
        Times as the index, one column per driven quantity, absolute values [MW, Mvar].
    net : pandapowerNet
    resolution_minutes : float, optional
        The step length [min]: each row stands for this long, whatever its time says.
        Default: the times' own step, which must then be regular (a gap is refused).
    source : str
        How to name the table in messages (its file).

    Raises
    ------
    PowerFlowError
        Naming the file and the column or time: times that repeat, go backwards or jump (a
        missing step: energy would be power times a wrong step length) unless a resolution
        is given, a single step without ``resolution_minutes``, columns
        that repeat or name no element of the net, values that are not finite.
    """
    where = f"{source}: "
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise PowerFlowError(f"{where}profile times could not be read as times")
    index = frame.index
    if len(index) < 1:
        raise PowerFlowError(f"{where}the profiles hold no time steps")
    if index.has_duplicates:
        raise PowerFlowError(f"{where}profile time {index[index.duplicated()][0]} appears twice")
    if not index.is_monotonic_increasing:
        position = int(np.argmax(np.diff(index.asi8) < 0)) + 1
        raise PowerFlowError(f"{where}profile times go backwards at {index[position]}")
    if resolution_minutes is not None and not (np.isfinite(resolution_minutes) and 0 < resolution_minutes <= 1440):
        raise PowerFlowError(f"{where}the resolution must be above 0 and at most 1440 minutes, got "
                             f"{resolution_minutes!r}")
    names = [str(n) for n in frame.columns]
    seen = set()
    for name in names:
        if name in seen:
            raise PowerFlowError(f"{where}profile column '{name}' appears twice")
        seen.add(name)
    columns = []
    for name in names:
        match = _COLUMN.match(name)
        if not match:
            raise PowerFlowError(
                f"{where}profile column '{name}' is not <element>.<variable>.<index> with element "
                f"load, sgen or storage and variable p_mw or q_mvar")
        element, variable, idx = match.group(1), match.group(2), int(match.group(3))
        if idx not in net[element].index:
            raise PowerFlowError(f"{where}profile column '{name}' names {element} {idx}, which the net does not have")
        columns.append((element, variable, idx))
    values = frame.to_numpy(dtype=float, na_value=np.nan, copy=False)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise PowerFlowError(f"{where}profile column '{names[col]}' has no number at {index[row]}")
    step_h = _step_hours(index, resolution_minutes, where)
    return Profiles(index=index, values=values, columns=columns, step_h=step_h)


def _step_hours(index: pd.DatetimeIndex, resolution_minutes: float | None, where: str) -> float:
    """The one step length of the times [h]; a gap or a single step without a resolution is refused."""
    if len(index) == 1:
        if resolution_minutes is None:
            raise PowerFlowError(f"{where}a single time step says nothing about its length: give "
                                 f"--resolution-minutes")
        return resolution_minutes / 60.0
    if resolution_minutes is not None:  # the user's word: each row stands for this long
        return resolution_minutes / 60.0
    steps = np.diff(index.asi8)
    common = float(pd.Series(steps).mode().iloc[0])
    odd = np.flatnonzero(steps != common)
    if len(odd):
        i = int(odd[0])
        raise PowerFlowError(f"{where}{len(odd)} irregular step{'s' * (len(odd) > 1)}: the times jump from "
                             f"{index[i]} to {index[i + 1]} ({steps[i] / 6e10:g} minutes where the others are "
                             f"{common / 6e10:g}); energy needs one step length, so fill the gap or "
                             f"resample the profiles")
    return common / 3.6e12


def _injection_matrix(model: GridModel, profiles: Profiles):
    """Sparse map from the driven values' change against static to bus injections [p.u.]."""
    import scipy.sparse as sp

    net = model.net
    rows, cols, data, static = [], [], [], []
    for j, (element, variable, idx) in enumerate(profiles.columns):
        row = net[element].loc[idx]
        in_service = bool(row.in_service)
        scaling = float(row.get("scaling", 1.0)) if in_service else 0.0
        static.append(float(row[variable]))
        b = model.bus_lookup[model.bus_index.get_loc(int(row.bus))]
        if b < 0 or scaling == 0.0:
            continue
        factor = -_LOAD_SIGN[element] * scaling / model.base_mva
        rows.append(b)
        cols.append(j)
        data.append(factor if variable == "p_mw" else 1j * factor)
    matrix = sp.csr_matrix((np.asarray(data, dtype=complex), (rows, cols)),
                           shape=(model.n_bus, len(profiles.columns)))
    return matrix, np.asarray(static, dtype=float)


@dataclass
class ChunkResult:
    """Results of a chunk of steps per element (NaN where out of service or not converged)."""
    index: pd.DatetimeIndex
    vm_pu: np.ndarray  # (T, n_bus pandapower), NaN out of service or not converged
    line_loading: np.ndarray
    trafo_loading: np.ndarray
    line_pl_mw: np.ndarray
    trafo_pl_mw: np.ndarray
    trafo3w_loading: np.ndarray
    trafo3w_pl_mw: np.ndarray
    other_pl_mw: np.ndarray  # (T,) losses of every other branch: impedances, ward equivalents' branches
    ext_grid_p_mw: np.ndarray
    ext_grid_q_mvar: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray


@dataclass
class Summary:
    """Annual figures of a batch run (energy = power times the step length)."""

    steps: int = 0
    step_h: float = 1.0
    line_losses_mwh: float = 0.0
    trafo_losses_mwh: float = 0.0  # two- and three-winding transformers, iron losses included
    other_losses_mwh: float = 0.0  # impedance branches and the branches of ward equivalents
    import_mwh: float = 0.0  # from the upstream grid (ext grid generation > 0)
    export_mwh: float = 0.0
    delivered_mwh: float = 0.0  # taken by the loads
    max_line_loading_percent: float = float("nan")
    max_trafo_loading_percent: float = float("nan")
    max_trafo3w_loading_percent: float = float("nan")
    min_vm_pu: float = float("nan")
    max_vm_pu: float = float("nan")
    non_converged: list = field(default_factory=list)
    worst: dict = field(default_factory=dict)
    max_iterations: int = 0
    seconds: float = 0.0

    @property
    def losses_mwh(self) -> float:
        """Line, transformer and other branch losses over the year [MWh]."""
        return self.line_losses_mwh + self.trafo_losses_mwh + self.other_losses_mwh

    def as_dict(self) -> dict:
        """The summary.json object of ``planner powerflow`` (JSON-safe: NaN as null)."""
        return {
            "steps": self.steps,
            "losses_mwh": self.losses_mwh,
            "line_losses_mwh": self.line_losses_mwh,
            "trafo_losses_mwh": self.trafo_losses_mwh,
            "other_branch_losses_mwh": self.other_losses_mwh,
            "import_mwh": self.import_mwh,
            "export_mwh": self.export_mwh,
            "delivered_mwh": self.delivered_mwh,
            "loss_share_of_delivered": (self.losses_mwh / self.delivered_mwh) if self.delivered_mwh > 0 else None,
            "max_line_loading_percent": _json_float(self.max_line_loading_percent),
            "max_trafo_loading_percent": _json_float(self.max_trafo_loading_percent),
            "max_trafo3w_loading_percent": _json_float(self.max_trafo3w_loading_percent),
            "min_vm_pu": _json_float(self.min_vm_pu),
            "max_vm_pu": _json_float(self.max_vm_pu),
            "non_converged_steps": len(self.non_converged),
            "non_converged_times": [str(t) for t in self.non_converged[:100]],
            "worst_steps": {k: {"time": str(v[0]), "value": _json_float(v[1]), "element": v[2]}
                            for k, v in self.worst.items()},
            "max_iterations": self.max_iterations,
            "seconds": round(self.seconds, 3),
        }


def _json_float(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _solve(model: GridModel, s_pq: np.ndarray, tol: float, max_iter: int):
    """Fixed-point iteration for every row of ``s_pq`` (T, n_pq); returns V_pq (T, n_pq), converged, iterations."""
    from planner.grid._kernels import fixed_point

    rhs = np.ascontiguousarray(-(model.y_ps @ model.v_slack))
    v0 = model.lu.solve(rhs)  # the no-load voltages start every step
    T, n = s_pq.shape
    v = np.empty((T, n), dtype=complex)
    converged = np.zeros(T, dtype=np.bool_)
    iterations = np.full(T, max_iter, dtype=np.int64)
    fixed_point(*model.l_csr, *model.u_csr, model.perm_r, model.perm_c, s_pq, rhs, v0,
                float(tol), int(max_iter), v, converged, iterations)
    v[~converged] = np.nan
    return v, converged, iterations


def _chunk_results(model: GridModel, index, v_pq, converged, iterations) -> ChunkResult:
    from planner.grid._kernels import branch_flows

    T = v_pq.shape[0]
    v = np.empty((T, model.n_bus), dtype=complex)
    v[:, model.pq] = v_pq
    v[:, model.ref] = model.v_slack[None, :]
    v[~converged] = np.nan
    vm = np.full((T, len(model.bus_lookup)), np.nan)
    inside = model.bus_lookup >= 0
    vm[:, inside] = np.abs(v[:, model.bus_lookup[inside]])

    nb = len(model.f_bus)
    i_f, i_t, loss = (np.empty((T, nb)) for _ in range(3))
    base = model.base_mva / math.sqrt(3.0)
    branch_flows(model.f_bus, model.t_bus, *model.y_branch, v, base / model.base_kv_f, base / model.base_kv_t,
                 float(model.base_mva), i_f, i_t, loss)

    def pick(rows, values):
        out = np.full((T, len(rows)), np.nan)
        ok = rows >= 0
        out[:, ok] = values[:, rows[ok]]
        return out

    line_loading = np.maximum(pick(model.line_rows, i_f), pick(model.line_rows, i_t)) / model.line_i_max_ka * 100.0
    hv = pick(model.trafo_rows, i_f) * model.trafo_vn[:, 0]
    lv = pick(model.trafo_rows, i_t) * model.trafo_vn[:, 1]
    trafo_loading = np.maximum(hv, lv) * math.sqrt(3.0) / model.trafo_scale * 100.0
    y_sp = model.y_sp  # slack rows of Ybus: a few entries each, so gather those buses only
    i_slack = np.stack([v[:, y_sp.indices[y_sp.indptr[r]:y_sp.indptr[r + 1]]] @ y_sp.data[y_sp.indptr[r]:y_sp.indptr[r + 1]]
                        for r in range(y_sp.shape[0])], axis=1) if y_sp.shape[0] else np.zeros((T, 0), dtype=complex)
    s_slack = v[:, model.ref] * np.conj(i_slack) * model.base_mva
    ext = s_slack[:, model.ext_grid_rows] * model.ext_grid_share[None, :]
    rows3 = model.trafo3w_rows
    i_windings = np.stack([pick(rows3[:, 0], i_f), pick(rows3[:, 1], i_t), pick(rows3[:, 2], i_t)], axis=2)
    trafo3w_loading = np.max(i_windings * model.trafo3w_rating[None, :, :], axis=2) * math.sqrt(3.0) * 100.0
    trafo3w_pl = sum(pick(rows3[:, k], loss) for k in range(3)) if len(rows3) else np.zeros((T, 0))
    line_pl, trafo_pl = pick(model.line_rows, loss), pick(model.trafo_rows, loss)
    counted = np.zeros(nb, dtype=bool)
    for rows in (model.line_rows, model.trafo_rows, rows3.ravel()):
        counted[rows[rows >= 0]] = True
    other = loss[:, ~counted].sum(axis=1)
    return ChunkResult(
        index=index, vm_pu=vm, line_loading=line_loading, trafo_loading=trafo_loading,
        line_pl_mw=line_pl, trafo_pl_mw=trafo_pl, trafo3w_loading=trafo3w_loading, trafo3w_pl_mw=trafo3w_pl,
        other_pl_mw=other, ext_grid_p_mw=ext.real, ext_grid_q_mvar=ext.imag, converged=converged,
        iterations=iterations)


def _load_power(model: GridModel, profiles: Profiles) -> np.ndarray:
    """Active power taken by all in-service loads per step [MW]: driven values, else static ones."""
    load = model.net.load
    on = load.in_service.astype(bool)
    scaling = load.scaling.astype(float).where(on, 0.0)
    static = float((load.p_mw * scaling).sum())
    total = np.full(len(profiles.index), static)
    for j, (element, variable, idx) in enumerate(profiles.columns):
        if element == "load" and variable == "p_mw":
            total += (profiles.values[:, j] - load.at[idx, "p_mw"]) * scaling.at[idx]
    return total


def run(model: GridModel, profiles: Profiles, *, chunk_size: int = 1024, tol: float = 1e-10,
        max_iter: int = 100, on_chunk: Callable[[ChunkResult], None] | None = None,
        progress: Callable[[float], None] | None = None) -> Summary:
    """Solve every step of ``profiles``; summary figures accumulate, full results go to ``on_chunk``.

    Memory stays bounded by ``chunk_size`` steps at a time.
    """
    started = time.perf_counter()
    matrix, static = _injection_matrix(model, profiles)
    summary = Summary(step_h=profiles.step_h)
    load_p = _load_power(model, profiles)
    T = len(profiles.index)
    h = profiles.step_h
    worst = {"max_line_loading_percent": (None, -np.inf, None), "max_trafo_loading_percent": (None, -np.inf, None),
             "max_trafo3w_loading_percent": (None, -np.inf, None),
             "min_vm_pu": (None, np.inf, None), "max_vm_pu": (None, -np.inf, None)}
    for start in range(0, T, chunk_size):
        stop = min(start + chunk_size, T)
        delta = (profiles.values[start:stop] - static).T  # (n_cols, t)
        s = (model.s_static[:, None] + matrix @ delta)[model.pq].T  # (t, n_pq)
        v_pq, converged, iterations = _solve(model, np.ascontiguousarray(s), tol, max_iter)
        chunk = _chunk_results(model, profiles.index[start:stop], v_pq, converged, iterations)
        ok = converged
        summary.steps += stop - start
        summary.delivered_mwh += float(load_p[start:stop][converged].sum()) * h
        summary.non_converged.extend(chunk.index[~ok])
        if ok.any():
            summary.max_iterations = max(summary.max_iterations, int(iterations[ok].max()))
            summary.line_losses_mwh += float(np.nansum(chunk.line_pl_mw[ok])) * h
            summary.trafo_losses_mwh += (float(np.nansum(chunk.trafo_pl_mw[ok]))
                                         + float(np.nansum(chunk.trafo3w_pl_mw[ok]))) * h
            summary.other_losses_mwh += float(np.nansum(chunk.other_pl_mw[ok])) * h
            p_ext = chunk.ext_grid_p_mw[ok]
            summary.import_mwh += float(p_ext.clip(min=0).sum()) * h
            summary.export_mwh += float(-p_ext.clip(max=0).sum()) * h
            for key, array, names, better in (
                    ("max_line_loading_percent", chunk.line_loading, model.line_index, np.nanargmax),
                    ("max_trafo_loading_percent", chunk.trafo_loading, model.trafo_index, np.nanargmax),
                    ("max_trafo3w_loading_percent", chunk.trafo3w_loading, model.trafo3w_index, np.nanargmax),
                    ("min_vm_pu", chunk.vm_pu, model.bus_index, np.nanargmin),
                    ("max_vm_pu", chunk.vm_pu, model.bus_index, np.nanargmax)):
                sub = array[ok]
                if sub.size == 0 or np.all(np.isnan(sub)):
                    continue
                flat = better(sub)
                r, c = np.unravel_index(flat, sub.shape)
                value = float(sub[r, c])
                current = worst[key][1]
                if (key.startswith("min") and value < current) or (not key.startswith("min") and value > current):
                    worst[key] = (chunk.index[ok][r], value, int(names[c]))
        if on_chunk is not None:
            on_chunk(chunk)
        if progress is not None:
            progress(stop / T)
    summary.worst = {k: v for k, v in worst.items() if v[0] is not None}
    summary.max_line_loading_percent = worst["max_line_loading_percent"][1] if "max_line_loading_percent" in summary.worst else float("nan")
    summary.max_trafo_loading_percent = worst["max_trafo_loading_percent"][1] if "max_trafo_loading_percent" in summary.worst else float("nan")
    summary.max_trafo3w_loading_percent = (worst["max_trafo3w_loading_percent"][1]
                                           if "max_trafo3w_loading_percent" in summary.worst else float("nan"))
    summary.min_vm_pu = worst["min_vm_pu"][1] if "min_vm_pu" in summary.worst else float("nan")
    summary.max_vm_pu = worst["max_vm_pu"][1] if "max_vm_pu" in summary.worst else float("nan")
    summary.seconds = time.perf_counter() - started
    return summary
