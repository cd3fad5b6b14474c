"""A project's scenarios run side by side: the base and each named scenario, as variants of a sweep.

The results go to ``NAME.scenarios/`` beside the project (``variants.parquet``, ``summary.json``
with the project's fingerprint, the cache of finished variants), apart from ``NAME.results/``
(which a run replaces whole), so the app and the report show them while they are the project's,
and a scenario that did not change is not run again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from planner import PlannerError
from planner.sweep.definition import Sweep
from planner.sweep.table import COLUMNS

BASE = "base"
#: Figures a comparison shows, in order, with how they are written.
COMPARED = ("self_sufficiency", "self_consumption", "generation_kwh", "import_kwh", "export_kwh", "shared_kwh",
            "grid_losses_kwh", "max_line_loading_percent", "max_trafo_loading_percent", "min_vm_pu", "max_vm_pu",
            "grid_ok", "co2_avoided_t", "gini", "savings_eur", "bill_grid_only_eur", "bill_net_metering_yearly_eur",
            "bill_sdr_eur", "bill_bilateral+sdr_eur", "capex_eur", "npv_eur", "irr", "simple_payback_years",
            "annual_cost_eur")


def scenarios_folder(project_path: str | Path) -> Path:
    """``NAME.scenarios`` beside ``NAME.gpkg``."""
    path = Path(project_path)
    return path.with_name(f"{path.stem}.scenarios")


def run_scenarios(project_path: str | Path, *, resolution_minutes: int | None = None, scheduler: str | None = None,
                  workers: int | None = None, serial: bool = True, progress=None, on_ready=None, cancel=None):
    """Run the base and every scenario of the project file at ``project_path``.

    In this process by default (a handful of scenarios; ``serial=False`` for a LocalCluster,
    ``scheduler`` for a cluster). Returns the sweep's :class:`~planner.sweep.runner.Outcome`
    whose table has a ``scenario`` column.
    """
    from planner.io import load_project
    from planner.io.app_runs import fingerprint
    from planner.io.file_safety import atomic_write_text
    from planner.sweep.runner import run_sweep

    project = load_project(project_path)
    if not project.scenarios:
        raise PlannerError(f"{project_path}: the project has no scenarios (planner scenarios PROJECT --add NAME "
                           f"key=value ..., or Run > Scenarios in the app)")
    names = [BASE] + [s.name for s in project.scenarios]
    resolution_minutes = resolution_minutes or project.study.resolution_minutes
    sweep = Sweep("list", [], [{}] + [dict(s.overrides) for s in project.scenarios],
                  resolution_minutes=resolution_minutes, source=f"the scenarios of {Path(project_path).name}")
    out = scenarios_folder(project_path)
    outcome = run_sweep(project_path, sweep, out, scheduler=scheduler, workers=workers, serial=serial and not scheduler,
                        progress=progress, on_ready=on_ready, cancel=cancel)
    outcome.table.insert(1, "scenario", names)
    outcome.summary.update(scenarios=names, fingerprint=fingerprint(project),
                           descriptions={s.name: s.description for s in project.scenarios})
    from planner.sweep.runner import _write

    _write(out, outcome.table, outcome.summary)
    atomic_write_text(out / "summary.json", json.dumps(outcome.summary, indent=2, default=str))
    return outcome


def stored_scenarios(project, project_path) -> pd.DataFrame | None:
    """The scenarios' table kept beside the project, if it is this project's (same fingerprint)."""
    from planner.io.app_runs import fingerprint

    folder = scenarios_folder(project_path)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        table = pd.read_parquet(folder / "variants.parquet")
    except (OSError, ValueError):
        return None
    if summary.get("fingerprint") != fingerprint(project) or "scenario" not in table:
        return None
    if list(table.scenario) != [BASE] + [s.name for s in project.scenarios]:
        return None
    return table


def comparison(table: pd.DataFrame) -> pd.DataFrame:
    """Figures (rows) by scenario (columns), the base first, and each scenario's difference from
    the base (``<name> - base``); ``meaning`` says what a figure is."""
    rows = []
    names = list(table.scenario)
    for figure in COMPARED:
        if figure not in table:
            continue
        values = dict(zip(names, table[figure]))
        row = {"figure": figure, **values}
        base = values.get(BASE)
        for name in names[1:]:
            value = values[name]
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool) and \
                isinstance(base, (int, float)) and not isinstance(base, bool) and pd.notna(value) and pd.notna(base)
            row[f"{name} - {BASE}"] = value - base if numeric else None
        row["meaning"] = COLUMNS.get(figure, figure.replace("bill_", "members' bills a year under ").replace("_eur", " [EUR]"))
        rows.append(row)
    return pd.DataFrame(rows)
