"""The grid at one step of a run: cable and transformer loading and bus voltage, for the map.

The run keeps every unit's and consumer's series (and the batteries'); one step of them goes into
the project's net and pandapower's ``runpp`` solves it, so the map shows the same power flow the
run computed at that hour (generation before any curtailment at an export limit, as the series
are stored).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.report.results import Results

#: Loading classes [%] and their colours; voltage classes [p.u.] and theirs.
LOADING_CLASSES = ((50.0, "#1a9641"), (80.0, "#a6d96a"), (100.0, "#fdae61"), (float("inf"), "#d7191c"))
VOLTAGE_CLASSES = ((0.90, "#d7191c"), (0.95, "#fdae61"), (1.05, "#1a9641"), (1.10, "#fdae61"), (float("inf"), "#d7191c"))


def loading_colour(value: float) -> str:
    return next(colour for top, colour in LOADING_CLASSES if value < top)


def voltage_colour(value: float) -> str:
    return next(colour for top, colour in VOLTAGE_CLASSES if value < top)


@dataclass
class GridHour:
    """One step's power flow: by project id."""

    time: pd.Timestamp
    cable_loading: dict
    trafo_loading: dict
    bus_vm: dict
    converged: bool
    #: with one-phase connections, the three-phase flow of the step (see
    #: planner.grid.three_phase.StepSolver.solve): per bus the lowest and highest phase voltage and
    #: the unbalance, per cable the highest phase loading and the neutral current
    three_phase: dict | None = None

    def worst_phase_vm(self) -> dict:
        """Per bus the phase voltage farthest from 1 p.u. (the balanced voltage without a three-phase flow)."""
        if not self.three_phase:
            return self.bus_vm
        low, high = self.three_phase["vm_min"], self.three_phase["vm_max"]
        return {b: (low[b] if 1.0 - low[b] > high[b] - 1.0 else high[b]) for b in low}


class HourSolver:
    """Solves steps of a run on the project's net (built once)."""

    def __init__(self, project, results_folder):
        from planner.grid.translate import to_pandapower

        self.results = Results(results_folder)
        self.net, self.ids = to_pandapower(project)
        units, consumers = self.results.units_kw, self.results.consumers_kw
        self.index = units.index if units is not None else (consumers.index if consumers is not None else None)
        from planner.grid.three_phase import StepSolver, single_phase_count

        #: with one-phase connections each step also goes through the three-phase flow
        self.three_phase = StepSolver(project, self.net, self.ids) if single_phase_count(project) else None

    @property
    def steps(self) -> int:
        return 0 if self.index is None else len(self.index)

    def worst_step(self) -> int:
        """The step of the year's highest cable loading (else transformer loading), from the run."""
        worst = (self.results.summary.get("grid") or {}).get("worst_steps") or {}
        for key in ("max_line_loading_percent", "max_trafo_loading_percent"):
            if key in worst and self.index is not None:
                stamp = pd.Timestamp(worst[key]["time"])
                hits = self.index.get_indexer([stamp])
                if hits[0] >= 0:
                    return int(hits[0])
        return 0

    def worst_unbalance_step(self) -> int | None:
        """The step of the year's worst voltage unbalance (the run's three-phase year), or None
        where every connection is three-phase."""
        three = (self.results.summary.get("grid") or {}).get("three_phase") or {}
        when = three.get("max_unbalance_time")
        if when is None or self.index is None:
            return None
        hit = int(self.index.get_indexer([pd.Timestamp(when)])[0])
        return hit if hit >= 0 else None

    def solve(self, step: int) -> GridHour:
        from planner.grid import _pp as pp

        net, res = self.net, self.results
        when = self.index[step]
        units = res.units_kw.iloc[step] if res.units_kw is not None else pd.Series(dtype=float)
        consumers = res.consumers_kw.iloc[step] if res.consumers_kw is not None else pd.Series(dtype=float)
        batteries = res.batteries_kw
        battery = batteries.iloc[step] if batteries is not None else pd.Series(dtype=float)
        net.load["p_mw"] = [float(consumers.get(n, 0.0)) / 1000.0 for n in net.load.name]
        net.load["q_mvar"] = 0.0
        net.sgen["p_mw"] = [float(units.get(n, 0.0)) / 1000.0 for n in net.sgen.name]
        net.sgen["q_mvar"] = 0.0
        if len(net.storage):
            net.storage["p_mw"] = [float(battery.get(n, 0.0)) / 1000.0 for n in net.storage.name]
        try:
            pp.runpp(net, numba=True)
        except Exception:
            return GridHour(when, {}, {}, {}, False)
        three = None
        if self.three_phase is not None:
            three = self.three_phase.solve(consumers.to_dict(), units.to_dict(), battery.to_dict())
        return GridHour(when, dict(zip(net.line.name, net.res_line.loading_percent.fillna(0.0))),
                        dict(zip(net.trafo.name, net.res_trafo.loading_percent.fillna(0.0))),
                        dict(zip(net.bus.name, net.res_bus.vm_pu)), True, three)
