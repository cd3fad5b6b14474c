"""The sizing programme over every hour of the sample's year, by each of HiGHS's LP methods.

Issue 25 asks for the hourly year of Schutterwald within 60 s. This script builds that programme
once (about 630,000 variables) and hands it to each method HiGHS has here, each with a time
limit: the dual simplex, IPX (interior point), the two first-order PDLP codes (cuPDLP-C and HiGHS's
own HiPDLP, to a tolerance of 1e-4) and HiPO (the newer interior point; only where the
``highspy-extras`` wheel is installed, said loudly otherwise). Then the planner's own way
(planner.optimise.model.solve: HiPDLP for the sizes, then their year's dispatch exactly by the
simplex), and the typical-day optimum's sizes dispatched over every hour; both costs are set
against the best hourly optimum found (or a first-order method's last objective).

Run: .venv/bin/python bench/optimise_hourly.py [--limit 300] [--days 16]
Ends with one JSON line: variables, constraints, <method>_s, <method>_status and <method>_ran_s per method
(null seconds unless HiGHS calls the answer optimal), planner_s, planner_cost_eur, planner_excess,
best_cost_eur, days_sizes_hourly_cost_eur,
days_sizes_hourly_s, days_sizes_excess (the typical-day sizes' cost over the best hourly optimum,
or over the last objective of a method that ended near one, said in days_sizes_against).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_projects" / "schutterwald.gpkg"
METHODS = {"simplex": {"solver": "simplex"}, "ipx": {"solver": "ipx", "run_crossover": "off"},
           "pdlp": {"solver": "pdlp", "pdlp_optimality_tolerance": 1e-4, "primal_feasibility_tolerance": 1e-4,
                    "dual_feasibility_tolerance": 1e-4},
           "hipdlp": {"solver": "hipdlp", "pdlp_optimality_tolerance": 1e-4, "primal_feasibility_tolerance": 1e-4,
                      "dual_feasibility_tolerance": 1e-4},
           "hipo": {"solver": "hipo", "run_crossover": "off"}}


def _solve(highs, options: dict, limit: float) -> tuple[float | None, str, float, float]:
    """Seconds (None unless optimal), HiGHS's model status, the objective it ended with and the
    seconds it ran."""
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(limit))
    for key, value in options.items():
        if str(highs.setOptionValue(key, value)).endswith("kError"):
            return None, f"not available here ({key}={value}: highspy {highs.version()} without highspy-extras?)", \
                float("nan"), 0.0
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    status = highs.modelStatusToString(highs.getModelStatus())
    value = highs.getInfo().objective_function_value
    return (round(seconds, 1) if status == "Optimal" else None), status, value, round(seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=300.0, help="each method's time limit [s]")
    parser.add_argument("--days", type=int, default=16)
    args = parser.parse_args()
    from planner.io import load_project
    from planner.optimise.inputs import gather, typical_days
    from planner.optimise.model import Goals, build, solve

    year = gather(load_project(SAMPLE))
    model, v, e = build(year, Goals())
    figures = {"variables": int(model.nvars), "constraints": int(model.ncons)}
    print(f"the hourly year: {model.nvars:,} variables, {model.ncons:,} constraints; each method within {args.limit:g} s")
    best = float("inf")
    near = {}  # methods that ended near an optimum without HiGHS calling it one
    for name, options in METHODS.items():
        highs = model.to_highspy()
        seconds, status, value, ran = _solve(highs, options, args.limit)
        figures[f"{name}_s"], figures[f"{name}_status"], figures[f"{name}_ran_s"] = seconds, status, ran
        if seconds is not None:
            best = min(best, value)
        elif status == "Unknown" and np.isfinite(value) and value > 0:
            # PDLP stops at its own tolerance; HiGHS's check of the unscaled solution then says Unknown
            near[name] = value
        said = f"{seconds:.1f} s, {value:,.0f} EUR a year" if seconds is not None else (
            f"NO OPTIMUM, ended after {ran:.1f} s at {value:,.0f} EUR a year" if name in near else "NO OPTIMUM")
        print(f"  {name}: {said} ({status})")
    started = time.perf_counter()
    planner = solve(year, time_limit_s=args.limit)
    figures.update(planner_s=round(time.perf_counter() - started, 1), planner_cost_eur=round(planner.cost_eur_per_year))
    days_inputs = typical_days(year, args.days)
    days = solve(days_inputs)
    highs = model.to_highspy()
    cols = np.concatenate([v["pv"].labels.values.ravel(), v["battery"].labels.values.ravel()]
                          + ([v["battery_kw"].labels.values.ravel()] if "battery_kw" in v else [])).astype(np.int32)
    sizes = np.concatenate([days.pv_kwp, days.battery_kwh]
                           + ([days.battery_kw - year.battery_power_per_kwh * days.battery_kwh] if "battery_kw" in v
                              else [])).clip(0.0)
    highs.changeColsBounds(len(cols), cols, sizes, sizes)
    seconds, status, value, _ = _solve(highs, METHODS["simplex"], args.limit)
    figures.update(best_cost_eur=round(best) if np.isfinite(best) else None,
                   days_sizes_hourly_cost_eur=round(value) if seconds is not None else None, days_sizes_hourly_s=seconds)
    reference, against = best, "the best hourly optimum"
    if not np.isfinite(best) and near:
        name = min(near, key=near.get)
        reference, against = near[name], f"{name}'s last objective (not proven optimal)"
    figures["days_sizes_excess"] = round(value / reference - 1.0, 5) if seconds is not None and np.isfinite(
        reference) else None
    figures["days_sizes_against"] = against if figures["days_sizes_excess"] is not None else None
    figures["planner_excess"] = round(planner.cost_eur_per_year / reference - 1.0, 6) if np.isfinite(reference) else None
    print(f"the planner's way (HiPDLP's sizes, their dispatch by the simplex): {figures['planner_s']:.1f} s with the "
          f"build, {planner.cost_eur_per_year:,.0f} EUR a year"
          + (f", {figures['planner_excess']:+.4%} against {against}" if figures["planner_excess"] is not None else ""))
    print(f"the {days_inputs.steps // 24} typical days' sizes dispatched over every hour: "
          + (f"{seconds:.1f} s, {value:,.0f} EUR a year" if seconds is not None else f"NO OPTIMUM ({status})")
          + (f", {figures['days_sizes_excess']:+.2%} against {against}" if figures["days_sizes_excess"]
             is not None else "; no hourly optimum to compare with (every method hit its limit)"))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
