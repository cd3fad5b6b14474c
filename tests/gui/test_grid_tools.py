"""Size the grid from the app: the toolbar action, a responsive window, one undo step, the
hosting capacity colouring; cancel leaves the project as it was."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
from shapely.geometry import LineString, Point, box

from planner.io import save_project
from planner.model import Building, Consumer, PVUnit, Street
from tests.conftest import X0, Y0


@pytest.fixture
def street_project(tmp_path):
    """Twelve houses either side of a 300 m street with a side street, PV on four roofs."""
    from planner.io.project_setup import create_project

    project, _ = create_project("Two streets", 48.457, 7.884, tariff_preset="de-household-2025")
    project.add(Street(id="main", geometry=LineString([(X0, Y0), (X0 + 300, Y0)])))
    project.add(Street(id="side", geometry=LineString([(X0 + 150, Y0), (X0 + 150, Y0 + 200)])))
    for i in range(12):
        x = X0 + 10 + 25 * i
        y = Y0 + (15 if i % 2 else -15)
        project.add(Building(id=f"h{i}", geometry=box(x - 6, y - 5, x + 6, y + 5)))
        project.add(Consumer(id=f"c{i}", geometry=Point(x, y), annual_kwh=4000.0))
        if i % 3 == 0:
            project.add(PVUnit(id=f"pv{i}", geometry=Point(x + 1, y), peak_kw=15.0))
    path = tmp_path / "two-streets.gpkg"
    save_project(project, path)
    return path


def test_size_grid_from_the_toolbar_is_one_undo_step_and_colours_the_buses(window, qtbot, street_project,
                                                                            monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a, **k: shown.append(text))
    assert window.open_path(street_project)
    assert window.grid_tools.size_action in window.editing.toolbar.actions()
    # the event loop keeps turning while the worker sizes the grid
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    window.grid_tools.size_action.trigger()
    assert window.grid_tools.job is not None
    qtbot.waitUntil(lambda: window.grid_tools.job is None, timeout=120_000)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks[:-1], ticks[1:])]
    assert len(ticks) > 10 and max(gaps) < 0.5, f"the window froze for {max(gaps):.2f} s"
    project = window.project
    assert len(project.items("transformer")) >= 1 and len(project.items("cable")) > 5
    assert all(c.bus_id for c in project.items("consumer").values())
    assert all(b.hosting_capacity_kw is not None for b in project.items("bus").values() if b.vn_kv < 1)
    assert shown and "Laid out 12 connections" in shown[-1]
    assert window.is_modified()
    # the buses wear their hosting capacity's colours, with the classes in the status bar
    assert window.grid_tools.colour_action.isChecked() and window.grid_tools.legend.isVisible()
    scene = window.canvas.map_scene
    from planner.gui.grid_tools import hosting_colour

    bus = next(b for b in project.items("bus").values() if b.vn_kv < 1)
    assert scene.item_for("bus", bus.id).brush().color().name() == hosting_colour(bus)
    window.grid_tools.colour_action.setChecked(False)
    assert not window.grid_tools.legend.isVisible()
    # one undo step takes the whole grid away and gives it back
    counts = project.counts()
    window.undo_stack.undo()
    assert len(project.items("bus")) == 0 and not any(c.bus_id for c in project.items("consumer").values())
    assert scene.item_count("bus") == 0
    window.undo_stack.redo()
    assert project.counts() == counts


def test_cancelling_the_sizing_leaves_the_project_as_it_was(window, qtbot, street_project, monkeypatch):
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    assert window.open_path(street_project)
    before = window.project.counts()
    window.grid_tools.size_action.trigger()
    from PySide6.QtWidgets import QPushButton

    window.grid_tools.progress.findChild(QPushButton).click()  # the dialog's Cancel
    assert window.grid_tools.job is None
    window.grid_tools.worker.join(120)  # the dropped work ends on its own
    qtbot.wait(300)
    assert window.project.counts() == before and not window.is_modified()


def test_a_project_with_nothing_to_connect_says_so(window, qtbot, tmp_path, monkeypatch):
    from planner.io.project_setup import create_project

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: warned.append(text))
    project, _ = create_project("Empty", 48.457, 7.884)
    save_project(project, tmp_path / "empty.gpkg")
    assert window.open_path(tmp_path / "empty.gpkg")
    window.grid_tools.size_action.trigger()
    qtbot.waitUntil(lambda: window.grid_tools.job is None, timeout=60_000)
    assert warned and "nothing to connect" in warned[-1]
