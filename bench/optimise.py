"""Time the sizing programme (planner optimise) on the Schutterwald sample.

In one run: the inputs (the year's demand, today's units and PV per kWp, simulated once), the
programme on typical days (issue 25: under 10 s) and on every hour of the year (issue 25:
under 60 s; run with a time limit, and said loudly when it is not met), each with its
variables, constraints, gap and the optimum's cost; then the check as ``planner optimise --apply``
makes it: the typical-day optimum applied and the year simulated by planner run's chain (an area's
limit lowered where the year overloads its transformer), its cost against the programme's; and
the same on the sample with its CHP taken away, where a heat cluster is offered a CHP (a
mixed-integer programme; its solve time is the last round's, after any limit was lowered; issue
25's 10 s for typical days holds for it too).

Run: .venv/bin/python bench/optimise.py [--days 16] [--hourly-limit 120]
Ends with one JSON line: inputs_s, days, days_solve_s, days_build_s, days_variables,
days_constraints, days_gap, days_cost_eur, days_battery_kwh, days_battery_kw, hourly_solve_s
(null when the limit was hit), hourly_variables, hourly_constraints, hourly_gap, hourly_cost_eur, check_cost_difference,
check_max_trafo_loading_percent, chp_clusters, chp_days_solve_s, chp_days_variables, chp_days_gap,
chp_kw, chp_check_cost_difference, chp_check_max_trafo_loading_percent, chp_apply_s, targets, met.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

warnings.simplefilter("ignore")
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_projects" / "schutterwald.gpkg"
TARGETS = {"days_solve_s": 10.0, "hourly_solve_s": 60.0, "chp_days_solve_s": 10.0}


def _without_chp(project):
    """A copy of ``project`` without its CHP units (and the ownership shares in them)."""
    from planner.model.commands import RemoveEntity

    bare = project.snapshot()
    chp = set(bare.items("chp_unit"))
    for share in list(bare.items("ownership_share").values()):
        if share.unit_kind == "chp_unit" and share.unit_id in chp:
            RemoveEntity("ownership_share", share.id).do(bare)
    for unit_id in chp:
        RemoveEntity("chp_unit", unit_id).do(bare)
    return bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=16)
    parser.add_argument("--hourly-limit", type=float, default=120.0, help="the hourly solve's time limit [s]")
    args = parser.parse_args()
    from planner.io import load_project
    from planner.optimise.inputs import OptimiseError, gather, typical_days
    from planner.optimise.model import Goals, solve
    from planner.optimise.proposal import optimise_checked

    project = load_project(SAMPLE)
    started = time.perf_counter()
    year = gather(project)
    figures = {"inputs_s": round(time.perf_counter() - started, 2)}
    print(f"inputs: {figures['inputs_s']} s ({len(year.groups)} roof groups, {len(year.areas)} areas, {year.steps} steps)")
    days = typical_days(year, args.days)
    best = solve(days)
    figures.update(days=days.steps // 24, days_solve_s=round(best.solve_s, 2), days_build_s=round(best.build_s, 2),
                   days_variables=best.variables, days_constraints=best.constraints, days_gap=best.gap,
                   days_cost_eur=round(best.cost_eur_per_year),
                   days_battery_kwh=round(float(best.battery_kwh.sum()), 1),
                   days_battery_kw=round(float(best.battery_kw.sum()), 1))
    print(f"{figures['days']} typical days: solved in {best.solve_s:.2f} s (built in {best.build_s:.2f} s), "
          f"{best.variables:,} variables, {best.constraints:,} constraints, gap {best.gap:g}, "
          f"{best.cost_eur_per_year:,.0f} EUR a year, {best.pv_kwp.sum():,.0f} kWp, {best.battery_kwh.sum():,.0f} kWh, "
          f"{best.battery_kw.sum():,.0f} kW")
    try:
        hourly = solve(year, time_limit_s=args.hourly_limit)
        figures.update(hourly_solve_s=round(hourly.solve_s, 2), hourly_variables=hourly.variables,
                       hourly_constraints=hourly.constraints, hourly_gap=hourly.gap,
                       hourly_cost_eur=round(hourly.cost_eur_per_year))
        print(f"hourly year: solved in {hourly.solve_s:.1f} s, {hourly.variables:,} variables, "
              f"{hourly.constraints:,} constraints, {hourly.cost_eur_per_year:,.0f} EUR a year")
    except OptimiseError as exc:
        figures.update(hourly_solve_s=None, hourly_variables=None, hourly_constraints=None, hourly_gap=None,
                       hourly_cost_eur=None)
        print(f"HOURLY YEAR NOT SOLVED within {args.hourly_limit:g} s: {exc}")
    # as --apply does it: simulate, and lower an area's limit where the year overloads it
    _, units, checked, notes = optimise_checked(project, days, Goals())
    for note in notes:
        print(f"note: {note}")
    result = checked.as_dict()
    cost = next(r for r in result["figures"] if r["figure"] == "cost_eur_per_year")
    figures.update(check_cost_difference=round(cost["difference"], 4),
                   check_max_trafo_loading_percent=result["grid"].get("max_trafo_loading_percent"))
    print(f"check: simulated cost {cost['simulated']:,.0f} EUR a year, {cost['difference']:+.2%} against the "
          f"programme's; max transformer loading {result['grid'].get('max_trafo_loading_percent', float('nan')):.1f} %")
    # the same sample with its CHP taken away: one heat cluster of 315 consumers offered a CHP
    # (a binary choice of sizes, each with planner run's heat-led dispatch), applied and checked
    bare = _without_chp(project)
    started = time.perf_counter()
    heat_days = typical_days(gather(bare), args.days)
    mixed, units, checked, notes = optimise_checked(bare, heat_days, Goals())
    cost = next(r for r in checked.as_dict()["figures"] if r["figure"] == "cost_eur_per_year")
    figures.update(chp_clusters=len(heat_days.clusters), chp_days_solve_s=round(mixed.solve_s, 2),
                   chp_days_variables=mixed.variables, chp_days_gap=mixed.gap, chp_kw=float(mixed.chp_kw.sum()),
                   chp_check_cost_difference=round(cost["difference"], 4),
                   chp_check_max_trafo_loading_percent=checked.grid.get("max_trafo_loading_percent"),
                   chp_apply_s=round(time.perf_counter() - started, 1))
    for note in notes:
        print(f"note: {note}")
    print(f"without its CHP: {len(heat_days.clusters)} heat cluster(s), solved in {mixed.solve_s:.2f} s "
          f"({mixed.variables:,} variables, gap {mixed.gap:g}): CHP {mixed.chp_kw.sum():,.0f} kW, "
          f"{mixed.pv_kwp.sum():,.0f} kWp, {mixed.battery_kwh.sum():,.0f} kWh; check: simulated cost "
          f"{cost['difference']:+.2%}, max transformer loading {figures['chp_check_max_trafo_loading_percent']:.1f} % "
          f"({figures['chp_apply_s']} s with the inputs)")
    met = {"days_solve_s": figures["days_solve_s"] < TARGETS["days_solve_s"],
           "hourly_solve_s": figures["hourly_solve_s"] is not None and figures["hourly_solve_s"] < TARGETS["hourly_solve_s"],
           "chp_days_solve_s": figures["chp_days_solve_s"] < TARGETS["chp_days_solve_s"],
           "check_within_2_percent": abs(figures["check_cost_difference"]) <= 0.02,
           "chp_check_within_2_percent": abs(figures["chp_check_cost_difference"]) <= 0.02}
    for key, ok in met.items():
        print(f"  {key}: {'met' if ok else 'NOT MET'}")
    print(json.dumps({**figures, "targets": TARGETS, "met": met}))


if __name__ == "__main__":
    main()
