"""Time every settlement scheme for 1,500 members over a 15-minute year, and Shapley sampling for 200.

Members: 1,500 households with BDEW H0 demand (planner.generation.demand) and, for a third
of them, rooftop PV from the bundled Mannheim weather (planner.generation.pv), 35,040 steps.
Targets: all schemes under 20 s; Shapley sampling for 200 members under 60 s, with its
sampling error printed.

Run: .venv/bin/python bench/settlement.py [--samples 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from shapely.geometry import Point

from planner.community.balance import Balance
from planner.community.comparison import all_schemes
from planner.community.settlement import ContractTerms
from planner.economics.shapley import community_value, shapley_sampled
from planner.generation.demand import electricity_kw
from planner.generation.pv import pv_ac_kw
from planner.model import Consumer, PVUnit
from planner.weather import read_station, to_resolution

PB, PS = 0.40, 0.08


def build(n=1500, seed=4):
    rng = np.random.default_rng(seed)
    weather, meta = read_station("dwd-try2010-12")
    quarter = to_resolution(weather, 15)
    consumers = [Consumer(id=f"c{i}", annual_kwh=float(rng.uniform(2000, 5000)), geometry=Point(0, 0))
                 for i in range(n)]
    load_kw = electricity_kw(consumers, quarter.index, "Europe/Berlin").to_numpy()
    units = [PVUnit(id=f"pv{i}", peak_kw=float(rng.uniform(3, 10)), azimuth_deg=float(rng.choice([90, 180, 270])),
                    geometry=Point(0, 0)) for i in range(0, n, 3)]
    pv_kw = pv_ac_kw(units, quarter, meta.latitude, meta.longitude, meta.elevation_m).to_numpy()
    gen_kw = np.zeros_like(load_kw)
    gen_kw[:, ::3] = pv_kw
    return Balance(quarter.index, [c.id for c in consumers], gen_kw * 0.25, load_kw * 0.25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="orderings for the Shapley sampling")
    args = parser.parse_args()
    t0 = time.perf_counter()
    balance = build()
    t1 = time.perf_counter()
    contracts = [ContractTerms(f"c{3 * i}", f"c{3 * i + 1}", 0.22, 1, 1500.0, f"k{i}") for i in range(100)]
    results = all_schemes(balance, PB, PS, contracts=contracts)
    t2 = time.perf_counter()
    gap = max(r.books_gap() for r in results.values())
    print(f"data: {balance.load.shape[1]} members x {balance.load.shape[0]} quarter hours built in {t1 - t0:.1f} s")
    print(f"all {len(results)} schemes: {t2 - t1:.2f} s (target 20 s: {'met' if t2 - t1 < 20 else 'NOT met'}); "
          f"largest books gap {gap:.2e} EUR")
    for name, r in results.items():
        print(f"  {name:<22} members pay {r.total():>14,.0f} EUR")

    sub = Balance(balance.index, balance.members[:200], balance.generation[:, :200], balance.load[:, :200])
    value, marginal = community_value(sub.generation, sub.load, PB, PS)
    t3 = time.perf_counter()
    result = shapley_sampled(200, value, samples=args.samples, seed=0, marginal=marginal)
    t4 = time.perf_counter()
    total = value(np.ones(200, bool))
    print(f"Shapley, 200 members, {args.samples} orderings: {t4 - t3:.1f} s (target 60 s: "
          f"{'met' if t4 - t3 < 60 else 'NOT met'}); sum of values {result.values.sum():,.2f} = v(N) {total:,.2f}; "
          f"standard error: median {np.median(result.standard_error):.3f} EUR, max {result.standard_error.max():.3f} EUR "
          f"(values: median {np.median(result.values):.2f} EUR)")


if __name__ == "__main__":
    main()
