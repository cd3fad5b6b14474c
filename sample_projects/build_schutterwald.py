"""Build the Schutterwald sample project from real data that ships with pandapower and demandlib.

Run with ``python sample_projects/build_schutterwald.py`` (or ``make sample``); it
writes ``sample_projects/schutterwald.gpkg``. Rebuild whenever the schema changes.

Sources
-------
- Grid: ``pandapower.networks.lv_schutterwald()``, the low-voltage grid of
  Schutterwald (Baden, Germany): 2,940 buses, 3,000 lines, 14 transformers
  20/0.4 kV, 378 switches, 1,506 household loads named after their
  OpenStreetMap buildings; bus and line geodata in WGS 84. pandapower is
  BSD-3-Clause; the geography derives from OpenStreetMap
  (© OpenStreetMap contributors, ODbL).
- Weather region: the German weather service's test reference year region
  whose polygon (demandlib ``TRY_polygons.geojson``) holds the site: region 12,
  Mannheim.

Assumptions (editable in the project)
-------------------------------------
- One member per household load: a local resident household on the default tariff.
- Each household follows the BDEW H0 profile. The data give each load a design
  power (2.1 kW for most), not an annual consumption, so annual demand is
  ``ANNUAL_KWH_PER_DESIGN_KW`` times the design power: 3,000 kWh for a 2.1 kW
  household, about the German average household consumption (BDEW,
  "Stromverbrauch im Haushalt"), larger connections in proportion.
- The default tariff is the German household average of 2025 by its components (BDEW
  Strompreisanalyse 2025, 3,500 kWh/a): procurement and sales 16.04 ct/kWh, grid fees with
  metering 10.95, levies 2.65 (section 19 StromNEV 1.56, offshore 0.82, CHP levy 0.27),
  electricity tax and concession fee 3.72, VAT 19 %: 39.7 ct/kWh in all; export 7.94 ct/kWh
  (EEG feed-in tariff for rooftop PV up to 10 kWp, partial feed-in, from February 2025);
  150 EUR/a fixed (before VAT).
- Shared energy pays grid fees, levies and taxes in full (preset ``public_grid_full``): the
  households share over the public distribution grid. ``planner run --shared-energy
  community_grid`` shows the case of a community that owns its grid.
- No parcels or buildings: the data set has none.
- PV scenario (an assumption, not data: the data set has no roofs): a fixed random
  draw (seed 12) of ``PV_SHARE`` of the households carries a rooftop array sized
  by the common German rule of thumb of 1 kWp per 1,000 kWh of annual
  consumption, rounded to 0.5 kWp and kept within 3 to 10 kWp; tilt 30, 35 or 40
  degrees and azimuth east, south-east, south, south-west or west are drawn
  alike. The arrays belong to their households and feed their buses.
- Cooperative scenario (an assumption): an energy cooperative, "Energiegenossenschaft
  Schutterwald", owns a 50 kW electric gas CHP (ASUE-like engine: 33 % electric, 55 %
  thermal efficiency, 100 kWh thermal store, 150 kW peak boiler) in an energy centre of its own
  (an assumed site 40 m from the transformer station with the most households, in the
  direction farthest from any house, on a bus fed by its own NAYY 4x150 cable from the
  station's busbar), feeding a local heat network of 300 m radius whose households get a heat
  demand of 15,000 kWh a year (BDEW single-family house profile); and a shared 200 kWh /
  100 kW battery in the same centre, on the same bus. Their names say the site is assumed.
  The households around the CHP hold cooperative shares of it (1 % each, up to half of it;
  local residents only).
- Scenarios (``add_scenarios``): without the battery, the MMR pool as the benefit scheme, PV on
  half the roofs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sample_common import save_sample  # noqa: E402

#: How far from its transformer station the cooperative's energy centre (CHP and battery) stands [m].
ENERGY_CENTRE_DISTANCE_M = 40.0
OUTPUT = HERE / "schutterwald.gpkg"
GRID_SOURCE = "pandapower lv_schutterwald() (BSD-3-Clause; geography © OpenStreetMap contributors, ODbL)"
ANNUAL_KWH_PER_DESIGN_KW = 3000.0 / 2.1
PV_SHARE = 0.3
PV_SEED = 12


def try_region(latitude: float, longitude: float) -> tuple[int, str]:
    """The DWD test reference year region (code, station) holding a point."""
    import os

    import demandlib
    import geopandas as gpd
    from shapely.geometry import Point

    path = os.path.join(os.path.dirname(demandlib.__file__), "vdi", "resources_weather",
                        "TRY_polygons.geojson")
    regions = gpd.read_file(path)
    hit = regions[regions.contains(Point(longitude, latitude))]
    if hit.empty:
        raise SystemExit(f"no DWD test reference region holds {latitude}, {longitude}")
    return int(hit.iloc[0]["TRY_code"]), str(hit.iloc[0]["Station"])


def build():
    import pandapower.networks as pn

    from planner.grid.translate import bus_points, import_grid
    from planner.model import Consumer, Member, Project, SharedEnergy, Site, Tariff

    net = pn.lv_schutterwald()
    lon, lat = np.array(list(bus_points(net).values())).mean(axis=0)
    site = Site.at(float(lat), float(lon))
    region, station = try_region(float(lat), float(lon))
    project = Project(
        "Schutterwald",
        site,
        description=(
            "Low-voltage grid of Schutterwald (Baden, Germany) with its 1,506 households, "
            "from pandapower.networks.lv_schutterwald(); geography from OpenStreetMap "
            "(© OpenStreetMap contributors, ODbL)."),
        weather=f"dwd-try2010-{region:02d}",
        attribution="Grid: pandapower (BSD-3-Clause); geography © OpenStreetMap contributors (ODbL)",
    )
    project.add(Tariff(id="default", name="German household average 2025", import_price_eur_per_kwh=0.1604,
                       grid_fee_eur_per_kwh=0.1095, levies_eur_per_kwh=0.0265, taxes_eur_per_kwh=0.0372,
                       vat_percent=19.0, export_price_eur_per_kwh=0.0794, fixed_eur_per_year=150.0,
                       source="BDEW Strompreisanalyse 2025 (household, 3,500 kWh/a); EEG 2023 feed-in "
                              "tariff for rooftop PV up to 10 kWp from February 2025"))
    project.shared_energy = SharedEnergy.from_preset("public_grid_full")
    report = import_grid(project, net, keep_loads=False)  # members and consumers below
    from planner.model.commands import UpdateEntity

    for kind in ("bus", "cable", "transformer", "external_grid", "switch"):
        for entity in list(project.items(kind).values()):
            UpdateEntity(kind, entity.id, source=GRID_SOURCE).do(project)
    for idx, row in net.load.iterrows():
        member_id = f"m{int(idx)}"
        building = str(row["name"]).removeprefix("HH_")
        bus_id = report.buses[int(row.bus)]
        project.add(Member(id=member_id, name=f"Household {building}", kind="household",
                           local_resident=True, tariff_id="default",
                           source="assumed: one member per household load"))
        project.add(Consumer(
            id=f"c{int(idx)}", name=str(row["name"]), geometry=project.get("bus", bus_id).geometry,
            member_id=member_id, bus_id=bus_id, profile="H0",
            annual_kwh=round(float(row.p_mw) * 1000.0 * ANNUAL_KWH_PER_DESIGN_KW, 1),
            source=f"{GRID_SOURCE}: load {row['name']} at its bus; derived: annual energy = "
                   f"{ANNUAL_KWH_PER_DESIGN_KW:,.0f} kWh per kW of its design power; assumed: BDEW H0"))
    add_pv_scenario(project)
    add_cooperative_scenario(project)
    add_scenarios(project)
    return project


def add_pv_scenario(project) -> None:
    """Rooftop PV on a share of the households (see the module's assumptions)."""
    from planner.model import PVUnit

    rng = np.random.default_rng(PV_SEED)
    consumers = sorted(project.items("consumer").values(), key=lambda c: int(c.id[1:]))
    chosen = rng.choice(len(consumers), size=int(round(PV_SHARE * len(consumers))), replace=False)
    for i in sorted(chosen):
        c = consumers[i]
        kwp = float(np.clip(round(c.annual_kwh / 1000.0 * 2) / 2, 3.0, 10.0))
        project.add(PVUnit(
            id=f"pv-{c.id}", name=f"Roof {c.name.removeprefix('HH_')}", geometry=c.geometry,
            owner_id=c.member_id, bus_id=c.bus_id, peak_kw=kwp,
            source=f"assumed: a roof array of a random draw of {PV_SHARE:.0%} of the households (seed {PV_SEED}), "
                   f"1 kWp per 1,000 kWh within 3-10 kWp, tilt and azimuth drawn",
            tilt_deg=float(rng.choice([30.0, 35.0, 40.0])),
            azimuth_deg=float(rng.choice([90.0, 135.0, 180.0, 225.0, 270.0]))))


def add_cooperative_scenario(project) -> None:
    """The cooperative's CHP with its heat network, and its shared battery (see the module's assumptions)."""
    from collections import Counter

    from planner.model import Battery, CHPUnit, Member, OwnershipShare
    from planner.model.commands import UpdateEntity

    project.add(Member(id="coop", name="Energiegenossenschaft Schutterwald", kind="cooperative",
                       local_resident=True, tariff_id="default", source="assumed: an energy cooperative"))
    # the station with the most households behind it: count consumers per transformer zone
    zones = Counter(project.get("bus", c.bus_id).zone for c in project.items("consumer").values())
    zone = zones.most_common(1)[0][0]
    station = next(t for t in project.items("transformer").values()
                   if project.get("bus", t.lv_bus).zone == zone)
    station_bus = project.get("bus", station.lv_bus)
    bus = add_energy_centre(project, station_bus)
    chp = CHPUnit(id="chp-coop", name="Cooperative CHP", geometry=bus.geometry, owner_id="coop", bus_id=bus.id,
                  p_el_kw=50.0, eta_el=0.33, eta_th=0.55, min_load=0.5, store_kwh=100.0, boiler_kw=150.0,
                  heat_radius_m=300.0, source="assumed: a 50 kW gas CHP in the assumed energy centre")
    project.add(chp)
    near = sorted((c for c in project.items("consumer").values()
                   if c.geometry.distance(bus.geometry) <= chp.heat_radius_m), key=lambda c: int(c.id[1:]))
    for c in near:
        UpdateEntity("consumer", c.id, heat_profile="EFH", annual_heat_kwh=15000.0,
                     source=f"{c.source}; assumed: 15,000 kWh of heat a year (EFH), on the CHP's heat "
                            f"network").do(project)
    for c in near[:50]:
        project.add(OwnershipShare(id=f"share-{c.member_id}", unit_kind="chp_unit", unit_id=chp.id,
                                   member_id=c.member_id, share=0.01, source="assumed: 1 % each"))
    # in the same energy centre as the CHP (the map fans symbols at one spot out, so both show)
    project.add(Battery(id="battery-coop", name="Cooperative battery", geometry=bus.geometry, owner_id="coop",
                        bus_id=bus.id, capacity_kwh=200.0, power_kw=100.0, shared=True,
                        source="assumed: a shared battery in the assumed energy centre"))


def add_energy_centre(project, station_bus, distance_m: float = ENERGY_CENTRE_DISTANCE_M):
    """The cooperative's energy centre (an assumed site): a bus ``distance_m`` from the station, in
    the direction of the 16 compass points farthest from any house connection, fed by its own
    NAYY 4x150 cable from the station's busbar."""
    from shapely.geometry import LineString, Point

    from planner.model import Bus, Cable

    homes = [c.geometry for c in project.items("consumer").values()]
    x0, y0 = station_bus.geometry.x, station_bus.geometry.y
    candidates = [Point(x0 + distance_m * np.sin(a), y0 + distance_m * np.cos(a))
                  for a in np.linspace(0, 2 * np.pi, 16, endpoint=False)]
    site = max(candidates, key=lambda p: min(p.distance(h) for h in homes))
    bus = Bus(id="b-coop-centre", name=f"Cooperative energy centre (assumed site, {distance_m:.0f} m from the "
                                        f"station)", geometry=site, vn_kv=station_bus.vn_kv, zone=station_bus.zone,
              source=f"assumed: the energy centre's site, {distance_m:.0f} m from the station, farthest from any house")
    project.add(bus)
    project.add(Cable(id="cable-coop-centre", name="Energy centre feeder (assumed)", from_bus=station_bus.id,
                      to_bus=bus.id, std_type="NAYY 4x150 SE", geometry=LineString([station_bus.geometry, site]),
                      source="assumed: the energy centre's own feeder from the station's busbar"))
    return bus


def add_scenarios(project) -> None:
    """Named scenarios the app and the report compare with the plan as it is (each the base
    project with overrides, run by planner scenarios --run or Run > Scenarios)."""
    from planner.model.scenarios import Scenario

    project.scenarios = (
        Scenario("without the battery", {"battery_kwh": 0}, "the cooperative's shared battery left out"),
        Scenario("MMR pool", {"benefit_scheme": "mmr"}, "the members' benefit counted under the mid-market-rate "
                                                         "pool instead of the SDR pool"),
        Scenario("PV on half the roofs", {"pv_share": 0.5}, "rooftop PV on 50 % of the households instead of 30 %, "
                                                            "copies of the surveyed roofs' arrays"),
    )


if __name__ == "__main__":
    sys.exit(save_sample(build, OUTPUT, sys.argv[1:]))
