"""Scenarios stored in the project file: kept, checked, run side by side equal to separate runs, on
the report's page, and through ``planner scenarios``."""

from __future__ import annotations

import json

import pytest

from planner.io.project_file import ProjectFileError, load_project, save_project
from planner.model.base import ValidationError
from planner.model.commands import SetScenarios
from planner.model.scenarios import Scenario, format_overrides, parse_overrides
from planner.sweep.scenarios import BASE, comparison, run_scenarios, stored_scenarios
from tests.conftest import make_runnable_project
from tests.sweep.test_runner import assert_rows_equal, one_by_one

SCENARIOS = (Scenario("no battery", {"battery_kwh": 0}, "the village without its shared battery"),
             Scenario("MMR pool", {"benefit_scheme": "mmr"}),
             Scenario("more PV", {"pv_scale": 2.0, "chp": False}))


@pytest.fixture
def village(tmp_path):
    project = make_runnable_project()
    SetScenarios(SCENARIOS).do(project)
    path = tmp_path / "village.gpkg"
    save_project(project, path)
    return path


def test_scenarios_are_kept_in_the_project_file_and_checked(village, tmp_path):
    assert load_project(village).scenarios == SCENARIOS
    project = load_project(village)
    with pytest.raises(ValidationError, match="unknown parameter 'batery_kwh'"):
        SetScenarios([Scenario("typo", {"batery_kwh": 0})]).do(project)
    with pytest.raises(ValidationError, match="used twice"):
        SetScenarios([Scenario("a", {}), Scenario("a", {"chp": False})]).do(project)
    assert project.scenarios == SCENARIOS  # a refused change changes nothing
    # a file whose scenarios were edited by hand into nonsense is refused with the reason
    import sqlite3

    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(village.read_bytes())
    with sqlite3.connect(bad) as db:
        db.execute("UPDATE project SET value = ? WHERE key = 'scenarios'",
                   (json.dumps([{"name": "x", "overrides": {"pv_share": 7}}]),))
    with pytest.raises(ProjectFileError, match="setting 'scenarios'.*pv_share must be at most 1"):
        load_project(bad)


def test_overrides_are_written_and_read_as_text():
    overrides = {"pv_share": 0.5, "chp": False, "benefit_scheme": "mmr", "horizon_years": 25}
    assert parse_overrides(format_overrides(overrides)) == overrides
    assert parse_overrides("weather = dwd-try2010-04; battery_kwh=0") == {"weather": "dwd-try2010-04", "battery_kwh": 0}
    with pytest.raises(ValueError, match="'pv_share' is not KEY=VALUE"):
        parse_overrides("pv_share")


def test_scenario_results_equal_separate_runs_of_the_same_overrides(village):
    outcome = run_scenarios(village)
    table = outcome.table
    assert list(table.scenario) == [BASE, "no battery", "MMR pool", "more PV"]
    assert_rows_equal(table, one_by_one(village, [{}] + [s.overrides for s in SCENARIOS]))
    compared = comparison(table)
    row = compared.set_index("figure").loc["generation_kwh"]
    assert row["more PV - base"] == pytest.approx(row["more PV"] - row[BASE])
    assert row["more PV - base"] != 0
    # the MMR pool moves money between members, not energy
    assert compared.set_index("figure").loc["import_kwh", "MMR pool - base"] == pytest.approx(0.0, abs=1e-6)
    project = load_project(village)
    assert stored_scenarios(project, village) is not None
    SetScenarios(SCENARIOS[:2]).do(project)
    assert stored_scenarios(project, village) is None  # other scenarios: not these results
    again = run_scenarios(village)
    assert again.summary["from_cache"] == 4 and again.summary["ran_now"] == 0  # nothing changed, nothing ran


def test_planner_scenarios_adds_runs_and_compares(tmp_path, capsys):
    from planner.cli import main

    path = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), path)
    assert main(["scenarios", str(path), "--add", "no battery", "--set", "battery_kwh=0",
                 "--description", "without the shared battery"]) == 0
    assert main(["scenarios", str(path), "--add", "typo", "--set", "batery_kwh=0"]) == 2
    assert "unknown parameter 'batery_kwh'" in capsys.readouterr().err
    assert load_project(path).scenarios == (Scenario("no battery", {"battery_kwh": 0}, "without the shared battery"),)
    assert main(["scenarios", str(path), "--run"]) == 0
    out = capsys.readouterr().out
    assert "no battery - base" in out and "self_sufficiency" in out
    assert main(["scenarios", str(path), "--remove", "no battery"]) == 0
    assert load_project(path).scenarios == ()


def test_the_report_compares_the_scenarios_on_one_page(village, tmp_path):
    import pypdfium2

    from planner.io.app_runs import run_project
    from planner.report.pdf import build_report

    project = load_project(village)
    from planner.io.app_runs import results_folder

    folder = run_project(village, results_folder(village))
    run_scenarios(village)
    target = build_report(project, folder, tmp_path / "report.pdf")
    pdf = pypdfium2.PdfDocument(target)
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert len(texts) == 9  # the village's heat pump and wallbox add the electrification page
    page = next(t for t in texts if "Scenarios side by side" in t)
    for name in ("no battery", "MMR pool", "more PV", "base", "battery_kwh=0", "pv_scale=2, chp=false"):
        assert name in page, name
    assert "self-sufficiency" in page and "highest transformer loading" in page
    # without stored scenario results the report has its eight pages
    project = load_project(village)
    SetScenarios(SCENARIOS[:1]).do(project)
    save_project(project, village)
    assert len(pypdfium2.PdfDocument(build_report(project, folder, tmp_path / "r2.pdf"))) == 8
