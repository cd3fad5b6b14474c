"""Hosting capacity: the extra PV each bus could take before a grid limit is hit.

Start from the feed-in planning case (:func:`planner.grid.sizing.planning_cases`: loads low,
generation high); add P kW at one bus; the bus hosts P while every cable and transformer stays
within its rating, every low-voltage bus under the band's top, and the rise over the same loads
without generation within 3 % (VDE-AR-N 4105). All buses are searched at once: one time step
of the batch power flow per bus, bisection over P (each bus its own bracket), so a round is one
batch run, not one ``runpp`` per trial.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.grid.equipment import Rules

UPPER_KW = 2000.0
TOLERANCE_KW = 1.0


def hosting_capacity(project, rules: Rules | None = None, *, upper_kw: float = UPPER_KW,
                     tolerance_kw: float = TOLERANCE_KW) -> pd.Series:
    """Extra PV [kW] per low-voltage bus (project ids), up to ``upper_kw`` (a bus that holds
    ``upper_kw`` is given that value: "at least"). A bus whose limits already break without
    extra PV gets 0."""
    from planner.grid import _pp as pp
    from planner.grid.cases import _solve, planning_cases
    from planner.grid.grid_model import build_model
    from planner.grid.powerflow import parse_profiles, run
    from planner.grid.topology import unsupplied_buses
    from planner.grid.translate import to_pandapower

    rules = rules or Rules()
    net, ids = to_pandapower(project)
    cases = planning_cases(project, net, ids, rules)
    reference = _solve(net, cases["feed-in reference"])
    if reference is None:
        return pd.Series(0.0, index=pd.Index([], dtype=object))
    vm_ref = reference["vm"].to_numpy()
    feed = cases["feed-in"]
    net.load["p_mw"] = feed["load"].reindex(net.load.index, fill_value=0.0).to_numpy()
    net.sgen["p_mw"] = feed["sgen"].reindex(net.sgen.index, fill_value=0.0).to_numpy()
    bus_id = {v: k for k, v in ids["bus"].items()}
    reached = unsupplied_buses(net)
    buses = [b for b in net.bus.index[(net.bus.vn_kv < 1.0) & net.bus.in_service] if b not in reached]
    if not buses:
        return pd.Series(dtype=float)
    added = pp.create_sgens(net, buses, p_mw=0.0, name=[f"hosting {bus_id.get(b, b)}" for b in buses])
    model = build_model(net)
    lv = (net.bus.vn_kv < 1.0).to_numpy()
    n = len(buses)
    index = pd.date_range("2001-01-01", periods=n, freq="h", tz="UTC")
    columns = [f"sgen.p_mw.{i}" for i in added]

    def holds(p_kw: np.ndarray, which: np.ndarray | None = None) -> np.ndarray:
        """Whether each bus of ``which`` (all by default) holds its ``p_kw``: one step each."""
        which = np.arange(n) if which is None else np.flatnonzero(which)
        ok = np.zeros(n, dtype=bool)
        if not len(which):
            return ok
        frame = pd.DataFrame(np.diag(p_kw[which] / 1000.0), index=index[:len(which)],
                             columns=[columns[i] for i in which])
        found = np.zeros(len(which), dtype=bool)

        def on_chunk(chunk, start=[0]):
            rows = slice(start[0], start[0] + len(chunk.index))
            good = chunk.converged.copy()
            if chunk.line_loading.size:
                good &= ~(np.nan_to_num(chunk.line_loading, nan=0.0) > rules.max_loading_percent).any(axis=1)
            if chunk.trafo_loading.size:
                good &= ~(np.nan_to_num(chunk.trafo_loading, nan=0.0) > rules.max_loading_percent).any(axis=1)
            vm = chunk.vm_pu[:, lv]
            good &= ~(np.nan_to_num(vm, nan=0.0) > rules.vm_max_pu).any(axis=1)
            rise = (vm - vm_ref[lv]) * 100.0
            good &= ~(np.nan_to_num(rise, nan=0.0) > rules.max_rise_percent).any(axis=1)
            found[rows] = good
            start[0] += len(chunk.index)

        run(model, parse_profiles(frame, net, resolution_minutes=60), on_chunk=on_chunk, chunk_size=512)
        ok[which] = found
        return ok

    low = np.zeros(n)
    high = np.full(n, float(upper_kw))
    base_ok = holds(low)
    top_ok = holds(high)
    low[top_ok] = high[top_ok]
    searching = base_ok & ~top_ok
    while searching.any() and (high - low)[searching].max() > tolerance_kw:
        middle = np.where(searching, (low + high) / 2.0, low)
        ok = holds(middle, searching)
        low = np.where(searching & ok, middle, low)
        high = np.where(searching & ~ok, middle, high)
    low[~base_ok] = 0.0
    return pd.Series(low, index=[bus_id.get(b, str(b)) for b in buses], name="hosting_capacity_kw")


def store_hosting_capacity(project, capacity: pd.Series) -> None:
    """Write the values into the buses' ``hosting_capacity_kw`` (others emptied)."""
    from dataclasses import replace

    for bus in list(project.items("bus").values()):
        value = capacity.get(bus.id)
        project._put(replace(bus, hosting_capacity_kw=None if value is None or np.isnan(value) else float(value)))
