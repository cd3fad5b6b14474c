"""The power flow stage of a run: the project's grid translated and modelled (beside generation,
as it needs only the project), then the year's flow with each element's worst value.

:func:`~planner.simulation.run.simulate` calls :func:`prepare_grid` and :func:`grid_stage`;
without a grid the stage gives the community balance's exchange, said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.community.balance import Balance
from planner.generation.results import GenerationResult
from planner.model import Project

if TYPE_CHECKING:
    from planner.simulation.stages import Dispatch


@dataclass(frozen=True)
class GridOutcome:
    """The power flow's annual figures (``None`` without a grid) and the upstream exchange [kWh]."""

    figures: dict | None
    import_kwh: float
    export_kwh: float
    note: str | None = None
    #: per step, each transformer's loading [%] (columns: project ids), for load-duration curves
    trafo_loading: pd.DataFrame | None = None
    #: per cable, transformer and bus: the worst value of the year and its step (the grid check)
    elements: pd.DataFrame | None = None


def has_grid(project: Project) -> bool:
    """Whether the project has a grid to run the power flow on (buses and an upstream connection)."""
    return bool(len(project.items("bus")) and len(project.items("external_grid")))


def without_new_loads(project: Project, gen: GenerationResult, prepared=None) -> dict:
    """The year's power-flow figures as they would be without the heat pumps and charging points:
    their electricity taken off the consumers' demand and the batteries dispatched again."""
    import dataclasses

    from planner.simulation import stages

    before = dataclasses.replace(gen, consumers_kw=gen.without_new_loads(), added_kw=None, heat_pumps=None,
                                 charging=None)
    d = stages.dispatch(project, before)
    return grid_stage(project, before, d, None, True, False, prepared, three_phase=False).figures


def grid_stage(project: Project, gen: GenerationResult, d: Dispatch, balance: Balance | None,
               with_grid: bool = True, details: bool = True, prepared=None, *, three_phase: bool = True
               ) -> GridOutcome:
    """The year's power flow where the project has a grid (``balance`` is then not needed); else
    the balance's exchange, said so. ``details``: each transformer's loading per step and each
    element's worst value (the report's; a sweep's variants need only the year's figures).
    ``prepared``: what :func:`prepare_grid` gave for this project, or a callable giving it.
    ``three_phase``: where a consumer or unit connects to one phase, the year again through the
    three-phase flow (figures under ``three_phase``; elements: unbalance, phase loading, neutral
    current)."""
    if with_grid and has_grid(project):
        grid = prepared() if callable(prepared) else (prepared or prepare_grid(project))
        figures, imp, exp, trafo_loading, elements = _power_flow(grid, gen, d.battery_kw, d.delivered_kw, details)
        from planner.grid.three_phase import run_year, single_phase_count

        if three_phase and single_phase_count(project):
            year = run_year(project, gen, grid.net, grid.ids, d.delivered_kw, d.battery_kw, details=details)
            figures = {**figures, "three_phase": year.figures}
            if elements is not None and year.elements is not None:
                elements = pd.concat([elements, year.elements], ignore_index=True)
        return GridOutcome(figures, imp, exp, trafo_loading=trafo_loading, elements=elements)
    imp, exp = float(balance.community_import.sum()), float(balance.community_export.sum())
    note = "the project has no grid: import and export are the community balance's, without losses" \
        if with_grid else None
    return GridOutcome(None, imp, exp, note)


@dataclass(frozen=True)
class PreparedGrid:
    """The project's grid as a pandapower net, the net's index of each project object, and the
    power flow's model of it: all it needs before the year's injections are known."""

    net: object
    ids: dict
    model: object


def prepare_grid(project: Project) -> PreparedGrid:
    """The project's grid translated to pandapower and prepared for the batch power flow (needs
    only the project: :func:`~planner.simulation.run.simulate` starts it before generation)."""
    from planner.grid.powerflow import build_model
    from planner.grid.translate import to_pandapower

    net, ids = to_pandapower(project)
    return PreparedGrid(net, ids, build_model(net))


def warm_up_grid() -> PreparedGrid:
    """Prepare the grid of a village of three buses: loads the modules and compiled kernels the
    first :func:`prepare_grid` of a process would (pandapower's, about a second), so a process
    that will be asked for a grid (``planner run``'s report helper) does it while it waits."""
    from shapely.geometry import LineString, Point

    from planner.model import Bus, Cable, Consumer, ExternalGrid, Project, PVUnit, Site, Transformer

    project = Project("warm-up", Site(latitude=48.46, longitude=7.88, timezone="Europe/Berlin", crs="EPSG:32632"))
    x, y = 412_000.0, 5_368_000.0
    for entity in (Bus(id="mv", vn_kv=20.0, kind="mv", geometry=Point(x, y)),
                   Bus(id="lv", kind="busbar", geometry=Point(x, y)),
                   Bus(id="b", geometry=Point(x + 50.0, y)),
                   Transformer(id="t", hv_bus="mv", lv_bus="lv", std_type="0.4 MVA 20/0.4 kV", geometry=Point(x, y)),
                   ExternalGrid(id="x", bus_id="mv", geometry=Point(x, y)),
                   Cable(id="c", from_bus="lv", to_bus="b", std_type="NAYY 4x150 SE",
                         geometry=LineString([(x, y), (x + 50.0, y)])),
                   Consumer(id="h", bus_id="b", annual_kwh=3000.0, geometry=Point(x + 50.0, y)),
                   PVUnit(id="pv", bus_id="b", peak_kw=9.9, geometry=Point(x + 50.0, y))):
        project.add(entity)
    return prepare_grid(project)


def _power_flow(grid: PreparedGrid, gen: GenerationResult, battery_kw: pd.DataFrame,
                delivered_kw: pd.DataFrame | None = None, details: bool = True):
    from planner.grid.powerflow import profiles_of_blocks, run

    net, ids = grid.net, grid.ids
    units = gen.units_kw if delivered_kw is None else delivered_kw
    sources = [(gen.consumers_kw, [("load", ids["consumer"])]),
               (units, [("sgen", ids[kind]) for kind in ("pv_unit", "wind_turbine", "chp_unit")]),
               (battery_kw, [("storage", ids["battery"])])]
    # the frames' values as they are (kW; a frame's block is (columns, steps), so each column is
    # contiguous): a view where the grid's columns lie side by side in the frame, as they do, not
    # the year of 2,000 columns divided into one array (137 MB written, each new MB paged in)
    blocks = []
    for frame, kinds in sources:
        wanted = [project_id for _, table_ids in kinds for project_id in table_ids]
        at = frame.columns.get_indexer(wanted)
        if (at < 0).any():
            raise KeyError(f"no power series for {sorted(set(wanted) - set(frame.columns))[0]}")
        if not len(at):
            continue
        values = frame.to_numpy()
        block = values[:, at[0]:at[-1] + 1] if (np.diff(at) == 1).all() else values.T[at].T
        blocks.append((block, [f"{element}.p_mw.{idx}" for element, table_ids in kinds for idx in table_ids.values()]))
    model = grid.model
    worst = _WorstTracker(net) if details else None
    summary = run(model, profiles_of_blocks(gen.units_kw.index, blocks, net, step_h=gen.step_h, scale=1e-3),
                  on_chunk=worst.add if worst else None)
    grid = summary.as_dict()
    return (grid, summary.import_mwh * 1000.0, summary.export_mwh * 1000.0, worst.trafo_frame() if worst else None,
            worst.elements() if worst else None)


class _WorstTracker:
    """Collects, chunk by chunk, each transformer's loading per step and each element's worst
    value of the year with its time (cables and transformers: highest loading; buses: lowest and
    highest voltage)."""

    def __init__(self, net):
        self.net = net
        self.trafo_chunks, self.index, self.steps = [], [], []
        self.offset = 0
        self.line_max, self.line_at = np.full(len(net.line), -np.inf), np.full(len(net.line), -1)
        self.trafo_max, self.trafo_at = np.full(len(net.trafo), -np.inf), np.full(len(net.trafo), -1)
        n_bus = len(net.bus)
        self.vm_min, self.vm_min_at = np.full(n_bus, np.inf), np.full(n_bus, -1)
        self.vm_max, self.vm_max_at = np.full(n_bus, -np.inf), np.full(n_bus, -1)

    def _update(self, best, at, extremes, larger: bool):
        top, top_row, low, low_row = extremes
        candidate, rows = (top, top_row) if larger else (low, low_row)
        better = (rows >= 0) & ((candidate > best) if larger else (candidate < best))
        best[better] = candidate[better]
        at[better] = rows[better] + self.offset  # the step's position in the year

    def add(self, chunk) -> None:
        ok = chunk.converged
        self.trafo_chunks.append(chunk.trafo_loading[ok].astype("float32"))
        self.index.append(chunk.index[ok])
        self.steps.append(chunk.index)
        extremes = chunk.extremes
        self._update(self.line_max, self.line_at, extremes["line_loading"], True)
        self._update(self.trafo_max, self.trafo_at, extremes["trafo_loading"], True)
        self._update(self.vm_min, self.vm_min_at, extremes["vm_pu"], False)
        self._update(self.vm_max, self.vm_max_at, extremes["vm_pu"], True)
        self.offset += len(chunk.index)

    def trafo_frame(self) -> pd.DataFrame | None:
        if not self.index or not len(self.net.trafo):
            return None
        values = np.concatenate(self.trafo_chunks) if self.trafo_chunks else np.zeros((0, len(self.net.trafo)))
        return pd.DataFrame(values, index=self.index[0].append(self.index[1:]) if len(self.index) > 1 else self.index[0],
                            columns=[str(n) for n in self.net.trafo.name])

    def elements(self) -> pd.DataFrame:
        net = self.net
        steps = self.steps[0].append(self.steps[1:]) if len(self.steps) > 1 else \
            (self.steps[0] if self.steps else pd.DatetimeIndex([]))
        parts = []
        for kind, names, figure, values, at in (
                ("cable", net.line.name, "max loading %", self.line_max, self.line_at),
                ("transformer", net.trafo.name, "max loading %", self.trafo_max, self.trafo_at),
                ("bus", net.bus.name, "min voltage p.u.", self.vm_min, self.vm_min_at),
                ("bus", net.bus.name, "max voltage p.u.", self.vm_max, self.vm_max_at)):
            keep = np.flatnonzero(at >= 0)
            parts.append(pd.DataFrame({"kind": kind, "id": [str(n) for n in np.asarray(names)[keep]],
                                       "figure": figure, "value": values[keep].astype(float),
                                       "time": steps[at[keep]]}, index=keep))
        table = pd.concat(parts)
        # cables, transformers, then each bus's lowest and highest voltage side by side
        order = np.lexsort((table["figure"].map({"min voltage p.u.": 0, "max voltage p.u.": 1}).fillna(0).to_numpy(),
                            table.index.to_numpy(), table["kind"].map({"cable": 0, "transformer": 1, "bus": 2})))
        return table.iloc[order].reset_index(drop=True)[["kind", "id", "figure", "value", "time"]]
