"""Run the plan from the app: a worker process, the stage in the status bar, Cancel at once.

The simulation runs in a separate process (:func:`planner.io.app_runs.serve`), started ahead
of the first Run (spawned, so it shares nothing with Qt) and kept for the next one: the window's
event loop only polls the worker's messages, so it never waits. Cancel ends the process (well
within a second) and nothing is written; the next Run starts a fresh one. Results land whole
in ``NAME.results/`` beside the project, are shown in the Results dock, and are marked stale as
soon as the project changes (by the run's fingerprint when a project is opened).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QPushButton

from planner.simulation.task import STAGES

POLL_MS = 50


class RunTools(QObject):
    """The Run action, the worker process and the results it brings back."""

    def __init__(self, window, panel):
        super().__init__(window)
        self.window, self.panel = window, panel
        self.process = self.jobs = self.events = None
        self.ready = False
        self.job: dict | None = None
        self._ids = itertools.count(1)
        self.run_index: int | None = None  # the undo stack's index the shown results belong to
        self.closed = False
        bar = window.statusBar()
        self.stage = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        for widget in (self.stage, self.bar, self.cancel_button):
            bar.addWidget(widget)
            widget.setVisible(False)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)

    def make_actions(self, menu, toolbar) -> None:
        self.run_action = QAction("&Run", self)
        self.run_action.setShortcut(QKeySequence("F5"))
        self.run_action.setToolTip("Simulate the year: generation, dispatch, power flow, settlement, finance (F5)")
        self.run_action.triggered.connect(self.run)
        menu.addAction(self.run_action)
        toolbar.insertAction(toolbar.actions()[0] if toolbar.actions() else None, self.run_action)
        self.sweep_action = QAction("S&weep: many variants (Dask)…", self)
        self.sweep_action.setToolTip("Run many variants of the saved project, from a sweep file, on this "
                                     "machine's cores or a Dask cluster")
        self.sweep_action.triggered.connect(self.sweep)
        menu.addAction(self.sweep_action)
        self.scenarios_action = QAction("Sce&narios: side by side…", self)
        self.scenarios_action.setToolTip("The project's named scenarios: edit, run, compare with the base")
        self.scenarios_action.triggered.connect(self.scenarios)
        menu.addAction(self.scenarios_action)

    def scenarios(self):
        """Open the scenarios dialog (edit, run, side by side)."""
        from planner.gui.scenarios_dialog import ScenariosDialog

        if self.window.project is None:
            return None
        dialog = ScenariosDialog(self.window)
        dialog.show()
        self.scenarios_window = dialog
        return dialog

    def sweep(self):
        """Open the sweep dialog on the saved project (saving first when it has changes)."""
        from planner.gui.sweep_dialog import SweepDialog

        window = self.window
        if window.path is None or window.is_modified():
            answer = QMessageBox.question(window, "Sweep", "A sweep runs on the saved project file. Save it now?")
            if answer != QMessageBox.StandardButton.Yes or not window.save():
                return None
        dialog = SweepDialog(window.path, window)
        dialog.show()
        self.sweep_window = dialog
        return dialog

    # ------------------------------------------------------------------ the worker
    def prewarm_when_idle(self, idle_s: float = 1.0, retry_ms: int = 500) -> None:
        """:meth:`prewarm` once the map has not been used for ``idle_s`` seconds: starting the
        worker holds the GUI thread 15-30 ms (imports, its queues, the process), which a click
        at that moment waited for (bench/gui.py's worst click-select, 21-33 ms)."""
        if self.closed or (self.process is not None and self.process.is_alive()):
            return
        if self.window.canvas.map_scene.renderer.idle_s() < idle_s:
            QTimer.singleShot(retry_ms, self, lambda: self.prewarm_when_idle(idle_s, retry_ms))
            return
        self.prewarm()

    def prewarm(self) -> None:
        """Start the worker process (it imports the engine and waits)."""
        if self.closed or (self.process is not None and self.process.is_alive()):
            return
        import multiprocessing

        from planner.io.app_runs import serve

        context = multiprocessing.get_context("spawn")
        self.jobs, self.events = context.Queue(), context.Queue()
        self.ready = False
        self.process = context.Process(target=serve, args=(self.jobs, self.events), daemon=True,
                                       name="peergrid-run-worker")
        self.process.start()
        self.timer.start()

    def shutdown(self, final: bool = False) -> None:
        """End the worker (``final``: the window closes, no worker starts again)."""
        self.closed = self.closed or final
        self.timer.stop()
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(2)
                if self.process.is_alive():
                    self.process.kill()
            self.process = None

    # ------------------------------------------------------------------ run and cancel
    def run(self) -> bool:
        """Start a run of the open project; False when it cannot start (said why)."""
        from planner.io.app_runs import results_folder

        window = self.window
        if window.project is None or self.job is not None:
            return False
        if window.path is not None and not window.is_modified():
            source = window.path
        else:  # the unsaved state goes to the worker as a snapshot file of its own
            from planner.io import save_project

            scratch = Path(tempfile.mkdtemp(prefix="peergrid-run-"))
            source = scratch / "snapshot.gpkg"
            try:
                save_project(window.project.snapshot(), source)
            except Exception as exc:
                QMessageBox.warning(window, "Cannot run", f"the project cannot be handed to the run: {exc}")
                return False
        folder = results_folder(window.path) if window.path is not None else source.with_name("results")
        self.prewarm()
        job_id = next(self._ids)
        self.job = {"id": job_id, "folder": folder, "started": time.perf_counter(),
                    "index": window.undo_stack.index(), "project": window.project}
        self.jobs.put((job_id, str(source), str(folder), None))
        self.bar.setValue(5)  # accepted: the bar moves at once
        self.stage.setText("Run: starting…")
        for widget in (self.stage, self.bar, self.cancel_button):
            widget.setVisible(True)
        self.run_action.setEnabled(False)
        return True

    def cancel(self) -> None:
        """Stop the run now: end the worker; nothing is written."""
        if self.job is None:
            return
        self.shutdown()
        self._end_job()
        self.window.statusBar().showMessage("Run cancelled: nothing was written", 10000)

    def _end_job(self) -> None:
        self.job = None
        for widget in (self.stage, self.bar, self.cancel_button):
            widget.setVisible(False)
        self.run_action.setEnabled(True)

    def _poll(self) -> None:
        import queue

        if self.events is None:
            return
        while True:
            try:
                event = self.events.get_nowait()
            except (queue.Empty, OSError, ValueError):
                break
            self._handle(event)
        if self.job is not None and (self.process is None or not self.process.is_alive()):
            self._end_job()
            QMessageBox.warning(self.window, "Run failed", "the run's worker process ended unexpectedly")

    def _handle(self, event) -> None:
        kind = event[0]
        if kind == "ready":
            self.ready = True
            return
        if self.job is None or event[1] != self.job["id"]:
            return
        if kind == "started":  # the worker has the job
            self.bar.setValue(max(self.bar.value(), 30))
            self.stage.setText("Run: reading the project…")
        elif kind == "stage":
            _, _, name, index, count = event
            done = sum(weight for _, weight in STAGES[:index])
            self.bar.setValue(max(self.bar.value(), int(50 + 950 * done)))
            self.stage.setText(f"Run: {name} ({index + 1}/{count})")
        elif kind == "done":
            self.finished_at = time.perf_counter()  # the run is over: what follows is showing it
            job = self.job
            self._end_job()
            seconds = time.perf_counter() - job["started"]
            if self.window.project is job["project"]:
                self.run_index = job["index"]
                self.show_results(job["folder"])
                self.window.plots_dock.show()
                self.window.result_tables_dock.show()
            self.window.statusBar().showMessage(f"Run finished in {seconds:.0f} s: results in {job['folder']}", 15000)
        elif kind == "error":
            self._end_job()
            QMessageBox.warning(self.window, "Run failed", event[2])

    # ------------------------------------------------------------------ results
    def show_results(self, folder=None) -> None:
        """Show results: a run's folder just written (current), or else the open project's stored
        ones (current when their fingerprint is the project's)."""
        from planner.io.app_runs import load_results, read_results

        window = self.window
        if folder is not None:
            stored, stale = read_results(folder), False
        else:
            stored = load_results(window.path) if window.path is not None else None
            stale = stored is not None and not stored.matches(window.project)
            self.run_index = None if stored is None or stale else window.undo_stack.index()
        self.stored = stored
        self.window.plots.set_results(stored.folder if stored is not None else None)
        self.window.result_tables.set_results(self.window.plots.results)
        self.window.hour_view.set_results(window.project, stored.folder if stored is not None and not stale else None)
        if stored is None:
            self.panel.show_summary(None)
            return
        when = datetime.fromtimestamp(stored.record.get("started", 0)).strftime("%Y-%m-%d %H:%M")
        self.panel.show_summary(stored.summary, when, stale)

    # ------------------------------------------------------------------ exports
    def export_results(self, target: str | None = None) -> bool:
        """File > Export results: by extension, the workbook (.xlsx), the map with its results
        (.geojson), the members (.csv) of the current results, or the grid as a pandapower net
        (.json, no results needed)."""
        from PySide6.QtWidgets import QFileDialog

        from planner import PlannerError

        window = self.window
        if window.project is None:
            return False
        if target is None:
            start = str(window.path.with_suffix(".xlsx")) if window.path else "results.xlsx"
            target, _ = QFileDialog.getSaveFileName(
                window, "Export results", start, "Workbook (*.xlsx);;Map with results (*.geojson);;"
                "Members (*.csv);;Grid as a pandapower net (*.json)")
            if not target:
                return False
        suffix = target.lower().rsplit(".", 1)[-1] if "." in target else ""
        stored = getattr(self, "stored", None)
        try:
            if suffix == "json":
                import pandapower as pp

                from planner.grid.three_phase import handover_net
                from planner.io.file_safety import atomic_write_text

                if not len(window.project.items("bus")):
                    raise PlannerError("the project has no grid to export")
                atomic_write_text(target, pp.to_json(handover_net(window.project)))
            elif suffix in ("xlsx", "geojson", "csv"):
                if stored is None or self.panel.is_stale:
                    raise PlannerError("the results are not the project's as it is: Run it first (F5)")
                from planner.report import export

                writer = {"xlsx": export.export_xlsx, "geojson": export.export_geojson,
                          "csv": export.export_members_csv}[suffix]
                writer(window.project, stored.folder, target)
            else:
                raise PlannerError(f"{target}: export writes .xlsx, .geojson, .csv or .json")
        except PlannerError as exc:
            QMessageBox.warning(window, "Cannot export", str(exc))
            return False
        window.statusBar().showMessage(f"Exported to {target}", 10000)
        return True

    # ------------------------------------------------------------------ the report
    def export_report(self, target: str | None = None) -> bool:
        """File > Export report: the PDF of the results shown (current ones only), written in a
        thread while the window stays responsive; False when there is nothing to report."""
        import threading

        from PySide6.QtWidgets import QFileDialog

        window = self.window
        stored = getattr(self, "stored", None)
        if window.project is None or stored is None or self.panel.is_stale:
            QMessageBox.information(window, "Export report", "The report shows the results of the project as it is: "
                                    "Run it first (F5).")
            return False
        if target is None:
            start = str(window.path.with_suffix(".pdf")) if window.path else "report.pdf"
            target, _ = QFileDialog.getSaveFileName(window, "Export report", start, "PDF (*.pdf)")
            if not target:
                return False
        if not target.lower().endswith(".pdf"):
            target += ".pdf"
        from planner.report.pdf import build_report

        snapshot = window.project.snapshot()
        outcome = {}

        def work():
            try:
                build_report(snapshot, stored.folder, target, run_record=stored.record)
            except Exception as exc:
                outcome["error"] = f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
            outcome["done"] = True

        self.report_thread = threading.Thread(target=work, name="report", daemon=True)
        self.report_thread.start()
        window.statusBar().showMessage(f"Writing the report to {target}…")

        def check():
            if not outcome.get("done"):
                QTimer.singleShot(100, check)
                return
            if "error" in outcome:
                QMessageBox.warning(window, "Cannot write the report", outcome["error"])
            else:
                window.statusBar().showMessage(f"Report written to {target}", 15000)
            self.report_done = outcome

        QTimer.singleShot(100, check)
        return True

    def project_edited(self) -> None:
        """The undo stack moved: results are current only at the index they were computed at."""
        if self.panel.summary is not None:
            stale = self.run_index is None or self.window.undo_stack.index() != self.run_index
            was = self.panel.is_stale
            self.panel.set_stale(stale)
            if stale != was and getattr(self, "stored", None) is not None:  # the hour view follows
                self.window.hour_view.set_results(self.window.project, None if stale else self.stored.folder)
