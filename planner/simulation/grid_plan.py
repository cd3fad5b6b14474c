"""Plan a project's grid in one call: lay it out where there is none, size or reinforce it,
find each bus's hosting capacity, and say what it costs and loses (``planner size-grid``)."""

from __future__ import annotations

import math

from planner.grid.equipment import Rules, project_ladder


def _number(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def plan_grid(project, *, new_layout: bool = False, with_year: bool = True, hosting: bool = True,
              rules: Rules | None = None, progress=None) -> dict:
    """Change ``project`` in place and return the figures of ``planner size-grid --json``.

    A project without a grid gets one laid out (:func:`planner.grid.layout.lay_out`), and the
    cost is the whole grid's; a project with a grid keeps it and is reinforced (the cost is the
    changes'), unless ``new_layout`` replaces it.
    """
    from planner.grid.hosting import hosting_capacity, store_hosting_capacity
    from planner.grid.layout import lay_out
    from planner.grid.sizing import size_grid

    say = progress or (lambda text: None)
    rules = rules or Rules()
    ladder = project_ladder(project)
    has_grid = bool(len(project.items("transformer")))
    layout = None
    if new_layout or not has_grid:
        say("laying out the grid along the streets")
        report = lay_out(project, rules, ladder, replace_grid=new_layout, progress=say)
        layout = {"connections": report.connections, "areas": len(report.areas), "feeders": report.feeders,
                  "along_streets": report.along_streets, "cable_km": round(report.cable_km, 3),
                  "service_km": round(report.service_km, 3), "notes": report.notes}
    say("sizing by power flow" if layout else "checking and reinforcing the grid")
    table = year_table(project) if with_year and project.weather is not None else None
    result = size_grid(project, rules, ladder, year_table=table, new_grid=layout is not None, progress=say)
    unbalance = None
    from planner.grid.three_phase import single_phase_count

    if table is not None and single_phase_count(project):
        from planner.grid.unbalance import fix_unbalance

        if not table.cache:
            table({"consumer": {}, "pv_unit": {}, "wind_turbine": {}, "chp_unit": {}, "battery": {}})
        unbalance = fix_unbalance(project, table.cache["gen"], table.cache["dispatched"], ladder, rules,
                                  progress=say)
        _count_cables(project, result, unbalance, ladder, rules, new_grid=layout is not None)
    capacity = None
    if hosting:
        say("hosting capacity of every bus")
        capacity = hosting_capacity(project, rules)
        store_hosting_capacity(project, capacity)
    out = {
        "mode": "new layout" if layout else "reinforcement",
        "layout": layout,
        "cable_km": round(result.cable_km, 3),
        "transformers": [{"id": t, "kva": kva} for t, kva in result.transformers],
        "cost_eur": round(result.cost_eur, 2),
        "grid_cost_eur": round(result.grid_cost_eur, 2),
        "violations_before": [v.as_dict() for v in result.violations_before],
        "violations_after": [v.as_dict() for v in result.violations_after],
        "changes": [c.as_dict() for c in result.changes],
        "unfixable": result.unfixable,
        "checks": {k: _number(v) for k, v in result.checks.items()},
        "rules": {"vm_min_pu": rules.vm_min_pu, "vm_max_pu": rules.vm_max_pu,
                  "max_rise_percent": rules.max_rise_percent, "max_drop_percent": rules.max_drop_percent,
                  "max_loading_percent": rules.max_loading_percent},
        "unbalance": unbalance,
        "notes": result.notes + ([] if with_year and project.weather is not None or not with_year else
                                 ["the project has no weather: the year's power flow was left out"]),
    }
    if result.year:
        year = result.year
        losses_kwh = (year["losses_mwh"] or 0.0) * 1000.0
        local_kwh = max(0.0, (year["delivered_mwh"] - year["import_mwh"]) * 1000.0 + losses_kwh)
        out["year"] = {
            "checks": {k: _number(year[k]) for k in ("max_line_loading_percent", "max_trafo_loading_percent",
                                                      "min_vm_pu", "max_vm_pu")},
            "losses_kwh": round(losses_kwh, 1), "line_losses_kwh": round(year["line_losses_mwh"] * 1000.0, 1),
            "transformer_losses_kwh": round(year["trafo_losses_mwh"] * 1000.0, 1),
            "loss_share_of_delivered": _number(year["loss_share_of_delivered"]),
            "delivered_kwh": round(year["delivered_mwh"] * 1000.0, 1),
            "served_locally_kwh": round(local_kwh, 1),
            "upstream_losses_avoided_kwh": round(local_kwh * project.study.upstream_loss_factor, 1),
            "upstream_loss_factor": project.study.upstream_loss_factor,
            "non_converged_steps": year["non_converged_steps"],
        }
    _record_investment(project, result, layout, out)
    if capacity is not None and len(capacity):
        out["hosting_capacity_kw"] = {"buses": int(len(capacity)), "min": round(float(capacity.min()), 1),
                                      "median": round(float(capacity.median()), 1),
                                      "max": round(float(capacity.max()), 1)}
    return out


def _count_cables(project, result, unbalance, ladder, rules, *, new_grid: bool) -> None:
    """The unbalance rule's stronger cables join the sizing's changes and cost (phase moves cost
    no equipment)."""
    from planner.grid.grid_costs import grid_cost
    from planner.grid.sizing import Change

    cables = [m for m in unbalance["moves"] if m["kind"] == "cable"]
    if not cables:
        return
    result.changes = [*result.changes, *(Change(m["element"], "cable", m["from"], m["to"], m["limit"], m["time"],
                                               m["cost_eur"]) for m in cables)]
    result.grid_cost_eur = grid_cost(project, ladder, rules)
    result.cost_eur = result.grid_cost_eur if new_grid else result.cost_eur + sum(m["cost_eur"] for m in cables)
    result.cable_km = sum(c.route_length_km() for c in project.items("cable").values())


def _record_investment(project, result, layout, out) -> None:
    """The community's grid investment for ``planner run``'s finance: a new grid's whole cost, or
    the reinforcement's added to what was recorded before; the year's losses where known."""
    from dataclasses import replace

    from planner.model.grid import GridInvestment

    previous = project.grid_investment
    losses = out["year"]["losses_kwh"] if "year" in out else (previous.losses_kwh_per_year if previous else 0.0)
    if layout is not None:
        project.grid_investment = GridInvestment(
            capex_eur=round(result.grid_cost_eur, 2), losses_kwh_per_year=losses,
            source=f"planner size-grid: a new grid, {result.cable_km:.2f} km of cable and "
                   f"{len(result.transformers)} station(s) at ladder prices")
    elif result.changes:
        base = previous.capex_eur if previous else 0.0
        project.grid_investment = GridInvestment(
            capex_eur=round(base + result.cost_eur, 2), losses_kwh_per_year=losses,
            source=(f"{previous.source}; " if previous else "planner size-grid: ")
            + f"reinforcement, {len(result.changes)} change(s) for {result.cost_eur:,.0f} EUR")
    elif previous is not None:
        project.grid_investment = replace(previous, losses_kwh_per_year=losses)
    if project.grid_investment is not None:
        out["grid_investment"] = project.grid_investment.as_dict()


def year_table(project):
    """The project's simulated year (generation, demand with heat pumps and charging points,
    batteries after dispatch) as a function of the net's element indexes, for
    :func:`planner.grid.sizing.size_grid`: the steps where heat pumps and cars break a limit are
    what the sizing reinforces for them."""
    import pandas as pd

    from planner.generation.results import simulate_generation
    from planner.simulation import stages

    cache = {}

    def table(ids):
        if not cache:  # the year is simulated once, however often the sizing checks it
            areas = None
            if any(p.strategy == "limit" for p in project.items("charging_point").values()):
                from planner.grid.areas import bus_areas

                areas = bus_areas(project)  # the limit of the transformers as they stand before sizing
            cache["gen"] = simulate_generation(project, transformer_areas=areas)
            cache["dispatched"] = stages.dispatch(project, cache["gen"])
        gen, dispatched = cache["gen"], cache["dispatched"]
        columns = {}
        for cid, idx in ids["consumer"].items():
            columns[f"load.p_mw.{idx}"] = gen.consumers_kw[cid].to_numpy() / 1000.0
        for kind in ("pv_unit", "wind_turbine", "chp_unit"):
            for uid, idx in ids[kind].items():
                columns[f"sgen.p_mw.{idx}"] = dispatched.delivered_kw[uid].to_numpy() / 1000.0
        for bid, idx in ids["battery"].items():
            columns[f"storage.p_mw.{idx}"] = dispatched.battery_kw[bid].to_numpy() / 1000.0
        return pd.DataFrame(columns, index=gen.units_kw.index)

    table.cache = cache  # the simulated year, for the unbalance rule after sizing
    return table
