"""Time 1,500 heat pumps and 1,000 electric vehicles over an hourly year (issue 26: under 5 s).

The heat demand (BDEW SigLinDe for 1,500 single-family houses of 8-30 MWh a year) and the
households' electricity (H0) are built first and not timed: they exist in a run before the
heat pumps and cars are simulated. Timed: :func:`planner.generation.heat_pumps.simulate_heat_pumps`
(hplib's COP by source and distribution, sizing, dispatch with stores on a third of them) and
:func:`planner.generation.ev.simulate_charging` (1,000 home wallboxes, a quarter each immediate,
reduced, smart on the community's net load, limit on one of four transformer areas). The
median of ``--repeats`` runs in this process after a warm-up run (numba compiles once). Ends
with one JSON line: ``heat_pumps``, ``vehicles``, ``heat_pumps_s``, ``charging_s``, ``total_s``,
``target_s``, ``met``.

Run: .venv/bin/python bench/electrification.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
from shapely.geometry import Point

TARGET_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--heat-pumps", type=int, default=1500)
    parser.add_argument("--vehicles", type=int, default=1000)
    args = parser.parse_args()

    from planner.generation.demand import electricity_kw, heat_kw
    from planner.generation.ev import simulate_charging
    from planner.generation.heat_pumps import simulate_heat_pumps
    from planner.model import ChargingPoint, Consumer, HeatPump
    from planner.weather import read_station

    weather, _ = read_station("dwd-try2010-12")
    tz = "Europe/Berlin"
    rng = np.random.default_rng(1)
    houses = [Consumer(id=f"h{k}", annual_kwh=float(rng.uniform(2500, 5000)), heat_profile="EFH",
                       annual_heat_kwh=float(rng.uniform(8000, 30000)), geometry=Point(0, 0))
              for k in range(args.heat_pumps)]
    started = time.perf_counter()
    heat = heat_kw(houses, weather.temp_air, tz)
    electric = electricity_kw(houses, weather.index, tz)
    print(f"inputs (not timed): heat and electricity of {len(houses):,} houses in {time.perf_counter() - started:.1f} s")
    systems = ("floor", "low_temperature_radiator")
    pumps = [HeatPump(id=f"hp{k}", consumer_id=f"h{k}", heat_source="ground" if k % 5 == 0 else "air",
                      heating_system=systems[k % 2], store_kwh=20.0 if k % 3 == 0 else 0.0, geometry=Point(0, 0))
             for k in range(args.heat_pumps)]
    strategies = ("immediate", "reduced", "smart", "limit")
    points = [ChargingPoint(id=f"cp{k}", consumer_id=f"h{k}", strategy=strategies[k % 4], geometry=Point(0, 0))
              for k in range(args.vehicles)]
    net = electric.sum(axis=1).to_numpy()
    areas = {f"t{a}": electric.iloc[:, a::4].sum(axis=1).to_numpy() for a in range(4)}
    area_of = {p.id: f"t{k % 4}" for k, p in enumerate(points)}
    ratings = {a: 630.0 for a in areas}

    def once() -> tuple[float, float, object, object]:
        t0 = time.perf_counter()
        pumped = simulate_heat_pumps(pumps, heat, weather.temp_air, tz, details=False)  # as a run does
        t1 = time.perf_counter()
        charged = simulate_charging(points, weather.index, tz, net_load_kw=net + pumped.electricity_kw.sum(axis=1).to_numpy(),
                                    area_load_kw=areas, area_of=area_of, area_limit_kw=ratings)
        return t1 - t0, time.perf_counter() - t1, pumped, charged

    once()  # warm-up: hplib's fit and numba's compilation, once per process
    runs = [once() for _ in range(args.repeats)]
    hp_s = statistics.median(r[0] for r in runs)
    ev_s = statistics.median(r[1] for r in runs)
    total = statistics.median(r[0] + r[1] for r in runs)
    pumped, charged = runs[-1][2], runs[-1][3]
    table = pumped.table()
    print(f"{args.heat_pumps:,} heat pumps: {hp_s:.2f} s (seasonal COP {table.seasonal_cop.median():.2f} median, "
          f"{table.electricity_kwh.sum() / 1e3:,.0f} MWh electricity for {table.heat_kwh.sum() / 1e3:,.0f} MWh heat)")
    ev = charged.table()
    print(f"{args.vehicles:,} vehicles: {ev_s:.2f} s ({ev.charged_kwh.sum() / 1e3:,.0f} MWh charged, "
          f"{ev.short_kwh.sum():,.0f} kWh short of departure)")
    print(f"together {total:.2f} s (median of {args.repeats}), target {TARGET_S:.0f} s: "
          f"{'met' if total < TARGET_S else 'NOT met'}")
    print(json.dumps({"heat_pumps": args.heat_pumps, "vehicles": args.vehicles, "heat_pumps_s": round(hp_s, 3),
                      "charging_s": round(ev_s, 3), "total_s": round(total, 3), "target_s": TARGET_S,
                      "met": total < TARGET_S}))


if __name__ == "__main__":
    main()
