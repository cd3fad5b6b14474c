"""Time the sizing programme (planner optimise) on the Schutterwald sample.

In one run: the inputs (the year's demand, today's units and PV per kWp, simulated once), the
programme on typical days (issue 25: under 10 s) and on every hour of the year (issue 25:
under 60 s; run with a time limit, and said loudly when it is not met), each with its
variables, constraints, gap and the optimum's cost; then the check as ``planner optimise --apply``
makes it: the typical-day optimum applied and the year simulated by planner run's chain (an area's
limit lowered where the year overloads its transformer), its cost against the programme's.

Run: .venv/bin/python bench/optimise.py [--days 16] [--hourly-limit 120]
Ends with one JSON line: inputs_s, days, days_solve_s, days_build_s, days_variables,
days_constraints, days_gap, days_cost_eur, hourly_solve_s (null when the limit was hit),
hourly_variables, hourly_constraints, hourly_gap, hourly_cost_eur, check_cost_difference,
check_max_trafo_loading_percent, targets, met.
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
TARGETS = {"days_solve_s": 10.0, "hourly_solve_s": 60.0}


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
                   days_cost_eur=round(best.cost_eur_per_year))
    print(f"{figures['days']} typical days: solved in {best.solve_s:.2f} s (built in {best.build_s:.2f} s), "
          f"{best.variables:,} variables, {best.constraints:,} constraints, gap {best.gap:g}, "
          f"{best.cost_eur_per_year:,.0f} EUR a year, {best.pv_kwp.sum():,.0f} kWp, {best.battery_kwh.sum():,.0f} kWh")
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
    met = {"days_solve_s": figures["days_solve_s"] < TARGETS["days_solve_s"],
           "hourly_solve_s": figures["hourly_solve_s"] is not None and figures["hourly_solve_s"] < TARGETS["hourly_solve_s"],
           "check_within_2_percent": abs(figures["check_cost_difference"]) <= 0.02}
    for key, ok in met.items():
        print(f"  {key}: {'met' if ok else 'NOT MET'}")
    print(json.dumps({**figures, "targets": TARGETS, "met": met}))


if __name__ == "__main__":
    main()
