"""Run > Sweep: the dialog runs a sweep file on the saved project through its own buttons, shows
progress, the charts and the variants; Cancel keeps what finished; a bad file is said in the dialog."""

from __future__ import annotations

import json

import pandas as pd
from PySide6.QtCore import Qt

from planner.io import save_project
from tests.conftest import make_runnable_project

SWEEP = '[sweep]\ndesign = "list"\nkpi = "npv_eur"\n[[variants]]\npv_scale = 0.5\n[[variants]]\npv_scale = 1.5\n' \
        '[[variants]]\nbattery_kwh = 0\nchp = false\n'


def open_dialog(window, qtbot, tmp_path):
    path = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), path)
    assert window.open_path(path)
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(SWEEP, encoding="utf-8")
    window.run_tools.sweep_action.trigger()
    dialog = window.run_tools.sweep_window
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.sweep_file, str(sweep_file))
    dialog.serial.setChecked(True)
    return dialog


def test_a_sweep_runs_from_the_dialog_and_shows_its_charts_and_variants(window, qtbot, tmp_path):
    dialog = open_dialog(window, qtbot, tmp_path)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.run_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=240_000)
    assert "done. 3 of 3 variants done, 0 failed" in dialog.status.text(), dialog.status.text()
    assert dialog.kpi.currentData() == "npv_eur"  # the sweep file's KPI
    assert dialog.model.rowCount() == 3
    headers = [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(dialog.model.columnCount())]
    assert {"pv_scale", "battery_kwh", "chp", "self_sufficiency", "npv_eur"} <= set(headers)
    # the charts are the report's functions on the dialog's canvases
    assert dialog.tornado_figure.axes and "npv_eur" in dialog.tornado_figure.axes[0].get_title()
    assert "Pareto front" in dialog.pareto_figure.axes[0].get_title()
    out = tmp_path / "village.sweep"
    table = pd.read_parquet(out / "variants.parquet")
    assert list(table.status) == ["done"] * 3
    assert json.loads((out / "summary.json").read_text())["ran_on"] == "this process"
    # another KPI redraws the tornado
    dialog.kpi.setCurrentIndex(dialog.kpi.findData("self_sufficiency"))
    assert "self_sufficiency" in dialog.tornado_figure.axes[0].get_title()
    dialog.tabs.setCurrentIndex(0)
    dialog.grab().save(str(tmp_path / "sweep_dialog.png"))
    dialog.close()


def test_cancel_stops_the_sweep_and_keeps_what_finished(window, qtbot, tmp_path):
    dialog = open_dialog(window, qtbot, tmp_path)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.bar.maximum() == 3 and dialog.bar.value() >= 1, timeout=240_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=120_000)
    text = dialog.status.text()
    assert text.startswith("cancelled") or "3 of 3 variants done" in text, text  # the last one may win the race
    summary = json.loads((tmp_path / "village.sweep" / "summary.json").read_text())
    assert summary["done"] >= 1
    dialog.close()


def test_a_bad_sweep_file_is_said_in_the_dialog(window, qtbot, tmp_path):
    dialog = open_dialog(window, qtbot, tmp_path)
    (tmp_path / "sweep.toml").write_text('[parameters]\npv_share = [2]\n', encoding="utf-8")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert "pv_share must be at most 1" in dialog.status.text()
    assert dialog.run_button.isEnabled() and dialog.thread is None
    dialog.close()
