"""Run > Sweep: many variants of the saved project on this machine's cores or a Dask cluster, with
the same tornado and Pareto charts and table as ``planner sweep`` writes.

The sweep runs in a thread of this process that drives the Dask cluster (the variants themselves
run in the cluster's worker processes, or in the thread with "one after the other"); progress
comes back as signals, Cancel stops it as Ctrl+C does (finished variants stay in the cache).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
    QPushButton, QSpinBox, QTableView, QTabWidget, QVBoxLayout, QWidget,
)

from planner.report.sweep_figures import pareto, tornado
from planner.sweep.table import COLUMNS

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Columns the dialog's table shows after the variant's parameters.
SHOWN = ("status", "self_sufficiency", "annual_cost_eur", "npv_eur", "co2_avoided_t", "grid_ok", "error")


class SweepThread(QThread):
    """``run_sweep`` off the GUI thread; signals carry its progress and outcome."""

    progressed = Signal(int, int, int, object)  # finished, total, failed, seconds left (or None)
    ready = Signal(str)
    finished_with = Signal(object)  # Outcome
    failed = Signal(str)

    def __init__(self, project_path, sweep, out_dir, scheduler, workers, serial):
        super().__init__()
        self.args = (project_path, sweep, out_dir)
        self.options = {"scheduler": scheduler, "workers": workers, "serial": serial}
        self.cancel = threading.Event()

    def run(self) -> None:
        from planner import PlannerError
        from planner.sweep.runner import run_sweep

        try:
            outcome = run_sweep(*self.args, **self.options, cancel=self.cancel,
                                progress=lambda s: self.progressed.emit(s.done + s.failed, s.total, s.failed, s.eta_s),
                                on_ready=self.ready.emit)
        except PlannerError as error:
            self.failed.emit(str(error))
            return
        except Exception as error:  # shown to the user, never a crash of the app
            self.failed.emit(f"unexpected {type(error).__name__}: {error}")
            return
        self.finished_with.emit(outcome)


def _row(widget, button) -> QWidget:
    row = QWidget()
    line = QHBoxLayout(row)
    line.setContentsMargins(0, 0, 0, 0)
    line.addWidget(widget, 1)
    line.addWidget(button)
    return row


class SweepDialog(QDialog):
    """Choose a sweep file, where to write, where to run; watch it run; read its charts and table."""

    def __init__(self, project_path: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Sweep of {project_path.name}")
        self.resize(980, 720)
        self.project_path = Path(project_path)
        self.thread: SweepThread | None = None
        self.table = None
        self.sweep_file = QLineEdit()
        self.sweep_file.setPlaceholderText("a sweep file (.toml): parameters, values and design")
        pick = QPushButton("File…")
        pick.clicked.connect(self._pick_sweep)
        self.output = QLineEdit(str(self.project_path.with_name(f"{self.project_path.stem}.sweep")))
        pick_out = QPushButton("Folder…")
        pick_out.clicked.connect(self._pick_output)
        self.workers = QSpinBox()
        self.workers.setRange(1, 256)
        self.workers.setValue(os.cpu_count() or 1)
        self.scheduler = QLineEdit()
        self.scheduler.setPlaceholderText("empty: a LocalCluster on this machine; or tcp://host:8786")
        self.serial = QCheckBox("one after the other in this process (no Dask)")
        self.kpi = QComboBox()
        for name, doc in COLUMNS.items():
            self.kpi.addItem(name, name)
            self.kpi.setItemData(self.kpi.count() - 1, doc, Qt.ItemDataRole.ToolTipRole)
        self.kpi.currentIndexChanged.connect(self._draw)
        form = QFormLayout()
        form.addRow("Sweep file", _row(self.sweep_file, pick))
        form.addRow("Results folder", _row(self.output, pick_out))
        form.addRow("Workers", self.workers)
        form.addRow("Dask scheduler", self.scheduler)
        form.addRow("", self.serial)
        form.addRow("Tornado chart's KPI", self.kpi)
        self.run_button = QPushButton("Run the sweep")
        self.run_button.clicked.connect(self.start)
        self.open_button = QPushButton("Show the folder's results")
        self.open_button.clicked.connect(self.show_folder)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self.bar = QProgressBar()
        self.status = QLabel("Choose a sweep file (the sample's: sweeps/example.toml) and run.")
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tornado_figure, self.pareto_figure = (Figure(figsize=(7, 4), layout="constrained") for _ in range(2))
        self.tornado_canvas = FigureCanvasQTAgg(self.tornado_figure)
        self.pareto_canvas = FigureCanvasQTAgg(self.pareto_figure)
        self.model = QStandardItemModel()
        self.model.setSortRole(SORT_ROLE)  # numbers sort as numbers
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.tabs.addTab(self.tornado_canvas, "Tornado")
        self.tabs.addTab(self.pareto_canvas, "Cost and self-sufficiency")
        self.tabs.addTab(self.view, "Variants")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        example = Path(__file__).resolve().parents[2] / "sweeps" / "example.toml"
        if example.exists() and self.project_path.stem == "schutterwald":
            self.sweep_file.setText(str(example))

    # ------------------------------------------------------------------ choosing
    def _pick_sweep(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Sweep file", str(self.project_path.parent), "TOML (*.toml)")
        if path:
            self.sweep_file.setText(path)

    def _pick_output(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Results folder", str(self.project_path.parent))
        if path:
            self.output.setText(path)

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        """Read the sweep file and run it (its errors shown here, nothing started)."""
        from planner import PlannerError
        from planner.sweep.definition import describe, read_sweep

        try:
            sweep = read_sweep(self.sweep_file.text().strip())
        except PlannerError as error:
            self.status.setText(f"<span style='color:#b00020'>{error}</span>")
            return
        index = self.kpi.findData(sweep.kpi)
        if index >= 0:
            self.kpi.setCurrentIndex(index)
        self.thread = SweepThread(self.project_path, sweep, Path(self.output.text().strip()),
                                  self.scheduler.text().strip() or None, self.workers.value(), self.serial.isChecked())
        self.thread.progressed.connect(self._progress)
        self.thread.ready.connect(lambda where: self.status.setText(f"{describe(sweep)}: running on {where}"))
        self.thread.finished_with.connect(self._done)
        self.thread.failed.connect(self._failed)
        self.run_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.bar.setRange(0, 0)
        self.status.setText(f"{describe(sweep)}: checking every variant and computing what they share…")
        self.thread.start()

    def stop(self) -> None:
        """Cancel: the finished variants stay in the folder's cache."""
        if self.thread is not None:
            self.thread.cancel.set()
            self.status.setText("cancelling…")
            self.cancel_button.setEnabled(False)

    def _progress(self, finished: int, total: int, failed: int, left) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(finished)
        eta = f", about {int(left) // 60} min {int(left) % 60} s left" if left and finished < total else ""
        self.bar.setFormat(f"{finished}/{total} variants, {failed} failed{eta}")

    def _idle(self) -> None:
        self.run_button.setEnabled(True)
        self.open_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1)

    def _failed(self, message: str) -> None:
        self._idle()
        self.status.setText(f"<span style='color:#b00020'>{message}</span>")

    def _done(self, outcome) -> None:
        self._idle()
        s = outcome.summary
        state = "cancelled: run it again to go on" if s["cancelled"] else "done"
        self.status.setText(f"{state}. {s['done']} of {s['variants']} variants done, {s['failed']} failed, "
                            f"{s['from_cache']} from the cache, {s['ran_now']} run on {s['ran_on']} in "
                            f"{s['seconds']:.0f} s; written to {self.output.text()}")
        self.show_table(outcome.table)

    def show_folder(self) -> None:
        """Show the charts and table of a results folder written before."""
        import pandas as pd

        path = Path(self.output.text().strip()) / "variants.parquet"
        if not path.exists():
            self.status.setText(f"<span style='color:#b00020'>{path}: no sweep results there yet</span>")
            return
        self.show_table(pd.read_parquet(path))
        self.status.setText(f"the results of {path.parent}")

    # ------------------------------------------------------------------ reading
    def show_table(self, table) -> None:
        self.table = table
        params = [c for c in table.columns if c.startswith("param_")]
        columns = ["variant", *params, *(c for c in SHOWN if c in table.columns)]
        self.model.clear()
        self.model.setHorizontalHeaderLabels([c.removeprefix("param_") for c in columns])
        for record in table[columns].itertuples(index=False):
            row = []
            for value in record:
                item = QStandardItem()
                if isinstance(value, float):
                    item.setText(f"{value:.4g}")
                else:
                    item.setText("" if value is None else str(value))
                item.setData(value if isinstance(value, (int, float)) else item.text(), SORT_ROLE)
                item.setEditable(False)
                row.append(item)
            self.model.appendRow(row)
        self.view.resizeColumnsToContents()
        self._draw()

    def _draw(self, *_args) -> None:
        if self.table is None:
            return
        tornado(self.table, self.kpi.currentData(), self.tornado_figure)
        pareto(self.table, self.pareto_figure)
        self.tornado_canvas.draw_idle()
        self.pareto_canvas.draw_idle()

    def done(self, result: int) -> None:
        """Closing asks a running sweep to stop (the finished variants stay in the cache)."""
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel.set()
            self.thread.wait(30_000)
        super().done(result)
