"""Heat pumps and charging points through the whole run: demand, the grid with and without them,
scenarios of one line, and a share of households equipped by seed."""

import json

import pytest

from planner.model.commands import RemoveEntity
from planner.model.electrification import equip_share, households
from planner.simulation.overrides import apply
from planner.simulation.run import simulate
from planner.simulation.summary import summary_dict
from tests.conftest import make_runnable_project


@pytest.fixture(scope="module")
def village_run():
    project = make_runnable_project()
    return project, simulate(project)


def test_the_grid_without_them_is_the_run_of_the_plan_without_them(village_run):
    project, result = village_run
    e = summary_dict(result)["electrification"]
    assert e["heat_pumps"]["count"] == 1 and e["charging"]["vehicles"] == 1
    plain = make_runnable_project()
    RemoveEntity("heat_pump", "hp1").do(plain)
    RemoveEntity("charging_point", "cp1").do(plain)
    reference = simulate(plain)
    assert summary_dict(reference)["electrification"] is None
    for key, pair in e["grid"].items():
        assert pair["without"] == pytest.approx(reference.grid[key], rel=1e-9, abs=1e-12), key
    assert result.grid["max_trafo_loading_percent"] == pytest.approx(e["grid"]["max_trafo_loading_percent"]["with"])
    # the demand with them is the demand without them plus their electricity
    added = e["added_kwh"]
    assert added == pytest.approx(e["heat_pumps"]["electricity_kwh"] + e["charging"]["charged_kwh"])
    demand = summary_dict(result)["energy"]["demand_kwh"]
    assert demand == pytest.approx(summary_dict(reference)["energy"]["demand_kwh"] + added)
    # the heat pump took Anna's heat: its heat is her year's heat demand
    assert e["heat_pumps"]["heat_kwh"] == pytest.approx(18_000.0, rel=1e-6)


def test_outputs_and_report_page(village_run, tmp_path):
    from planner.io.run_outputs import write_outputs
    from planner.report.pdf import page_plan

    project, result = village_run
    write_outputs(result, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["electrification"]["charging"]["short_kwh"] >= 0.0
    import pandas as pd

    heat = pd.read_csv(tmp_path / "heat_pumps.csv")
    assert list(heat.heat_pump_id) == ["hp1"] and heat.seasonal_cop.iloc[0] > 2.0
    points = pd.read_csv(tmp_path / "charging_points.csv")
    assert points.charged_kwh.iloc[0] == pytest.approx(summary["electrification"]["charging"]["charged_kwh"], rel=1e-5)
    loads = pd.read_parquet(tmp_path / "new_loads_kw.parquet")
    assert set(loads.columns) == {"heat_pumps_kw", "charging_kw"}
    assert "electrification" in page_plan(project, tmp_path)


def test_equip_share_is_seeded_nested_and_keeps_what_is_there():
    project = make_runnable_project()
    RemoveEntity("heat_pump", "hp1").do(project)
    RemoveEntity("charging_point", "cp1").do(project)
    from planner.model import Consumer, Member
    from shapely.geometry import Point

    for k in range(20):
        project.add(Member(id=f"hh{k}", name=f"Household {k}"))
        project.add(Consumer(id=f"house{k}", member_id=f"hh{k}", annual_kwh=3000.0, heat_profile="EFH",
                             annual_heat_kwh=15000.0, geometry=Point(412_000 + 10 * k, 5_368_050)))
    homes = households(project, "heat_pump")
    assert len(homes) == 21  # Anna and the twenty; the bakery is a business
    small, _ = equip_share(project, "heat_pump", 0.25)
    large, _ = equip_share(project, "heat_pump", 0.5)
    assert len(small) == 5 and len(large) == 10 and {d.consumer_id for d in small} <= {d.consumer_id for d in large}
    again, _ = equip_share(project, "heat_pump", 0.25)
    assert [d.consumer_id for d in again] == [d.consumer_id for d in small]
    other, _ = equip_share(project, "heat_pump", 0.25, seed=7)
    assert {d.consumer_id for d in other} != {d.consumer_id for d in small}
    for device in large:
        project.add(device)
    # a smaller share removes the rest, unless only adding
    added, removed = equip_share(project, "heat_pump", 0.25)
    assert not added and len(removed) == 5
    assert equip_share(project, "heat_pump", 0.25, only_add=True) == ([], [])
    with pytest.raises(ValueError):
        equip_share(project, "heat_pump", 1.5)


def test_scenarios_of_one_line():
    project = make_runnable_project()
    variant = apply(project, {"ev_share": 1.0, "ev_charging": "limit"})
    points = list(variant.project.items("charging_point").values())
    assert len(points) == 1 and points[0].strategy == "limit"  # Anna's wallbox is there already
    assert any("ev_share 1" in n for n in variant.notes)
    none = apply(project, {"heat_pump_share": 0.0, "ev_share": 0.0})
    assert not none.project.items("heat_pump") and not none.project.items("charging_point")
    assert project.items("heat_pump")  # the base is left as it was
    from planner.model.scenarios import check

    assert check({"ev_charging": "fast"}) and check({"heat_pump_share": 2})
