"""The sizing's unbalance rule: a phase move where one narrows the feeder's phases, a stronger
cable where none does; checked by the three-phase year before and after."""

import json

import numpy as np
import pytest

from planner.grid.unbalance import _moves
from planner.model import PVUnit
from planner.model.commands import UpdateEntity
from tests.conftest import make_runnable_project


def test_moves_narrow_the_spread_by_hand():
    # 4 x 4 kW on L1: one move to L2 gives 12/4/0 (spread 12), a second to L3 gives 8/4/4 (spread 4)
    objects = [(4.0, 0)] * 4
    assert _moves(objects, np.array([16.0, 0.0, 0.0])) == [(0, 1), (1, 2)]
    assert _moves(objects, np.array([16.0, 0.0, 0.0]), enough=12.0) == [(0, 1)]  # as far as asked
    # a demand (negative) on L2 draws the injection there
    assert _moves([(4.0, 0), (-6.0, 1)], np.array([4.0, -6.0, 0.0])) == [(0, 1)]
    assert _moves([(30.0, 0)], np.array([30.0, 0.0, 0.0])) == []  # one unit alone: a move changes nothing


def _feeder(units: int, kw: float):
    """The village's house feeder 450 m of NAYY 4x95 with ``units`` one-phase arrays on L1 at its end."""
    project = make_runnable_project()
    UpdateEntity("cable", "c1", length_km=0.45, std_type="NAYY 4x95").do(project)
    pv = project.get("pv_unit", "pv1")
    UpdateEntity("pv_unit", "pv1", phase="L1", peak_kw=kw).do(project)
    for k in range(units - 1):
        project.add(PVUnit(id=f"pv{k + 3}", owner_id="m1", bus_id="b1", peak_kw=kw, geometry=pv.geometry,
                           phase="L1"))
    return project


def test_a_phase_move_is_the_first_fix(tmp_path, capsys):
    from planner.cli import main
    from planner.io import load_project, save_project

    path = tmp_path / "feeder.gpkg"
    save_project(_feeder(8, 4.5), path)
    assert main(["size-grid", str(path), "--json", "--no-hosting"]) == 0
    out = json.loads(capsys.readouterr().out)
    u = out["unbalance"]
    assert u["before"]["max_unbalance_percent"] > 2.0 >= u["after"]["max_unbalance_percent"]
    assert u["unfixed"] is None
    assert [m["kind"] for m in u["moves"]] == ["pv_unit"]  # one unit moved, no cable bought for it
    assert all(c["limit"] != "unbalance" for c in out["changes"])
    moved = u["moves"][0]
    assert load_project(path).get("pv_unit", moved["element"]).phase == moved["to"] != "L1"
    # the app's Size the grid says the same in its message
    pytest.importorskip("PySide6")
    from planner.gui.grid_tools import describe

    assert (f"worst {u['before']['max_unbalance_percent']:.2f} % before, {u['after']['max_unbalance_percent']:.2f} % "
            f"after; 1 unit(s) moved to another phase, 0 cable(s) made stronger") in describe(out)
    # the printed form says the same
    assert main(["size-grid", str(path), "--no-hosting", "--no-year"]) == 0  # no year: no unbalance rule
    assert "unbalance" not in capsys.readouterr().out


def test_a_stronger_cable_where_no_move_helps():
    from planner.simulation.grid_plan import plan_grid

    project = _feeder(1, 30.0)  # one 30 kW array on one phase: moving it moves the problem
    out = plan_grid(project, hosting=False)
    u = out["unbalance"]
    assert u["before"]["max_unbalance_percent"] > 2.0 >= u["after"]["max_unbalance_percent"]
    cables = [m for m in u["moves"] if m["kind"] == "cable"]
    assert [m["element"] for m in cables] == ["c1"] and cables[0]["cost_eur"] > 0
    assert project.get("pv_unit", "pv1").phase == "L1"
    # the cable's cost is part of the reinforcement and of the recorded investment
    change = next(c for c in out["changes"] if c["limit"] == "unbalance")
    assert change["element"] == "c1" and out["cost_eur"] == pytest.approx(
        sum(c["cost_eur"] for c in out["changes"]), abs=0.01)
    assert project.get("cable", "c1").std_type == change["to"].split(" x")[0]
