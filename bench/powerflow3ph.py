"""Time the three-phase batch power flow against pandapower's runpp_3ph, in one run (issue 27:
at least 100 times as fast, voltages per phase within 1e-5 p.u.).

The grid: the IEEE European LV test feeder as pandapower ships it (906 buses, 55 single-phase
loads, a 0.8 MVA Dyn transformer). The year: each load a household of 3,500 kWh a year on its
own phase, BDEW H0 (demandlib) hourly, power factor 0.95. Ours: the whole year by the compiled
kernels (a warm-up run first: numba compiles once per machine). pandapower's: ``runpp_3ph`` on
``--steps`` hours spread over the year, one after the other, each checked against ours.

Run: .venv/bin/python bench/powerflow3ph.py [--steps 24]
Ends with one JSON line: buses, steps_year, ours_year_s, ours_per_step_ms, runpp_3ph_per_step_s,
speedup, max_diff_pu, worst_unbalance_percent, target_speedup, met.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
import warnings

import numpy as np

warnings.simplefilter("ignore")
TARGET_SPEEDUP = 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=24, help="hours run through runpp_3ph for the comparison")
    args = parser.parse_args()
    import pandapower as pp
    import pandapower.networks as pn
    import pandas as pd
    from shapely.geometry import Point

    from planner.generation.demand import electricity_kw
    from planner.grid.powerflow3ph import build_model_3ph, solve_batch
    from planner.model import Consumer

    net = pn.ieee_european_lv_asymmetric("on_peak_566")
    model = build_model_3ph(net)
    index = pd.date_range("2025-01-01", periods=8760, freq="1h", tz="UTC")
    loads = net.asymmetric_load
    houses = [Consumer(id=f"h{k}", annual_kwh=3500.0, geometry=Point(0, 0)) for k in range(len(loads))]
    demand_kw = electricity_kw(houses, index, "Europe/London").to_numpy()  # (steps, loads)
    phase = np.argmax(loads[["p_a_mw", "p_b_mw", "p_c_mw"]].to_numpy() > 0, axis=1)
    bus = model.bus_lookup[net.bus.index.get_indexer(loads.bus)]
    tan_phi = np.tan(np.arccos(0.95))
    s = np.zeros((len(index), 3, model.n_bus), dtype=complex)
    for k in range(len(loads)):
        s[:, phase[k], bus[k]] -= demand_kw[:, k] / 1000.0 * (1 + 1j * tan_phi) / model.base_mva
    solve_batch(model, s[:64])  # warm-up: numba compiles once per machine
    started = time.perf_counter()
    solution, iterations = solve_batch(model, s)
    ours = time.perf_counter() - started
    failed = int((iterations == 0).sum())
    print(f"ours: {len(index):,} hourly steps of {model.n_bus} buses in {ours:.2f} s ({ours / len(index) * 1e3:.3f} ms a "
          f"step, {iterations.mean():.1f} iterations on average, {failed} not converged)")
    worst_vuf = float(np.nanmax(solution.unbalance)) * 100.0
    print(f"worst voltage unbalance of the year: {worst_vuf:.3f} %")

    reference = copy.deepcopy(net)
    columns = ["p_a_mw", "q_a_mvar", "p_b_mw", "q_b_mvar", "p_c_mw", "q_c_mvar"]
    pp.runpp_3ph(reference)  # pandapower's own first call
    hours = np.linspace(0, len(index) - 1, args.steps).astype(int)
    worst = 0.0
    spent = 0.0
    for h in hours:
        for c in columns:
            reference.asymmetric_load[c] = 0.0
        for k in range(len(loads)):
            p_mw = demand_kw[h, k] / 1000.0
            name = "abc"[phase[k]]
            reference.asymmetric_load.at[loads.index[k], f"p_{name}_mw"] = p_mw
            reference.asymmetric_load.at[loads.index[k], f"q_{name}_mvar"] = p_mw * tan_phi
        t0 = time.perf_counter()
        pp.runpp_3ph(reference)
        spent += time.perf_counter() - t0
        res = reference.res_bus_3ph
        for p, name in enumerate("abc"):
            theirs = res[f"vm_{name}_pu"].to_numpy()
            worst = max(worst, float(np.abs(np.abs(solution.v_abc[h, p, model.bus_lookup]) - theirs).max()))
    per_step = spent / len(hours)
    speedup = per_step / (ours / len(index))
    print(f"runpp_3ph: {per_step:.3f} s a step ({len(hours)} hours); ours {speedup:,.0f} times as fast; largest "
          f"difference of a phase voltage {worst:.2e} p.u.")
    met = speedup >= TARGET_SPEEDUP and worst <= 1e-5
    print(f"target: {TARGET_SPEEDUP:.0f} times, within 1e-5 p.u.: {'met' if met else 'NOT met'}")
    print(json.dumps({"buses": model.n_bus, "steps_year": len(index), "ours_year_s": round(ours, 3),
                      "ours_per_step_ms": round(ours / len(index) * 1e3, 4),
                      "runpp_3ph_per_step_s": round(per_step, 4), "speedup": round(speedup, 1),
                      "max_diff_pu": worst, "worst_unbalance_percent": round(worst_vuf, 4),
                      "target_speedup": TARGET_SPEEDUP, "met": met}))


if __name__ == "__main__":
    main()
