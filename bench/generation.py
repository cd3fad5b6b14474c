"""Time a year of hourly PV and demand for a village-sized project, against pvlib's ModelChain per unit.

Project: 1,500 consumers (H0, a few G and L profiles, heat for a third), 300 PV units in 12
orientations, 3 wind turbines and 2 heat-led CHP units (serving the consumers' heat), on the
bundled DWD TRY region 12 weather. Prints seconds, the time per unit, and the speed-up of the
orientation-grouped PV against running pvlib's ModelChain once per unit (measured on 12 units and
extrapolated to 300, and said so).

Run: .venv/bin/python bench/generation.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pvlib
from shapely.geometry import Point

from planner.generation.demand import electricity_kw, heat_kw
from planner.generation.pv import distinct_orientations, pv_ac_kw
from planner.generation import chp as chp_dispatch
from planner.generation.wind import wind_ac_kw
from planner.model import CHPUnit, Consumer, PVUnit, WindTurbine
from planner.weather import read_station

TARGET_S = 10.0


def build(rng):
    orientations = [(t, a) for t in (15, 30, 45) for a in (90, 135, 180, 225)]
    pv = [PVUnit(id=f"pv{i}", peak_kw=float(rng.uniform(3, 30)), tilt_deg=float(orientations[i % 12][0]),
                 azimuth_deg=float(orientations[i % 12][1]), geometry=Point(0, 0)) for i in range(300)]
    profiles = ["H0"] * 1400 + ["G0", "G1", "G4", "G5", "L0"] * 20
    consumers = [Consumer(id=f"c{i}", profile=p, annual_kwh=float(rng.uniform(1500, 6000)),
                          heat_profile="EFH" if i % 3 == 0 else None,
                          annual_heat_kwh=18000.0 if i % 3 == 0 else 0.0, geometry=Point(0, 0))
                 for i, p in enumerate(profiles)]
    return pv, consumers


def modelchain_one(unit, weather, meta):
    location = pvlib.location.Location(meta.latitude, meta.longitude, tz="UTC", altitude=meta.elevation_m)
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=unit.tilt_deg, surface_azimuth=unit.azimuth_deg, albedo=0.2,
        module_parameters={"pdc0": unit.peak_kw, "gamma_pdc": -0.0037},
        inverter_parameters={"pdc0": unit.peak_kw / unit.dc_ac_ratio / 0.96},
        temperature_model_parameters=pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][unit.temperature_model])
    chain = pvlib.modelchain.ModelChain.with_pvwatts(system, location, losses_model="no_loss")
    chain.run_model(weather)
    return chain.results.ac


def main():
    rng = np.random.default_rng(1)
    weather, meta = read_station("dwd-try2010-12")
    pv, consumers = build(rng)
    args = (weather, meta.latitude, meta.longitude, meta.elevation_m)

    t0 = time.perf_counter()
    pv_out = pv_ac_kw(pv, *args)
    t1 = time.perf_counter()
    elec = electricity_kw(consumers, weather.index, "Europe/Berlin")
    t2 = time.perf_counter()
    heat = heat_kw(consumers, weather.temp_air, "Europe/Berlin")
    turbines = [WindTurbine(id=f"w{i}", turbine_type=t, hub_height_m=h, rated_kw=r, geometry=Point(0, 0))
                for i, (t, h, r) in enumerate([("E-53/800", 73.0, 800.0), ("E48/800", 60.0, 800.0),
                                               ("E-70/2300", 85.0, 2300.0)])]
    wind = wind_ac_kw(turbines, weather)
    chps = [CHPUnit(id=f"k{i}", p_el_kw=p, eta_el=0.33, eta_th=0.55, min_load=0.5, store_kwh=s, boiler_kw=400.0,
                    geometry=Point(0, 0)) for i, (p, s) in enumerate([(50.0, 600.0), (20.0, 0.0)])]
    town_heat = heat.sum(axis=1)
    dispatched = [chp_dispatch.dispatch(u, town_heat * share) for u, share in zip(chps, (0.6, 0.4))]
    t3 = time.perf_counter()

    t3b = time.perf_counter()
    pv_ac_kw(pv[:12], *args)
    t4 = time.perf_counter()
    pv_ac_kw(pv[:24], *args)
    t5 = time.perf_counter()
    shifted = weather.copy()
    shifted.index = shifted.index + pd.Timedelta(minutes=30)
    t6 = time.perf_counter()
    for u in pv[:12]:
        modelchain_one(u, shifted, meta)
    t7 = time.perf_counter()

    total = t3 - t0
    per_unit_mc = (t7 - t6) / 12
    print(f"weather            {meta.describe()}, {len(weather)} hourly steps")
    print(f"PV                 {len(pv)} units in {distinct_orientations(pv)} orientations: {t1 - t0:.3f} s "
          f"({(t1 - t0) / len(pv) * 1e3:.2f} ms per unit); {pv_out.sum().sum() / 1e3:,.0f} MWh")
    print(f"  12 vs 24 units, same 12 orientations: {t4 - t3b:.3f} s vs {t5 - t4:.3f} s "
          f"(cost follows orientations, not units)")
    print(f"  pvlib ModelChain per unit: {per_unit_mc * 1e3:.0f} ms; 300 units extrapolated from 12: "
          f"{per_unit_mc * 300:.1f} s; speed-up {per_unit_mc * 300 / (t1 - t0):.0f}x")
    print(f"electricity demand {len(consumers)} consumers: {t2 - t1:.3f} s; "
          f"{elec.sum().sum() / 1e3:,.0f} MWh")
    print(f"heat, wind, CHP    {heat.shape[1]} consumers, 3 turbines, 2 CHP units: {t3 - t2:.3f} s; {heat.sum().sum() / 1e3:,.0f} MWh")
    print(f"wind               {len(turbines)} turbines: {wind.sum().sum() / 1e3:,.0f} MWh (timed with heat)")
    print(f"CHP                {len(chps)} units, heat-led: "
          f"{sum(d.p_el_kw.sum() for d in dispatched) / 1e3:,.0f} MWh el (timed with heat)")
    n = len(pv) + len(consumers) + len(turbines) + len(chps)
    print(f"total              {total:.2f} s for {n} units and consumers "
          f"({total / n * 1e3:.2f} ms each); target under {TARGET_S:g} s: "
          f"{'met' if total < TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
