"""Tools > Optimise PV, batteries, CHP and wind from the app: the goals dialog, a responsive window while the
worker solves, the proposal's table, Apply as one undo step; Cancel leaves the project as it was;
a goal that cannot be met is one message."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from shapely.geometry import Point, box

from planner.io import save_project
from planner.model import Building, Consumer
from tests.conftest import X0, Y0


@pytest.fixture
def roofs_project(tmp_path):
    """Eight houses with households and roofs, no PV yet."""
    from planner.io.project_setup import create_project

    project, _ = create_project("Roofs", 48.457, 7.884, tariff_preset="de-household-2025")
    for i in range(8):
        x = X0 + 30 * i
        project.add(Building(id=f"h{i}", geometry=box(x - 6, Y0 - 5, x + 6, Y0 + 5)))
        project.add(Consumer(id=f"c{i}", geometry=Point(x, Y0), annual_kwh=4000.0))
    path = tmp_path / "roofs.gpkg"
    save_project(project, path)
    return path


def _ok(dialog):
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def _optimise(window, qtbot, days: int = 4, chp: bool = True, hourly: bool = False):
    """Tools > Optimise with ``days`` typical days (or every hour), OK, wait for the worker: the
    proposal dialog."""
    tools = window.optimise_tools
    tools.action.trigger()
    tools.dialog.days.setValue(days)
    if hourly:
        qtbot.mouseClick(tools.dialog.hourly, Qt.MouseButton.LeftButton)
        assert tools.dialog.hourly.isChecked() and not tools.dialog.days.isEnabled()
    if not chp:
        qtbot.mouseClick(tools.dialog.chp, Qt.MouseButton.LeftButton)
        assert not tools.dialog.chp.isChecked()
    _ok(tools.dialog)
    qtbot.waitUntil(lambda: tools.job is None, timeout=180_000)
    return tools.proposal


def test_optimise_from_the_tools_menu_is_one_undo_step(window, qtbot, roofs_project):
    assert window.open_path(roofs_project)
    tools = window.optimise_tools
    assert tools.action in window.editing.menu.actions()
    tools.action.trigger()
    dialog = tools.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.days.setValue(4)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    _ok(dialog)
    assert tools.job is not None
    qtbot.waitUntil(lambda: tools.job is None, timeout=180_000)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks[:-1], ticks[1:])]
    assert len(ticks) > 10 and max(gaps) < 1.0, f"the window froze for {max(gaps):.2f} s"
    proposal = tools.proposal
    assert proposal is not None and proposal.isVisible()
    rows = proposal.table.rowCount()
    assert rows > 0 and "unit(s) proposed" in proposal.summary.text()
    assert "Today, nothing added" in proposal.summary.text() and "the plan saves" in proposal.summary.text()
    kinds = {proposal.table.item(r, 1).text() for r in range(rows)}
    assert "PV unit" in kinds
    # checked by simulating the year (on by default): the programme's figures beside the simulated ones
    check = proposal.check_table
    assert check is not None and check.rowCount() == 4
    figures = [check.item(r, 0).text() for r in range(4)]
    assert figures[0] == "cost a year [EUR]" and "self-sufficiency" in figures
    assert check.item(0, 2).text() != "—" and check.item(0, 3).text().endswith("%")
    assert "no grid: the simulated year checks the energy and cost only" in proposal.grid_check.text()
    before = window.project.counts()
    proposal.apply_button.click()
    project = window.project
    added = [u for u in project.items("pv_unit").values() if u.source.startswith("derived: proposed")]
    assert len(added) + len([b for b in project.items("battery").values()]) == rows
    assert window.is_modified()
    assert window.canvas.map_scene.item_for("pv_unit", added[0].id) is not None
    window.undo_stack.undo()
    assert project.counts() == before
    window.undo_stack.redo()
    assert len(project.items("pv_unit")) == len(added)


def test_cancel_leaves_the_project_as_it_was(window, qtbot, roofs_project):
    assert window.open_path(roofs_project)
    tools = window.optimise_tools
    tools.action.trigger()
    tools.dialog.check.setChecked(False)  # the programme alone
    _ok(tools.dialog)
    assert tools.job is not None
    from PySide6.QtWidgets import QPushButton

    tools.progress.findChild(QPushButton).click()  # the progress dialog's Cancel
    assert tools.job is None
    tools.worker.join(120)  # the dropped work ends on its own
    qtbot.wait(300)
    assert not window.is_modified() and not window.project.items("pv_unit")


def test_a_goal_that_cannot_be_met_is_one_message(window, qtbot, roofs_project, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    assert window.open_path(roofs_project)
    tools = window.optimise_tools
    tools.action.trigger()
    tools.dialog.days.setValue(3)
    tools.dialog.min_self_sufficiency.setValue(99.0)
    _ok(tools.dialog)
    qtbot.waitUntil(lambda: tools.job is None, timeout=180_000)
    assert shown and "self-sufficiency of 99% cannot be met" in shown[-1]
    assert not window.project.items("pv_unit")


def test_a_proposed_chp_shows_in_the_proposal_with_its_gas_in_the_check(window, qtbot, tmp_path):
    """Ten houses with heat and no CHP: the heat cluster gets one, its row says its size and store,
    the check has the gas row, and Apply adds it as one undo step."""
    from planner.io.project_setup import create_project
    from planner.model import Consumer

    project, _ = create_project("Heat street", 48.457, 7.884, tariff_preset="de-household-2025")
    for k in range(10):
        project.add(Consumer(id=f"c{k}", geometry=Point(X0 + 20.0 * k, Y0), annual_kwh=4000.0, heat_profile="EFH",
                             annual_heat_kwh=20_000.0))
    path = tmp_path / "heat.gpkg"
    save_project(project, path)
    assert window.open_path(path)
    proposal = _optimise(window, qtbot)
    rows = {proposal.table.item(r, 1).text(): proposal.table.item(r, 2).text() for r in range(proposal.table.rowCount())}
    assert "CHP unit" in rows and "kW electric, store" in rows["CHP unit"]
    assert "CHP" in proposal.summary.text() and "heat cluster" in proposal.summary.text()
    check = proposal.check_table
    figures = [check.item(r, 0).text() for r in range(check.rowCount())]
    assert "CHP gas less boilers' [EUR]" in figures
    from pathlib import Path

    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    proposal.grab().save(str(artifacts / "optimise_chp_proposal.png"))  # to look at
    # the map of where they go, drawn when its tab is clicked: the CHP with its heat network
    bar = proposal.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert proposal.map_canvas is not None and proposal.tabs.currentWidget() is proposal.map_canvas
    labels = proposal.map_canvas.figure.axes[0].get_legend_handles_labels()[1]
    assert "proposed CHP" in labels
    proposal.grab().save(str(artifacts / "optimise_chp_map.png"))
    proposal.apply_button.click()
    assert len(window.project.items("chp_unit")) == 1
    window.undo_stack.undo()
    assert len(window.project.items("chp_unit")) == 0
    # the box unticked: no CHP offered
    proposal = _optimise(window, qtbot, chp=False)
    kinds = {proposal.table.item(r, 1).text() for r in range(proposal.table.rowCount())}
    assert "CHP unit" not in kinds and "heat cluster" not in proposal.summary.text()
    proposal.reject()


def test_mark_a_wind_site_by_a_click_and_the_optimiser_builds_its_turbines(window, qtbot, tmp_path):
    """A works that uses 3 GWh a year; Mark wind site (Shift+W) and a click 1 km away, its types and
    count typed in the inspector; the proposal has the turbines in a row; Apply is one undo step."""
    from pyproj import Transformer
    from PySide6.QtCore import QPointF, Qt

    from planner.io.project_setup import create_project

    project, _ = create_project("Works", 52.39, 13.06, tariff_preset="de-household-2025")
    x0, y0 = Transformer.from_crs("EPSG:4326", project.site.crs, always_xy=True).transform(13.06, 52.39)
    project.add(Consumer(id="works", geometry=Point(x0, y0), annual_kwh=3_000_000.0, profile="G0"))
    path = tmp_path / "works.gpkg"
    save_project(project, path)
    assert window.open_path(path)
    canvas = window.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_W, Qt.KeyboardModifier.ShiftModifier)
    assert window.tool_actions["wind_site"].isChecked()
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(QPointF(x0 + 1000.0, -y0)))
    site = window.inspector.entity
    assert site is not None and site.KIND == "wind_site"
    assert abs(site.geometry.x - (x0 + 1000.0)) < 50 and canvas.map_scene.item_count("wind_site") == 1
    for field, text in (("turbine_types", "E-53/800;E48/800"), ("max_turbines", "2")):
        editor = window.inspector.editor(field)
        editor.selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    site = window.project.get("wind_site", site.id)
    assert site.turbine_types == "E-53/800;E48/800" and site.max_turbines == 2
    proposal = _optimise(window, qtbot)
    rows = [(proposal.table.item(r, 1).text(), proposal.table.item(r, 2).text())
            for r in range(proposal.table.rowCount())]
    turbines = [size for kind, size in rows if kind == "Wind turbine"]
    assert turbines and all(size.startswith("E-53/800") or size.startswith("E48/800") for size in turbines)
    assert "wind" in proposal.summary.text()
    proposal.apply_button.click()
    assert len(window.project.items("wind_turbine")) == len(turbines)
    from pathlib import Path

    proposal.grab().save(str(Path(__file__).resolve().parents[1] / "artifacts" / "optimise_wind_proposal.png"))
    window.undo_stack.undo()
    assert len(window.project.items("wind_turbine")) == 0


def test_every_hour_of_the_year_from_the_dialog(window, qtbot, roofs_project):
    """The box for every hour: the programme over 8,760 steps (sizes by the first-order method,
    their dispatch exact), its notes say so, and the check simulates the same year within 2 %."""
    assert window.open_path(roofs_project)
    proposal = _optimise(window, qtbot, hourly=True)
    assert proposal is not None and proposal.isVisible()
    assert proposal.optimum.flow_kw.shape[0] == 8760
    assert any("first-order" in note for note in proposal.optimum.notes)
    assert "first-order" in proposal.summary.text()
    check = proposal.check_table
    cost = next(r for r in range(check.rowCount()) if check.item(r, 0).text().startswith("cost"))
    assert abs(float(check.item(cost, 3).text().rstrip("%"))) < 2.0
    proposal.close()
