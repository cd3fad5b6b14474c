"""Connected parts of a pandapower net, found as ``pandapower.topology`` finds them, with scipy.

``pandapower.topology`` builds a networkx graph of the net; networkx's import alone is about
0.2 s of every ``planner run``, which needs three questions answered: which buses no external
grid supplies, which buses one transformer area holds, and which feeder a bus lies on. This
module draws the same edges as ``pandapower.topology.create_nxgraph(net,
respect_switches=True)`` into a sparse matrix and labels its connected parts with
``scipy.sparse.csgraph.connected_components``:

- lines, impedances, TCSCs, DC lines, two-winding transformers (unless left out) and each pair of
  a three-winding transformer's buses, each in service and not cut off by an open switch
  (a line by an open line switch at either end, a transformer by an open transformer switch, a
  three-winding transformer's pair by an open switch at one of its two buses);
- closed bus-bus switches;
- out-of-service buses are left out (no part holds them).

``tests/grid/test_topology.py`` holds the results to pandapower's own on nets with every kind of
edge, open switches and elements out of service.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _edges(net, include_trafos: bool) -> tuple[np.ndarray, np.ndarray]:
    """From and to bus (the net's index) of every edge that joins two buses."""
    switch = net.switch
    open_switch = ~switch.closed.to_numpy().astype(bool) if len(switch) else np.zeros(0, dtype=bool)
    et = switch.et.to_numpy() if len(switch) else np.zeros(0, dtype=object)

    def opened(kind: str) -> np.ndarray:
        return switch.element.to_numpy()[(et == kind) & open_switch]

    froms, tos = [], []

    def add(table, f: str, t: str, cut=None) -> None:
        if table is None or not len(table):
            return
        keep = table.in_service.to_numpy().astype(bool) if "in_service" in table else np.ones(len(table), bool)
        if cut is not None:
            keep &= ~cut
        froms.append(table[f].to_numpy()[keep])
        tos.append(table[t].to_numpy()[keep])

    line = net.get("line")
    if line is not None and len(line):
        add(line, "from_bus", "to_bus", np.isin(line.index.to_numpy(), opened("l")))
    for name in ("impedance", "tcsc", "dcline"):
        add(net.get(name), "from_bus", "to_bus")
    trafo = net.get("trafo")
    if include_trafos and trafo is not None and len(trafo):
        add(trafo, "hv_bus", "lv_bus", np.isin(trafo.index.to_numpy(), opened("t")))
    trafo3w = net.get("trafo3w")
    if trafo3w is not None and len(trafo3w):
        mask = (et == "t3") & open_switch
        cut_at = set(zip(switch.element.to_numpy()[mask].tolist(), switch.bus.to_numpy()[mask].tolist()))
        index = trafo3w.index.to_numpy().tolist()
        for f, t in (("hv", "mv"), ("hv", "lv"), ("mv", "lv")):
            fb, tb = trafo3w[f"{f}_bus"].to_numpy().tolist(), trafo3w[f"{t}_bus"].to_numpy().tolist()
            cut = np.array([(i, a) in cut_at or (i, b) in cut_at for i, a, b in zip(index, fb, tb)], dtype=bool)
            add(trafo3w, f"{f}_bus", f"{t}_bus", cut)
    if len(switch):
        closed_bb = (et == "b") & ~open_switch
        froms.append(switch.bus.to_numpy()[closed_bb])
        tos.append(switch.element.to_numpy()[closed_bb])
    if not froms:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return (np.concatenate(froms).astype(np.int64), np.concatenate(tos).astype(np.int64))


def components(net, include_trafos: bool = True, without=()) -> dict[int, int]:
    """Bus (the net's index) -> the number of its connected part; out-of-service buses and the
    buses ``without`` are left out (they join nothing). Numbers are arbitrary labels."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    buses = net.bus.index.to_numpy()
    position = pd.Series(np.arange(len(buses)), index=buses)
    keep = net.bus.in_service.to_numpy().astype(bool).copy()
    if len(without):
        keep &= ~np.isin(buses, np.asarray(list(without)))
    f, t = _edges(net, include_trafos)
    known = np.isin(f, buses) & np.isin(t, buses)
    fi, ti = position.reindex(f[known]).to_numpy(), position.reindex(t[known]).to_numpy()
    joined = keep[fi] & keep[ti]
    n = len(buses)
    graph = sp.coo_matrix((np.ones(int(joined.sum())), (fi[joined], ti[joined])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return {int(b): int(k) for b, k, kept in zip(buses, labels, keep) if kept}


def unsupplied_buses(net) -> set[int]:
    """Buses in service that no external grid (nor a slack generator) in service reaches, as
    ``pandapower.topology.unsupplied_buses(net)`` finds them."""
    part = components(net)
    slacks = set(net.ext_grid.bus[net.ext_grid.in_service.astype(bool)].tolist())
    gen = net.get("gen")
    if gen is not None and len(gen) and "slack" in gen:
        slacks |= set(gen.bus[gen.in_service.astype(bool) & gen.slack.astype(bool)].tolist())
    vsc = net.get("vsc")
    if vsc is not None and len(vsc) and "control_mode_ac" in vsc:
        slacks |= set(vsc.bus[vsc.in_service.astype(bool) & (vsc.control_mode_ac == "slack")].tolist())
    supplied = {part[b] for b in slacks if b in part}
    return {b for b, k in part.items() if k not in supplied}
