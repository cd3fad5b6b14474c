"""The year of an unbalanced pandapower net through the three-phase batch power flow
(``planner powerflow NET --profiles FILE --three-phase``): profiles per phase; per bus each
phase's voltage band and the voltage unbalance against EN 50160's 2 %, per line the highest phase
current (and its loading) and the neutral current.

Profile columns are ``<element>.<variable>.<index>``: ``load`` and ``sgen`` with ``p_mw`` and
``q_mvar`` (balanced: a third on each phase), ``asymmetric_load`` and ``asymmetric_sgen`` with
``p_a_mw``, ``q_a_mvar``, ``p_b_mw``, ... (one phase each); absolute values, times pandapower's
``scaling`` of the element, as pandapower's own time series would set them. Elements without a
profile keep their values in the net.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.grid.powerflow3ph import Model3ph, PowerFlow3phError, bus_extremes, line_extremes, solve_batch

#: EN 50160: the 10-minute mean of the negative-sequence unbalance stays within 2 %.
UNBALANCE_LIMIT = 0.02
_COLUMN = re.compile(r"^(load|sgen|asymmetric_load|asymmetric_sgen)\.(p_mw|q_mvar|p_[abc]_mw|q_[abc]_mvar)\.(\d+)$")


@dataclass
class Year3ph:
    """What the year's three-phase flow found (voltages in p.u., unbalance in per cent)."""

    steps: int
    seconds: float
    buses: pd.DataFrame                      # per bus: min and max of each phase [p.u.], worst unbalance [%], its time
    non_converged: list = field(default_factory=list)
    steps_over_limit: int = 0                # steps where some bus's unbalance passes 2 %
    lines: pd.DataFrame | None = None        # per line: highest phase current, loading and neutral current

    def as_dict(self) -> dict:
        b = self.buses
        worst = b.max_unbalance_percent.idxmax() if len(b) and b.max_unbalance_percent.notna().any() else None

        def clean(x):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x

        return {
            "steps": self.steps, "seconds": round(self.seconds, 3),
            "min_vm_pu": {p: clean(float(b[f"min_vm_{p}_pu"].min())) for p in "abc"},
            "max_vm_pu": {p: clean(float(b[f"max_vm_{p}_pu"].max())) for p in "abc"},
            "max_unbalance_percent": clean(float(b.max_unbalance_percent.max())) if worst is not None else None,
            "max_unbalance_bus": int(worst) if worst is not None else None,
            "max_unbalance_time": str(b.max_unbalance_time[worst]) if worst is not None else None,
            "unbalance_limit_percent": UNBALANCE_LIMIT * 100.0,
            "steps_over_unbalance_limit": self.steps_over_limit,
            "non_converged_steps": len(self.non_converged),
            "non_converged_times": [str(t) for t in self.non_converged[:100]],
            **self._line_figures(clean),
        }

    def _line_figures(self, clean) -> dict:
        lines = self.lines
        if lines is None or not len(lines) or not lines.max_neutral_current_a.notna().any():
            return {}
        loading, neutral = lines.max_phase_loading_percent.idxmax(), lines.max_neutral_current_a.idxmax()
        return {"max_phase_loading_percent": clean(float(lines.max_phase_loading_percent.max())),
                "max_phase_loading_line": int(loading),
                "max_neutral_current_a": clean(float(lines.max_neutral_current_a.max())),
                "max_neutral_current_line": int(neutral),
                "max_neutral_current_time": str(lines.max_neutral_current_time[neutral])}


def _columns(frame: pd.DataFrame, net, source: str) -> list[tuple]:
    out = []
    seen = set()
    for name in (str(c) for c in frame.columns):
        if name in seen:
            raise PowerFlow3phError(f"{source}: profile column '{name}' appears twice")
        seen.add(name)
        match = _COLUMN.match(name)
        if not match:
            raise PowerFlow3phError(f"{source}: profile column '{name}' is not <element>.<variable>.<index> with element "
                                    f"load, sgen, asymmetric_load or asymmetric_sgen (p_mw/q_mvar, or p_a_mw, "
                                    f"q_a_mvar, ... per phase for the asymmetric ones)")
        element, variable, idx = match.group(1), match.group(2), int(match.group(3))
        table = net.get(element)
        if table is None or idx not in table.index:
            raise PowerFlow3phError(f"{source}: profile column '{name}' names {element} {idx}, which the net does not have")
        balanced = element in ("load", "sgen")
        if balanced != (variable in ("p_mw", "q_mvar")):
            raise PowerFlow3phError(f"{source}: profile column '{name}': {element} takes "
                                    + ("p_mw and q_mvar" if balanced else "p_a_mw, q_a_mvar, p_b_mw, ... per phase"))
        out.append((element, variable, idx))
    return out


def run_year(model: Model3ph, net, frame: pd.DataFrame, *, source: str = "profiles", chunk: int = 512) -> Year3ph:
    """The year of ``frame`` (times as the index) through the three-phase flow of ``model``."""
    if not isinstance(frame.index, pd.DatetimeIndex) or not len(frame.index):
        raise PowerFlow3phError(f"{source}: the profiles hold no readable time steps")
    columns = _columns(frame, net, source)
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise PowerFlow3phError(f"{source}: profile column '{frame.columns[col]}' has no number at {frame.index[row]}")
    # each column's place: internal bus, phases it spreads over, sign and scaling, and its static value
    place = []
    for element, variable, idx in columns:
        table = net[element]
        bus = int(model.bus_lookup[net.bus.index.get_loc(int(table.at[idx, "bus"]))])
        active = bool(table.at[idx, "in_service"])
        sign = 1.0 if element.endswith("sgen") else -1.0
        scaling = float(table.at[idx, "scaling"]) if "scaling" in table else 1.0
        if element in ("load", "sgen"):
            phases, share = (0, 1, 2), 1.0 / 3.0
        else:
            phases, share = ("abc".index(variable[2]),), 1.0
        reactive = variable.startswith("q")
        static = float(table.at[idx, variable])
        place.append((bus, phases, sign * scaling * share * (1j if reactive else 1.0) / model.base_mva, static,
                      active and bus >= 0))
    n_bus = model.n_bus
    extremes = {f"min_vm_{p}_pu": np.full(n_bus, np.inf) for p in "abc"}
    extremes.update({f"max_vm_{p}_pu": np.full(n_bus, -np.inf) for p in "abc"})
    worst = np.full(n_bus, -np.inf)
    worst_step = np.zeros(n_bus, dtype=np.int64)
    n_line = len(model.lines.i_max_ka) if model.lines is not None else 0
    line_top, neutral_top = np.full(n_line, -np.inf), np.full(n_line, -np.inf)
    neutral_step = np.zeros(n_line, dtype=np.int64)
    failed, over = [], 0
    started = time.perf_counter()
    previous = None
    for first in range(0, len(frame), chunk):
        rows = slice(first, min(first + chunk, len(frame)))
        block = values[rows]
        s = np.repeat(model.s_static[None], block.shape[0], axis=0)
        for k, (bus, phases, factor, static, used) in enumerate(place):
            if not used:
                continue
            delta = (block[:, k] - static) * factor
            for p in phases:
                s[:, p, bus] += delta
        solution, iterations = solve_batch(model, s, start=previous)
        ok = iterations > 0
        failed.extend(frame.index[rows][~ok])
        if ok.any():
            v012 = solution.v_012 if ok.all() else solution.v_012[ok]
            vm, vuf = bus_extremes(v012)
            for p, name in enumerate("abc"):
                extremes[f"min_vm_{name}_pu"] = np.minimum(extremes[f"min_vm_{name}_pu"], vm[:, p].min(axis=0))
                extremes[f"max_vm_{name}_pu"] = np.maximum(extremes[f"max_vm_{name}_pu"], vm[:, p].max(axis=0))
            over += int((vuf > UNBALANCE_LIMIT).any(axis=1).sum())
            at = vuf.argmax(axis=0)
            best = vuf[at, np.arange(n_bus)]
            better = best > worst
            worst[better] = best[better]
            worst_step[better] = np.flatnonzero(ok)[at[better]] + first
            if n_line:
                i_phase, i_n = line_extremes(model, v012)
                line_top = np.maximum(line_top, i_phase.max(axis=0))
                at = i_n.argmax(axis=0)
                best = i_n[at, np.arange(n_line)]
                better = best > neutral_top
                neutral_top[better] = best[better]
                neutral_step[better] = np.flatnonzero(ok)[at[better]] + first
            if ok[-1]:
                previous = solution
    seconds = time.perf_counter() - started
    take = model.bus_lookup
    valid = take >= 0  # buses in the case (out-of-service ones are not)

    def per_bus(internal):
        out = np.full(len(take), np.nan)
        out[valid] = internal[take[valid]]
        return out

    table = pd.DataFrame({name: per_bus(values_) for name, values_ in extremes.items()}, index=model.bus_index)
    table = table.where(np.isfinite(table))
    table["max_unbalance_percent"] = per_bus(np.where(np.isfinite(worst), worst * 100.0, np.nan))
    when = pd.Series(frame.index[worst_step[np.where(valid, take, 0)]], index=model.bus_index)
    table["max_unbalance_time"] = when.where(table.max_unbalance_percent.notna())
    table.index.name = "bus"
    lines = None
    if n_line:
        inside = np.isfinite(model.lines.kv_from) & np.isfinite(line_top)
        with np.errstate(invalid="ignore", divide="ignore"):
            loading = line_top / model.lines.i_max_ka * 100.0
        lines = pd.DataFrame({"max_phase_current_ka": np.where(inside, line_top, np.nan),
                              "max_phase_loading_percent": np.where(inside, loading, np.nan),
                              "max_neutral_current_a": np.where(inside, neutral_top * 1000.0, np.nan),
                              "max_neutral_current_time": pd.Series(frame.index[neutral_step]).where(inside).to_numpy()},
                             index=model.lines.index)
        lines.index.name = "line"
    return Year3ph(steps=len(frame), seconds=seconds, buses=table, non_converged=list(failed), steps_over_limit=over,
                   lines=lines)
