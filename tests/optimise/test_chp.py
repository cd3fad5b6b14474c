"""A CHP per heat cluster in the sizing programme, against cases solved by hand, and the heat
clusters of a real project.

The hand case: a day step and a night step, N days, 1 kW of electricity demand in each step, no
roof; a CHP of 0.25, 0.5 or 1 kW electric with 30 % electrical and 60 % thermal efficiency (2 kWh
of heat per kWh of electricity), minimum load 50 %, dispatched heat-led as ``planner run`` does;
gas at 0.10 EUR/kWh; the consumers' boilers at 90 %; import at 0.30 EUR/kWh. A kWh of the CHP's
electricity burns 1/0.3 kWh of gas (0.333 EUR) and its 2 kWh of heat save the boilers 2/0.9 kWh
(0.222 EUR): 0.111 EUR a kWh against 0.30 imported, a saving of 0.189 EUR.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.optimise.chp import HeatCluster
from planner.optimise.model import Goals, solve, today
from tests.optimise.test_model import N, hand_inputs

SAVING = 0.30 - 0.10 * (1 / 0.3 - 2 / 0.9)  # EUR per kWh of the CHP's electricity


def chp_inputs(heat_day: float, heat_night: float, *, store_hours: float = 2.0, chp_per_day: float = 0.05,
               **kwargs):
    import dataclasses

    base = hand_inputs(max_kwp=0.0, **kwargs)
    heat = np.tile([heat_day, heat_night], N)[:, None]
    cluster = HeatCluster(id="heat-1", area="a", bus=None, centre=(0.0, 0.0), radius_m=100.0, consumers=("c1",),
                          annual_heat_kwh=float(heat.sum()), peak_heat_kw=float(heat.max()))
    return dataclasses.replace(base, groups=[], orientations=[], pv_per_kwp=np.zeros((2 * N, 0)), clusters=[cluster],
                               heat_kw=heat, chp_eta_el=0.3, chp_eta_th=0.6, chp_store_hours=store_hours,
                               chp_annual_eur_per_kw=chp_per_day * N, chp_capex_eur_per_kw=2000.0,
                               gas_eur_per_kwh=0.10, boiler_efficiency=0.9, gas_emission_kg_per_kwh=0.2,
                               chp_sizes_kw=(0.25, 0.5, 1.0), chp_min_load=0.5)


def test_a_steady_heat_demand_bounds_the_chp():
    """1 kW of heat in every step: 1 kW (0.5 kW of heat) would run below its peak heat, so the sizes
    are 0.25 and 0.5 kW, each at full load in every step; 0.5 kW saves more."""
    out = solve(chp_inputs(1.0, 1.0, store_hours=0.0))
    assert out.chp_kw.sum() == pytest.approx(0.5, rel=1e-9)
    assert out.chp_fuel_kwh == pytest.approx(2 * N * 0.5 / 0.3, rel=1e-6)
    assert out.chp_heat_kwh == pytest.approx(2 * N * 1.0, rel=1e-6)
    assert out.import_kwh == pytest.approx(2 * N * 0.5, rel=1e-6)
    expected = N * 0.05 * 0.5 + 0.30 * out.import_kwh + 0.10 * (out.chp_fuel_kwh - out.chp_heat_kwh / 0.9)
    assert out.cost_eur_per_year == pytest.approx(expected, rel=1e-6)
    # CO2: import at 0.4 kg/kWh and the gas burnt less the gas the boilers saved, at 0.2 kg/kWh
    co2 = (0.4 * out.import_kwh + 0.2 * (out.chp_fuel_kwh - out.chp_heat_kwh / 0.9)) / 1000
    assert out.co2_t == pytest.approx(co2, rel=1e-6)
    assert out.generation_kwh == pytest.approx(2 * N * 0.5, rel=1e-6)


def test_without_a_store_the_chp_runs_at_night_and_the_largest_pays():
    """All heat at night (2 kW), no store: each size runs at night only, at full load; 1 kW makes
    the most electricity (1 kWh a night)."""
    out = solve(chp_inputs(0.0, 2.0, store_hours=0.0))
    assert out.chp_kw.sum() == pytest.approx(1.0, rel=1e-9)
    assert out.chp_heat_kwh == pytest.approx(N * 2.0, rel=1e-6)
    assert out.import_kwh == pytest.approx(2 * N - N * 1.0, rel=1e-6)


def test_with_a_store_half_the_size_serves_the_same_heat():
    """All heat at night, a store of two hours of heat: the heat-led rule (start below 25 % of the
    store, stop above 90 %; the store starts half full) traced by hand. 0.5 kW: off while the
    first night drains the store, then on in every step (the day's 1 kWh stored, used at night):
    2N - 2 kWh of heat, N + 1 kWh imported. 1 kW: the same heat in half the steps, at twice the
    capex. The programme takes 0.5 kW."""
    out = solve(chp_inputs(0.0, 2.0, store_hours=2.0))
    assert out.chp_kw.sum() == pytest.approx(0.5, rel=1e-9)
    assert out.chp_heat_kwh == pytest.approx(2 * N - 2, rel=1e-6)
    assert out.import_kwh == pytest.approx(N + 1, rel=1e-6)


def test_a_dear_chp_is_not_built_and_today_has_none():
    """Without a store both sizes that fit run at full load in every step: each kW saves 2 x SAVING
    a day; a capex a day just above that is not worth it, just below it is."""
    dear = solve(chp_inputs(1.0, 1.0, store_hours=0.0, chp_per_day=2 * SAVING * 1.01))
    assert dear.chp_kw.sum() == pytest.approx(0.0, abs=1e-6)
    cheap = solve(chp_inputs(1.0, 1.0, store_hours=0.0, chp_per_day=2 * SAVING * 0.99))
    assert cheap.chp_kw.sum() == pytest.approx(0.5, rel=1e-6)
    base = today(chp_inputs(1.0, 1.0))
    assert base.chp_kw.sum() == 0.0 and base.import_kwh == pytest.approx(2 * N)


def test_the_co2_goal_builds_the_chp_that_cuts_emissions():
    """At 0.4 kg/kWh imported against 0.2 x (1/0.3 - 2/0.9) = 0.222 kg from the CHP's net gas, the
    least-CO2 plan builds it even where it costs more."""
    out = solve(chp_inputs(1.0, 1.0, store_hours=0.0, chp_per_day=2 * SAVING * 3), Goals(goal="co2"))
    assert out.chp_kw.sum() == pytest.approx(0.5, rel=1e-6)
    assert math.isfinite(out.cost_eur_per_year)


def _street(n_west: int, n_east: int, *, chp_west: bool):
    """Houses with heat 20 m apart in two groups 1 km apart; a CHP in the west group or not."""
    from shapely.geometry import Point

    from planner.io.project_setup import create_project
    from planner.model import CHPUnit, Consumer
    from tests.conftest import X0, Y0

    project, _ = create_project("Heat street", 48.457, 7.884, tariff_preset="de-household-2025")
    for k in range(n_west):
        project.add(Consumer(id=f"w{k}", geometry=Point(X0 + 20.0 * k, Y0), annual_kwh=4000.0,
                             heat_profile="EFH", annual_heat_kwh=20_000.0))
    for k in range(n_east):
        project.add(Consumer(id=f"e{k}", geometry=Point(X0 + 1000.0 + 20.0 * k, Y0), annual_kwh=4000.0,
                             heat_profile="MFH", annual_heat_kwh=40_000.0))
    if chp_west:
        project.add(CHPUnit(id="chp", geometry=Point(X0, Y0), p_el_kw=20.0, eta_el=0.33, eta_th=0.55,
                            store_kwh=60.0, boiler_kw=200.0, heat_radius_m=200.0))
    return project


def test_heat_clusters_leave_out_heat_a_chp_serves_and_a_proposed_chp_serves_exactly_its_cluster():
    from shapely.geometry import Point

    from planner.generation.results import heat_served, simulate_generation
    from planner.model import CHPUnit
    from planner.optimise.chp import MIN_CLUSTER_HEAT_KWH, heat_clusters

    project = _street(6, 4, chp_west=True)
    gen = simulate_generation(project)
    clusters = heat_clusters(project, gen.heat_kw, {})
    # the west houses (within the CHP's 200 m) are served already; the east ones form one cluster
    assert [sorted(c.consumers) for c in clusters] == [["e0", "e1", "e2", "e3"]]
    cluster = clusters[0]
    assert cluster.annual_heat_kwh == pytest.approx(gen.heat_kw[list(cluster.consumers)].sum().sum(), rel=1e-9)
    assert cluster.annual_heat_kwh == pytest.approx(160_000.0, rel=0.02)  # the profiles keep their energy
    unit = CHPUnit(id="new", geometry=Point(*cluster.centre), p_el_kw=10.0, eta_el=0.33, eta_th=0.55,
                   heat_radius_m=cluster.radius_m)
    consumers = list(project.items("consumer").values())
    assert sorted(heat_served(unit, consumers, list(gen.heat_kw.columns))) == sorted(cluster.consumers)
    # without the CHP the west houses (120 MWh) are a cluster of their own, disjoint from the east's
    free = _street(6, 4, chp_west=False)
    both = heat_clusters(free, simulate_generation(free).heat_kw, {})
    assert sorted(len(c.consumers) for c in both) == [4, 6]
    assert not set(both[0].consumers) & set(both[1].consumers)
    # a cluster below the threshold is offered no CHP
    assert heat_clusters(free, simulate_generation(free).heat_kw, {}, min_heat_kwh=MIN_CLUSTER_HEAT_KWH * 4) == []


def test_planner_optimise_proposes_a_chp_for_the_heat_cluster_and_applies_it(tmp_path):
    import json

    from planner.io import load_project, save_project
    from tests.optimise.test_cli import planner

    path = tmp_path / "street.gpkg"
    save_project(_street(6, 4, chp_west=True), path)
    done = planner("optimise", path, "--apply", "-o", tmp_path / "out", "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert [c["consumers"] for c in figures["heat_clusters"]] == [4]
    chp = [u for u in figures["proposed"] if u["kind"] == "chp_unit"]
    assert len(chp) == 1 and chp[0]["p_el_kw"] == figures["heat_clusters"][0]["new_chp_kw"]
    assert chp[0]["p_el_kw"] >= 1.0  # gas at 0.10 EUR/kWh against 39.7 ct/kWh imported: it pays here
    rows = {r["figure"]: r for r in figures["check"]["figures"]}
    assert "heat_cost_eur" in rows and rows["heat_cost_eur"]["simulated"] is not None
    saved = load_project(path)
    unit = saved.get("chp_unit", chp[0]["id"])
    assert unit.heat_radius_m == pytest.approx(figures["heat_clusters"][0]["radius_m"], abs=0.1)  # rounded to 0.1 m
    assert unit.boiler_kw >= figures["heat_clusters"][0]["peak_heat_kw"]
    # the CLI without CHP offers none
    plain = planner("optimise", path, "--no-chp", "--json")
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["heat_clusters"] == []


def test_with_a_chp_to_choose_self_sufficiency_has_a_front_of_its_own():
    """A CHP dear enough that the cheapest plan has none: its gas adds CO2 (0.222 kg per kWh of its
    electricity against 0.4 imported) while its electricity is self-sufficiency, so the two fronts
    differ. The self-sufficiency front runs from the cheapest plan (none, 0 %) to the most the
    sizes allow (0.5 kW making half the 1 kW demand: 50 %), each point non-dominated in cost and
    self-sufficiency."""
    from planner.optimise.proposal import pareto_self_sufficiency

    inputs = chp_inputs(1.0, 1.0, store_hours=0.0, chp_per_day=2 * SAVING * 3)
    assert pareto_self_sufficiency(hand_inputs(), points=4) is None  # no CHP to choose: the CO2 front is it
    front = pareto_self_sufficiency(inputs, points=4)
    assert len(front) == 4
    shares = [p.self_sufficiency for p in front]
    assert shares[0] == pytest.approx(0.0, abs=1e-9) and front[0].chp_kw.sum() == 0.0
    assert shares[-1] == pytest.approx(0.5, rel=1e-4) and front[-1].chp_kw.sum() == pytest.approx(0.5)
    costs = [p.cost_eur_per_year for p in front]
    assert costs == sorted(costs) and shares == sorted(shares)
    for a in front:
        for b in front:
            assert not (b.cost_eur_per_year < a.cost_eur_per_year - 1e-6 and b.self_sufficiency >= a.self_sufficiency
                        - 1e-9), (a.cost_eur_per_year, b.cost_eur_per_year)
