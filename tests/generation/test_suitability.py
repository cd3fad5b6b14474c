"""Site suitability: scores follow their inputs, and the inputs are shown."""

import math

import pytest
from shapely.geometry import Point, box

from planner.generation.suitability import suitability
from planner.model import Building, Consumer, Parcel, Project, Site
from planner.weather import read_station

X0, Y0 = 412_000.0, 5_368_000.0


@pytest.fixture(scope="module")
def weather():
    return read_station("dwd-try2010-12")[0]


def village():
    p = Project("v", Site(48.4569, 7.884, "Europe/Berlin", "EPSG:32632"))
    p.add(Parcel(id="home", geometry=box(X0, Y0, X0 + 30, Y0 + 30)))
    p.add(Building(id="house", parcel_id="home", geometry=box(X0 + 5, Y0 + 5, X0 + 20, Y0 + 15)))  # 150 m2
    p.add(Parcel(id="field", land_use="agricultural", geometry=box(X0 + 1000, Y0, X0 + 1200, Y0 + 200)))
    p.add(Parcel(id="meadow", land_use="open", geometry=box(X0 + 40, Y0, X0 + 60, Y0 + 20)))
    for i in range(20):
        p.add(Consumer(id=f"c{i}", annual_kwh=3000.0, heat_profile="EFH", annual_heat_kwh=20_000.0,
                       geometry=Point(X0 + 10 + i, Y0 + 10)))
    return p


def score(table, parcel, technology):
    row = table[(table.parcel_id == parcel) & (table.technology == technology)].iloc[0]
    return row.score, row.inputs


def test_scores_and_their_inputs(weather):
    table = suitability(village(), weather)
    assert len(table) == 9 and table.score.between(0, 1).all()
    pv_home, inputs = score(table, "home", "pv")
    assert inputs["mounting"] == "roof" and inputs["area_m2"] == 150.0
    assert inputs["possible_kwp"] == pytest.approx(150 * 0.6 * 0.2)
    assert 950 < inputs["specific_yield_kwh_per_kwp"] < 1150
    pv_field, inputs = score(table, "field", "pv")
    assert inputs["mounting"] == "ground" and pv_field > pv_home
    # wind: the field is 1 km from the houses, beyond a 3 x 140 m setback; the home parcel is not
    wind_home, inputs = score(table, "home", "wind")
    assert wind_home == 0 and inputs["nearest_dwelling_m"] < inputs["setback_m"] == 420.0
    wind_field, inputs = score(table, "field", "wind")
    assert wind_field > 0 and inputs["nearest_dwelling_m"] > 900
    expected = weather.wind_speed.mean() * math.log(100 / 0.1) / math.log(10 / 0.1)
    assert inputs["mean_wind_hub_ms"] == pytest.approx(expected, abs=0.01)
    # CHP: 20 houses x 20 MWh within 150 m of the home parcel = 400 MWh over 7.07 ha
    chp_home, inputs = score(table, "home", "chp")
    assert inputs["heat_density_mwh_per_ha"] == pytest.approx(400 / (math.pi * 150 ** 2 / 1e4), abs=0.1)
    chp_field, _ = score(table, "field", "chp")
    assert chp_home > chp_field == 0


def test_no_parcels(weather):
    p = Project("empty", Site(48.0, 8.0, "Europe/Berlin", "EPSG:32632"))
    assert suitability(p, weather).empty


def test_the_roof_or_the_units_orientation_sets_the_pv_yield(weather):
    from planner.model import PVUnit
    from planner.model.commands import UpdateEntity

    p = village()
    south = suitability(p, weather)
    _, assumed = score(south, "home", "pv")
    assert assumed["orientation_from"].startswith("roof orientation unknown")
    UpdateEntity("building", "house", roof_tilt_deg=45.0, roof_azimuth_deg=0.0).do(p)  # the face is north
    _, north = score(suitability(p, weather), "home", "pv")
    assert north["orientation_from"] == "roof of 'house'" and north["azimuth_deg"] == 0.0
    # a steep north face yields far less than 30 degrees south (about 60 % in Mannheim)
    assert north["specific_yield_kwh_per_kwp"] < 0.75 * assumed["specific_yield_kwh_per_kwp"]
    p.add(PVUnit(id="pv", parcel_id="home", peak_kw=5.0, tilt_deg=20.0, azimuth_deg=90.0,
                 geometry=Point(X0 + 10, Y0 + 10)))
    _, east = score(suitability(p, weather), "home", "pv")
    assert (east["tilt_deg"], east["azimuth_deg"]) == (20.0, 90.0) and "PV unit" in east["orientation_from"]
    assert north["specific_yield_kwh_per_kwp"] < east["specific_yield_kwh_per_kwp"] \
        < assumed["specific_yield_kwh_per_kwp"]
