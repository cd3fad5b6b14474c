"""Build the rural wind village sample from SimBench's rural grid and its 15-minute profiles.

Run with ``python sample_projects/build_village.py`` (or ``make samples``); it writes
``sample_projects/wind_village.gpkg``. It needs the ``simbench`` package (a test extra:
``pip install -e '.[test]'``); the project file it writes does not.

Sources
-------
- Grid and loads: SimBench ``1-LV-rural2--0-sw`` (simbench 1.x): a rural low-voltage grid of
  97 buses, 95 lines, one 250 kVA 20/0.4 kV transformer, 99 loads (households and a few
  businesses), 8 PV systems; bus coordinates in WGS 84 (a synthetic but plausible place in
  north-east Germany). Its one year of 15-minute load profiles (2016) become the project's
  load profiles, one per SimBench profile type, and each load follows its type, scaled to the
  load's own energy (SimBench: ``p_mw`` times the profile). SimBench data: Open Database
  License (ODbL) 1.0, contents DbCL; simbench code BSD-3-Clause (University of Kassel, TU
  Dortmund, RWTH Aachen, Fraunhofer IEE).
- Weather: the German weather service's test reference year of the region holding the site
  (demandlib's ``TRY_polygons.geojson``): region 4, Potsdam.
- Wind turbine: Enercon E-53/800 from windpowerlib's turbine library (the oedb's data:
  800 kW, rotor 53 m, its highest listed hub height 73 m, and its power curve).

Assumptions (editable in the project; each object's ``source`` says which it is)
--------------------------------------------------------------------------------
- One member per load: households (SimBench's ``H0-*`` profiles) and businesses (``G*``), local
  residents, on the German household tariff of 2025 (BDEW; businesses too, for simplicity).
- Annual demand: SimBench's 2016 energy of each load scaled to 365 days; the profiles' 2016
  (which began on a Friday) is laid on the weather's year by weekday (see
  ``planner.generation.demand.load_profile_kw``). Reactive power profiles are left out: loads
  draw at the planner's power factor.
- SimBench's PV systems become rooftop arrays of the member at their bus (a member of their own
  where no load is there), of SimBench's rated power, facing south at 30 degrees (SimBench gives
  no orientation), simulated with pvlib from the weather, not SimBench's PV profiles.
- The wind turbine ("Bürgerwindrad", owned by the village's wind cooperative) stands on open
  land ``TURBINE_DISTANCE_M`` from the nearest house (German states ask 800-1,000 m of
  houses; at least three tip heights, 300 m, is the planner's own warning), on the line from
  the village's middle through its transformer station, beyond it, and feeds the 20 kV grid through its own 1,000 kVA
  transformer and a 20 kV cable (NA2XS2Y 1x185) to the village station, along a straight line.
  Sixty households hold 1 % of it each; the cooperative keeps the rest and sells its energy
  at the EEG 2023 maximum value for onshore wind, 7.35 ct/kWh.
- Bilateral contracts between neighbours (the rates the producers negotiate): each rooftop PV
  owner sells to its three nearest neighbours at 13 ct/kWh (priority 1); the cooperative sells
  the turbine's energy to every household at 12 ct/kWh (priority 2). Both lie between what
  the seller gets for export (7.35-7.94 ct) and the buyer's energy price (16.04 ct), so both
  gain; shared energy pays the public grid's fees, levies and taxes in full
  (``public_grid_full``): the village shares over the public grid. The members' benefit is
  counted under bilateral contracts and the SDR pool.
- Runs take 15-minute steps (the profiles' own); scenarios: yearly net metering, the SDR pool
  alone, a 200 kWh shared battery at the station, and PV on half the roofs.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sample_common import save_sample  # noqa: E402

OUTPUT = HERE / "wind_village.gpkg"
SIMBENCH_CODE = "1-LV-rural2--0-sw"
#: How far from the nearest house the turbine stands [m] (an assumption; see the docstring).
TURBINE_DISTANCE_M = 1000.0
TURBINE = "E-53/800"
NEIGHBOUR_PRICE = 0.13
WIND_PRICE = 0.12
WIND_EXPORT_PRICE = 0.0735
#: SimBench's profiles start on 2016-01-01, a Friday.
FIRST_WEEKDAY = 4
SIMBENCH_SOURCE = f"SimBench {SIMBENCH_CODE} (ODbL)"


def build():
    import simbench as sb

    from planner.grid.translate import bus_points, import_grid
    from planner.model import Project, SharedEnergy, Site, Tariff
    from planner.model.people import TARIFF_PRESETS
    from planner.model.study import StudySettings
    from planner.weather.catalogue import nearest_station

    net = sb.get_simbench_net(SIMBENCH_CODE)
    lon, lat = np.array(list(bus_points(net).values())).mean(axis=0)
    site = Site.at(float(lat), float(lon))
    weather = nearest_station(float(lat), float(lon))
    project = Project(
        "Wind village (SimBench rural grid)", site,
        description=(f"A rural village's low-voltage grid with 99 loads and their 15-minute profiles from SimBench "
                     f"{SIMBENCH_CODE}, a community wind turbine on open land and bilateral contracts between "
                     f"neighbours. Built by sample_projects/build_village.py."),
        weather=weather.station.id,
        attribution="Grid and profiles: SimBench (ODbL); turbine data: windpowerlib / oedb",
        study=StudySettings(benefit_scheme="bilateral+sdr", resolution_minutes=15),
    )
    household = TARIFF_PRESETS["de-household-2025"]
    project.add(Tariff(id="default", **household))
    project.add(Tariff(id="wind", **{**household, "name": "Wind cooperative (EEG onshore wind)",
                                     "export_price_eur_per_kwh": WIND_EXPORT_PRICE,
                                     "source": household["source"] + "; export: EEG 2023 maximum value for "
                                                                        "onshore wind (7.35 ct/kWh)"}))
    project.shared_energy = SharedEnergy.from_preset("public_grid_full")
    report = import_grid(project, net, keep_loads=False)
    for kind in ("bus", "cable", "transformer", "external_grid", "switch"):
        _set_source(project, kind, SIMBENCH_SOURCE)
    add_loads(project, net, report)
    add_pv(project, net, report)
    add_turbine(project)
    add_contracts(project)
    add_scenarios(project)
    return project


def _set_source(project, kind, source):
    from planner.model.commands import UpdateEntity

    for entity in list(project.items(kind).values()):
        UpdateEntity(kind, entity.id, source=source).do(project)


def add_loads(project, net, report) -> None:
    """A member, a consumer and the load profiles of SimBench's loads."""
    from planner.model import Consumer, LoadProfile, Member

    profiles = net.profiles["load"]
    for name in sorted(set(net.load.profile)):
        values = profiles[f"{name}_pload"].to_numpy(dtype=float)
        project.add(LoadProfile(
            id=name, name=f"SimBench {name}", step_minutes=15, first_weekday=FIRST_WEEKDAY,
            values=json.dumps([float(f"{v:.6g}") for v in values]),
            source=f"{SIMBENCH_SOURCE}: active power profile '{name}' of 2016 (relative values)"))
    for idx, row in net.load.iterrows():
        shape = profiles[f"{row.profile}_pload"].to_numpy(dtype=float)
        annual = float(row.p_mw) * 1000.0 * shape.sum() * 0.25 * 365.0 / 366.0
        business = str(row.profile).startswith("G")
        member_id = f"m{int(idx)}"
        bus_id = report.buses[int(row.bus)]
        project.add(Member(id=member_id, name=f"{'Business' if business else 'Household'} {int(idx) + 1}",
                           kind="business" if business else "household", local_resident=True,
                           tariff_id="default", source=f"assumed: one member per load of {SIMBENCH_SOURCE}"))
        project.add(Consumer(
            id=f"c{int(idx)}", name=str(row["name"]), geometry=project.get("bus", bus_id).geometry,
            member_id=member_id, bus_id=bus_id, profile="measured", profile_id=str(row.profile),
            annual_kwh=round(annual, 1),
            source=f"{SIMBENCH_SOURCE}: load '{row['name']}' at its bus (no building in the data), its profile; "
                   f"derived: annual energy = p_mw x the profile's 2016 sum, scaled to 365 days"))


def add_pv(project, net, report) -> None:
    from planner.model import Member, PVUnit

    owners = {c.bus_id: c.member_id for c in sorted(project.items("consumer").values(), key=lambda c: int(c.id[1:]))}
    for idx, row in net.sgen.iterrows():
        bus_id = report.buses[int(row.bus)]
        owner = owners.get(bus_id)
        if owner is None:
            owner = f"pv-owner-{int(idx)}"
            project.add(Member(id=owner, name=f"PV owner {int(idx) + 1}", kind="household", tariff_id="default",
                               source=f"assumed: the owner of a PV system of {SIMBENCH_SOURCE} with no load at "
                                      f"its bus"))
        project.add(PVUnit(
            id=f"pv{int(idx)}", name=f"Roof PV {row['name']}", geometry=project.get("bus", bus_id).geometry,
            owner_id=owner, bus_id=bus_id, peak_kw=round(float(row.p_mw) * 1000.0, 2), tilt_deg=30.0,
            azimuth_deg=180.0,
            source=f"{SIMBENCH_SOURCE}: PV system '{row['name']}', its rated power; assumed: 30 degrees facing "
                   f"south (no orientation in the data), simulated with pvlib"))


def add_turbine(project) -> None:
    """The cooperative's turbine on open land, with its own transformer and 20 kV cable."""
    from shapely.geometry import LineString, Point

    from planner.generation.placement import place_wind
    from planner.grid.equipment import default_ladder
    from planner.model import Bus, Cable, Member, OwnershipShare, Transformer

    homes = [c.geometry for c in project.items("consumer").values()]
    station = next(iter(project.items("transformer").values()))
    mv_bus = project.get("bus", station.hv_bus)
    middle = np.mean([[h.x, h.y] for h in homes], axis=0)
    away = np.array([mv_bus.geometry.x, mv_bus.geometry.y]) - middle
    away = away / np.linalg.norm(away) if np.linalg.norm(away) > 1.0 else np.array([1.0, 0.0])
    low, high = 0.0, 20_000.0  # distance along ``away`` from the village's middle at which the turbine stands
    for _ in range(60):
        mid = (low + high) / 2.0
        point = Point(*(middle + mid * away))
        if min(point.distance(h) for h in homes) < TURBINE_DISTANCE_M:
            low = mid
        else:
            high = mid
    point = Point(*(middle + high * away))
    nearest = min(point.distance(h) for h in homes)
    assumed = (f"assumed: open land {nearest:,.0f} m from the nearest house, away from the village's "
               f"transformer")
    project.add(Member(id="wind-coop", name="Bürgerwind cooperative", kind="cooperative", local_resident=True,
                       tariff_id="wind", source="assumed: the village's wind cooperative"))
    # the turbine's station stands at its foot, 30 m towards the village
    towards = np.array([mv_bus.geometry.x - point.x, mv_bus.geometry.y - point.y])
    foot = Point(*(np.array([point.x, point.y]) + 30.0 * towards / np.linalg.norm(towards)))
    project.add(Bus(id="b-wind-lv", name="Turbine 0.4 kV", geometry=foot, vn_kv=0.4, zone="wind", source=assumed))
    project.add(Bus(id="b-wind-mv", name="Turbine 20 kV", geometry=foot, vn_kv=mv_bus.vn_kv, zone="wind",
                    source=assumed))
    trafo_type = default_ladder().transformer("20/0.4 kV 1000 kVA")
    project.add(trafo_type)
    project.add(Transformer(id="t-wind", name="Turbine transformer 1,000 kVA", geometry=foot,
                            hv_bus="b-wind-mv", lv_bus="b-wind-lv", std_type=trafo_type.id, source=assumed))
    project.add(Cable(id="cable-wind", name="Turbine 20 kV cable (assumed straight route)", from_bus=mv_bus.id,
                      to_bus="b-wind-mv", std_type="NA2XS2Y 1x185 RM/25 12/20 kV",
                      geometry=LineString([mv_bus.geometry, foot]),
                      source="assumed: a straight 20 kV cable from the turbine to the village station"))
    unit, notes = place_wind(project, point, TURBINE)
    unit = dataclasses.replace(unit, id="wind", name=f"Bürgerwindrad {TURBINE}", owner_id="wind-coop",
                               bus_id="b-wind-lv", source=f"{assumed}; windpowerlib turbine library ({TURBINE}); "
                                                          f"placement: {'; '.join(notes)}")
    project.add(unit)
    households = sorted((m for m in project.items("member").values() if m.kind == "household"),
                        key=lambda m: m.id)
    for member in households[:60]:
        project.add(OwnershipShare(id=f"wind-share-{member.id}", unit_kind="wind_turbine", unit_id="wind",
                                   member_id=member.id, share=0.01, source="assumed: 1 % each for 60 households"))


def add_contracts(project) -> None:
    """Neighbours' PV contracts (priority 1) and the cooperative's wind contracts (priority 2)."""
    from planner.model import Contract

    consumers = list(project.items("consumer").values())
    sellers = sorted({u.owner_id for u in project.items("pv_unit").values()})
    for seller in sellers:
        home = next(u.geometry for u in project.items("pv_unit").values() if u.owner_id == seller)
        neighbours = sorted((c for c in consumers if c.member_id not in sellers),
                            key=lambda c: (c.geometry.distance(home), c.id))
        chosen = []
        for c in neighbours:
            if c.member_id not in chosen:
                chosen.append(c.member_id)
            if len(chosen) == 3:
                break
        for buyer in chosen:
            project.add(Contract(id=f"k-{seller}-{buyer}", name=f"Neighbours' PV {seller} to {buyer}",
                                 seller_id=seller, buyer_id=buyer, price_eur_per_kwh=NEIGHBOUR_PRICE, priority=1,
                                 source="assumed: a rate the neighbours negotiated"))
    for member in sorted(project.items("member").values(), key=lambda m: m.id):
        if member.kind == "household":
            project.add(Contract(id=f"k-wind-{member.id}", name=f"Wind to {member.display_name}",
                                 seller_id="wind-coop", buyer_id=member.id, price_eur_per_kwh=WIND_PRICE,
                                 priority=2, source="assumed: the cooperative's rate for its members"))


def add_scenarios(project) -> None:
    from planner.model.scenarios import Scenario

    project.scenarios = (
        Scenario("yearly net metering", {"benefit_scheme": "net_metering_yearly"},
                 "the members' benefit counted under yearly net metering instead of contracts and the pool"),
        Scenario("SDR pool alone", {"benefit_scheme": "sdr"}, "the SDR pool without the bilateral contracts"),
        Scenario("with a battery", {"battery_kwh": 200}, "a 200 kWh / 100 kW shared battery at the station"),
        Scenario("PV on half the roofs", {"pv_share": 0.5}, "rooftop PV on half the households, copies of "
                                                             "SimBench's farm-sized arrays: more than the "
                                                             "village's 250 kVA station holds (see the grid checks)"),
    )


if __name__ == "__main__":
    sys.exit(save_sample(build, OUTPUT, sys.argv[1:]))
