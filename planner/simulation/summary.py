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
    generation, demand = _energy_totals(result.generation)
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
        "grid": grid_section(grid) if result.grid else None,
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
        "weather": _weather(result.generation.weather),
        "wind_farms": result.generation.wind_farms,
        "electrification": electrification(result),
        "resolution_minutes": int(round(h * 60)),
        "study": result.study,
        "notes": result.notes,
    }
    return _clean(summary)


def grid_section(grid: dict) -> dict:
    """``summary.json``'s grid figures from the power flow's (:attr:`ScenarioResult.grid`)."""
    kwh = 1000.0
    return {
        "losses_kwh": (grid.get("losses_mwh") or 0.0) * kwh,
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
        "three_phase": grid.get("three_phase"),
    }


def partial_summary(partial) -> dict:
    """The part of ``summary.json`` that a run not yet done already knows, as :func:`summary_dict`
    will write it: from a :class:`~planner.simulation.run.Generated` run the energy totals,
    weather and step, from a :class:`~planner.simulation.run.Settled` one the finance and the
    fairness indexes too, from a :class:`~planner.simulation.run.Flowed` one the grid's figures.
    Of ``electrification`` only the energy added is known (its grid figures need the year
    without the new loads as well)."""
    gen = partial.generation
    generation, demand = _energy_totals(gen)
    added = None if gen.added_kw is None else {"added_kwh": float(gen.added_kw.sum().sum() * gen.step_h)}
    summary = {"energy": {"generation_kwh": generation, "demand_kwh": demand}, "weather": _weather(gen.weather),
               "electrification": added, "resolution_minutes": int(round(gen.step_h * 60))}
    if getattr(partial, "settlement", None) is not None:
        summary["indexes"] = {**partial.fairness, "finance": partial.finance}
    grid = getattr(partial, "grid", None)
    if grid is not None and grid.figures:
        summary["grid"] = grid_section(grid.figures)
    return _clean(summary)


def _energy_totals(gen) -> tuple[float, float]:
    """The year's generation and demand [kWh]."""
    return float(gen.units_kw.sum().sum() * gen.step_h), float(gen.consumers_kw.sum().sum() * gen.step_h)


def _weather(weather) -> dict:
    return {"name": weather.name, "source": weather.source, "station_id": weather.station_id, "path": weather.path,
            "repairs": list(weather.repairs), "warnings": list(weather.notes)}


_GRID_KEYS = ("max_line_loading_percent", "max_trafo_loading_percent", "min_vm_pu", "max_vm_pu", "losses_mwh")


def electrification(result: ScenarioResult) -> dict | None:
    """What the heat pumps and charging points add: their energy, and the community's demand peak and
    the grid's figures with and without them (None when the project has neither)."""
    gen = result.generation
    if gen.added_kw is None:
        return None
    h = result.step_h
    out: dict = {}
    if gen.heat_pumps is not None:
        t = gen.heat_pumps.table()
        heat, electricity = float(t.heat_kwh.sum()), float(t.electricity_kwh.sum())
        out["heat_pumps"] = {"count": len(t), "heat_kwh": heat, "electricity_kwh": electricity,
                             "seasonal_cop": (heat - float(t.unmet_kwh.sum())) / electricity if electricity else None,
                             "backup_kwh": float(t.backup_kwh.sum()), "unmet_heat_kwh": float(t.unmet_kwh.sum()),
                             "design_temp_c": gen.heat_pumps.design.get("temp_c")}
        from planner.generation.chp import EMISSION_FACTOR_KG_PER_KWH, ETA_BOILER

        factor = (result.study or {}).get("grid_emission_factor_kg_per_kwh")
        # the heat side of CO2, which the community's figures (electricity only) leave out: the
        # heat pumps' electricity at the grid's factor (an upper bound: local generation serves
        # part of it) beside condensing gas boilers making the same heat
        out["heat_pumps"]["co2_t_at_grid_factor"] = electricity * factor / 1000.0 if factor is not None else None
        out["heat_pumps"]["gas_boiler_co2_t"] = heat / ETA_BOILER * EMISSION_FACTOR_KG_PER_KWH["natural_gas"] / 1000.0
    if gen.charging is not None:
        t = gen.charging.table()
        out["charging"] = {"points": len(t), "vehicles": int(t.vehicles.sum()),
                           "charged_kwh": float(t.charged_kwh.sum()), "short_kwh": float(t.short_kwh.sum())}
    demand = gen.consumers_kw.sum(axis=1)
    before = gen.without_new_loads().sum(axis=1)
    out["added_kwh"] = float(gen.added_kw.sum().sum() * h)
    out["peak_demand_kw"] = float(demand.max())
    out["peak_demand_without_kw"] = float(before.max())
    grid, without = result.grid or {}, result.grid_without_new_loads
    if result.grid and without:
        out["grid"] = {key: {"with": grid.get(key), "without": without.get(key)} for key in _GRID_KEYS}
    return out


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


