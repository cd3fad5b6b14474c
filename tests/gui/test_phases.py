"""Phases in the app: Tools > Assign phases through its dialog as one undo step, a consumer's phase
chosen in the inspector, and the hour view at the year's worst unbalance."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from shapely.geometry import Point

from planner.io import save_project
from planner.model import PVUnit
from tests.conftest import X0, Y0


def test_assign_phases_through_the_dialog_and_undo(window, small_project, tmp_path, qtbot):
    for k in range(6):
        small_project.add(PVUnit(id=f"roof{k}", owner_id="m1", bus_id="b1", peak_kw=4.0,
                                 geometry=Point(X0 + 5 * k, Y0 + 5)))
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)
    assert window.open_path(path)
    assert window.editing.phase_action.text() == "Assign &phases…"
    window.editing.phase_action.trigger()
    dialog = window.editing.phase_dialog
    assert dialog.kinds["pv_unit"].text() == "PV units (8)"
    dialog.mode.setCurrentIndex(dialog.mode.findData("worst"))
    assert not dialog.seed.isEnabled()
    dialog.kinds["charging_point"].setChecked(False)  # Anna's 11 kW wallbox is too big anyway
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    phases = {u.id: u.phase for u in window.project.items("pv_unit").values()}
    # the six 4 kW roofs on L1; the 9.9 kW roof (9 kW AC) and the field stay three-phase
    assert phases == {**{f"roof{k}": "L1" for k in range(6)}, "pv1": "3ph", "pv2": "3ph"}
    assert "6 connections changed (6 to L1)" in window.statusBar().currentMessage()
    window.undo_stack.undo()
    assert {u.phase for u in window.project.items("pv_unit").values()} == {"3ph"}


def test_a_consumers_phase_is_chosen_in_the_inspector(window, small_project, tmp_path, qtbot):
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)
    assert window.open_path(path)
    window.inspector.show_entity(window.project.get("consumer", "c-anna"))
    combo = window.inspector.editor("phase")
    assert [combo.itemText(k) for k in range(combo.count())] == ["3ph", "L1", "L2", "L3"]
    combo.setCurrentIndex(combo.findData("L2"))
    combo.activated.emit(combo.currentIndex())  # as a user's pick does
    assert window.project.get("consumer", "c-anna").phase == "L2" and window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert window.project.get("consumer", "c-anna").phase == "3ph"


def test_the_hour_view_goes_to_the_worst_unbalance(window, tmp_path, qtbot):
    """A run with a one-phase roof: the hour view's Worst unbalance shows that hour, its buses by
    their worst phase and the unbalance said."""
    import json

    from planner.cli import main
    from planner.model.commands import UpdateEntity
    from planner.report.hour import voltage_colour
    from tests.conftest import make_runnable_project

    project = make_runnable_project()
    UpdateEntity("pv_unit", "pv1", phase="L1").do(project)
    path = tmp_path / "village.gpkg"
    save_project(project, path)
    assert main(["report", str(path), "-o", str(tmp_path / "report.pdf")]) == 0  # results beside the project
    three = json.loads((tmp_path / "village.results" / "summary.json").read_text())["grid"]["three_phase"]
    assert window.open_path(path)
    hour = window.hour_view
    qtbot.waitUntil(lambda: hour.solver is not None and hour.shown is not None, timeout=60_000)
    assert not hour.worst_unbalance.isHidden()  # offered: the run has a three-phase year
    assert hour.solver.worst_unbalance_step() is not None
    hour.worst_unbalance.click()
    qtbot.waitUntil(lambda: str(hour.shown.time) == three["max_unbalance_time"], timeout=30_000)
    shown = hour.shown.three_phase
    assert shown["unbalance_percent"][three["max_unbalance_bus"]] == pytest.approx(three["max_unbalance_percent"],
                                                                                  rel=1e-6)
    assert f"unbalance up to {three['max_unbalance_percent']:.2f} %" in hour.time.text()
    item = window.canvas.map_scene.item_for("bus", "b1")
    assert item.brush().color().name() == voltage_colour(hour.shown.worst_phase_vm()["b1"])
