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

import functools
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.grid.grid_model import ELEMENTS, GridModel, PowerFlowError, build_model, label

__all__ = ["ELEMENTS", "ChunkResult", "GridModel", "PowerFlowError", "Profiles", "Summary", "build_model", "label",
           "parse_profiles", "profiles_of_blocks", "run"]

VARIABLES = ("p_mw", "q_mvar")
#: Sign of an element's value in the bus load (pandapower: loads and charging storage consume).
_LOAD_SIGN = {"load": 1.0, "sgen": -1.0, "storage": 1.0}
_COLUMN = re.compile(r"^(load|sgen|storage)\.(p_mw|q_mvar)\.(-?\d+)$")


@dataclass
class Profiles:
    """Driven quantities: time index and, per column, element, variable and pandapower index.

    ``values`` is one (T, n_columns) array, or a tuple of (T, k) blocks whose columns, side by
    side, are ``columns`` (:func:`profiles_of_blocks`: a run's frames as they are, never gathered
    into one array); the values times ``scale`` are MW and Mvar."""

    index: pd.DatetimeIndex
    values: np.ndarray | tuple[np.ndarray, ...]  # (T, n_columns), or (T, k) blocks side by side
    columns: list[tuple[str, str, int]]
    step_h: float
    scale: float = 1.0

    def blocks(self):
        """Each block of ``values`` with the position of its first column: (first, block)."""
        first = 0
        for block in ((self.values,) if isinstance(self.values, np.ndarray) else self.values):
            yield first, block
            first += block.shape[1]

    def column(self, j: int) -> np.ndarray:
        """Column ``j`` in MW or Mvar."""
        for first, block in self.blocks():
            if j < first + block.shape[1]:
                return block[:, j - first] * self.scale
        raise IndexError(j)


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
    columns = _columns(names, net, where)
    values = frame.to_numpy(dtype=float, na_value=np.nan, copy=False)
    _check_numbers([values], names, index, where)
    step_h = _step_hours(index, resolution_minutes, where)
    return Profiles(index=index, values=values, columns=columns, step_h=step_h)


def profiles_of_blocks(index: pd.DatetimeIndex, blocks: list[tuple[np.ndarray, list[str]]], net, *, step_h: float,
                       scale: float = 1.0, source: str = "profiles") -> Profiles:
    """Profiles of (T, k) blocks side by side, each with its columns' names as in
    :func:`parse_profiles` (values times ``scale`` in MW and Mvar: a run's frames in kW with
    ``scale=1e-3``), checked as it checks a table's columns and values; the blocks are kept as
    they are (a run's year of 2,000 columns is not gathered into one array: 137 MB on the sample).
    ``index`` is the steps' times, each ``step_h`` hours long."""
    where = f"{source}: "
    names = [name for _, block_names in blocks for name in block_names]
    columns = _columns(names, net, where)
    for values, block_names in blocks:
        if values.shape != (len(index), len(block_names)):
            raise PowerFlowError(f"{where}a block of {values.shape} values for {len(index)} steps and "
                                 f"{len(block_names)} columns")
    _check_numbers([values for values, _ in blocks], names, index, where)
    return Profiles(index=index, values=tuple(np.asarray(v, dtype=float) for v, _ in blocks), columns=columns,
                    step_h=float(step_h), scale=float(scale))


def _columns(names: list[str], net, where: str) -> list[tuple[str, str, int]]:
    """Each column name as (element, variable, pandapower index), refused by name where it repeats,
    does not read as one or names no element of ``net``."""
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
    return columns


def _check_numbers(blocks, names: list[str], index, where: str) -> None:
    """Refuse a value of ``blocks`` (arrays side by side, their columns ``names``) that is not a
    finite number, naming its column and time (the earliest time, then the first column). A
    column's sum is finite where all its values are (one pass, no (T, n) mask); a column whose
    sum is not is searched."""
    found, first = None, 0
    for values in blocks:
        with np.errstate(all="ignore"):
            suspect = np.flatnonzero(~np.isfinite(values.sum(axis=0)))
        for col in suspect:
            rows = np.flatnonzero(~np.isfinite(values[:, col]))
            if len(rows) and (found is None or rows[0] < found[0]):
                found = (int(rows[0]), first + int(col))
        first += values.shape[1]
    if found is not None:
        row, col = found
        raise PowerFlowError(f"{where}profile column '{names[col]}' has no number at {index[row]}")


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


def _injections(model: GridModel, profiles: Profiles):
    """How each driven column changes a PQ bus's injection [p.u.]: the bus's position among the
    PQ buses (-1: none, out of service, or a slack bus), the factor per MW or Mvar (complex: j for
    reactive power), and the column's static value the net holds."""
    net = model.net
    n = len(profiles.columns)
    position = np.full(n, -1, dtype=np.int64)
    factor = np.zeros(n, dtype=complex)
    static = np.zeros(n)
    pq_position = np.full(model.n_bus, -1, dtype=np.int64)
    pq_position[model.pq] = np.arange(len(model.pq))
    by_element: dict[str, list[int]] = {}
    for j, (element, _, _) in enumerate(profiles.columns):
        by_element.setdefault(element, []).append(j)
    for element, js in by_element.items():
        table = net[element].loc[[profiles.columns[j][2] for j in js]]
        on = table.in_service.astype(bool).to_numpy()
        scaling = (table["scaling"].astype(float).to_numpy() if "scaling" in table else np.ones(len(js))) * on
        buses = model.bus_lookup[model.bus_index.get_indexer(table.bus)]
        for k, j in enumerate(js):
            variable = profiles.columns[j][1]
            static[j] = float(table[variable].iloc[k])
            if buses[k] < 0 or scaling[k] == 0.0:
                continue
            f = -_LOAD_SIGN[element] * scaling[k] / model.base_mva
            position[j] = pq_position[buses[k]]
            factor[j] = f if variable == "p_mw" else 1j * f
    return position, factor, static


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

    @functools.cached_property
    def extremes(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Per element, over the converged steps: the largest value and its row, the smallest and
        its row (-1 where an element has no number) of ``vm_pu``, ``line_loading``,
        ``trafo_loading`` and ``trafo3w_loading``."""
        from planner.grid._kernels import column_extremes

        out = {}
        for name in ("vm_pu", "line_loading", "trafo_loading", "trafo3w_loading"):
            values = getattr(self, name)
            n = values.shape[1]
            top, low = np.empty(n), np.empty(n)
            top_row, low_row = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
            column_extremes(values, np.ascontiguousarray(self.converged, dtype=np.bool_), top, top_row, low, low_row)
            out[name] = (top, top_row, low, low_row)
        return out

    def worst(self, name: str, larger: bool) -> tuple[int, int, float] | None:
        """The step (row), element (column) and value of the chunk's largest (or smallest) value of
        ``name`` over the converged steps: the first in time, then by column (None if none)."""
        top, top_row, low, low_row = self.extremes[name]
        values, rows = (top, top_row) if larger else (low, low_row)
        have = np.flatnonzero(rows >= 0)
        if not len(have):
            return None
        best = values[have].max() if larger else values[have].min()
        ties = have[values[have] == best]
        column = int(ties[np.argmin(rows[ties])])  # argmin takes the first: the smallest column
        return int(rows[column]), column, float(best)


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


#: The fixed-point iteration stops when no PQ voltage changes by more than this [p.u.]. The
#: iteration contracts by about 0.05-0.1 a step on LV feeders, so the voltages are then within
#: about a tenth of it of the exact solution: 1e-9 p.u., a thousandth of the 1e-6 p.u. held
#: against pandapower's runpp (tests/grid/test_powerflow.py), one iteration fewer than 1e-10.
TOLERANCE_PU = 1e-8


def _solve(model: GridModel, s_pq: np.ndarray, tol: float, max_iter: int):
    """Fixed-point iteration for every row of ``s_pq`` (T, n_pq); returns V_pq (T, n_pq), converged, iterations."""
    from planner.grid._kernels import fixed_point

    rhs = np.ascontiguousarray(-(model.y_ps @ model.v_slack))
    v0 = model.v0 if model.v0 is not None else model.lu.solve(rhs)  # the no-load voltages start every step
    T, n = s_pq.shape
    v = np.empty((T, n), dtype=complex)
    converged = np.zeros(T, dtype=np.bool_)
    iterations = np.full(T, max_iter, dtype=np.int64)
    fixed_point(*model.l_csr, *model.u_csr, model.perm_r, model.perm_c, s_pq, rhs, v0,
                float(tol), int(max_iter), v, converged, iterations)
    v[~converged] = np.nan
    return v, converged, iterations


def _chunk_results(model: GridModel, index, v_pq, converged, iterations) -> ChunkResult:
    from planner.grid._kernels import chunk_figures

    T = v_pq.shape[0]
    figures = model.figures
    rows3 = model.trafo3w_rows
    vm = np.empty((T, len(model.bus_lookup)))
    line_loading, line_pl = np.empty((T, len(model.line_rows))), np.empty((T, len(model.line_rows)))
    trafo_loading, trafo_pl = np.empty((T, len(model.trafo_rows))), np.empty((T, len(model.trafo_rows)))
    trafo3w_loading, trafo3w_pl = np.empty((T, len(rows3))), np.empty((T, len(rows3)))
    other = np.empty(T)
    s_slack = np.empty((T, len(model.ref)), dtype=complex)
    y_sp = model.y_sp
    chunk_figures(v_pq, converged, model.n_bus, model.pq, model.ref, model.v_slack, model.bus_lookup, model.f_bus,
                  model.t_bus, *model.y_branch, figures["scale_f"], figures["scale_t"], float(model.base_mva),
                  model.line_rows, figures["line"], model.trafo_rows, figures["trafo_hv"], figures["trafo_lv"],
                  rows3, figures["trafo3w"], figures["counted"], y_sp.indptr.astype(np.int64),
                  y_sp.indices.astype(np.int64), y_sp.data.astype(complex), vm, line_loading, line_pl,
                  trafo_loading, trafo_pl, trafo3w_loading, trafo3w_pl, other, s_slack)
    ext = s_slack[:, model.ext_grid_rows] * model.ext_grid_share[None, :]
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
            total += (profiles.column(j) - load.at[idx, "p_mw"]) * scaling.at[idx]
    return total


def run(model: GridModel, profiles: Profiles, *, chunk_size: int = 1024, tol: float = TOLERANCE_PU,
        max_iter: int = 100, on_chunk: Callable[[ChunkResult], None] | None = None,
        progress: Callable[[float], None] | None = None) -> Summary:
    """Solve every step of ``profiles``; summary figures accumulate, full results go to ``on_chunk``.

    Memory stays bounded by ``chunk_size`` steps at a time.
    """
    started = time.perf_counter()
    from planner.grid._kernels import injections

    position, factor, static = _injections(model, profiles)
    # each block's columns as its values are: factors per unit of the values, static values in them
    parts = [(block, np.ascontiguousarray(static[first:first + block.shape[1]] / profiles.scale),
              np.ascontiguousarray(position[first:first + block.shape[1]]),
              np.ascontiguousarray(factor[first:first + block.shape[1]] * profiles.scale))
             for first, block in profiles.blocks()]
    s_pq = np.ascontiguousarray(model.s_static[model.pq])
    summary = Summary(step_h=profiles.step_h)
    load_p = _load_power(model, profiles)
    T = len(profiles.index)
    h = profiles.step_h
    worst = {"max_line_loading_percent": (None, -np.inf, None), "max_trafo_loading_percent": (None, -np.inf, None),
             "max_trafo3w_loading_percent": (None, -np.inf, None),
             "min_vm_pu": (None, np.inf, None), "max_vm_pu": (None, -np.inf, None)}
    for start in range(0, T, chunk_size):
        stop = min(start + chunk_size, T)
        s = np.empty((stop - start, len(model.pq)), dtype=complex)  # (t, n_pq) injections
        if not parts:
            s[:] = s_pq
        for k, (block, block_static, block_position, block_factor) in enumerate(parts):
            injections(block, start, block_static, s_pq, block_position, block_factor, s, k == 0)
        v_pq, converged, iterations = _solve(model, s, tol, max_iter)
        chunk = _chunk_results(model, profiles.index[start:stop], v_pq, converged, iterations)
        ok = converged
        summary.steps += stop - start
        summary.delivered_mwh += float(load_p[start:stop][converged].sum()) * h
        summary.non_converged.extend(chunk.index[~ok])
        if ok.any():
            summary.max_iterations = max(summary.max_iterations, int(iterations[ok].max()))
            # rows of steps that did not converge are NaN, as are elements out of the case
            summary.line_losses_mwh += float(np.nansum(chunk.line_pl_mw)) * h
            summary.trafo_losses_mwh += (float(np.nansum(chunk.trafo_pl_mw))
                                         + float(np.nansum(chunk.trafo3w_pl_mw))) * h
            summary.other_losses_mwh += float(np.nansum(chunk.other_pl_mw)) * h
            p_ext = chunk.ext_grid_p_mw[ok]
            summary.import_mwh += float(p_ext.clip(min=0).sum()) * h
            summary.export_mwh += float(-p_ext.clip(max=0).sum()) * h
            for key, name, names, larger in (
                    ("max_line_loading_percent", "line_loading", model.line_index, True),
                    ("max_trafo_loading_percent", "trafo_loading", model.trafo_index, True),
                    ("max_trafo3w_loading_percent", "trafo3w_loading", model.trafo3w_index, True),
                    ("min_vm_pu", "vm_pu", model.bus_index, False),
                    ("max_vm_pu", "vm_pu", model.bus_index, True)):
                found = chunk.worst(name, larger)
                if found is None:
                    continue
                r, c, value = found
                current = worst[key][1]
                if (value < current) if not larger else (value > current):
                    worst[key] = (chunk.index[r], value, int(names[c]))
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
