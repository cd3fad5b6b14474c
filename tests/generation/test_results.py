"""The project-level generation function on the small village and on the Schutterwald sample."""

import numpy as np
import pytest

from planner import PlannerError
from planner.generation.results import simulate_generation
from planner.io import load_project
from planner.model.commands import UpdateEntity


@pytest.fixture
def village(small_project):
    # The bakery (owner of the CHP) heats its oven room and shop: 60 MWh a year, trade profile.
    UpdateEntity("consumer", "c-bakery", heat_profile="GHD", annual_heat_kwh=60_000.0).do(small_project)
    return small_project


def test_chp_needs_heat_to_serve(small_project):
    with pytest.raises(PlannerError, match="CHP unit 'Bakery CHP': serves no heat demand"):
        simulate_generation(small_project)


def test_small_village(village):
    result = simulate_generation(village)
    assert result.weather.station_id == "dwd-try2010-12"
    assert set(result.units_kw.columns) == {"pv1", "pv2", "w1", "chp1"}
    table = result.unit_table()
    assert table.loc["pv1", "kind"] == "pv" and table.loc["w1", "kind"] == "wind"
    # PV near Mannheim: about 950-1,150 full-load hours
    assert 900 < table.loc["pv1", "full_load_hours"] < 1150
    np.testing.assert_allclose(table.capacity_factor, table.full_load_hours / 8760)
    consumers = result.consumer_table()
    # her efficiency measure saves 400 kWh; her heat pump and her car's charging come on top
    hp = result.heat_pumps.electricity_kw["hp1"].sum()
    ev = result.charging.charging_kw["cp1"].sum()
    assert consumers.loc["c-anna", "annual_kwh"] == pytest.approx(3200.0 - 400.0 + hp + ev)
    assert consumers.loc["c-anna", "added_kwh"] == pytest.approx(hp + ev)
    assert result.without_new_loads()["c-anna"].sum() == pytest.approx(3200.0 - 400.0)
    assert 18000.0 / 5.0 < hp < 18000.0 / 2.5  # a seasonal COP between 2.5 and 5
    assert ev == pytest.approx(13000 * 0.18, rel=0.15)  # a year's driving
    assert consumers.loc["c-bakery", "annual_kwh"] == pytest.approx(45000.0)
    assert consumers.loc["c-anna", "annual_heat_kwh"] == pytest.approx(18000.0)
    # the CHP serves its owner's (the bakery's) heat, with its boiler for the peaks
    chp = result.chp["chp1"]
    served = result.heat_kw["c-bakery"].sum()
    assert chp.q_chp_kw.sum() + chp.q_boiler_kw.sum() + chp.q_store_out_kw.sum() == pytest.approx(
        served + chp.q_store_in_kw.sum() + chp.q_dumped_kw.sum() - chp.q_unmet_kw.sum())
    assert table.loc["chp1", "full_load_hours"] > 3000


def test_fifteen_minutes(village):
    hourly = simulate_generation(village).unit_table()
    quarter = simulate_generation(village, resolution_minutes=15).unit_table()
    for unit in ("pv1", "pv2", "chp1"):
        assert quarter.annual_kwh[unit] == pytest.approx(hourly.annual_kwh[unit], rel=0.01)
    # Interpolated quarter-hour wind is smoother than the hourly means it comes from, and power
    # grows with the cube of speed: a few per cent less energy is expected.
    assert 0.94 < quarter.annual_kwh["w1"] / hourly.annual_kwh["w1"] < 1.0


def test_schutterwald_households(sample_path):
    project = load_project(sample_path)
    result = simulate_generation(project)
    consumers = result.consumer_table()
    assert len(consumers) == 1506
    expected = np.array([c.annual_kwh for c in project.items("consumer").values()])
    np.testing.assert_allclose(consumers.annual_kwh.to_numpy(), expected, rtol=1e-9)
    # PV on 30 % of the roofs: south-facing arrays near Mannheim make about 950-1,150 kWh/kWp,
    # east- and west-facing ones less, none of them more
    units = result.unit_table()
    assert (units.kind == "chp").sum() == 1  # the cooperative's CHP
    units = units[units.kind == "pv"]
    assert len(units) == len(project.items("pv_unit")) == 452
    azimuth = {u.id: u.azimuth_deg for u in project.items("pv_unit").values()}
    south = units[[azimuth[i] == 180.0 for i in units.index]]
    east_west = units[[azimuth[i] in (90.0, 270.0) for i in units.index]]
    assert south.full_load_hours.between(950, 1150).all()
    assert east_west.full_load_hours.between(700, 950).all()
    assert (units.capacity_factor < 0.14).all()


def test_suitability_cli(small_project, tmp_path, capsys):
    import json

    from planner.cli import main
    from planner.io import save_project

    path = save_project(small_project, tmp_path / "v.gpkg")
    assert main(["suitability", str(path), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["technology"] for r in records} == {"pv", "wind", "chp"} and len(records) == 6
    assert main(["suitability", str(path)]) == 0
    assert "Plot 1: pv" in capsys.readouterr().out
