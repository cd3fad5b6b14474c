"""Shared fixtures: a small project holding one or more objects of every kind, and the sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, Polygon

from planner.model import (
    Battery, Building, Bus, Cable, CableType, ChargingPoint, CHPUnit, Consumer, Contract, EfficiencyMeasure, ExternalGrid,
    HeatPump, LoadProfile, Member, OwnershipShare, Parcel,
    Project, PVUnit, Site, Street, Switch, Tariff, Transformer, TransformerType, WindSite, WindTurbine,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "sample_projects" / "schutterwald.gpkg"

# Schutterwald's centre in UTM 32N, so coordinates are plausible.
X0, Y0 = 412_000.0, 5_368_000.0


def make_small_project() -> Project:
    """A valid project with every kind of object, some optional fields set, some not."""
    site = Site(latitude=48.4569, longitude=7.8840, timezone="Europe/Berlin", crs="EPSG:32632")
    p = Project("Small village", site, description="Test village with ümlauts", weather="dwd-try2010-12",
                attribution="© OpenStreetMap contributors")
    p.add(Tariff(id="t", name="Standard", import_price_eur_per_kwh=0.4, export_price_eur_per_kwh=0.08))
    p.add(Member(id="m1", name="Anna", kind="household", tariff_id="t"))
    p.add(Member(id="m2", name="Bakery", kind="business", local_resident=True, group="trade"))
    p.add(Member(id="coop", name="Energy coop", kind="cooperative", local_resident=False))
    p.add(Parcel(id="p1", name="Plot 1", owner_id="m1",
                 geometry=Polygon([(X0, Y0), (X0 + 30, Y0), (X0 + 30, Y0 + 20), (X0, Y0 + 20)])))
    p.add(Parcel(id="p2", name="Field", land_use="agricultural",
                 geometry=Polygon([(X0 + 100, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 200), (X0 + 100, Y0 + 200)],
                                  holes=[[(X0 + 150, Y0 + 50), (X0 + 160, Y0 + 50), (X0 + 160, Y0 + 60)]])))
    p.add(Building(id="h1", name="House 1", parcel_id="p1", height_m=8.5,
                   geometry=Polygon([(X0 + 5, Y0 + 5), (X0 + 15, Y0 + 5), (X0 + 15, Y0 + 15), (X0 + 5, Y0 + 15)])))
    p.add(Street(id="s1", name="Hauptstraße", geometry=LineString([(X0 - 10, Y0 - 10), (X0 + 320, Y0 - 10)])))
    p.add(Bus(id="mv", name="MV", vn_kv=20.0, kind="mv", geometry=Point(X0 + 40, Y0 - 20)))
    p.add(Bus(id="lv", name="Station", kind="busbar", geometry=Point(X0 + 40, Y0 - 20)))
    p.add(Bus(id="b1", name="House 1", geometry=Point(X0 + 10, Y0 + 10), zone="feeder 1"))
    p.add(Bus(id="b2", name="Field", geometry=Point(X0 + 200, Y0 + 100)))
    p.add(Cable(id="c1", name="Feeder 1", from_bus="lv", to_bus="b1", std_type="NAYY 4x150 SE",
                geometry=LineString([(X0 + 40, Y0 - 20), (X0 + 10, Y0 - 10), (X0 + 10, Y0 + 10)])))
    p.add(Cable(id="c2", from_bus="lv", to_bus="b2", std_type="NAYY 4x150 SE", parallel=2,
                length_km=0.2, in_service=False,
                geometry=LineString([(X0 + 40, Y0 - 20), (X0 + 200, Y0 + 100)])))
    p.add(Transformer(id="tr", name="Station 1", hv_bus="mv", lv_bus="lv", std_type="0.4 MVA 20/0.4 kV",
                      geometry=Point(X0 + 40, Y0 - 20)))
    p.add(ExternalGrid(id="x", name="Upstream", bus_id="mv", vm_pu=1.02, geometry=Point(X0 + 40, Y0 - 22)))
    p.add(Switch(id="sw1", bus_id="lv", element_kind="cable", element_id="c2", closed=False))
    p.add(Consumer(id="c-anna", name="Anna", member_id="m1", bus_id="b1", parcel_id="p1",
                   annual_kwh=3200.0, heat_profile="EFH", annual_heat_kwh=18000.0,
                   geometry=Point(X0 + 10, Y0 + 10)))
    p.add(Consumer(id="c-bakery", name="Bakery", member_id="m2", bus_id="b1", profile="G5",
                   annual_kwh=45000.0, geometry=Point(X0 + 12, Y0 + 11)))
    p.add(PVUnit(id="pv1", name="Roof 1", parcel_id="p1", owner_id="m1", bus_id="b1", peak_kw=9.9,
                 tilt_deg=35.0, azimuth_deg=190.0, geometry=Point(X0 + 10, Y0 + 10)))
    p.add(PVUnit(id="pv2", name="Field array", parcel_id="p2", owner_id="coop", bus_id="b2",
                 peak_kw=250.0, tilt_deg=20.0, module="Canadian_Solar_Inc__CS5P_220M",
                 geometry=Point(X0 + 200, Y0 + 100)))
    p.add(WindTurbine(id="w1", name="Mill", parcel_id="p2", owner_id="coop", bus_id="b2",
                      turbine_type="E-53/800", hub_height_m=73.0, rated_kw=800.0,
                      geometry=Point(X0 + 250, Y0 + 150)))
    p.add(CHPUnit(id="chp1", name="Bakery CHP", owner_id="m2", bus_id="b1", p_el_kw=5.0,
                  eta_el=0.27, eta_th=0.66, store_kwh=30.0, boiler_kw=40.0,
                  geometry=Point(X0 + 12, Y0 + 11)))
    p.add(Battery(id="bat1", name="Village battery", bus_id="lv", capacity_kwh=100.0, power_kw=50.0,
                  shared=True, owner_id="coop", geometry=Point(X0 + 41, Y0 - 19)))
    p.add(Contract(id="k1", seller_id="coop", buyer_id="m1", price_eur_per_kwh=0.22, cap_kwh=2000.0))
    # schema 2: equipment types
    p.add(CableType(id="NAYY 4x240 SE", r_ohm_per_km=0.125, x_ohm_per_km=0.08, c_nf_per_km=270.0,
                    max_i_ka=0.357, q_mm2=240.0, source="manufacturer data sheet (test figures)"))
    p.add(TransformerType(id="0.16 MVA 20/0.4 kV", sn_mva=0.16, vn_hv_kv=20.0, vn_lv_kv=0.4, vk_percent=4.0,
                          vkr_percent=1.47, pfe_kw=0.46, i0_percent=0.29, shift_degree=150.0, tap_side="hv",
                          tap_min=-2.0, tap_max=2.0, tap_step_percent=2.5))
    # schema 3: cooperative shares of the field array, and an efficiency measure on Anna's meter
    p.add(OwnershipShare(id="sh1", unit_kind="pv_unit", unit_id="pv2", member_id="m1", share=0.3))
    p.add(OwnershipShare(id="sh2", unit_kind="pv_unit", unit_id="pv2", member_id="m2", share=0.2))
    p.add(EfficiencyMeasure(id="em1", name="Heat pump dryer and LED", consumer_id="c-anna", cost_eur=2000.0,
                            savings_kwh_per_year=400.0, term_years=8, rate=0.03))
    # schema 7: a load profile (a year of hours, not used by a consumer here)
    p.add(LoadProfile(id="lp-shop", name="Shop meter", step_minutes=60, first_weekday=4,
                      values="[" + ",".join(f"{1.0 + 0.5 * (h % 24 >= 8):g}" for h in range(8760)) + "]",
                      source="assumed: a test shape"))
    # schema 8: Anna's house gets a heat pump and a wallbox
    p.add(HeatPump(id="hp1", name="Anna's heat pump", consumer_id="c-anna", store_kwh=15.0,
                   geometry=Point(X0 + 11, Y0 + 9)))
    p.add(ChargingPoint(id="cp1", name="Anna's wallbox", consumer_id="c-anna", strategy="smart",
                        geometry=Point(X0 + 9, Y0 + 9)))
    # schema 10: a place drawn for wind turbines the optimiser may build
    p.add(WindSite(id="ws1", name="Hill", geometry=Point(X0 + 900, Y0 + 900), turbine_types="E-53/800;E48/800",
                   max_turbines=2, source="assumed: a test site"))
    return p


def make_runnable_project() -> Project:
    """The small village made ready for ``simulate``: the bakery's heat, the field fed, a small turbine."""
    from planner.model.commands import UpdateEntity

    p = make_small_project()
    for command in (
        UpdateEntity("consumer", "c-bakery", heat_profile="GHD", annual_heat_kwh=60_000.0),
        UpdateEntity("cable", "c2", in_service=True),          # feed the field
        UpdateEntity("switch", "sw1", closed=True),
        UpdateEntity("wind_turbine", "w1", turbine_type="custom", rated_kw=10.0, hub_height_m=24.0,
                     power_curve="0:0;2.5:0;3:0.3;5:1.8;7:4.6;9:8;11:10;25:10"),
    ):
        command.do(p)
    return p


#: The schema version that introduced each kind (kinds not named here were in version 1).
KIND_ADDED_IN = {"cable_type": 2, "transformer_type": 2, "ownership_share": 3, "efficiency_measure": 3,
                 "load_profile": 7, "heat_pump": 8, "charging_point": 8, "wind_site": 10}


@pytest.fixture
def small_project() -> Project:
    return make_small_project()


@pytest.fixture(scope="session")
def sample_path() -> Path:
    if not SAMPLE.exists():
        pytest.fail(f"{SAMPLE} is missing: run 'make sample'")
    return SAMPLE
