import math

import pytest
from shapely.geometry import LineString, Point, Polygon

from planner.model import (
    Battery, Bus, Cable, CHPUnit, Consumer, Contract, Member, Parcel, PVUnit, Switch, Tariff,
    ValidationError,
)


def messages(entity):
    return [str(i) for i in entity.validate()]


def test_message_names_object_field_value_and_unit():
    unit = PVUnit(id="r12", name="Roof 12", peak_kw=-5, geometry=Point(0, 0))
    assert messages(unit) == ["PV unit 'Roof 12': peak power must be positive, got -5 kW"]
    assert unit.validate()[0].field == "peak_kw"


def test_id_is_named_when_there_is_no_name():
    unit = PVUnit(id="r12", peak_kw=0, geometry=Point(0, 0))
    assert messages(unit) == ["PV unit 'r12': peak power must be positive, got 0 kW"]


@pytest.mark.parametrize("entity, expected", [
    (PVUnit(id="a", peak_kw=5, tilt_deg=95, geometry=Point(0, 0)),
     "tilt must be between 0 and 90 deg, got 95 deg"),
    (PVUnit(id="a", peak_kw=5, azimuth_deg=-1, geometry=Point(0, 0)),
     "azimuth must be between 0 and 360 deg, got -1 deg"),
    (PVUnit(id="a", peak_kw=float("nan"), geometry=Point(0, 0)),
     "peak power must be a finite number, got nan"),
    (PVUnit(id="a", peak_kw="10", geometry=Point(0, 0)), "peak power must be a number, got '10'"),
    (PVUnit(id="a", peak_kw=5, temperature_model="hot", geometry=Point(0, 0)),
     "temperature model must be one of"),
    (Consumer(id="c", annual_kwh=-1, geometry=Point(0, 0)),
     "annual electricity demand must not be negative, got -1 kWh"),
    (Consumer(id="c", annual_kwh=100, annual_heat_kwh=5000, geometry=Point(0, 0)),
     "a heat profile is needed when annual heat demand is set"),
    (Battery(id="b", capacity_kwh=10, power_kw=5, soc_min=0.8, soc_max=0.2, geometry=Point(0, 0)),
     "maximum state of charge must be above the minimum"),
    (Battery(id="b", capacity_kwh=10, power_kw=5, round_trip_efficiency=1.2, geometry=Point(0, 0)),
     "round-trip efficiency must be between 0 and 1, got 1.2"),
    (CHPUnit(id="k", p_el_kw=5, eta_el=0.4, eta_th=0.7, geometry=Point(0, 0)),
     "electrical plus thermal efficiency must not exceed 1, got 1.1"),
    (Tariff(id="t", import_price_eur_per_kwh=0.1, export_price_eur_per_kwh=0.2),
     "export price must be below the import price"),
    (Contract(id="k", seller_id="m", buyer_id="m", price_eur_per_kwh=0.2),
     "seller and buyer must be different members"),
    (Contract(id="k", seller_id="a", buyer_id="b", price_eur_per_kwh=0.2, priority=0),
     "priority must be at least 1, got 0"),
    (Cable(id="l", from_bus="a", to_bus="a", std_type="NAYY 4x150 SE",
           geometry=LineString([(0, 0), (1, 1)])), "a cable must connect two different buses"),
    (Cable(id="l", from_bus="a", to_bus="b", std_type="x", parallel=1.5,
           geometry=LineString([(0, 0), (1, 1)])), "parallel cables must be a whole number, got 1.5"),
    (Member(id="m", kind="alien"), "kind must be one of household, business"),
    (Member(id="m", local_resident="yes"), "local resident must be true or false, got 'yes'"),
    (Bus(id="b", vn_kv=0.4, geometry=None), "geometry is missing"),
    (Bus(id="b", vn_kv=0.4, geometry=LineString([(0, 0), (1, 1)])),
     "geometry must be a Point, got a LineString"),
    (Bus(id="b", vn_kv=0.4, geometry=Point(math.inf, 0)), "coordinates that are not finite"),
    (Parcel(id="p", geometry=Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])),
     "invalid polygon: Self-intersection"),
    (Parcel(id="p", geometry=Polygon()), "geometry is empty"),
    (Member(id=" "), "id must be a non-empty text"),
])
def test_bad_values_are_named(entity, expected):
    found = messages(entity)
    assert any(expected in m for m in found), found
    assert all(m.startswith(entity.describe()) for m in found)


def test_valid_objects_have_no_issues(small_project):
    assert small_project.validate() == []


def test_dangling_references_are_reported(small_project):
    small_project.add(Consumer(id="ghost", member_id="nobody", bus_id="b1", annual_kwh=1,
                               geometry=Point(0, 0)))
    small_project.add(Switch(id="sw9", bus_id="b1", element_kind="cable", element_id="c99"))
    found = [str(i) for i in small_project.validate()]
    assert "Consumer 'ghost': member 'nobody' does not exist" in found
    assert "Switch 'sw9': switched cable 'c99' does not exist" in found


def test_duplicate_id_is_refused(small_project):
    with pytest.raises(ValidationError, match="id 'pv1' is already used by another pv unit"):
        small_project.add(PVUnit(id="pv1", peak_kw=1, geometry=Point(0, 0)))


def test_validation_error_counts_further_problems():
    unit = PVUnit(id="r", peak_kw=-1, tilt_deg=100, geometry=Point(0, 0))
    err = ValidationError(unit.validate())
    assert str(err) == "PV unit 'r': peak power must be positive, got -1 kW (and 1 more problem)"
