"""``planner optimise`` on a small real project (buildings with households, DWD weather): the
proposal sits on the candidate roofs within their area, --apply writes it and the simulated
year agrees with the programme's, and bad goals end as one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon

from planner.io import load_project, save_project
from planner.model import Building, Consumer
from tests.conftest import X0, Y0

ROOT = Path(__file__).resolve().parents[2]


def planner(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                           timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def hamlet(tmp_path_factory):
    """Eight houses (12 x 10 m footprints, pitched roofs) with a household of 4,000 kWh each, on
    the project's default tariff; no grid (one balance)."""
    from planner.io.project_setup import create_project

    project, _ = create_project("Hamlet", 48.457, 7.884, tariff_preset="de-household-2025")
    for k in range(8):
        x, y = X0 + 30.0 * k, Y0
        project.add(Building(id=f"b{k}", geometry=Polygon([(x, y), (x + 12, y), (x + 12, y + 10), (x, y + 10)])))
        project.add(Consumer(id=f"c{k}", geometry=Point(x + 6, y + 5), annual_kwh=4000.0))
    path = tmp_path_factory.mktemp("hamlet") / "hamlet.gpkg"
    save_project(project, path)
    return path


def test_the_proposal_sits_on_the_roofs_and_the_simulated_year_agrees(hamlet, tmp_path):
    path = tmp_path / "hamlet.gpkg"
    path.write_bytes(hamlet.read_bytes())
    out = tmp_path / "opt"
    done = planner("optimise", path, "--hourly", "--apply", "--json", "-o", out)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    optimum = figures["optimum"]
    # a year of hours goes to PDLP for the sizes (its primal-dual gap), then to the simplex for their dispatch
    assert optimum["status"] == "optimal" and 0.0 <= optimum["gap"] <= 1e-3
    assert any("first-order" in note for note in optimum["notes"])
    assert figures["savings_eur_per_year"] == pytest.approx(
        figures["today"]["cost_eur_per_year"] - optimum["cost_eur_per_year"])
    assert figures["savings_eur_per_year"] >= 0.0
    assert optimum["variables"] > 8760 and optimum["constraints"] > 8760
    # the roofs: 12 x 10 m at 40 % usable and the module density give each at most its placement rule
    from planner.generation.placement import ROOF_USABLE_SHARE
    from planner.generation.pv import MODULE_W_PER_M2

    roof_max = int(120.0 * ROOF_USABLE_SHARE * MODULE_W_PER_M2 / 1000.0 * 2) / 2
    project = load_project(path)
    added = [u for u in project.items("pv_unit").values() if u.source.startswith("derived: proposed")]
    assert added, "PV pays on these roofs at the default tariff"
    for unit in added:
        assert unit.peak_kw <= roof_max + 1e-9
        assert any(b.geometry.buffer(0.01).contains(unit.geometry) for b in project.items("building").values())
    assert sum(u.peak_kw for u in added) == pytest.approx(optimum["pv_kwp"], abs=0.5 * len(added) + 1e-6)
    # the check: the same year, simulated by planner run's chain, within 2 % in cost
    rows = {r["figure"]: r for r in figures["check"]["figures"]}
    assert abs(rows["cost_eur_per_year"]["difference"]) < 0.02, rows
    assert rows["cost_eur_per_year"]["why"]
    assert (out / "optimum.json").is_file() and (out / "proposed_units.csv").is_file()
    # a project file, atomically saved, that runs as usual
    assert not project.validate()


def test_the_pareto_front_is_non_dominated(hamlet, tmp_path):
    out = tmp_path / "front"
    done = planner("optimise", hamlet, "--days", "8", "--pareto", "--json", "-o", out)
    assert done.returncode == 0, done.stderr
    front = json.loads(done.stdout)["pareto"]
    assert len(front) == 10
    for a in front:
        for b in front:
            dominated = (b["cost_eur_per_year"] < a["cost_eur_per_year"] - 1e-6 and b["co2_t"] <= a["co2_t"] + 1e-9) or \
                (b["co2_t"] < a["co2_t"] - 1e-9 and b["cost_eur_per_year"] <= a["cost_eur_per_year"] + 1e-6)
            assert not dominated, (a, b)
    costs = [p["cost_eur_per_year"] for p in front]
    assert costs == sorted(costs)  # cheapest first, CO2 falling
    assert (out / "pareto.png").stat().st_size > 1000
    # the project itself is untouched without --apply
    assert not [u for u in load_project(hamlet).items("pv_unit").values()]


def test_goals_that_cannot_be_met_end_as_one_clear_line(hamlet):
    done = planner("optimise", hamlet, "--days", "4", "--min-self-sufficiency", "0.99")
    assert done.returncode == 2
    assert "self-sufficiency of 99% cannot be met: at most" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = planner("optimise", hamlet, "--min-self-sufficiency", "1.5")
    assert done.returncode == 2 and "share from 0 to 1" in done.stderr
