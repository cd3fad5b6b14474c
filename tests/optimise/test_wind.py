"""Wind turbines at drawn sites in the sizing programme: the integer count that pays (a hand
case), and a real site (windpowerlib's power curve, DWD weather, wakes) through
``planner optimise --apply``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.optimise.model import solve, today
from planner.optimise.wind import WindOption, prevailing_direction, row_points
from tests.optimise.test_model import N, hand_inputs


def wind_inputs(cost_per_day: float):
    """The hand case without roofs: demand 1 kW by day and by night, import 0.30, export 0.05.
    One turbine makes 1 kW by day and nothing at night; two make 2 kW by day (no wake here).
    One saves 0.30 EUR a day, two save 0.30 + 0.05 (the second's kWh exported; the battery is
    too dear to carry it into the night)."""
    base = hand_inputs(max_kwp=0.0, b_per_day=10.0)
    one = WindOption(0, "T1", 1, 1.0, 50.0, 80.0, ((0.0, 0.0),), np.tile([1.0, 0.0], N),
                     capex_eur=1000.0, annual_eur=cost_per_day * N)
    two = dataclasses.replace(one, count=2, points=((0.0, 0.0), (200.0, 0.0)), el_kw=np.tile([2.0, 0.0], N),
                              capex_eur=2000.0, annual_eur=2 * cost_per_day * N)
    return dataclasses.replace(base, groups=[], orientations=[], pv_per_kwp=np.zeros((2 * N, 0)),
                               sites=[("ws", "a", None)], wind_options=[one, two])


@pytest.mark.parametrize("cost_per_day, count", [(0.40, 0), (0.20, 1), (0.02, 2)])
def test_the_turbine_count_is_the_integer_that_pays(cost_per_day, count):
    """Net a day: none 0; one 0.30 - c; two 0.35 - 2c. c = 0.40: none; c = 0.20: one (0.10 against
    -0.05); c = 0.02: two (0.31 against 0.28)."""
    out = solve(wind_inputs(cost_per_day))
    picked = out.wind[0]
    assert (picked.count if picked else 0) == count
    expected = {0: 2 * N * 0.30, 1: N * (cost_per_day + 0.30), 2: N * (2 * cost_per_day + 0.30 - 0.05)}[count]
    assert out.cost_eur_per_year == pytest.approx(expected, rel=1e-6)
    assert out.wind_kw == count * 1.0
    assert today(wind_inputs(cost_per_day)).wind_kw == 0.0


def test_a_row_stands_across_the_prevailing_wind():
    import pandas as pd

    weather = pd.DataFrame({"wind_direction": [265.0, 270.0, 275.0, 90.0], "wind_speed": [8.0, 9.0, 8.0, 3.0]})
    assert prevailing_direction(weather) == 270.0  # the west wind carries the energy
    points = row_points(0.0, 0.0, 3, 200.0, 270.0)
    assert points[0][0] == pytest.approx(0.0, abs=1e-9) and points[1] == pytest.approx((0.0, 0.0))
    assert abs(points[2][1] - points[0][1]) == pytest.approx(400.0)  # north-south, across a west wind
    assert row_points(5.0, 5.0, 1, 200.0, None) == ((5.0, 5.0),)


@pytest.fixture(scope="module")
def works(tmp_path_factory):
    """A works that uses 3 GWh a year (no grid, one balance) and a site on open land 1 km away
    for up to two Enercon E-53/800 or E48/800."""
    from shapely.geometry import Point

    from planner.io import save_project
    from planner.io.project_setup import create_project
    from pyproj import Transformer

    from planner.model import Consumer, WindSite

    project, _ = create_project("Works", 52.39, 13.06, tariff_preset="de-household-2025")  # near Potsdam
    x0, y0 = Transformer.from_crs("EPSG:4326", project.site.crs, always_xy=True).transform(13.06, 52.39)
    project.add(Consumer(id="works", geometry=Point(x0, y0), annual_kwh=3_000_000.0, profile="G0"))
    project.add(WindSite(id="ws", name="Field", geometry=Point(x0 + 1000.0, y0), turbine_types="E-53/800;E48/800",
                         max_turbines=2))
    path = tmp_path_factory.mktemp("works") / "works.gpkg"
    save_project(project, path)
    return path


def test_planner_optimise_builds_the_turbines_that_pay_and_the_simulated_year_agrees(works, tmp_path):
    import json

    from planner.io import load_project
    from tests.optimise.test_cli import planner

    path = tmp_path / "works.gpkg"
    path.write_bytes(works.read_bytes())
    done = planner("optimise", path, "--apply", "--no-chp", "--hourly", "-o", tmp_path / "out", "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    site = figures["wind_sites"][0]
    assert site["choices"] == 4  # two types, one or two of each
    assert site["turbines"] >= 1  # 3 GWh bought at 39.7 ct/kWh: a turbine of 800 kW pays
    turbines = [u for u in figures["proposed"] if u["kind"] == "wind_turbine"]
    assert len(turbines) == site["turbines"] and {u["turbine_type"] for u in turbines} == {site["turbine_type"]}
    saved = load_project(path)
    assert len(saved.items("wind_turbine")) == site["turbines"]
    rows = {r["figure"]: r for r in figures["check"]["figures"]}
    # hourly, the programme's turbines make what planner run's make (wakes and all): the same cost
    assert abs(rows["cost_eur_per_year"]["difference"]) < 0.005
    assert abs(rows["import_kwh"]["difference"]) < 0.005
    # the site is built now: a second run offers nothing there
    again = planner("optimise", path, "--no-chp", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["wind_sites"] == []


def test_an_unknown_turbine_type_is_one_line_naming_the_site(works, tmp_path):
    from planner.io import load_project, save_project
    from planner.model.commands import UpdateEntity
    from tests.optimise.test_cli import planner

    project = load_project(works)
    UpdateEntity("wind_site", "ws", turbine_types="E-53/801").do(project)
    path = tmp_path / "bad.gpkg"
    save_project(project, path)
    done = planner("optimise", path)
    assert done.returncode != 0
    assert "Wind site 'Field': turbine type 'E-53/801' is not in windpowerlib's library" in done.stderr
    assert "E-53/800" in done.stderr and "Traceback" not in done.stderr


def test_the_bus_s_hosting_capacity_bounds_the_turbines():
    """Two turbines would pay (c = 0.02) but the site's bus takes 1.5 kW more: one is built."""
    inputs = dataclasses.replace(wind_inputs(0.02), sites=[("ws", "a", "b1")], hosting_kw={"b1": 1.5})
    assert solve(inputs).wind[0].count == 1
