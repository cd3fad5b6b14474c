"""Run > Scenarios: scenarios typed into the dialog's table, one undo step, run side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt

from planner.io import load_project, save_project
from planner.model.scenarios import Scenario
from tests.conftest import make_runnable_project


def test_scenarios_are_edited_run_and_shown_side_by_side(window, qtbot, tmp_path):
    path = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), path)
    assert window.open_path(path)
    window.run_tools.scenarios_action.trigger()
    dialog = window.run_tools.scenarios_window
    qtbot.waitExposed(dialog)
    add = next(b for b in dialog.findChildren(type(dialog.run_button)) if b.text() == "Add")
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    for column, text in enumerate(("no battery", "battery_kwh=0, chp=false", "leaner")):
        dialog.editor.item(0, column).setText(text)
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    dialog.editor.item(1, 0).setText("typo")
    dialog.editor.item(1, 1).setText("batery_kwh=0")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "unknown parameter 'batery_kwh'" in dialog.message.text()
    assert window.project.scenarios == ()
    dialog.editor.item(1, 1).setText("benefit_scheme=mmr")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert window.project.scenarios == (Scenario("no battery", {"battery_kwh": 0, "chp": False}, "leaner"),
                                        Scenario("typo", {"benefit_scheme": "mmr"}))
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=240_000)
    assert "3 of 3 runs done" in dialog.message.text(), dialog.message.text()
    headers = [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(dialog.model.columnCount())]
    assert headers[:3] == ["figure", "base", "no battery"]
    figures = [dialog.model.item(r, 0).text() for r in range(dialog.model.rowCount())]
    assert "self-sufficiency" in figures and "NPV" in figures and "highest transformer loading" in figures
    assert load_project(path).scenarios == window.project.scenarios  # saved before the run
    dialog.grab().save(str(tmp_path / "scenarios.png"))
    dialog.close()
    window.undo_stack.undo()
    assert window.project.scenarios == ()
