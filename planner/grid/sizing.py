"""Size a grid's cables and transformers, or reinforce an existing grid, by running the power flow.

Cases (DOMAIN section 4):

* ``peak load``: every consumer at its installed power times Kerber's coincidence factor of all
  consumers under the same transformer, no generation;
* ``feed-in``: consumers at ``Rules.feed_in_load_share`` of that, PV at ``feed_in_pv_share`` of
  its peak (at most its inverter), wind turbines and CHP at rated power;
* ``feed-in reference``: the same loads without generation, to measure the voltage rise that
  generation causes (at most 3 %, VDE-AR-N 4105);
* the year: every step of the project's simulated year (generation, demand, batteries) through
  the batch power flow; each step that breaks a limit becomes a case of its own.

Limits: cable and transformer loading at most 100 %, every bus within 0.90-1.10 p.u., the drop
from the transformer's low-voltage bus in the load case at most 5 %, the rise at most 3 %.

Each round solves the cases with pandapower's ``runpp`` and upgrades what breaks a limit: an
overloaded cable or transformer goes one step up its ladder (cables: then parallel cables,
up to ``Ladder.max_parallel``); a voltage problem upgrades the cable with the largest voltage
difference on the path from the bus to its transformer, or the transformer where its own drop
is the larger. An element already at the top of its ladder is reported as unfixable, and the
loop stops when a round changes nothing: it never loops on a case no ladder can fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.grid.cases import _islands, _solve, planning_cases
from planner.grid.equipment import Ladder, Rules, project_ladder
from planner.grid.grid_costs import cable_cost, grid_cost, trafo_price, trench_cost

MAX_ROUNDS = 60
YEAR_ROUNDS = 3


class SizingError(PlannerError):
    """A project the sizing cannot work on; the message says why."""


@dataclass
class Change:
    """One element changed: its project id, kind, from and to (type and parallel count), the
    limit that it broke first, when (a case or a time step), and the change's cost."""

    element: str
    kind: str
    before: str
    after: str
    limit: str
    time: str
    cost_eur: float = 0.0

    def as_dict(self) -> dict:
        return {"element": self.element, "kind": self.kind, "from": self.before, "to": self.after,
                "limit": self.limit, "time": self.time, "cost_eur": round(self.cost_eur, 2)}


@dataclass
class Violation:
    """A limit broken in a case: the element (project id), what, the value and the case."""

    element: str
    kind: str  # cable, transformer, bus
    limit: str
    value: float
    time: str

    def as_dict(self) -> dict:
        return {"element": self.element, "kind": self.kind, "limit": self.limit, "value": round(self.value, 4),
                "time": self.time}


@dataclass
class SizingResult:
    """What the sizing found and did."""

    changes: list = field(default_factory=list)
    violations_before: list = field(default_factory=list)
    violations_after: list = field(default_factory=list)
    unfixable: list = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    cost_eur: float = 0.0
    grid_cost_eur: float = 0.0  # the whole grid at ladder prices (a new grid's capex)
    cable_km: float = 0.0
    transformers: list = field(default_factory=list)  # (id, kVA)
    year: dict | None = None  # the year's power flow after sizing (losses etc.)
    rounds: int = 0
    notes: list = field(default_factory=list)


# ----------------------------------------------------------------------------- the sizer
class _Sizer:
    def __init__(self, project, rules: Rules, ladder: Ladder):
        from planner.grid.equipment import install_types
        from planner.grid.translate import to_pandapower

        self.project, self.rules, self.ladder = project, rules, ladder
        install_types(project, ladder)
        self.net, self.ids = to_pandapower(project)
        self.cable_id = {v: k for k, v in self.ids["cable"].items()}
        self.trafo_id = {v: k for k, v in self.ids["transformer"].items()}
        self.bus_id = {v: k for k, v in self.ids["bus"].items()}
        self.lv = self.net.bus.vn_kv < 1.0
        self.cases = planning_cases(project, self.net, self.ids, rules)
        self.first: dict[tuple[str, int], tuple[str, str, str]] = {}  # (element, idx) -> (before, limit, time)
        self.unfixable: dict[str, str] = {}
        self._paths = None
        self.trafo_of_bus = self._trafo_of_bus()

    # ---------------------------------------------------------------- helpers
    def _trafo_of_bus(self) -> dict[int, int]:
        islands = _islands(self.net)
        by_island = {}
        for t in self.net.trafo.index:
            by_island[islands.get(int(self.net.trafo.at[t, "lv_bus"]))] = int(t)
        return {b: by_island.get(i, -1) for b, i in islands.items()}

    def _graph(self):
        import pandapower.topology as top

        if self._paths is None:
            self._paths = top.create_nxgraph(self.net, include_trafos=False, respect_switches=True, multi=False)
        return self._paths

    def _cable_label(self, idx) -> str:
        line = self.net.line
        return f"{line.at[idx, 'std_type']} x{int(line.at[idx, 'parallel'])}"

    def _trafo_label(self, idx) -> str:
        return str(self.net.trafo.at[idx, "std_type"])

    def _note_first(self, kind, idx, before, limit, time) -> None:
        self.first.setdefault((kind, idx), (before, limit, time))

    def _upgrade_cable(self, idx, limit, time) -> bool:
        """The cheapest set of ``n`` parallel cables of one ladder type that beats the current one:
        a higher rating for a loading problem; a lower resistance (and no lower rating) for a
        voltage problem. False when none is left on the ladder."""
        from planner.grid import _pp as pp

        line = self.net.line
        parallel = int(line.at[idx, "parallel"])
        rating = float(line.at[idx, "max_i_ka"]) * parallel
        resistance = float(line.at[idx, "r_ohm_per_km"]) / parallel
        options = []
        for cable in self.ladder.cables:
            for n in range(1, self.ladder.max_parallel + 1):
                better = (cable.max_i_ka * n > rating * 1.0001 if limit == "loading" else
                          cable.r_ohm_per_km / n < resistance * 0.999 and cable.max_i_ka * n >= rating * 0.9999)
                if better:
                    options.append(((cable.price_eur_per_km or 0.0) * n, n, cable.r_ohm_per_km / n, cable.id))
        if not options:
            return False
        _, n, _, type_id = min(options)
        self._note_first("cable", idx, self._cable_label(idx), limit, time)
        pp.change_std_type(self.net, idx, type_id, element="line")
        line.at[idx, "parallel"] = n
        return True

    def _upgrade_trafo(self, idx, limit, time) -> bool:
        from planner.grid import _pp as pp

        names = [t.id for t in self.ladder.transformers]
        current = self.net.trafo.at[idx, "std_type"]
        sn = float(self.net.trafo.at[idx, "sn_mva"])
        if current in names:
            position = names.index(current) + 1
            nxt = names[position] if position < len(names) else None
        else:
            nxt = next((t.id for t in self.ladder.transformers if t.sn_mva > sn), None)
        if nxt is None:
            return False
        self._note_first("transformer", idx, self._trafo_label(idx), limit, time)
        pp.change_std_type(self.net, idx, nxt, element="trafo")
        return True

    # ---------------------------------------------------------------- checks
    def violations(self, name, res) -> list[Violation]:
        r = self.rules
        out = []
        if res is None:
            return [Violation("grid", "grid", "power flow does not converge", float("nan"), name)]
        for idx, value in res["line"].items():
            if value > r.max_loading_percent + 1e-6:
                out.append(Violation(self.cable_id.get(idx, str(idx)), "cable", "loading", float(value), name))
        for idx, value in res["trafo"].items():
            if value > r.max_loading_percent + 1e-6:
                out.append(Violation(self.trafo_id.get(idx, str(idx)), "transformer", "loading", float(value), name))
        vm = res["vm"]
        lv = self.lv
        for idx in vm.index[lv & ((vm < r.vm_min_pu - 1e-9) | (vm > r.vm_max_pu + 1e-9))]:
            out.append(Violation(self.bus_id.get(idx, str(idx)), "bus", "voltage band", float(vm[idx]), name))
        if name == "peak load":
            for idx, drop in self._drop(vm).items():
                if drop > r.max_drop_percent + 1e-6:
                    out.append(Violation(self.bus_id.get(idx, str(idx)), "bus", "voltage drop", drop, name))
        if name == "feed-in" and "feed-in reference" in self.results:
            ref = self.results["feed-in reference"]
            if ref is not None:
                rise = ((vm - ref["vm"]) * 100.0)[lv]
                for idx in rise.index[rise > r.max_rise_percent + 1e-6]:
                    out.append(Violation(self.bus_id.get(idx, str(idx)), "bus", "voltage rise",
                                         float(rise[idx]), name))
        return out

    def _drop(self, vm) -> pd.Series:
        """Drop [%] of each LV bus below its transformer's low-voltage bus."""
        lv_bus = {t: int(self.net.trafo.at[t, "lv_bus"]) for t in self.net.trafo.index}
        out = {}
        for b in vm.index[self.lv]:
            t = self.trafo_of_bus.get(int(b), -1)
            if t >= 0 and not math.isnan(vm[b]):
                out[b] = (vm[lv_bus[t]] - vm[b]) * 100.0
        return pd.Series(out, dtype=float)

    def solve_all(self) -> list[Violation]:
        self.results = {}
        for name in ("feed-in reference", *[n for n in self.cases if n != "feed-in reference"]):
            self.results[name] = _solve(self.net, self.cases[name])
        out = []
        for name, res in self.results.items():
            if name != "feed-in reference":
                out.extend(self.violations(name, res))
        return out

    def fix(self, violations: list[Violation]) -> bool:
        """Upgrade for each violation; True when anything changed."""

        changed = False
        line_idx = {v: k for k, v in self.cable_id.items()}
        trafo_idx = {v: k for k, v in self.trafo_id.items()}
        bus_idx = {v: k for k, v in self.bus_id.items()}
        done_lines, done_trafos = set(), set()
        for v in violations:
            if v.kind == "cable" and v.element in line_idx and line_idx[v.element] not in done_lines:
                done_lines.add(line_idx[v.element])
                if self._upgrade_cable(line_idx[v.element], "loading", v.time):
                    changed = True
                else:
                    self.unfixable[v.element] = (f"cable '{v.element}' is loaded {v.value:.0f} % ({v.time}) with "
                                                 f"{self.ladder.max_parallel} parallel cables of the largest type: "
                                                 f"no step of the ladder is left")
            elif v.kind == "transformer" and v.element in trafo_idx and trafo_idx[v.element] not in done_trafos:
                done_trafos.add(trafo_idx[v.element])
                if self._upgrade_trafo(trafo_idx[v.element], "loading", v.time):
                    changed = True
                else:
                    self.unfixable[v.element] = (f"transformer '{v.element}' is loaded {v.value:.0f} % ({v.time}) "
                                                 f"at the largest type of the ladder: its area needs another "
                                                 f"station")
        # voltage: per feeder (the branch at its transformer), the worst bus; upgrade its path
        worst: dict[tuple[int, int], tuple] = {}
        for v in violations:
            if v.kind == "bus" and v.element in bus_idx:
                b = int(bus_idx[v.element])
                t = self.trafo_of_bus.get(b, -1)
                path = self._path(t, b)
                if path is None:
                    continue
                feeder = (t, path[1] if len(path) > 1 else b)
                severity = abs(v.value - 1.0) if v.limit == "voltage band" else v.value
                current = worst.get(feeder)
                if current is None or severity > current[0]:
                    worst[feeder] = (severity, v, b, path)
        for (t, _), (_, v, b, path) in worst.items():
            res = self.results.get(v.time) if v.time in self.results else self.results.get("peak load")
            if res is None:
                continue
            lv_bus = int(self.net.trafo.at[t, "lv_bus"])
            vm = res["vm"]
            steps = []
            for u, w in zip(path[:-1], path[1:]):
                lines = self._lines_between(u, w)
                for idx in lines:
                    steps.append((abs(vm[u] - vm[w]), idx))
            trafo_share = abs(1.0 - vm[lv_bus]) if v.limit != "voltage drop" else 0.0
            steps.sort(reverse=True)
            largest_step = steps[0][0] if steps else 0.0

            def cables() -> bool:
                # every cable on the path that carries at least a quarter of the largest step's drop
                done = False
                for step, idx in steps:
                    if step < 0.25 * largest_step and done:
                        break
                    if idx not in done_lines and self._upgrade_cable(idx, v.limit, v.time):
                        done_lines.add(idx)
                        done = True
                return done

            def trafo() -> bool:
                if t in done_trafos or trafo_share <= 0:
                    return False
                done_trafos.add(t)
                return self._upgrade_trafo(t, v.limit, v.time)

            order = (trafo, cables) if trafo_share > largest_step else (cables, trafo)
            upgraded = order[0]() or order[1]()
            changed |= upgraded
            if not upgraded:
                self.unfixable[v.element] = (f"bus '{v.element}' breaks the {v.limit} ({v.value:.3f}, {v.time}) "
                                             f"with every cable on its path and its transformer at the top of the "
                                             f"ladder")
        return changed

    def _path(self, t: int, b: int) -> list[int] | None:
        """Buses from transformer ``t``'s low-voltage bus down to bus ``b`` (the grid is radial)."""
        import networkx as nx

        if t < 0:
            return None
        if not hasattr(self, "_parents"):
            self._parents = {}
        if t not in self._parents:
            lv_bus = int(self.net.trafo.at[t, "lv_bus"])
            self._parents[t] = {child: parent for parent, child in nx.bfs_edges(self._graph(), lv_bus)}
        parents = self._parents[t]
        lv_bus = int(self.net.trafo.at[t, "lv_bus"])
        path = [b]
        while path[-1] != lv_bus:
            if path[-1] not in parents:
                return None
            path.append(parents[path[-1]])
        return path[::-1]

    def _lines_between(self, u, w) -> list[int]:
        if not hasattr(self, "_line_pairs"):
            pairs = {}
            line = self.net.line
            for idx, fb, tb in zip(line.index, line.from_bus, line.to_bus):
                pairs.setdefault((min(fb, tb), max(fb, tb)), []).append(int(idx))
            self._line_pairs = pairs
        return self._line_pairs.get((min(u, w), max(u, w)), [])

    # ---------------------------------------------------------------- the year
    def year(self, year_table):
        """Per-element worst values over a year; adds the steps that break a limit as cases.

        ``year_table(ids)`` gives the year's profile table for the net's element indexes
        (columns ``load.p_mw.<i>``, ``sgen.p_mw.<i>``, ``storage.p_mw.<i>``)."""
        from planner.grid.grid_model import build_model
        from planner.grid.powerflow import parse_profiles, run

        table = year_table(self.ids)
        import copy

        net = copy.deepcopy(self.net)
        net.load["p_mw"], net.sgen["p_mw"] = 0.0, 0.0
        model = build_model(net)
        worst_steps: dict[int, float] = {}
        r = self.rules

        def on_chunk(chunk):
            ok = chunk.converged
            if not ok.any():
                on_chunk.offset += len(chunk.index)
                return
            bad = np.zeros(len(chunk.index))
            if chunk.line_loading.size:
                bad = np.maximum(bad, np.nan_to_num(np.nanmax(chunk.line_loading, axis=1) - r.max_loading_percent))
            if chunk.trafo_loading.size:
                bad = np.maximum(bad, np.nan_to_num(np.nanmax(chunk.trafo_loading, axis=1) - r.max_loading_percent))
            lv = self.lv.to_numpy()
            vm = chunk.vm_pu[:, lv]
            bad = np.maximum(bad, 100 * np.nan_to_num(np.nanmax(vm, axis=1) - r.vm_max_pu))
            bad = np.maximum(bad, 100 * np.nan_to_num(r.vm_min_pu - np.nanmin(vm, axis=1)))
            for i in np.flatnonzero((bad > 1e-6) & ok):
                worst_steps[int(i) + on_chunk.offset] = float(bad[i])
            on_chunk.offset += len(chunk.index)

        on_chunk.offset = 0
        step_minutes = (table.index[1] - table.index[0]).total_seconds() / 60.0 if len(table) > 1 else 60.0
        summary = run(model, parse_profiles(table, net, resolution_minutes=step_minutes), on_chunk=on_chunk)
        steps = sorted(worst_steps, key=worst_steps.get, reverse=True)[:6]
        for s in steps:
            row = table.iloc[s]
            case = {"load": pd.Series(0.0, index=self.net.load.index), "sgen": pd.Series(0.0, index=self.net.sgen.index),
                    "storage": pd.Series(0.0, index=self.net.storage.index)}
            for column, value in row.items():
                element, _, idx = column.split(".")
                case[element][int(idx)] = value
            self.cases[str(table.index[s])] = case
        self.year_index = table.index
        return summary, steps

    # ---------------------------------------------------------------- apply
    def apply(self) -> list[Change]:
        """Write the net's types back into the project; the changes with their costs."""
        from dataclasses import replace

        changes = []
        for (kind, idx), (before, limit, time) in self.first.items():
            if kind == "cable":
                cid = self.cable_id[idx]
                cable = self.project.get("cable", cid)
                new = replace(cable, std_type=str(self.net.line.at[idx, "std_type"]),
                              parallel=int(self.net.line.at[idx, "parallel"]))
                if (new.std_type, new.parallel) == (cable.std_type, cable.parallel):
                    continue
                self.project._put(new)
                cost = cable_cost(self.ladder, new, self.rules) + trench_cost(self.ladder, new.route_length_km(),
                                                                               self.rules)
                changes.append(Change(cid, "cable", before, self._cable_label(idx), limit, time, cost))
            else:
                tid = self.trafo_id[idx]
                trafo = self.project.get("transformer", tid)
                new = replace(trafo, std_type=str(self.net.trafo.at[idx, "std_type"]))
                if new.std_type == trafo.std_type:
                    continue
                self.project._put(new)
                changes.append(Change(tid, "transformer", before, new.std_type, limit, time,
                                      trafo_price(self.ladder, new.std_type)))
        return changes


def size_grid(project, rules: Rules | None = None, ladder: Ladder | None = None, *, year_table=None,
              new_grid: bool = False, progress=None) -> SizingResult:
    """Check the project's grid against the rules and upgrade it until it holds (in place).

    ``new_grid``: the grid was just laid out, so its cost is the whole grid's; otherwise the
    cost is the reinforcement's. ``year_table(ids)``, when given, is the year's profile table
    for the net's element indexes (see :meth:`_Sizer.year`); its power flow is checked too.
    """
    rules = rules or Rules()
    ladder = ladder or project_ladder(project)
    if not len(project.items("transformer")) or not len(project.items("external_grid")):
        raise SizingError("the project has no grid to size (no transformer or upstream connection): lay one out "
                          "first (planner size-grid does that on a project without a grid)")
    say = progress or (lambda text: None)
    with_year = year_table is not None
    sizer = _Sizer(project, rules, ladder)
    result = SizingResult()
    violations = sizer.solve_all()
    result.violations_before = list(violations)
    rounds = 0
    for year_round in range(YEAR_ROUNDS + 1 if with_year else 1):
        while violations and rounds < MAX_ROUNDS:
            rounds += 1
            say(f"round {rounds}: {len(violations)} limit(s) broken")
            if not sizer.fix(violations):
                break
            violations = sizer.solve_all()
        if not with_year:
            break
        say("the year's power flow")
        summary, steps = sizer.year(year_table)
        result.year = summary.as_dict()
        if year_round == 0:
            result.violations_before.extend(Violation("grid", "grid", "a limit in the year", 0.0, str(
                sizer.year_index[s])) for s in steps)
        if not steps:
            break
        violations = sizer.solve_all()
        if not violations:
            break
    result.rounds = rounds
    if rounds >= MAX_ROUNDS:
        result.notes.append(f"stopped after {MAX_ROUNDS} rounds of upgrades with limits still broken")
    final = sizer.solve_all()
    result.violations_after = final
    still = {v.element for v in final}
    result.unfixable = [text for element, text in sizer.unfixable.items() if element in still]
    for v in final:
        if v.element not in sizer.unfixable and v.kind != "grid":
            result.unfixable.append(f"{v.kind} '{v.element}' still breaks the {v.limit} ({v.value:.3f}, {v.time}) "
                                    f"after {rounds} rounds of upgrades")
    if any(v.kind == "grid" for v in final):
        result.unfixable.append("the power flow does not converge in a planning case: the grid cannot carry it")
    result.changes = sizer.apply()
    result.checks = _checks(sizer)
    result.cable_km = sum(c.route_length_km() for c in project.items("cable").values())
    result.transformers = [(tid, round(float(sizer.net.trafo.at[idx, "sn_mva"]) * 1000.0))
                           for tid, idx in sizer.ids["transformer"].items()]
    result.grid_cost_eur = grid_cost(project, ladder, rules)
    result.cost_eur = result.grid_cost_eur if new_grid else sum(c.cost_eur for c in result.changes)
    return result


def _checks(sizer: _Sizer) -> dict:
    """The planning cases' worst figures after sizing (the year's are in ``SizingResult.year``)."""
    res = {k: v for k, v in sizer.results.items() if v is not None}
    lv = sizer.lv
    line = max((float(v["line"].max()) for v in res.values() if len(v["line"])), default=float("nan"))
    trafo = max((float(v["trafo"].max()) for v in res.values() if len(v["trafo"])), default=float("nan"))
    vmin = min((float(v["vm"][lv].min()) for v in res.values()), default=float("nan"))
    vmax = max((float(v["vm"][lv].max()) for v in res.values()), default=float("nan"))
    rise = float("nan")
    if "feed-in" in res and "feed-in reference" in res:
        rise = float(((res["feed-in"]["vm"] - res["feed-in reference"]["vm"]) * 100.0)[lv].max())
    return {"max_line_loading_percent": line, "max_trafo_loading_percent": trafo, "min_vm_pu": vmin,
            "max_vm_pu": vmax, "max_voltage_rise_percent": rise}
