"""Run from the app: a worker process, the stages in the status bar, Cancel within a second, a
responsive window, the KPI panel with summary.json's numbers, stale after an edit, shown again
when the project is reopened."""

from __future__ import annotations

import json
import shutil
import time

import pandas as pd
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from planner.io import save_project


def _ticks():
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    return timer, ticks


def test_run_cancel_and_run_again_with_the_window_responsive(window, qtbot, tmp_path, sample_path, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: warned.append(text))
    # the sample (a long run) for Cancel
    sample = tmp_path / "schutterwald.gpkg"
    shutil.copy(sample_path, sample)
    assert window.open_path(sample)
    tools = window.run_tools
    assert tools.run_action in window.editing.toolbar.actions()
    tools.prewarm()
    qtbot.waitUntil(lambda: tools.ready, timeout=120_000)
    started = time.perf_counter()
    tools.run_action.trigger()
    qtbot.waitUntil(lambda: tools.stage.text() != "Run: starting…", timeout=5_000)
    assert time.perf_counter() - started < 1.0, "the progress did not move within a second"
    qtbot.waitUntil(lambda: "weather and generation" in tools.stage.text(), timeout=30_000)
    value = tools.bar.value()
    assert value > 0
    process = tools.process
    cancelled = time.perf_counter()
    tools.cancel_button.click()
    assert not process.is_alive() and time.perf_counter() - cancelled < 1.0
    assert tools.job is None and not tools.bar.isVisible() and tools.run_action.isEnabled()
    assert not (tmp_path / "schutterwald.results").exists()
    assert window.results_panel.summary is None
    # a small village for a run to the end, timing the event loop meanwhile
    from tests.conftest import make_runnable_project

    village = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), village)
    assert window.open_path(village)
    timer, ticks = _ticks()
    assert tools.run()
    qtbot.waitUntil(lambda: tools.job is None, timeout=180_000)
    timer.stop()
    assert not warned, warned
    during = [t for t in ticks if t <= tools.finished_at]  # while the run ran (showing it comes after)
    gaps = [b - a for a, b in zip(during[1:-1], during[2:])]
    assert len(gaps) > 50 and max(gaps) < 0.1, f"the event loop waited {max(gaps) * 1000:.0f} ms"
    # the KPI panel shows summary.json's numbers
    folder = tmp_path / "village.results"
    summary = json.loads((folder / "summary.json").read_text())
    panel = window.results_panel
    assert panel.values["Self-sufficiency"].text() == f"{summary['kpi']['self_sufficiency'] * 100:,.1f} %"
    assert panel.values["Generation"].text() == f"{summary['energy']['generation_kwh'] / 1000:,.1f} MWh"
    assert panel.values["NPV"].text() == f"{summary['indexes']['finance']['npv_eur']:,.0f} EUR"
    assert panel.values["Peak cable loading"].text() == f"{summary['grid']['max_line_loading_percent']:,.1f} %"
    assert not panel.is_stale and "Results of" in panel.state.text()
    # the plots: every figure draws on the canvas
    plots = window.plots
    assert window.plots_dock.isVisible() and plots.results is not None
    qtbot.waitUntil(lambda: bool(plots.figure.axes), timeout=10_000)
    for title in [plots.choice.itemText(i) for i in range(plots.choice.count())]:
        plots.choice.setCurrentText(title)
        assert plots.figure.axes, title
    # the grid at an hour: the worst hour first, cables and buses coloured on the map
    hour = window.hour_view
    qtbot.waitUntil(lambda: hour.solver is not None and hour.shown is not None, timeout=60_000)
    elements = pd.read_csv(folder / "grid_elements.csv")
    worst_cable = elements[(elements.kind == "cable")].sort_values("value").iloc[-1]
    assert str(hour.shown.time) == worst_cable.time
    assert hour.shown.cable_loading[worst_cable.id] == pytest.approx(worst_cable.value, rel=1e-3)
    from planner.report.hour import loading_colour, voltage_colour

    renderer = window.canvas.map_scene.renderer
    colours = {cid: c.name() for c, data in renderer.classes["cable"] for cid in data.ids}
    assert colours[worst_cable.id] == loading_colour(worst_cable.value)
    bus = next(b for b in window.project.items("bus").values() if b.vn_kv < 1)
    item = window.canvas.map_scene.item_for("bus", bus.id)
    assert item.brush().color().name() == voltage_colour(hour.shown.bus_vm[bus.id])
    worst_text = hour.time.text()
    hour.slider.setValue(2)  # 02:00 on the first day: the PV is dark
    qtbot.waitUntil(lambda: hour.time.text() != worst_text, timeout=30_000)
    assert hour.shown.time.hour == 2
    colours = {cid: c.name() for c, data in renderer.classes["cable"] for cid in data.ids}
    assert colours[worst_cable.id] == loading_colour(hour.shown.cable_loading[worst_cable.id])
    hour.worst.click()
    qtbot.waitUntil(lambda: str(hour.shown.time) == worst_cable.time, timeout=30_000)
    hour.show_on_map.setChecked(False)
    assert "cable" not in renderer.classes
    # the result tables: filtered, sorted, exported as shown, and linked to the map both ways
    tables = window.result_tables
    assert window.result_tables_dock.isVisible()
    units = tables.tabs["Units"]
    assert units.model.rowCount() == len(pd.read_csv(folder / "unit_finance.csv"))
    units.filter.setText("pv_")
    assert units.proxy.rowCount() == 2 and "2 of" in units.count.text()
    units.view.sortByColumn(list(units.model.frame.columns).index("capex_eur"), Qt.SortOrder.DescendingOrder)
    assert list(units.shown_frame().unit_id) == ["pv2", "pv1"]  # 175,000 before 14,850: numbers, not text
    exported = tmp_path / "units.csv"
    assert tables.export_dialog(units, str(exported))
    assert list(pd.read_csv(exported)["unit id"]) == ["pv2", "pv1"]
    tables.setCurrentWidget(units)
    units.view.selectRow(1)
    assert window.canvas.selected_entity() == ("pv_unit", "pv1")
    units.filter.setText("")
    window.canvas.map_scene.select_object("pv_unit", "pv2")
    selected = units.view.selectionModel().selectedRows()
    assert selected and units.model.frame.iloc[units.proxy.mapToSource(selected[0]).row()].unit_id == "pv2"
    grid_tab = tables.tabs["Grid"]
    tables.setCurrentWidget(grid_tab)
    grid_tab.filter.setText("max loading")
    row = grid_tab.shown_frame().reset_index(drop=True).query("id == @worst_cable.id").index[0]
    grid_tab.view.selectRow(int(row))
    assert window.canvas.selected_entity() == ("cable", worst_cable.id)
    # File > Export report writes the PDF in a thread
    target = tmp_path / "village-report.pdf"
    assert tools.export_report(str(target))
    qtbot.waitUntil(lambda: getattr(tools, "report_done", None) is not None, timeout=60_000)
    assert "error" not in tools.report_done and target.read_bytes()[:5] == b"%PDF-"
    # File > Export results, by extension
    for suffix in ("xlsx", "geojson", "csv", "json"):
        assert tools.export_results(str(tmp_path / f"exported.{suffix}")), suffix
        assert (tmp_path / f"exported.{suffix}").stat().st_size > 100
    # an edit makes them stale, its undo current again
    from planner.model.commands import UpdateEntity

    consumer = next(iter(window.project.items("consumer").values()))
    assert window.execute(UpdateEntity("consumer", consumer.id, annual_kwh=consumer.annual_kwh + 1))
    assert panel.is_stale
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a, **k: told.append(text))
    assert not tools.export_report(str(tmp_path / "stale.pdf")) and "Run it first" in told[-1]
    window.undo_stack.undo()
    assert not panel.is_stale
    # reopened, the results are there and current; changed in the file, they are stale
    assert window.open_path(village)
    assert panel.summary == summary and not panel.is_stale
    project = window.project
    project._put(type(consumer)(**{**consumer.__dict__, "annual_kwh": 9999.0}))
    save_project(project, village)
    assert window.open_path(village, ask=False)
    assert panel.summary is not None and panel.is_stale


def test_a_run_that_cannot_start_says_why_in_one_message(window, qtbot, tmp_path, monkeypatch):
    from planner.io.project_setup import create_project

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: warned.append(text))
    project, _ = create_project("No tariff", 48.457, 7.884)  # nothing to simulate, no tariff
    path = tmp_path / "bare.gpkg"
    save_project(project, path)
    assert window.open_path(path)
    assert window.run_tools.run()
    qtbot.waitUntil(lambda: window.run_tools.job is None, timeout=120_000)
    assert warned and "nothing to simulate" in warned[-1] and "Traceback" not in warned[-1]
    assert window.results_panel.summary is None


def test_the_worker_starts_once_the_map_is_left_alone(window, qtbot, tmp_path):
    """Starting the run worker holds the GUI thread 15-30 ms; it waits until the map has not been
    used for a second, so no click waits for it (bench/gui.py's worst click-select was 21-33 ms
    when the worker started amid the clicks)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from tests.conftest import make_runnable_project

    village = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), village)
    assert window.open_path(village)
    tools, canvas = window.run_tools, window.canvas
    assert tools.process is None  # PEERGRID_NO_PREWARM in the tests: nothing started on opening
    centre = canvas.viewport().rect().center()
    QTest.mouseMove(canvas.viewport(), centre)
    tools.prewarm_when_idle(idle_s=1.0, retry_ms=50)
    until = time.perf_counter() + 0.5
    while time.perf_counter() < until:  # the map in use: moves every 50 ms
        QTest.mouseMove(canvas.viewport(), centre + QPoint(int(20 * (until - time.perf_counter())), 0))
        qtbot.wait(50)
        assert tools.process is None
    qtbot.waitUntil(lambda: tools.process is not None, timeout=5_000)
    assert canvas.map_scene.renderer.idle_s() >= 1.0
    qtbot.waitUntil(lambda: tools.ready, timeout=120_000)
