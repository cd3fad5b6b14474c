"""The sizing rule for unbalance (``planner size-grid`` on a project with one-phase connections):
EN 50160's 2 % at every bus in every step of the simulated year, mended first by moving one-phase
units to another phase (an electrician's visit, no new cable), then by a stronger cable.

Each round runs the year through the three-phase flow (:func:`planner.grid.three_phase.run_year`)
and takes the bus with the worst unbalance above the limit, at its worst step:

1. **Phase moves.** The one-phase consumers and units of that bus's feeder (the buses the
   cable from the transformer's busbar towards it serves) are summed per phase at that step
   (injection positive, demand negative). While the spread between the phases is wider than
   the limit asks (the spread times 0.9 x 2 % over the worst unbalance: the unbalance grows with
   it) and a move narrows it, the move that narrows it most is made; so the fewest units move.
2. **A stronger cable**, where no move is left and the limit is still broken: of the cables
   between the busbar and the bus, the one with the largest resistance (length times ohm per km
   over parallel cables) goes to the cheapest ladder option with a lower resistance and no lower
   rating, as the balanced sizing's voltage rule does.

The loop stops when the year holds, when a round changes nothing, or after :data:`MAX_ROUNDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.grid.annual3ph import UNBALANCE_LIMIT
from planner.grid.sizing import Change

MAX_ROUNDS = 8


@dataclass
class Move(Change):
    """One change of the unbalance rule (the sizing's :class:`~planner.grid.sizing.Change` with the
    bus whose unbalance asked for it): a phase move (``kind`` the object's) or a stronger cable
    (``kind`` "cable")."""

    bus: str = ""

    def as_dict(self) -> dict:
        return {**super().as_dict(), "bus": self.bus}


def _feeders(net):
    """Per bus (the net's index) the feeder it lies on: the connected part of the low-voltage grid
    once every transformer's busbar is taken out (the busbar itself: none)."""
    from planner.grid.topology import components

    busbars = set(int(b) for b in net.trafo.lv_bus)
    return components(net, include_trafos=False, without=busbars), busbars


def _moves(objects: list, sums: np.ndarray, enough: float = 0.0) -> list[tuple[int, int]]:
    """Greedy phase moves: ``objects`` (kW injected at the step, phase index); returns (object, new
    phase) while each narrows the spread ``max(sums) - min(sums)`` and it is above ``enough``."""
    sums = sums.astype(float).copy()
    phase = [p for _, p in objects]
    out = []
    for _ in range(len(objects)):
        spread = sums.max() - sums.min()
        if spread <= enough:
            break
        best = None
        for k, (kw, _) in enumerate(objects):
            for target in range(3):
                if target == phase[k]:
                    continue
                trial = sums.copy()
                trial[phase[k]] -= kw
                trial[target] += kw
                gain = spread - (trial.max() - trial.min())
                if gain > 1e-6 and (best is None or gain > best[0]):
                    best = (gain, k, target, trial)
        if best is None:
            break
        _, k, target, sums = best
        phase[k] = target
        out.append((k, target))
    return out


def fix_unbalance(project, gen, dispatched, ladder, rules, *, progress=None) -> dict:
    """Mend the year's unbalance in ``project`` (in place); returns the figures for size-grid:
    ``before`` and ``after`` (the three-phase year's), ``moves`` and ``unfixed``."""
    from planner.grid.grid_costs import cable_cost, trench_cost
    from planner.grid.three_phase import _PHASE_INDEX, _series, run_year
    from planner.grid.translate import to_pandapower
    from planner.model.commands import UpdateEntity

    say = progress or (lambda text: None)
    index = gen.units_kw.index
    moves: list[Move] = []
    first = None
    unfixed = None
    for round_ in range(MAX_ROUNDS + 1):
        net, ids = to_pandapower(project)
        say(f"the year's unbalance (three-phase flow){f', round {round_}' if round_ else ''}")
        year = run_year(project, gen, net, ids, dispatched.delivered_kw, dispatched.battery_kw, details=False)
        figures = year.figures
        first = first or figures
        worst = figures.get("max_unbalance_percent")
        if worst is None or worst <= UNBALANCE_LIMIT * 100.0 or round_ == MAX_ROUNDS:
            break
        bus_id, when = figures["max_unbalance_bus"], figures["max_unbalance_time"]
        step = int(index.get_indexer([pd.Timestamp(when)])[0])
        bus_index = ids["bus"][bus_id]
        feeder_of, busbars = _feeders(net)
        feeder = feeder_of.get(bus_index)
        # the one-phase objects of that feeder and their kW at the step
        bus_of = {}
        for kind, element in (("consumer", "load"), ("pv_unit", "sgen"), ("wind_turbine", "sgen"),
                              ("chp_unit", "sgen"), ("battery", "storage")):
            for oid, idx in ids[kind].items():
                bus_of[(kind, oid)] = int(net[element].at[idx, "bus"])
        objects, owners = [], []
        sums = np.zeros(3)
        for kind, oid, placed_as, kw, phase in _series(project, gen, dispatched.delivered_kw, dispatched.battery_kw):
            where = ("consumer", placed_as) if kind in ("heat_pump", "charging_point") else (kind, oid)
            bus = bus_of.get(where)
            if bus is None or feeder is None or feeder_of.get(bus) != feeder or phase == "3ph":
                continue
            p = _PHASE_INDEX[phase][0]
            sums[p] += kw[step]
            objects.append((float(kw[step]), p))
            owners.append((kind, oid, phase))
        changed = False
        # the unbalance grows with the spread of the feeder's phases: narrow it as far as the limit
        # asks (with a margin), not further, so that the fewest units are moved
        enough = (sums.max() - sums.min()) * 0.9 * UNBALANCE_LIMIT * 100.0 / worst
        for k, target in _moves(objects, sums, enough):
            kind, oid, before = owners[k]
            after = ("L1", "L2", "L3")[target]
            UpdateEntity(kind, oid, phase=after).do(project)
            owners[k] = (kind, oid, after)
            moves.append(Move(oid, kind, before, after, "unbalance", when, bus=bus_id))
            changed = True
        if changed:
            continue
        # no move left: a stronger cable on the way from the busbar to the bus
        cable = _weakest_on_path(net, ids, bus_index, busbars)
        upgrade = _stronger(project.get("cable", cable), ladder) if cable else None
        if upgrade is None:
            unfixed = (f"bus '{bus_id}' still has {worst:.2f} % unbalance ({when}): no phase move narrows its "
                       f"feeder's phases and no stronger cable is on the ladder")
            break
        old = project.get("cable", cable)
        new = replace(old, std_type=upgrade[0], parallel=upgrade[1])
        project._put(new)
        moves.append(Move(cable, "cable", f"{old.std_type} x{old.parallel}", f"{new.std_type} x{new.parallel}",
                          "unbalance", when, cable_cost(ladder, new, rules) + trench_cost(ladder, new.route_length_km(),
                                                                                           rules), bus=bus_id))
    return {"before": first, "after": figures, "moves": [m.as_dict() for m in moves], "unfixed": unfixed,
            "limit_percent": UNBALANCE_LIMIT * 100.0}


def _weakest_on_path(net, ids, bus_index: int, busbars: set) -> str | None:
    """The cable of largest resistance between the bus and its transformer's busbar (project id)."""
    import networkx as nx
    import pandapower.topology as top

    graph = top.create_nxgraph(net, include_trafos=False, respect_switches=True, multi=True)
    reachable = [b for b in busbars if b in graph and nx.has_path(graph, b, bus_index)]
    if not reachable:
        return None
    path = nx.shortest_path(graph, reachable[0], bus_index)
    cable_of = {v: k for k, v in ids["cable"].items()}
    best, best_r = None, -1.0
    for u, w in zip(path, path[1:]):
        for key in graph.get_edge_data(u, w):
            if not isinstance(key, tuple) or key[0] != "line":
                continue
            idx = key[1]
            line = net.line.loc[idx]
            r = float(line.r_ohm_per_km) * float(line.length_km) / float(line.parallel)
            if r > best_r and idx in cable_of:
                best, best_r = cable_of[idx], r
    return best


def _stronger(cable, ladder) -> tuple[str, int] | None:
    """The cheapest ladder option with a lower resistance and no lower rating (type, parallel)."""
    try:
        now = ladder.cable(cable.std_type)
    except StopIteration:
        return None
    rating, resistance = now.max_i_ka * cable.parallel, now.r_ohm_per_km / cable.parallel
    options = [((c.price_eur_per_km or 0.0) * n, c.id, n) for c in ladder.cables for n in range(1, ladder.max_parallel + 1)
               if c.r_ohm_per_km / n < resistance * 0.999 and c.max_i_ka * n >= rating * 0.9999]
    if not options:
        return None
    _, type_id, n = min(options)
    return type_id, n
