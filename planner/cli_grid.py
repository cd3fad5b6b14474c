"""The grid commands of the command line: ``planner size-grid``, ``planner phases`` and ``planner export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from planner import PlannerError
from planner.report.numbers import num

EXIT_OK = 0


def cmd_phases(args) -> int:
    """``planner phases``: which phase small units connect to (see :func:`~planner.grid.three_phase.assign_phases`)."""
    from collections import Counter

    from planner.grid.three_phase import assign_phases
    from planner.io import load_project, save_project
    from planner.model.commands import Batch, UpdateEntity

    target = Path(args.output or args.project)
    if target.suffix.lower() != ".gpkg":
        raise PlannerError(f"{target}: the project is written as a GeoPackage; give a name ending in .gpkg")
    project = load_project(args.project)
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    try:
        changes = assign_phases(project, args.assign, kinds=kinds, max_kw=args.max_kw, seed=args.seed,
                                households=args.households)
    except ValueError as exc:
        raise PlannerError(str(exc)) from None
    Batch("Assign phases", [UpdateEntity(kind, oid, phase=phase) for kind, oid, phase in changes]).do(project)
    save_project(project, target)
    phases = Counter(e.phase for kind in ("consumer", "pv_unit", "wind_turbine", "chp_unit", "battery", "heat_pump",
                                          "charging_point") for e in project.items(kind).values())
    print(f"{len(changes):,} connection(s) changed; now {', '.join(f'{phases[p]:,} on {p}' for p in ('L1', 'L2', 'L3'))}"
          f" and {phases['3ph']:,} on three phases; wrote {target}")
    if any(phases[p] for p in ("L1", "L2", "L3")):
        print("planner run now adds the three-phase year (unbalance, each phase's voltage, neutral currents)")
    return EXIT_OK


def cmd_size_grid(args) -> int:
    """``planner size-grid``: lay out (where there is no grid), size or reinforce, hosting capacity."""
    import time

    from planner.io import load_project, save_project
    from planner.simulation.grid_plan import plan_grid

    started = time.perf_counter()
    target = Path(args.output or args.project)
    if target.suffix.lower() != ".gpkg":
        raise PlannerError(f"{target}: the sized project is written as a GeoPackage; give a name ending in .gpkg")
    project = load_project(args.project)
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else (
        lambda text: print(text, flush=True))
    out = plan_grid(project, new_layout=args.new_layout, with_year=not args.no_year,
                    hosting=not args.no_hosting, progress=say)
    issues = project.validate()
    if issues:
        raise PlannerError(f"the sized grid is not a valid project (a bug): {issues[0]}")
    save_project(project, target)
    out["project"] = str(target)
    out["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_OK
    if out["layout"]:
        lay = out["layout"]
        print(f"laid out {lay['connections']} connections in {lay['areas']} transformer areas, {lay['feeders']} "
              f"feeders, {lay['cable_km']:.2f} km of cable "
              f"{'along the streets' if lay['along_streets'] else 'in straight lines'} and "
              f"{lay['service_km']:.2f} km of house connections")
        for note in lay["notes"]:
            print(f"note: {note}")
    print(f"{len(out['violations_before'])} limit(s) broken before, {len(out['violations_after'])} after; "
          f"{len(out['changes'])} change(s)")
    for change in out["changes"][:20]:
        print(f"  {change['kind']} {change['element']}: {change['from']} -> {change['to']} ({change['limit']}, "
              f"{change['time']}, {change['cost_eur']:,.0f} EUR)")
    if len(out["changes"]) > 20:
        print(f"  ... {len(out['changes']) - 20} more (--json lists them all)")
    for text in out["unfixable"]:
        print(f"cannot fix: {text}")
    sizes = ", ".join(f"{t['kva']} kVA" for t in out["transformers"])
    print(f"grid: {out['cable_km']:.2f} km of cable, {len(out['transformers'])} transformer(s) ({sizes})")
    what = "the whole grid" if out["mode"] == "new layout" else "the reinforcement"
    print(f"cost of {what}: {out['cost_eur']:,.0f} EUR (the grid at ladder prices: {out['grid_cost_eur']:,.0f} EUR)")
    c = out["checks"]
    print(f"planning cases: max line loading {num(c['max_line_loading_percent'], '.1f', unit='%')}, max transformer "
          f"loading {num(c['max_trafo_loading_percent'], '.1f', unit='%')}, voltage {num(c['min_vm_pu'], '.3f')}-"
          f"{num(c['max_vm_pu'], '.3f')} p.u., rise from generation {num(c['max_voltage_rise_percent'], '.2f', unit='%')}")
    if "year" in out:
        y = out["year"]
        print(f"the year: losses {num(y['losses_kwh'], ',.1f', scale=1e-3)} MWh "
              f"({num(y['line_losses_kwh'], ',.1f', scale=1e-3)} in cables, "
              f"{num(y['transformer_losses_kwh'], ',.1f', scale=1e-3)} in transformers), upstream losses avoided "
              f"{num(y['upstream_losses_avoided_kwh'], ',.1f', scale=1e-3)} MWh; max line loading "
              f"{num(y['checks']['max_line_loading_percent'], '.1f', unit='%')}")
    if out.get("unbalance"):
        u = out["unbalance"]
        moved = [m for m in u["moves"] if m["kind"] != "cable"]
        cables = [m for m in u["moves"] if m["kind"] == "cable"]
        print(f"unbalance (three-phase year, EN 50160 {num(u['limit_percent'], 'g', unit='%')}): worst "
              f"{num((u['before'] or {}).get('max_unbalance_percent'), '.2f', unit='%')} before, "
              f"{num((u['after'] or {}).get('max_unbalance_percent'), '.2f', unit='%')} after; "
              f"{len(moved)} phase move(s), {len(cables)} stronger cable(s)")
        for m in moved[:20]:
            print(f"  {m['kind']} {m['element']}: {m['from']} -> {m['to']} (unbalance at {m['bus']}, {m['time']})")
        if len(moved) > 20:
            print(f"  ... {len(moved) - 20} more (--json lists them all)")
        if u["unfixed"]:
            print(f"cannot fix: {u['unfixed']}")
    if "hosting_capacity_kw" in out:
        h = out["hosting_capacity_kw"]
        print(f"hosting capacity: {h['buses']} buses, median {num(h['median'], ',.0f')} kW (from "
              f"{num(h['min'], ',.0f')} to {num(h['max'], ',.0f')} kW)")
    if "grid_investment" in out:
        g = out["grid_investment"]
        print(f"the community's grid investment, counted by planner run's finance: {g['capex_eur']:,.0f} EUR, "
              f"{g['lifetime_years']} years, losses {g['losses_kwh_per_year'] / 1000:,.1f} MWh a year")
    for note in out["notes"]:
        print(f"note: {note}")
    print(f"wrote {target} in {out['seconds']:.1f} s")
    return EXIT_OK


def cmd_export(args) -> int:
    """``planner export``: by extension, the grid as a pandapower net (``.json``), or the results as
    a workbook (``.xlsx``), a map layer (``.geojson``) or the members table (``.csv``)."""
    from planner.io import load_project

    target = Path(args.output)
    suffix = target.suffix.lower()
    if suffix not in (".json", ".xlsx", ".geojson", ".csv"):
        raise PlannerError(f"{target}: export writes .json (the grid as a pandapower net), .xlsx (the results as a "
                           f"workbook), .geojson (the map with its results) or .csv (the members)")
    if target.is_dir():
        raise PlannerError(f"{target}: is a folder; give a file name")
    project = load_project(args.project)
    if suffix == ".json":
        return _export_net(args, project, target)
    from planner.io.app_runs import current_results

    stored = current_results(project, args.project, say=lambda text: print(text, flush=True))
    from planner.report import export

    writer = {".xlsx": export.export_xlsx, ".geojson": export.export_geojson, ".csv": export.export_members_csv}[suffix]
    writer(project, stored.folder, target)
    print(f"wrote {target} (results of {stored.folder})")
    return EXIT_OK


def _export_net(args, project, target) -> int:
    from planner.grid.three_phase import handover_net
    from planner.io.file_safety import atomic_write_text

    if not len(project.items("bus")):
        raise PlannerError(f"{args.project} has no grid to export (planner size-grid lays one out)")
    import pandapower as pp

    net = handover_net(project)
    atomic_write_text(target, pp.to_json(net))
    one_phase = len(net.asymmetric_load) + len(net.asymmetric_sgen)
    print(f"wrote {target}: {len(net.bus)} buses, {len(net.line)} lines, {len(net.trafo)} transformers, "
          f"{len(net.load) + len(net.asymmetric_load)} loads, {len(net.sgen) + len(net.asymmetric_sgen)} generators"
          + (f" ({one_phase} on one phase)" if one_phase else "") + " (pandapower JSON; runpp and runpp_3ph run it)")
    return EXIT_OK


def powerflow_three_phase(args) -> int:
    """``planner powerflow NET --profiles FILE --three-phase``: the profiles' year of an unbalanced net,
    each phase's voltage band and the voltage unbalance of every bus."""
    from planner.grid.annual3ph import run_year
    from planner.grid.pandapower_io import read_net, read_profiles
    from planner.grid.powerflow3ph import build_model_3ph
    from planner.io.run_folder import check_output_folder, output_folder

    check_output_folder(args.output)
    net = read_net(args.net)
    frame = read_profiles(args.profiles)
    model = build_model_3ph(net)
    year = run_year(model, net, frame, source=str(args.profiles))
    result = year.as_dict()
    out = Path(args.output)
    with output_folder(out, "powerflow") as staging:
        (staging / "summary.json").write_text(json.dumps(result, indent=2, allow_nan=False))
        year.buses.to_csv(staging / "buses.csv", float_format="%.6f")
        if year.lines is not None:
            year.lines.to_csv(staging / "lines.csv", float_format="%.6f")
    band = ", ".join(f"{p} {num(result['min_vm_pu'][p], '.4f')}-{num(result['max_vm_pu'][p], '.4f')}" for p in "abc")
    print(f"{year.steps} steps in {year.seconds:.2f} s, three-phase: voltage per phase {band} p.u.; worst unbalance "
          f"{num(result['max_unbalance_percent'], '.2f', unit='%')} at bus {result['max_unbalance_bus']} "
          f"({result['max_unbalance_time']}), {result['steps_over_unbalance_limit']} step(s) over EN 50160's 2 %; "
          f"highest phase loading {num(result.get('max_phase_loading_percent'), '.1f', unit='%')}, neutral current up "
          f"to {num(result.get('max_neutral_current_a'), '.1f', unit='A')}; wrote {out}")
    if year.non_converged:
        print(f"planner: warning: {len(year.non_converged)} steps did not converge (first at {year.non_converged[0]}); "
              f"they are left out of the figures and listed in summary.json", file=sys.stderr)
    return 0
