"""Placing units where the user clicks: roofs, parcels, setbacks, heat, buses; rules by hand."""

import math

import pytest
from shapely import affinity
from shapely.geometry import Point, box

from planner.generation.placement import (
    FLAT_ROOF_TILT_DEG, PITCHED_ROOF_TILT_DEG, place_chp, place_pv, place_wind, roof_orientation,
)
from planner.model import Building, Consumer, Parcel
from tests.conftest import X0, Y0


def _house(**roof):
    # 20 m along the east-west axis, 10 m deep: the long edges face north and south
    return Building(id="h", name="House", geometry=box(X0, Y0 + 300, X0 + 20, Y0 + 310), **roof)


def test_a_pitched_roof_faces_its_longest_edges_normal_on_the_equators_side():
    tilt, azimuth, why = roof_orientation(_house(roof_shape="gabled"), 48.0)
    assert (tilt, azimuth) == (PITCHED_ROOF_TILT_DEG, 180.0) and "assumed" in why
    turned = Building(id="t", geometry=affinity.rotate(_house().geometry, 30, origin="centroid"))
    assert roof_orientation(turned, 48.0)[1] == pytest.approx(150.0, abs=0.5)  # turned 30 deg anticlockwise
    assert roof_orientation(_house(), -33.0)[1] == 0.0  # south of the equator the roof faces north


def test_a_flat_roof_and_known_roof_tags():
    assert roof_orientation(_house(roof_shape="flat"), 48.0)[:2] == (FLAT_ROOF_TILT_DEG, 180.0)
    assert roof_orientation(_house(roof_shape="gabled", roof_tilt_deg=42.0, roof_azimuth_deg=200.0), 48.0)[:2] \
        == (42.0, 200.0)


def test_pv_on_a_roof_gets_its_peak_from_the_area_and_the_nearest_bus(small_project):
    small_project.add(_house(roof_shape="gabled"))
    unit, notes = place_pv(small_project, Point(X0 + 10, Y0 + 305))
    assert unit.peak_kw == 16.0  # 200 m2 x 40 % x 200 W/m2
    assert (unit.tilt_deg, unit.azimuth_deg) == (PITCHED_ROOF_TILT_DEG, 180.0)
    nearest = min(small_project.items("bus").values(), key=lambda b: b.geometry.distance(unit.geometry))
    assert unit.bus_id == nearest.id and "16 kWp" in notes[0]
    assert unit.validate() == []


def test_pv_on_open_land_is_ground_mounted(small_project):
    small_project.add(Parcel(id="meadow", land_use="open", geometry=box(X0 + 500, Y0, X0 + 600, Y0 + 100)))
    unit, notes = place_pv(small_project, Point(X0 + 550, Y0 + 50))
    assert unit.peak_kw == 800.0 and unit.parcel_id == "meadow" and "ground-mounted" in notes[0]


def test_a_turbine_near_houses_is_warned_about_with_the_distance(small_project):
    small_project.add(Consumer(id="close", annual_kwh=3000.0, geometry=Point(X0 + 900, Y0)))
    unit, notes = place_wind(small_project, Point(X0 + 1000, Y0))
    assert unit.turbine_type == "E-53/800" and unit.hub_height_m == 73.0 and unit.rated_kw == 800.0
    assert any("100 m away, inside the setback" in n for n in notes)
    far, notes = place_wind(small_project, Point(X0 + 50_000, Y0))
    assert not any("setback" in n for n in notes)


def test_a_chp_is_sized_to_the_heat_around_it(small_project):
    for i in range(10):
        small_project.add(Consumer(id=f"heat{i}", annual_kwh=3000.0, heat_profile="EFH", annual_heat_kwh=20_000.0,
                                   geometry=Point(X0 + 2000 + i, Y0)))
    unit, notes = place_chp(small_project, Point(X0 + 2000, Y0), heat_radius_m=100.0)
    # 200 MWh / 5,000 h = 40 kW thermal; electric 40 x 0.33 / 0.55 = 24 kW
    assert unit.p_el_kw == pytest.approx(24.0) and unit.heat_radius_m == 100.0
    assert "200 MWh" in notes[0] and math.isclose(unit.store_kwh, 80.0)
