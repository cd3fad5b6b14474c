"""The whole simulation of a project: weather to generation, batteries, power flow, balance,
settlement, indexes and finance.

``simulate(project)`` runs the stages of :mod:`planner.simulation.stages` in order, naming each
to an optional :class:`~planner.simulation.task.Task` (progress and cancel), and returns a
:class:`ScenarioResult` built once at the end. ``planner.io.run_outputs.write_outputs``
writes the files of ``planner run``; :func:`planner.simulation.summary.summary_dict` makes
``summary.json``.

Conventions
-----------
- Units belong to their owner member; units without an owner, and consumers
  without a member, belong to the pseudo-member ``community``.
- A member's battery works on that member's net power; a shared battery on the
  community's. In the balance charging counts as load and discharging as generation of
  its owner; the KPIs count neither (DOMAIN.md section 3).
- Power flow: consumers are loads, PV/wind/CHP static generators, batteries
  storage (charging positive), all at unity power factor, at their buses.
- Prices: each member on its own tariff (:mod:`planner.community.tariffs`), shared energy
  charged as the project's shared-energy setting says.
- ``storage_loss_kwh`` is the energy charged minus the energy discharged: conversion
  losses plus what is left in store at the end of the year.
- Curtailment: where the upstream connections set an export limit, generation beyond it
  (after batteries) is curtailed pro rata from the members in surplus.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import pandas as pd

from planner import PlannerError
from planner.community.balance import Balance
from planner.community.settlement import SchemeResult
from planner.community.tariffs import default_tariff_id
from planner.economics.costs import check_catalogue_covers, load_catalogue
from planner.generation.results import GenerationResult, simulate_generation
from planner.model import Project
from planner.simulation import grid_stage as grid_stages
from planner.simulation import stages
from planner.simulation.memory import keep_freed_memory
from planner.simulation.stages import COMMUNITY, HORIZON_YEARS, export_limit_kw, ownership
from planner.simulation.task import Task

#: Transmission and distribution losses upstream of the community, as a share of the energy
#: delivered (DOMAIN.md: typically 5-8 %; Germany about 5 %). Editable.
UPSTREAM_LOSS_FACTOR = 0.05

__all__ = ["COMMUNITY", "Generated", "HORIZON_YEARS", "ScenarioResult", "Settled", "UPSTREAM_LOSS_FACTOR",
           "ownership", "simulate"]


@dataclass
class ScenarioResult:
    """Everything one simulation produced."""

    generation: GenerationResult
    balance: Balance
    schemes: dict[str, SchemeResult]
    battery_kw: pd.DataFrame  # charge positive, per battery
    storage_loss_kwh: float
    grid: dict | None
    grid_import_kwh: float
    grid_export_kwh: float
    prices: tuple[float, float]
    indexes: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    shapley: pd.DataFrame | None = None
    ownership: dict = field(default_factory=dict)
    measures: pd.DataFrame | None = None
    unit_finance: pd.DataFrame | None = None
    member_finance: pd.DataFrame | None = None
    curtailed_kwh: float = 0.0  # generation cut at the export limit
    delivered_kw: pd.DataFrame | None = None  # each unit's output after curtailment
    tariffs: dict = field(default_factory=dict)  # tariff id -> components, members billed on it
    default_tariff: str | None = None
    shared_energy: dict | None = None  # the setting that priced shared energy
    trafo_loading: pd.DataFrame | None = None  # per step and transformer [%]
    grid_elements: pd.DataFrame | None = None  # each element's worst value of the year and its time
    study: dict = field(default_factory=dict)  # the assumptions the figures were computed with
    #: the power flow's figures without the heat pumps and charging points (None: the project has none)
    grid_without_new_loads: dict | None = None

    @property
    def step_h(self) -> float:
        """The step length [h]."""
        return self.generation.step_h


@dataclass
class Generated:
    """What a run knows once its generation and demand are simulated (:func:`simulate` hands it
    to ``on_partial``)."""

    project: Project
    generation: GenerationResult

    @property
    def step_h(self) -> float:
        return self.generation.step_h


@dataclass
class Settled(Generated):
    """What a run knows before its power flow ends: besides generation, the dispatch, settlement,
    how the benefit is shared and the finance (:func:`simulate` hands it to ``on_partial``)."""

    dispatched: stages.Dispatch | None = None
    settlement: stages.Settlement | None = None
    fairness: dict = field(default_factory=dict)  # gini, jain, benefit_scheme, benefits_by_group
    unit_finance: pd.DataFrame | None = None
    member_finance: pd.DataFrame | None = None
    finance: dict = field(default_factory=dict)


@dataclass
class Flowed(Settled):
    """What a run knows once its power flow ended, before the indexes that need it: besides the
    settlement, the grid's figures, transformer loading and worst elements (:func:`simulate`
    hands it to ``on_partial``)."""

    grid: grid_stages.GridOutcome | None = None


class _Background:
    """``fn(*args)`` in a daemon thread (numpy and the compiled power flow release the GIL, so it
    uses the second core); :meth:`result` waits for it, checking the task's cancel."""

    def __init__(self, fn, *args):
        self._out: list = []
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True, name=fn.__name__)
        self._thread.start()

    def _run(self, fn, args) -> None:
        try:
            self._out.append((True, fn(*args)))
        except BaseException as error:  # handed to the waiting thread
            self._out.append((False, error))

    def result(self, task: Task):
        while self._thread.is_alive():
            task.check()
            self._thread.join(0.1)
        ok, value = self._out[0]
        if not ok:
            raise value
        return value


class _Once:
    """``fn()`` called on the first :meth:`result` (from whichever thread asks first), kept."""

    def __init__(self, fn):
        self._fn, self._lock, self._out = fn, threading.Lock(), []

    def result(self, task: Task):
        with self._lock:
            if not self._out:
                task.check()
                self._out.append(self._fn())
            return self._out[0]


def simulate(project: Project, *, resolution_minutes: int | None = None, with_grid: bool = True,
             grid_emission_factor: float | None = None, shapley_samples: int = 30,
             upstream_loss_factor: float | None = None,
             subsidy_eur_per_kwh: float = 0.0, costs_path=None, task: Task | None = None,
             generation_cache=None, overlap: bool = True, details: bool = True,
             on_partial=None, prepare=None) -> ScenarioResult:
    """Run the whole chain on ``project`` (see the module docstring for the conventions).

    Parameters
    ----------
    project : Project
        Checked first (validation, tariff, cost catalogue, subsidy): bad input fails before
        the long work starts.
    resolution_minutes : int, optional
        60 or 15; default: the project's ``study.resolution_minutes``.
    with_grid : bool
        Run the year's power flow where the project has a grid.
    grid_emission_factor : float, optional
        kg CO2 per kWh of grid electricity (default: the indexes module's).
    shapley_samples : int
        Orderings sampled for Shapley values above 12 members (0: no Shapley values, as a sweep's
        variants need none).
    upstream_loss_factor : float, optional
        Upstream transmission and distribution losses as a share of energy used locally (default:
        the project's study settings, like the emission factor, discount rate, horizon and cost
        catalogue).
    subsidy_eur_per_kwh : float
        Production subsidy [EUR/kWh], at least 0.
    costs_path : str, path or DataFrame, optional
        A cost catalogue of one's own (default: the shipped one).
    task : Task, optional
        Told each stage; its cancel stops the run with :class:`~planner.simulation.task.Cancelled`.
    generation_cache : GenerationCache, optional
        Weather, demand and PV per kWp kept from an earlier variant of the same project.
    overlap : bool
        Run the power flow in a second thread beside settlement (a sweep's worker, which has
        one core of its own, runs it in turn instead).
    details : bool
        Keep each transformer's loading per step and each grid element's worst value of the
        year (the report's load-duration curves and grid check; a sweep's variants do without).
    on_partial : callable, optional
        Called with what the run knows so far: a :class:`Generated` once generation and demand
        are simulated, a :class:`Settled` while the power flow's thread finishes the year and a
        :class:`Flowed` once it ended (those two only when it runs in a thread of its own, and
        the last with a grid). ``planner run`` has the report's helper process draw the pages
        that need no more meanwhile.
    prepare : callable, optional
        Gives the project's grid as :func:`~planner.simulation.grid_stage.prepare_grid` makes it,
        instead of a thread beside generation making it (``planner run`` has its helper process
        make it, free of this process's lock on Python objects).
    """
    task = task or Task()
    keep_freed_memory()
    issues = project.validate()
    if issues:
        raise PlannerError(f"the project is not valid: {issues[0]}")
    if not (isinstance(subsidy_eur_per_kwh, (int, float)) and math.isfinite(subsidy_eur_per_kwh)
            and subsidy_eur_per_kwh >= 0):
        raise PlannerError(f"the production subsidy must be a finite amount of at least 0 EUR/kWh, got "
                           f"{subsidy_eur_per_kwh!r} (a negative subsidy would be a levy on generation, "
                           f"which the planner does not model)")
    if not len(project.items("consumer")) and not any(len(project.items(k)) for k in (
            "pv_unit", "wind_turbine", "chp_unit", "battery")):
        raise PlannerError("the project has nothing to simulate: add consumers or units (place them on the map, "
                           "or planner import --as consumers)")
    study = project.study
    if grid_emission_factor is None:
        grid_emission_factor = study.grid_emission_factor_kg_per_kwh
    if upstream_loss_factor is None:
        upstream_loss_factor = study.upstream_loss_factor
    if resolution_minutes is None:
        resolution_minutes = study.resolution_minutes
    if costs_path is None and study.cost_catalogue:
        costs_path = study.cost_catalogue
    catalogue = costs_path if isinstance(costs_path, pd.DataFrame) else load_catalogue(costs_path)
    check_catalogue_covers(project, catalogue)
    default_tariff_id(project)

    grid_wanted = with_grid and grid_stages.has_grid(project)
    # the grid's translation and model need only the project: prepared beside generation
    prepared = None
    if overlap and grid_wanted:
        prepared = _Once(prepare) if prepare is not None else _Background(grid_stages.prepare_grid, project)
    task.stage("weather and generation")
    areas = None
    if grid_wanted and any(p.strategy == "limit" for p in project.items("charging_point").values()):
        from planner.grid.areas import bus_areas

        areas = bus_areas(project)
    gen = simulate_generation(project, resolution_minutes=resolution_minutes, cache=generation_cache,
                              transformer_areas=areas)
    if on_partial is not None:
        on_partial(Generated(project, gen))
    task.stage("dispatch")
    dispatched = stages.dispatch(project, gen)
    # the power flow needs only the dispatch: it runs beside settlement and Shapley values
    if isinstance(prepared, _Once):  # the helper's grid (7 MB on the sample) read here, before settlement:
        prepared.result(task)  # read in the flow's thread, each pipe read waits for this thread's lock (~1 s)
    flow = _Background(grid_stages.grid_stage, project, gen, dispatched, None, True, details,
                       lambda: prepared.result(task)) if prepared else None
    task.stage("balance and settlement")
    settlement = stages.settle(project, dispatched)
    phi = stages.shapley_stage(settlement, shapley_samples) if shapley_samples else None
    task.stage("power flow")
    finance_done = settled = None
    if flow is not None:  # the finance needs no grid: done here while the power flow's thread works
        finance_done = stages.finance_stage(project, gen, dispatched, settlement, subsidy_eur_per_kwh, catalogue)
        if on_partial is not None:
            settled = Settled(project, gen, dispatched, settlement, stages.fairness_indexes(project, settlement),
                              *finance_done)
            on_partial(settled)
    grid = flow.result(task) if flow else grid_stages.grid_stage(project, gen, dispatched, settlement.balance,
                                                                 with_grid, details)
    if settled is not None and grid.figures is not None:
        on_partial(Flowed(**vars(settled), grid=grid))
    without = None
    if grid.figures is not None and gen.added_kw is not None:
        task.check()  # part of the power flow stage: the year again without heat pumps and charging points
        without = grid_stages.without_new_loads(project, gen, (lambda: prepared.result(task)) if prepared else None)
    task.stage("indexes")
    indexes, shapley_table = stages.indexes_stage(
        project, gen, dispatched, settlement, grid, grid_emission_factor=grid_emission_factor,
        upstream_loss_factor=upstream_loss_factor, phi=phi)
    task.stage("finance")
    unit_finance, member_finance, finance = finance_done or stages.finance_stage(
        project, gen, dispatched, settlement, subsidy_eur_per_kwh, catalogue)
    notes = [grid.note] if grid.note else []
    notes.extend(gen.notes)
    if dispatched.curtailed_kwh:
        notes.append(f"{dispatched.curtailed_kwh:,.0f} kWh of generation curtailed at the export limit of "
                     f"{export_limit_kw(project):,.0f} kW, taken from the members in surplus pro rata")
    default = settlement.plan.default_tariff
    task.check()
    return ScenarioResult(
        gen, settlement.balance, settlement.schemes, dispatched.battery_kw, dispatched.storage_loss_kwh,
        grid.figures, grid.import_kwh, grid.export_kwh, settlement.mean_prices, {**indexes, "finance": finance},
        notes, shapley_table, ownership=dispatched.shares,
        measures=stages.measures(project, project.get("tariff", default).gross_import_price()),
        unit_finance=unit_finance, member_finance=member_finance, curtailed_kwh=dispatched.curtailed_kwh,
        delivered_kw=dispatched.delivered_kw, tariffs=settlement.plan.describe(project), default_tariff=default,
        shared_energy={**project.shared_energy.as_dict(), "described": project.shared_energy.describe()},
        trafo_loading=grid.trafo_loading, grid_elements=grid.elements, grid_without_new_loads=without,
        study={**project.study.as_dict(), "grid_emission_factor_kg_per_kwh": grid_emission_factor,
               "upstream_loss_factor": upstream_loss_factor,
               "cost_catalogue": str(costs_path) if costs_path is not None and not isinstance(costs_path, pd.DataFrame)
               else ("a table given by the caller" if costs_path is not None else "the shipped catalogue")})
