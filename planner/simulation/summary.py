"""``summary.json`` of a run: energy, KPIs, grid, schemes, indexes, finance, and what made them."""

from __future__ import annotations

import math

import numpy as np

from planner.community.balance import community_kpis
from planner.simulation.run import ScenarioResult


def summary_dict(result: ScenarioResult) -> dict:
    """The run's ``summary.json`` object: energy, KPIs, grid, schemes, indexes, tariffs, weather, notes."""
    b = result.balance
    h = result.step_h
    generation = float(result.generation.units_kw.sum().sum() * h)
    demand = float(result.generation.consumers_kw.sum().sum() * h)
    grid = result.grid or {}
    kwh = 1000.0
    losses = (grid.get("losses_mwh") or 0.0) * kwh
    summary = {
        "energy": {
            "generation_kwh": generation,
            "demand_kwh": demand,
            "import_kwh": result.grid_import_kwh,
            "export_kwh": result.grid_export_kwh,
            "shared_kwh": float(b.shared.sum()),
            "curtailed_kwh": result.curtailed_kwh,
            "storage_loss_kwh": result.storage_loss_kwh,
            "import_before_losses_kwh": float(b.community_import.sum()),
            "export_before_losses_kwh": float(b.community_export.sum()),
            "reconciliation_gap_kwh": (result.grid_import_kwh - result.grid_export_kwh)
            - float(b.community_import.sum() - b.community_export.sum()) - losses,
        },
        "kpi": community_kpis(generation, demand, float(b.community_import.sum()),
                              float(b.community_export.sum()), result.curtailed_kwh),
        "grid": {
            "losses_kwh": losses,
            "line_losses_kwh": (grid.get("line_losses_mwh") or 0.0) * kwh,
            "trafo_losses_kwh": (grid.get("trafo_losses_mwh") or 0.0) * kwh,
            "loss_share_of_delivered": grid.get("loss_share_of_delivered"),
            "max_line_loading_percent": grid.get("max_line_loading_percent"),
            "max_trafo_loading_percent": grid.get("max_trafo_loading_percent"),
            "min_vm_pu": grid.get("min_vm_pu"),
            "max_vm_pu": grid.get("max_vm_pu"),
            "non_converged_steps": grid.get("non_converged_steps"),
            "non_converged_times": grid.get("non_converged_times"),
            "worst_steps": grid.get("worst_steps"),
        } if result.grid else None,
        "schemes": {
            name: {"members_net_cost_eur": s.total(),
                   "community_grid_net_cost_eur": float(s.grid_net_cost.sum())}
            for name, s in result.schemes.items()},
        "indexes": result.indexes,
        "prices": {"mean_import_eur_per_kwh": result.prices[0], "mean_export_eur_per_kwh": result.prices[1],
                   "note": "each member is billed on its own tariff (see tariffs); these consumption- and "
                           "generation-weighted means serve only the Shapley values"},
        "tariffs": result.tariffs,
        "default_tariff": result.default_tariff,
        "shared_energy": result.shared_energy,
        "weather": {"name": result.generation.weather.name, "source": result.generation.weather.source,
                    "station_id": result.generation.weather.station_id,
                    "path": result.generation.weather.path,
                    "repairs": list(result.generation.weather.repairs),
                    "warnings": list(result.generation.weather.notes)},
        "wind_farms": result.generation.wind_farms,
        "resolution_minutes": int(round(h * 60)),
        "study": result.study,
        "notes": result.notes,
    }
    return _clean(summary)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


