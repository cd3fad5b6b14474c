"""Time the annual power flow against pandapower's run_timeseries and the fastest library alternatives.

In one run, on the same grid and profiles:
- SimBench 1-LV-rural3--0-sw with its own 15-minute year (35,136 steps):
  our batch solver over the full year; pandapower's run_timeseries on a slice
  (extrapolated to the year, and said so); lightsim2grid's TimeSeriesCPP and
  power-grid-model's batch calculation when installed (``pip install -e .[bench]``).
- Schutterwald (2,940 buses) over an hourly year, its 1,506 households driven by
  BDEW H0 profiles (planner.generation.demand) scaled as in the sample project.
Accuracy: maximum voltage difference and loss difference of our solver against
pandapower's runpp on sampled steps.

Each of our solver and lightsim2grid solves the year REPEATS times and counts its fastest run;
inputs are prepared before either clock starts (our profile parsing is printed apart).

Run: .venv/bin/python bench/powerflow.py [--slice 300]
Ends with one JSON line: rural3_steps, ours_s, ours_parse_s, run_timeseries_estimate_s,
lightsim2grid_s, speedup_vs_lightsim2grid (with_parsing too), vm_diff_to_lightsim2grid_pu,
max_dv_vs_runpp_pu, power_grid_model_s, target_vs_lightsim2grid, schutterwald_hourly_s,
schutterwald_max_dv_vs_runpp_pu, quarter_hour_powerflow_s, quarter_hour_peak_mb.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
import warnings

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")

TARGET_RURAL3_S = 1.5
TARGET_SPEEDUP = 300.0
TARGET_SCHUTTERWALD_S = 15.0
#: issue 24: the year of rural3 at least 5 times as fast as lightsim2grid, in the same run
TARGET_VS_LIGHTSIM2GRID = 5.0
#: each solver's year is solved this often and its fastest run counted (both alike)
REPEATS = 3


def simbench_year(code):
    from planner.grid.pandapower_io import simbench_case

    return simbench_case(code)


def ours(net, table, repeats=REPEATS):
    """Our batch solver: the model built once, the profiles parsed once (input preparation, as
    lightsim2grid's matrices are made before its clock starts), then the year solved with every
    element's results; the fastest of ``repeats`` solves."""
    from planner.grid.powerflow import build_model, parse_profiles, run

    build_model(net)  # numba compiles on first use: keep that out of the timing
    run(build_model(net), parse_profiles(table.iloc[:8], net))
    t0 = time.perf_counter()
    model = build_model(net)
    t1 = time.perf_counter()
    profiles = parse_profiles(table, net)
    t2 = time.perf_counter()
    solves = []
    for _ in range(repeats):
        chunks = []
        started = time.perf_counter()
        summary = run(model, profiles, on_chunk=chunks.append)
        solves.append(time.perf_counter() - started)
    vm = np.concatenate([c.vm_pu for c in chunks])
    pl = np.concatenate([np.nansum(c.line_pl_mw, axis=1) + np.nansum(c.trafo_pl_mw, axis=1) for c in chunks])
    return {"build_s": t1 - t0, "parse_s": t2 - t1, "solve_s": min(solves), "solves_s": solves,
            "summary": summary, "vm": vm, "pl": pl}


def set_step(net, table, k):
    for column, value in table.iloc[k].items():
        element, variable, idx = column.split(".")
        net[element].at[int(idx), variable] = value


def accuracy(net, table, result, samples=12):
    import pandapower as pp

    worst_v, worst_loss = 0.0, 0.0
    for k in np.linspace(0, len(table) - 1, samples).astype(int):
        ref = copy.deepcopy(net)
        set_step(ref, table, k)
        pp.runpp(ref, lightsim2grid=False, tolerance_mva=1e-10)
        worst_v = max(worst_v, float(np.nanmax(np.abs(ref.res_bus.vm_pu.to_numpy() - result["vm"][k]))))
        loss = ref.res_line.pl_mw.sum() + ref.res_trafo.pl_mw.sum()
        worst_loss = max(worst_loss, abs(result["pl"][k] - loss) / loss)
    return worst_v, worst_loss


def run_timeseries_slice(net, table, steps):
    import pandapower as pp
    from pandapower.control import ConstControl
    from pandapower.timeseries import DFData, OutputWriter, run_timeseries

    net = copy.deepcopy(net)
    part = table.iloc[:steps].reset_index(drop=True)
    for element in ("load", "sgen", "storage"):
        for variable in ("p_mw", "q_mvar"):
            columns = [c for c in part.columns if c.startswith(f"{element}.{variable}.")]
            if columns:
                idx = [int(c.split(".")[2]) for c in columns]
                ConstControl(net, element, variable, element_index=idx, profile_name=columns,
                             data_source=DFData(part[columns]))
    OutputWriter(net, time_steps=range(steps), output_path=None, log_variables=[("res_bus", "vm_pu")])
    t0 = time.perf_counter()
    run_timeseries(net, time_steps=range(steps), verbose=False, lightsim2grid=False)
    return time.perf_counter() - t0


def lightsim2grid_year(net, table):
    try:
        from lightsim2grid.gridmodel import init_from_pandapower
        from lightsim2grid.timeSerie import TimeSeriesCPP
    except ImportError:
        return None
    import pandapower as pp

    net = copy.deepcopy(net)
    for table_name in ("sgen", "load", "storage", "gen", "ext_grid"):  # SimBench leaves some as object
        frame = net[table_name]
        for column in frame.columns:
            if column.startswith(("min_", "max_")) and frame[column].dtype == object:
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
    pp.runpp(net, lightsim2grid=False)
    grid = init_from_pandapower(net)

    def matrix(element, variable, count):
        out = np.tile(net[element][variable].to_numpy(dtype=float), (len(table), 1))
        for j, idx in enumerate(net[element].index):
            column = f"{element}.{variable}.{idx}"
            if column in table:
                out[:, j] = table[column].to_numpy()
        return np.ascontiguousarray(out)

    load_p, load_q = matrix("load", "p_mw", len(net.load)), matrix("load", "q_mvar", len(net.load))
    sgen_p = matrix("sgen", "p_mw", len(net.sgen))
    # lightsim2grid models each ext grid as a generator (its slack): its p here is not used
    gen_p = np.zeros((len(table), len(list(grid.get_generators()))))
    # start from pandapower's solution at the static values: a flat start fails to converge with
    # the transformers' 150 degree phase shift
    v_init = (net.res_bus.vm_pu.to_numpy() * np.exp(1j * np.radians(net.res_bus.va_degree.to_numpy()))
              ).astype(complex)
    runs = []
    for _ in range(REPEATS):  # the fastest of as many runs as ours
        t0 = time.perf_counter()
        series = TimeSeriesCPP(grid)
        status = series.compute_Vs(gen_p, sgen_p, load_p, load_q, v_init, 20, 1e-8)
        series.compute_flows()
        runs.append(time.perf_counter() - t0)
    if status != 1:
        print(f"  lightsim2grid: {len(table) - series.nb_converged()} steps did not converge")
    return {"seconds": min(runs), "runs_s": runs, "status": status, "vm": np.abs(series.get_voltages())}


def power_grid_model_year(net, table):
    """power-grid-model's batch power flow over the same year, with its voltages per pandapower bus.

    The converter (power-grid-model-io) maps pandapower loads to three sym_loads each (constant
    power, current, impedance parts) and sgens to sym_gens; each driven column updates its
    element's constant-power part, loads and sgens alike. Raises when something cannot be mapped,
    so a comparison never drops a profile in silence.
    """
    from power_grid_model import CalculationMethod, PowerGridModel, initialize_array
    from power_grid_model_io.converters import PandaPowerConverter

    converter = PandaPowerConverter()
    input_data, _ = converter.load_input_data(copy.deepcopy(net))
    model = PowerGridModel(input_data)
    targets = {"load": {}, "sgen": {}}
    for component, element in (("sym_load", "load"), ("sym_gen", "sgen")):
        for pgm_id in input_data.get(component, {"id": []})["id"]:
            info = converter.lookup_id(int(pgm_id))
            if element == "load" and info.get("name") != "const_power":
                continue
            targets[element][int(info["index"])] = int(pgm_id)
    update, mapped = {}, 0
    for component, element in (("sym_load", "load"), ("sym_gen", "sgen")):
        columns = [c for c in table.columns if c.startswith(f"{element}.p_mw.")]
        if not columns:
            continue
        batch = initialize_array("update", component, (len(table), len(columns)))
        for j, column in enumerate(columns):
            idx = int(column.split(".")[2])
            batch["id"][:, j] = targets[element][idx]
            batch["p_specified"][:, j] = table[column].to_numpy() * 1e6
            q = table.get(f"{element}.q_mvar.{idx}")
            batch["q_specified"][:, j] = (q.to_numpy() if q is not None else float(net[element].q_mvar.at[idx])) * 1e6
        update[component] = batch
        mapped += len(columns)
    unmapped = [c for c in table.columns if c.split(".")[0] not in ("load", "sgen") or
                (c.split(".")[1] == "q_mvar" and f"{c.split('.')[0]}.p_mw.{c.split('.')[2]}" not in table.columns)]
    if unmapped:
        raise ValueError(f"{len(unmapped)} driven columns cannot be mapped to power-grid-model "
                         f"(first {unmapped[0]}); the comparison would not be like for like")
    t0 = time.perf_counter()
    output = model.calculate_power_flow(update_data=update, calculation_method=CalculationMethod.newton_raphson,
                                        threading=0, error_tolerance=1e-8)
    elapsed = time.perf_counter() - t0
    positions = {int(b): k for k, b in enumerate(net.bus.index)}
    vm = np.full((len(table), len(net.bus)), np.nan)
    for j, node_id in enumerate(input_data["node"]["id"]):
        info = converter.lookup_id(int(node_id))
        vm[:, positions[int(info["index"])]] = output["node"]["u_pu"][:, j]
    return {"seconds": elapsed, "vm": vm, "mapped": mapped}


def schutterwald_year():
    import pandapower.networks as pn

    from planner.generation.demand import electricity_kw
    from planner.model import Consumer
    from shapely.geometry import Point

    net = pn.lv_schutterwald()
    index = pd.date_range("2019-01-01", periods=8760, freq="h", tz="Europe/Berlin")
    consumers = [Consumer(id=str(i), profile="H0", annual_kwh=float(p * 1000 * 3000 / 2.1), geometry=Point(0, 0))
                 for i, p in net.load.p_mw.items()]
    demand = electricity_kw(consumers, index, "Europe/Berlin") / 1000.0  # MW
    table = pd.DataFrame({f"load.p_mw.{c}": demand[c].to_numpy() for c in demand.columns}, index=index)
    return net, table


def memory_check(net, hourly):
    """Peak memory of `planner powerflow` on a 15-minute year of Schutterwald, in a fresh process."""
    import resource
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    import pandapower as pp

    quarter = hourly.resample("15min").ffill().reindex(
        pd.date_range(hourly.index[0], periods=len(hourly) * 4, freq="15min")).ffill()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        pp.to_json(net, str(folder / "net.json"))
        out = quarter.copy()
        out.insert(0, "time", out.index)
        out.to_parquet(folder / "profiles.parquet", index=False)
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "planner", "powerflow", str(folder / "net.json"),
                                 "--profiles", str(folder / "profiles.parquet"), "-o", str(folder / "out")],
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    status = "ok" if result.returncode == 0 else f"failed: {result.stderr.strip()}"
    print(f"  15-minute year through `planner powerflow` ({len(quarter)} steps, results written to Parquet): "
          f"{elapsed:.1f} s, peak memory {peak_mb:,.0f} MB (target 2,048 MB: "
          f"{'met' if peak_mb < 2048 else 'NOT met'}); {status}")
    return round(elapsed, 1), round(peak_mb)


def line(label, seconds, steps, reference=None):
    text = f"  {label:<44} {seconds:8.3f} s  {seconds / steps * 1e3:8.4f} ms/step"
    if reference is not None:
        text += f"  speed-up vs run_timeseries {reference / seconds:8.0f}x"
    print(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slice", type=int, default=300, help="run_timeseries steps to time (extrapolated)")
    args = parser.parse_args()

    print("SimBench 1-LV-rural3--0-sw, 15-minute year")
    net, table = simbench_year("1-LV-rural3--0-sw")
    steps = len(table)
    print(f"  {len(net.bus)} buses, {len(net.line)} lines, {steps} steps, {table.shape[1]} driven columns")
    mine = ours(net, table)
    rt = run_timeseries_slice(net, table, args.slice) / args.slice * steps
    print(f"  pandapower run_timeseries: {args.slice} steps timed, extrapolated to {steps}:")
    line("pandapower run_timeseries (extrapolated)", rt, steps)
    line("planner batch solver (solve)", mine["solve_s"], steps, rt)
    print(f"    fastest of {REPEATS} ({', '.join(f'{x:.3f}' for x in mine['solves_s'])} s); model build once: "
          f"{mine['build_s']:.3f} s; profiles parsed once: {mine['parse_s']:.3f} s; iterations at most "
          f"{mine['summary'].max_iterations}; non-converged {len(mine['summary'].non_converged)}")
    figures = {"rural3_steps": steps, "ours_s": round(mine["solve_s"], 4), "ours_parse_s": round(mine["parse_s"], 4),
               "run_timeseries_estimate_s": round(rt, 1)}
    fastest_other = None
    ls = lightsim2grid_year(net, table)
    if ls is None:
        print("  lightsim2grid: not installed (pip install -e .[bench])")
    else:
        line("lightsim2grid TimeSeriesCPP (compute_Vs + flows)", ls["seconds"], steps, rt)
        diff = np.nanmax(np.abs(ls["vm"][:, :mine["vm"].shape[1]] - mine["vm"]))
        ratio = ls["seconds"] / mine["solve_s"]
        print(f"    fastest of {REPEATS} ({', '.join(f'{x:.3f}' for x in ls['runs_s'])} s); max |vm| difference to "
              f"ours: {diff:.2e} p.u.; ours is {ratio:.1f}x as fast (target {TARGET_VS_LIGHTSIM2GRID:g}x: "
              f"{'met' if ratio >= TARGET_VS_LIGHTSIM2GRID else 'NOT met'}); with our profile parsing counted too "
              f"{ls['seconds'] / (mine['solve_s'] + mine['parse_s']):.1f}x")
        fastest_other = ls["seconds"]
        figures.update(lightsim2grid_s=round(ls["seconds"], 4), speedup_vs_lightsim2grid=round(ratio, 2),
                       speedup_vs_lightsim2grid_with_parsing=round(ls["seconds"] / (mine["solve_s"] + mine["parse_s"]), 2),
                       vm_diff_to_lightsim2grid_pu=float(f"{diff:.3g}"))
    try:
        pgm = power_grid_model_year(net, table)
    except ImportError as exc:
        pgm = None
        print(f"  power-grid-model: NOT COMPARED, not installed ({exc.name}); pip install -e '.[bench]'")
    except Exception as exc:  # the converter's lookups differ between versions: say so, do not hide
        pgm = None
        print(f"  power-grid-model: NOT COMPARED, could not be set up here ({type(exc).__name__}: {exc})")
    if pgm is not None:
        line("power-grid-model batch (newton_raphson)", pgm["seconds"], steps, rt)
        diff = np.nanmax(np.abs(pgm["vm"] - mine["vm"]))
        print(f"    {pgm['mapped']} loads and sgens driven (P and Q); max |vm| difference to ours: {diff:.2e} p.u.")
        fastest_other = min(fastest_other or np.inf, pgm["seconds"])
    if ls is None:
        print("  lightsim2grid: NOT COMPARED (not installed): the issue's 5x cannot be shown without it")
        figures.update(lightsim2grid_s=None, speedup_vs_lightsim2grid=None)
    dv, dl = accuracy(net, table, mine)
    print(f"  accuracy against runpp on 12 sampled steps: max |dV| {dv:.2e} p.u., max loss difference {dl:.2e}")
    figures.update(max_dv_vs_runpp_pu=float(f"{dv:.3g}"), power_grid_model_s=None if pgm is None else round(pgm["seconds"], 3),
                   target_vs_lightsim2grid=TARGET_VS_LIGHTSIM2GRID)
    print(f"  targets: under {TARGET_RURAL3_S} s: {'met' if mine['solve_s'] < TARGET_RURAL3_S else 'NOT met'}; "
          f"{TARGET_SPEEDUP:.0f}x run_timeseries: {'met' if rt / mine['solve_s'] >= TARGET_SPEEDUP else 'NOT met'}; "
          f"no slower than the fastest alternative: "
          f"{'not measured' if fastest_other is None else ('met' if mine['solve_s'] <= fastest_other else 'NOT met')}")

    print("Schutterwald, hourly year (BDEW H0 households)")
    net, table = schutterwald_year()
    mine = ours(net, table)
    line("planner batch solver (solve)", mine["solve_s"], len(table))
    dv, dl = accuracy(net, table, mine, samples=6)
    print(f"  {len(net.bus)} buses; losses {mine['summary'].losses_mwh:,.1f} MWh a year "
          f"(lines {mine['summary'].line_losses_mwh:,.1f}, transformers {mine['summary'].trafo_losses_mwh:,.1f}); "
          f"max |dV| vs runpp {dv:.2e} p.u., loss difference {dl:.2e}")
    print(f"  target under {TARGET_SCHUTTERWALD_S} s: {'met' if mine['solve_s'] < TARGET_SCHUTTERWALD_S else 'NOT met'}")
    figures.update(schutterwald_hourly_s=round(mine["solve_s"], 3), schutterwald_max_dv_vs_runpp_pu=float(f"{dv:.3g}"))
    figures["quarter_hour_powerflow_s"], figures["quarter_hour_peak_mb"] = memory_check(net, table)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
