"""The whole chain on the small village: energy and money both add up."""

import json

import numpy as np
import pandas as pd
import pytest

from planner.cli import main
from planner.io import save_project
from planner.model.commands import UpdateEntity
from planner.io.run_outputs import write_outputs
from planner.simulation.run import COMMUNITY, simulate
from planner.simulation.summary import summary_dict

SUMMARY_KEYS = {
    "energy": {"generation_kwh", "demand_kwh", "import_kwh", "export_kwh", "shared_kwh", "curtailed_kwh",
               "storage_loss_kwh"},
    "kpi": {"self_sufficiency", "self_consumption"},
    "grid": {"losses_kwh", "line_losses_kwh", "trafo_losses_kwh", "max_line_loading_percent",
             "max_trafo_loading_percent", "min_vm_pu", "max_vm_pu"},
    "indexes": {"co2_avoided_t", "gini", "jain"},
}
MEMBER_COLUMNS = ["member_id", "scheme", "demand_kwh", "generation_kwh", "import_kwh", "export_kwh",
                  "shared_in_kwh", "shared_out_kwh", "bill_eur", "savings_eur"]


@pytest.fixture(scope="module")
def village_result():
    from tests.conftest import make_runnable_project

    p = make_runnable_project()
    return p, simulate(p)


def test_energy_adds_up(village_result):
    _, result = village_result
    s = summary_dict(result)
    e, g = s["energy"], s["grid"]
    supply = e["generation_kwh"] + e["import_kwh"]
    use = e["demand_kwh"] + e["export_kwh"] + e["curtailed_kwh"] + e["storage_loss_kwh"] + g["losses_kwh"]
    assert supply == pytest.approx(use, rel=1e-6)
    assert e["storage_loss_kwh"] > 0  # the village battery charges and discharges
    assert 0 < s["kpi"]["self_sufficiency"] < 1 and 0 < s["kpi"]["self_consumption"] <= 1
    # the village battery's charging is not demand and its discharge not generation (DOMAIN 3)
    assert s["kpi"]["self_sufficiency"] == pytest.approx(1 - e["import_before_losses_kwh"] / e["demand_kwh"])
    assert s["kpi"]["self_consumption"] == pytest.approx(1 - e["export_before_losses_kwh"] / e["generation_kwh"])
    for section, keys in SUMMARY_KEYS.items():
        assert keys <= set(s[section]), section


def test_money_adds_up(village_result):
    _, result = village_result
    for name, scheme in result.schemes.items():
        assert scheme.books_gap() < 1e-9, name
    bills = {name: s.member_bills() for name, s in result.schemes.items()}
    # the contract seller (the coop) earns from its contract under the bilateral scheme
    assert bills["bilateral+sdr"]["coop"] < bills["sdr"]["coop"]
    assert COMMUNITY not in result.balance.members  # every unit and consumer has an owner


def test_outputs(village_result, tmp_path):
    _, result = village_result
    write_outputs(result, tmp_path)
    members = pd.read_csv(tmp_path / "members.csv")
    assert list(members.columns) == MEMBER_COLUMNS
    assert len(members) == 3 * len(result.schemes)
    baseline = members[members.scheme == "grid_only"].set_index("member_id")
    assert (baseline.savings_eur == 0).all()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["schemes"]) == set(result.schemes)
    for scheme in summary["schemes"].values():
        assert scheme["members_net_cost_eur"] == pytest.approx(scheme["community_grid_net_cost_eur"], abs=1e-6)
    statements = pd.read_csv(tmp_path / "member_statements.csv")
    anna = statements[statements.member_id == "m1"]
    assert len(anna) == 12 and list(anna.month)[:2] == ["2019-01", "2019-02"]
    row = members[(members.member_id == "m1") & (members.scheme == "sdr")].iloc[0]
    assert anna.sdr_eur.sum() == pytest.approx(row.bill_eur, abs=1e-3)
    assert anna.demand_kwh.sum() == pytest.approx(row.demand_kwh, abs=1e-3)
    assert (anna.own_use_kwh + anna.shared_in_kwh + anna.import_kwh).sum() == pytest.approx(row.demand_kwh, abs=1e-3)
    units = pd.read_parquet(tmp_path / "units_kw.parquet")
    assert set(units.columns) == {"pv1", "pv2", "w1", "chp1"} and len(units) == 8760


def test_cli_run(village_result, tmp_path, capsys):
    project, _ = village_result
    path = save_project(project, tmp_path / "village.gpkg")
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--resolution", "15min"]) == 0
    out = capsys.readouterr().out
    assert "self-sufficiency" in out and "bill_sharing" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["resolution_minutes"] == 15


def test_project_without_tariff(small_project):
    from planner import PlannerError
    from planner.model.commands import Batch, RemoveEntity, UpdateEntity as U

    Batch("no tariff", [U("member", "m1", tariff_id=None), RemoveEntity("tariff", "t")]).do(small_project)
    UpdateEntity("consumer", "c-bakery", heat_profile="GHD", annual_heat_kwh=1000.0).do(small_project)
    with pytest.raises(PlannerError, match="no tariff"):
        simulate(small_project, with_grid=False)


def test_indexes(village_result):
    _, result = village_result
    idx = result.indexes
    assert idx["net_avoided_losses_kwh"] == pytest.approx(idx["avoided_upstream_losses_kwh"] - idx["community_grid_losses_kwh"])
    groups = idx["benefits_by_group"]
    assert sum(g["members"] for g in groups.values()) == 3 and "trade" in groups
    # exact Shapley for three members: efficiency against the community value
    assert idx["shapley"]["method"] == "exact"
    assert result.shapley.shapley_eur.sum() == pytest.approx(idx["shapley"]["community_value_eur"])


def test_shares_measures_and_governance(village_result, tmp_path):
    project, result = village_result
    # the field array pv2 belongs 30 % to Anna, 20 % to the bakery, 50 % (the rest) to the coop
    assert result.ownership["pv2"] == pytest.approx({"m1": 0.3, "m2": 0.2, "coop": 0.5})
    pv2 = float(result.generation.units_kw["pv2"].sum())
    pv1 = float(result.generation.units_kw["pv1"].sum())
    anna = result.balance.members.index("m1")
    assert result.balance.generation[:, anna].sum() == pytest.approx(pv1 + 0.3 * pv2)
    # Anna's efficiency measure lowers her demand by its 400 kWh (her heat pump and car come on top)
    generation = result.generation
    assert generation.without_new_loads()["c-anna"].sum() == pytest.approx(3200.0 - 400.0)
    assert generation.consumers_kw["c-anna"].sum() == pytest.approx(
        2800.0 + generation.heat_pumps.electricity_kw["hp1"].sum() + generation.charging.charging_kw["cp1"].sum())
    measures = result.measures.set_index("measure_id")
    assert measures.loc["em1", "savings_eur_per_year"] == pytest.approx(400 * 0.40)
    assert result.indexes["governance"]["votes"] == 3
    assert result.indexes["governance"]["cooperative_share_holders"] == 2
    write_outputs(result, tmp_path)
    ownership = pd.read_csv(tmp_path / "ownership.csv")
    assert ownership[ownership.unit_id == "pv2"].share.sum() == pytest.approx(1.0)
    assert (tmp_path / "efficiency_measures.csv").exists()


def test_finance(village_result, tmp_path):
    from planner.economics.costs import load_catalogue
    from planner.economics.finance import lcoe

    _, result = village_result
    costs = result.unit_finance.set_index("unit_id")
    catalogue = load_catalogue()
    assert costs.loc["pv1", "capex_eur"] == pytest.approx(9.9 * catalogue.loc["pv_roof", "capex_eur_per_unit"])
    assert costs.loc["pv2", "technology"] == "pv_ground"  # on the field parcel
    pv = costs.loc["pv1"]
    assert pv.lcoe_eur_per_kwh == pytest.approx(lcoe(0.04, pv.capex_eur, pv.opex_eur_per_year,
                                                     pv.energy_kwh_per_year, 25))
    assert 0.05 < pv.lcoe_eur_per_kwh < 0.25
    assert costs.loc["chp1", "heat_credit_eur_per_year"] > 0 and pd.isna(costs.loc["bat1", "lcoe_eur_per_kwh"])
    members = result.member_finance.set_index("member_id")
    # the coop owns the wind turbine, the battery and half of the field array
    coop_capex = (costs.loc["w1", "capex_eur"] + costs.loc["bat1", "capex_eur"] + 0.5 * costs.loc["pv2", "capex_eur"])
    assert members.loc["coop", "capex_eur"] == pytest.approx(coop_capex)
    assert members.capex_eur.sum() == pytest.approx(costs.capex_eur.sum())
    community = result.indexes["finance"]
    assert community["capex_eur"] == pytest.approx(costs.capex_eur.sum())
    write_outputs(result, tmp_path)
    assert (tmp_path / "unit_finance.csv").exists() and (tmp_path / "member_finance.csv").exists()


def test_reconciliation_and_local_spending(village_result):
    _, result = village_result
    s = summary_dict(result)
    # the power flow's net exchange is the balance's plus the grid losses
    assert abs(s["energy"]["reconciliation_gap_kwh"]) < 1e-6 * s["energy"]["demand_kwh"]
    assert 0 < s["indexes"]["spending_kept_local"] < 1
    units = result.unit_finance.set_index("unit_id")
    assert pd.notna(units.loc["pv1", "npv_eur"]) and pd.isna(units.loc["bat1", "npv_eur"])


def test_an_export_limit_curtails_and_the_energy_still_adds_up():
    from tests.conftest import make_runnable_project

    p = make_runnable_project()
    UpdateEntity("external_grid", "x", max_export_kw=20.0).do(p)
    result = simulate(p, shapley_samples=2)
    s = summary_dict(result)
    e, g = s["energy"], s["grid"]
    assert e["curtailed_kwh"] > 100  # the 250 kWp field array meets a 20 kW export limit
    # the community's export before losses never passes the limit
    assert result.balance.community_export.max() <= 20.0 * result.step_h + 1e-9
    supply = e["generation_kwh"] + e["import_kwh"]
    use = e["demand_kwh"] + e["export_kwh"] + e["curtailed_kwh"] + e["storage_loss_kwh"] + g["losses_kwh"]
    assert supply == pytest.approx(use, rel=1e-6)
    assert s["kpi"]["self_consumption"] == pytest.approx(
        1 - (e["export_before_losses_kwh"] + e["curtailed_kwh"]) / e["generation_kwh"])
    assert any("curtailed at the export limit" in n for n in s["notes"])
    # the power flow injects what is left: the units deliver less than they could
    assert float(result.delivered_kw.sum().sum()) < float(result.generation.units_kw.sum().sum())


def test_the_run_names_its_stages_and_stops_when_cancelled():
    from planner.simulation.task import STAGES, Cancelled, Task
    from tests.conftest import make_runnable_project

    seen = []
    simulate(make_runnable_project(), shapley_samples=2, task=Task(on_stage=lambda name, i, n: seen.append(name)))
    assert seen == [name for name, _ in STAGES]

    def cancel_at_the_power_flow(name, i, n):
        if name == "power flow":
            task.cancel()

    task = Task(on_stage=cancel_at_the_power_flow)
    with pytest.raises(Cancelled):
        simulate(make_runnable_project(), shapley_samples=2, task=task)
    assert task.stages_seen[-1] == "power flow" and "indexes" not in task.stages_seen


def test_planner_run_prints_its_stages(tmp_path, capsys):
    from planner.simulation.task import STAGES
    from tests.conftest import make_runnable_project

    path = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), path)
    assert main(["run", str(path), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    for i, (name, _) in enumerate(STAGES, start=1):
        assert f"stage {i}/{len(STAGES)}: {name}" in out  # plain lines when not on a terminal


def test_the_community_s_grid_investment_enters_its_finance(village_result):
    """A grid the community built: its capex joins the community's, its upkeep and its losses at
    the import price leave the yearly benefit, owned in equal shares by the members."""
    from dataclasses import replace

    from planner.community.tariffs import default_tariff_id
    from planner.model import GridInvestment

    project, base = village_result
    with_grid = project.snapshot()
    with_grid.grid_investment = GridInvestment(capex_eur=120_000.0, losses_kwh_per_year=4_000.0, source="test")
    result = simulate(with_grid, shapley_samples=2)
    price = project.get("tariff", default_tariff_id(project)).gross_import_price()
    before, after = base.indexes["finance"], result.indexes["finance"]
    assert after["capex_eur"] == pytest.approx(before["capex_eur"] + 120_000.0)
    assert after["yearly_net_benefit_eur"] == pytest.approx(
        before["yearly_net_benefit_eur"] - 0.01 * 120_000.0 - 4_000.0 * price)
    grid = result.unit_finance.set_index("unit_id").loc["community grid"]
    assert grid.kind == "grid" and grid.lifetime_years == 40 and grid.npv_eur < 0
    members = result.member_finance.set_index("member_id")
    shares = members.capex_eur - base.member_finance.set_index("member_id").capex_eur.reindex(members.index,
                                                                                              fill_value=0.0)
    assert shares.sum() == pytest.approx(120_000.0) and shares.max() == pytest.approx(shares.min())
    assert replace(with_grid.grid_investment, lifetime_years=0).validate()


def test_the_study_settings_are_what_the_run_computes_with(village_result, tmp_path):
    """Discount rate, horizon, emission factor, upstream losses and the cost catalogue come from the
    project (a catalogue path relative to the project file)."""
    from dataclasses import replace

    from planner.economics.costs import load_catalogue
    from planner.io import save_project
    from planner.io.app_runs import run_project
    from planner.simulation.summary import summary_dict

    project, base = village_result
    changed = project.snapshot()
    changed.study = replace(project.study, discount_rate=0.06, horizon_years=25, grid_emission_factor_kg_per_kwh=0.5,
                            upstream_loss_factor=0.08, cost_catalogue="own-costs.csv")
    catalogue = load_catalogue().reset_index()
    catalogue.loc[catalogue.technology == "pv_roof", "capex_eur_per_unit"] = 1000.0
    catalogue.to_csv(tmp_path / "own-costs.csv", index=False)
    save_project(changed, tmp_path / "study.gpkg")
    run_project(tmp_path / "study.gpkg", tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    finance = summary["indexes"]["finance"]
    assert finance["discount_rate"] == 0.06 and finance["horizon_years"] == 25
    assert summary["indexes"]["grid_emission_factor_kg_per_kwh"] == 0.5
    assert summary["indexes"]["upstream_loss_factor"] == 0.08
    assert summary["study"]["cost_catalogue"].endswith("own-costs.csv")
    units = pd.read_csv(tmp_path / "out" / "unit_finance.csv").set_index("unit_id")
    assert units.loc["pv1", "capex_eur"] == pytest.approx(9.9 * 1000.0)
    # the CO2 avoided moves with the factor: (demand - import) x the factor's change
    before = summary_dict(base)
    local = before["energy"]["demand_kwh"] - base.grid_import_kwh
    assert summary["indexes"]["co2_avoided_t"] - before["indexes"]["co2_avoided_t"] == pytest.approx(
        local * (0.5 - 0.38) / 1000.0, rel=1e-6)


def test_a_battery_s_power_beyond_what_its_kwh_price_includes_is_priced(village_result):
    """The village battery (100 kWh) at 80 kW: 30 kW beyond the 0.5 kW per kWh of its kWh price,
    priced per kW by the catalogue's battery_power row (as planner optimise prices it)."""
    from planner.economics.costs import load_catalogue

    project, base = village_result
    fast = project.snapshot()
    UpdateEntity("battery", "bat1", power_kw=80.0).do(fast)
    catalogue = load_catalogue()
    costs = simulate(fast).unit_finance.set_index("unit_id")
    expected = 100.0 * catalogue.loc["battery", "capex_eur_per_unit"] + 30.0 * catalogue.loc["battery_power",
                                                                                              "capex_eur_per_unit"]
    assert costs.loc["bat1", "capex_eur"] == pytest.approx(expected)
    assert base.unit_finance.set_index("unit_id").loc["bat1", "capex_eur"] == pytest.approx(
        100.0 * catalogue.loc["battery", "capex_eur_per_unit"])
