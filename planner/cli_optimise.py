"""``planner optimise``: the cheapest community that meets its goals under the grid's limits."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from planner import PlannerError
from planner.report.numbers import num

EXIT_OK = 0


def cmd_optimise(args) -> int:
    from dataclasses import replace

    import pandas as pd

    from planner.io import load_project, save_project
    from planner.optimise.inputs import gather, typical_days
    from planner.optimise.model import Goals, solve, today
    from planner.optimise.proposal import optimise_checked, pareto, pareto_self_sufficiency, proposed_units

    started = time.perf_counter()
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else (
        lambda text: print(text, flush=True))
    goals = Goals(goal=args.goal, min_self_sufficiency=args.min_self_sufficiency, co2_cap_t=args.co2_cap,
                  budget_eur=args.budget)
    goals.check()
    if args.days is not None and args.days < 2:
        raise PlannerError(f"--days must be at least 2, got {args.days}")
    project = load_project(args.project)
    out_dir = Path(args.output) if args.output else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    say("simulating the year's demand, today's units and PV per kWp of each roof orientation")
    inputs = gather(project, chp=not args.no_chp, wind=not args.no_wind)
    year = inputs
    if not args.hourly:
        inputs = typical_days(inputs, args.days or 16)
    say(f"solving: {len(inputs.groups)} roof group(s), {len(inputs.clusters)} heat cluster(s) and "
        f"{len(inputs.sites)} wind site(s) in {len(inputs.areas)} transformer area(s), {inputs.steps} steps")
    checked = None
    if args.apply:
        optimum, units, checked, notes = optimise_checked(project, inputs, goals, year=year if args.hourly else None,
                                                          time_limit_s=args.time_limit, progress=say)
        optimum.notes.extend(notes)
    else:
        optimum = solve(inputs, goals, time_limit_s=args.time_limit)
        units = proposed_units(project, inputs, optimum)
    baseline = today(inputs, time_limit_s=args.time_limit)
    figures = {"goals": {"goal": goals.goal, "min_self_sufficiency": goals.min_self_sufficiency,
                         "co2_cap_t": goals.co2_cap_t, "budget_eur": goals.budget_eur},
               "resolution": "hourly year" if args.hourly else f"{inputs.steps // 24} typical days",
               "optimum": optimum.as_dict(),
               "today": {"pv_kwp": round(sum(u.peak_kw for u in project.items("pv_unit").values()), 1),
                         "battery_kwh": round(sum(b.capacity_kwh for b in project.items("battery").values()), 1),
                         "chp_kw": round(sum(u.p_el_kw for u in project.items("chp_unit").values()), 1),
                         "wind_kw": round(sum(u.rated_kw for u in project.items("wind_turbine").values()), 1),
                         "cost_eur_per_year": baseline.cost_eur_per_year, "import_kwh": baseline.import_kwh,
                         "co2_t": baseline.co2_t, "self_sufficiency": baseline.self_sufficiency},
               "savings_eur_per_year": baseline.cost_eur_per_year - optimum.cost_eur_per_year,
               "proposed": [_unit_row(u) for u in units],
               "areas": [{"area": a, "limit_kw": None if r == float("inf") else r,
                          "new_battery_kwh": round(float(k), 1), "new_battery_kw": round(float(w), 1),
                          "max_loading_share": _finite(s)}
                         for a, r, k, w, s in zip(inputs.areas, inputs.rating_kw, optimum.battery_kwh,
                                                  optimum.battery_kw, optimum.max_flow_share)],
               "heat_clusters": [{"cluster": c.id, "area": c.area, "consumers": len(c.consumers),
                                  "annual_heat_kwh": round(c.annual_heat_kwh), "peak_heat_kw": round(c.peak_heat_kw, 1),
                                  "radius_m": round(c.radius_m, 1), "new_chp_kw": round(float(k), 2)}
                                 for c, k in zip(inputs.clusters, optimum.chp_kw)],
               "wind_sites": [{"site": sid, "area": area, "bus_id": bus,
                               "choices": sum(o.site == s for o in inputs.wind_options),
                               "turbine_type": o.type_name if o else None, "turbines": o.count if o else 0,
                               "rated_kw": o.rated_kw * o.count if o else 0.0,
                               "energy_kwh": float(o.el_kw @ inputs.weight * inputs.step_h) if o else 0.0}
                              for s, ((sid, area, bus), o) in enumerate(zip(inputs.sites, optimum.wind
                                                                              or [None] * len(inputs.sites)))],
               "sources": inputs.sources}
    if args.pareto:
        say("the Pareto front: cost against CO2 (epsilon constraint, 10 points)")
        front = pareto(inputs, replace(goals, co2_cap_t=None))
        figures["pareto"] = [_pareto_row(p) for p in front]
        say("the Pareto front: cost against self-sufficiency (epsilon constraint, 10 points)")
        by_share = pareto_self_sufficiency(inputs, replace(goals, co2_cap_t=None))
        figures["pareto_self_sufficiency"] = figures["pareto"] if by_share is None else [_pareto_row(p)
                                                                                         for p in by_share]
        if out_dir is not None:
            pd.DataFrame(figures["pareto"]).to_csv(out_dir / "pareto.csv", index=False)
            if by_share is not None:
                pd.DataFrame(figures["pareto_self_sufficiency"]).to_csv(out_dir / "pareto_self_sufficiency.csv",
                                                                        index=False)
            _plot_pareto(figures["pareto"], figures["pareto_self_sufficiency"], out_dir / "pareto.png")
    before = project.snapshot()  # the map shows the project as it was, the proposal on it
    if args.apply:
        for unit in units:
            project.add(unit)
        issues = project.validate()
        if issues:
            raise PlannerError(f"the proposed units are not a valid project (a bug): {issues[0]}")
        save_project(project, args.project)
        say(f"added {len(units)} unit(s) to {args.project}")
        figures["check"] = checked.as_dict()
    if out_dir is not None:
        (out_dir / "optimum.json").write_text(json.dumps(figures, indent=2, default=_json), encoding="utf-8")
        pd.DataFrame(figures["proposed"]).to_csv(out_dir / "proposed_units.csv", index=False)
        from planner.report.figures import proposal_map

        proposal_map(before, units).savefig(out_dir / "proposed_map.png", dpi=120)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(figures, indent=2, default=_json))
        return EXIT_OK
    _print(figures, optimum, units, args, out_dir)
    return EXIT_OK


def _unit_row(unit) -> dict:
    row = {"id": unit.id, "kind": unit.KIND, "bus_id": unit.bus_id, "owner_id": unit.owner_id,
           "x": unit.geometry.x if unit.geometry is not None else None,
           "y": unit.geometry.y if unit.geometry is not None else None}
    if unit.KIND == "pv_unit":
        row.update(peak_kw=unit.peak_kw, tilt_deg=unit.tilt_deg, azimuth_deg=unit.azimuth_deg)
    elif unit.KIND == "wind_turbine":
        row.update(turbine_type=unit.turbine_type, rated_kw=unit.rated_kw, hub_height_m=unit.hub_height_m)
    elif unit.KIND == "chp_unit":
        row.update(p_el_kw=unit.p_el_kw, store_kwh=unit.store_kwh, boiler_kw=unit.boiler_kw,
                   heat_radius_m=unit.heat_radius_m)
    else:
        row.update(capacity_kwh=unit.capacity_kwh, power_kw=unit.power_kw)
    row["source"] = unit.source
    return row


def _finite(x):
    x = float(x)
    return None if x != x or x in (float("inf"), float("-inf")) else round(x, 4)


def _json(x):
    import numpy as np

    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    return str(x)


def _pareto_row(p) -> dict:
    return {"cost_eur_per_year": p.cost_eur_per_year, "co2_t": p.co2_t, "self_sufficiency": p.self_sufficiency,
            "pv_kwp": float(p.pv_kwp.sum()), "battery_kwh": float(p.battery_kwh.sum()),
            "battery_kw": float(p.battery_kw.sum()), "chp_kw": float(p.chp_kw.sum()), "wind_kw": p.wind_kw}


def _plot_pareto(rows, by_share, path) -> None:
    """Cost against CO2 (left) and against self-sufficiency (right), each its own epsilon front
    (the same points where no CHP is to choose)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4))
    left, right = fig.subplots(1, 2)
    left.plot([r["co2_t"] for r in rows], [r["cost_eur_per_year"] / 1000.0 for r in rows], "o-", color="#0072B2")
    left.set_xlabel("CO2 of the year's import and the new CHPs' net gas [t]")
    left.set_ylabel("annualised cost [kEUR a year]")
    right.plot([100.0 * r["self_sufficiency"] for r in by_share], [r["cost_eur_per_year"] / 1000.0 for r in by_share],
               "o-", color="#009E73")
    right.set_xlabel("self-sufficiency [%]")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle("Cost against CO2 and self-sufficiency (epsilon constraint)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def _print(figures, optimum, units, args, out_dir) -> None:
    o = figures["optimum"]
    print(f"optimum ({figures['resolution']}, goal {figures['goals']['goal']}): "
          f"{num(o['cost_eur_per_year'], ',.0f')} EUR a year ({num(o['annualised_capex_eur'], ',.0f')} capex and O&M, "
          f"{num(o['energy_cost_eur'], ',.0f')} energy" + (f", {num(o['heat_cost_eur'], ',.0f')} CHP gas less the "
                                                           f"boilers' gas saved" if o["chp_kw"] else "")
          + f"), capex {num(o['capex_eur'], ',.0f')} EUR")
    t = figures["today"]
    print(f"  today (nothing added, the same terms): {num(t['cost_eur_per_year'], ',.0f')} EUR a year, self-sufficiency "
          f"{num(t['self_sufficiency'], '.1%')}, CO2 {num(t['co2_t'], ',.1f')} t: the optimum saves "
          f"{num(figures['savings_eur_per_year'], ',.0f')} EUR a year")
    print(f"  PV {num(o['pv_kwp'], ',.1f')} kWp on {sum(u.KIND == 'pv_unit' for u in units)} roof(s) (today "
          f"{figures['today']['pv_kwp']:,.1f} kWp), batteries {num(o['battery_kwh'], ',.1f')} kWh, "
          f"{num(o['battery_kw'], ',.1f')} kW in "
          f"{sum(u.KIND == 'battery' for u in units)} area(s) (today {figures['today']['battery_kwh']:,.1f} kWh)")
    if figures["wind_sites"]:
        picked = [w for w in figures["wind_sites"] if w["turbines"]]
        print(f"  wind {num(o['wind_kw'], ',.0f')} kW: " + ("; ".join(
            f"{w['turbines']} x {w['turbine_type']} at {w['site']} ({num(w['energy_kwh'], ',.0f', scale=1e-3)} MWh a "
            f"year)" for w in picked) if picked else "no turbine pays") +
              f" ({len(figures['wind_sites'])} site(s), today {figures['today']['wind_kw']:,.0f} kW)")
    if figures["heat_clusters"]:
        print(f"  CHP {num(o['chp_kw'], ',.1f')} kW electric in {sum(u.KIND == 'chp_unit' for u in units)} of "
              f"{len(figures['heat_clusters'])} heat cluster(s) (today {figures['today']['chp_kw']:,.1f} kW): "
              f"{num(o['chp_heat_kwh'], ',.0f', scale=1e-3)} MWh of heat in place of boilers, "
              f"{num(o['chp_fuel_kwh'], ',.0f', scale=1e-3)} MWh of gas")
    print(f"  self-sufficiency {num(o['self_sufficiency'], '.1%')}, import {num(o['import_kwh'], ',.0f', scale=1e-3)} MWh, "
          f"export {num(o['export_kwh'], ',.0f', scale=1e-3)} MWh, CO2 {num(o['co2_t'], ',.1f')} t")
    print(f"  solved in {o['solve_s']:.1f} s (built in {o['build_s']:.1f} s): {o['variables']:,} variables, "
          f"{o['constraints']:,} constraints, gap {o['gap']:.2g}")
    for note in o["notes"]:
        print(f"note: {note}")
    for row in figures.get("pareto", []):
        print(f"  pareto: {row['cost_eur_per_year']:,.0f} EUR a year, {row['co2_t']:,.1f} t CO2, "
              f"self-sufficiency {row['self_sufficiency']:.1%}")
    if figures.get("pareto_self_sufficiency") not in (None, figures.get("pareto")):
        for row in figures["pareto_self_sufficiency"]:
            print(f"  pareto (self-sufficiency): {row['cost_eur_per_year']:,.0f} EUR a year, self-sufficiency "
                  f"{row['self_sufficiency']:.1%}, {row['co2_t']:,.1f} t CO2")
    if "check" in figures:
        print("check by simulation (planner run's chain, hourly):")
        for r in figures["check"]["figures"]:
            diff = "" if r["difference"] is None else f" ({r['difference']:+.1%})"
            print(f"  {r['figure']}: optimiser {num(r['optimiser'], ',.3f')}, simulated {num(r['simulated'], ',.3f')}{diff}")
        g = figures["check"]["grid"]
        if g:
            print(f"  grid: max transformer loading {num(g.get('max_trafo_loading_percent'), '.1f', unit='%')}, "
                  f"voltage {num(g.get('min_vm_pu'), '.3f')}-{num(g.get('max_vm_pu'), '.3f')} p.u.")
        print(f"  why they differ: {figures['check']['figures'][1]['why']}")
    if out_dir is not None:
        print(f"wrote {out_dir}/optimum.json, proposed_units.csv, proposed_map.png"
              + (" and pareto.csv/.png" if args.pareto else ""))
    if not args.apply:
        print("nothing changed in the project: --apply adds the proposed units")
    print(f"in {figures['seconds']:.1f} s")
