"""Size the grid from the app: the same work as ``planner size-grid``, in a worker thread.

The worker gets a snapshot of the project (:meth:`planner.model.Project.snapshot`) and runs
:func:`planner.simulation.grid_plan.plan_grid` on it; the window stays responsive and shows the
stage. The result comes back as one undoable step
(:func:`planner.model.commands.commands_to_match`). Cancel stops waiting at once and drops the
result (the worker finishes its current computation in the background, then is forgotten).
Buses can be coloured by their hosting capacity, with the classes in the status bar.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressDialog

#: Hosting capacity classes [kW] and their colours (red: little room, green: much).
HOSTING_CLASSES = ((25.0, "#d7191c"), (100.0, "#fdae61"), (300.0, "#a6d96a"), (float("inf"), "#1a9641"))
NO_VALUE = "#9e9e9e"


def hosting_colour(bus) -> str:
    value = bus.hosting_capacity_kw
    if value is None:
        return NO_VALUE
    return next(colour for top, colour in HOSTING_CLASSES if value < top)


def hosting_legend() -> str:
    parts, low = [], 0.0
    for top, colour in HOSTING_CLASSES:
        label = f"≥ {low:,.0f}" if top == float("inf") else f"{low:,.0f}–{top:,.0f}"
        parts.append(f"<span style='color:{colour}'>■</span> {label}")
        low = top
    return "Hosting capacity (kW): " + "  ".join(parts) + f"  <span style='color:{NO_VALUE}'>■</span> not computed"


class GridTools(QObject):
    """The Size grid action and the hosting capacity colouring of the map."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job: dict | None = None
        self.last_result: dict | None = None
        self.legend = QLabel(hosting_legend())
        self.legend.setVisible(False)
        window.statusBar().addPermanentWidget(self.legend)

    def make_actions(self, tools_menu, toolbar, view_menu) -> None:
        self.size_action = QAction("Size the &grid", self)
        self.size_action.setToolTip("Lay out a grid where there is none, size it (or reinforce the existing one) by "
                                    "power flow, and find each bus's hosting capacity")
        self.size_action.triggered.connect(self.size_grid)
        tools_menu.addSeparator()
        tools_menu.addAction(self.size_action)
        toolbar.addSeparator()
        toolbar.addAction(self.size_action)
        self.colour_action = QAction("Colour buses by &hosting capacity", self)
        self.colour_action.setCheckable(True)
        self.colour_action.toggled.connect(self.show_hosting)
        view_menu.addAction(self.colour_action)

    def show_hosting(self, on: bool) -> None:
        self.window.canvas.map_scene.colour_buses(hosting_colour if on else None)
        self.legend.setVisible(on)
        if self.colour_action.isChecked() != on:
            self.colour_action.setChecked(on)

    # ------------------------------------------------------------------ the job
    def size_grid(self) -> bool:
        """Start sizing the open project's grid in a worker; False when it cannot start."""
        from planner.simulation.grid_plan import plan_grid

        window = self.window
        if window.project is None or self.job is not None:
            return False
        snapshot = window.project.snapshot()
        job = {"stage": "starting", "result": None, "error": None, "done": False, "snapshot": snapshot,
               "project": window.project}

        def work():
            try:
                job["result"] = plan_grid(snapshot, progress=lambda text: job.__setitem__("stage", text))
            except Exception as exc:  # shown to the user as one message, never a traceback
                job["error"] = exc
            job["done"] = True

        self.job = job
        self.progress = QProgressDialog("Sizing the grid…", "Cancel", 0, 0, window)
        self.progress.setWindowTitle("Size the grid")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.cancel)
        self.progress.show()
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)
        self.timer.start()
        self.worker = threading.Thread(target=work, name="size-grid", daemon=True)
        self.worker.start()
        return True

    def cancel(self) -> None:
        """Stop waiting; the worker's result will be dropped."""
        if self.job is not None:
            self.job["cancelled"] = True
            self._finish()
            self.window.statusBar().showMessage("Sizing cancelled: the project is unchanged", 10000)

    def _finish(self) -> None:
        self.timer.stop()
        self.progress.blockSignals(True)
        self.progress.close()
        self.job = None

    def _poll(self) -> None:
        job = self.job
        if job is None:
            return
        self.progress.setLabelText(f"Sizing the grid: {job['stage']}…")
        if not job["done"]:
            return
        self._finish()
        window = self.window
        if job["error"] is not None:
            from planner import PlannerError

            error = job["error"]
            text = str(error) if isinstance(error, PlannerError) else f"{type(error).__name__}: {error}"
            QMessageBox.warning(window, "Cannot size the grid", text)
            return
        if window.project is not job["project"]:  # another project was opened meanwhile
            return
        from planner.model.commands import commands_to_match

        out = job["result"]
        command = commands_to_match(window.project, job["snapshot"], "Size the grid")
        if not window.execute(command):
            return
        self.last_result = out
        self.show_hosting(True)
        window.canvas.zoom_to_extent()
        QMessageBox.information(window, "Grid sized", describe(out))


def describe(out: dict) -> str:
    """A few lines on what ``plan_grid`` did."""
    lines = []
    if out["layout"]:
        lay = out["layout"]
        lines.append(f"Laid out {lay['connections']} connections in {lay['areas']} transformer areas "
                     f"({'along the streets' if lay['along_streets'] else 'in straight lines: no streets'}).")
    lines.append(f"{len(out['violations_before'])} limit(s) broken before, {len(out['violations_after'])} after; "
                 f"{len(out['changes'])} change(s).")
    sizes = ", ".join(f"{t['kva']}" for t in out["transformers"])
    lines.append(f"Grid: {out['cable_km']:.2f} km of cable, {len(out['transformers'])} transformer(s) ({sizes} kVA).")
    what = "the whole grid" if out["mode"] == "new layout" else "the reinforcement"
    lines.append(f"Cost of {what}: {out['cost_eur']:,.0f} EUR.")
    c = out["checks"]
    lines.append(f"Planning cases: loading up to {c['max_line_loading_percent']:.0f} % (cables), "
                 f"{c['max_trafo_loading_percent']:.0f} % (transformers); voltage {c['min_vm_pu']:.3f}–"
                 f"{c['max_vm_pu']:.3f} p.u.; rise from generation {c['max_voltage_rise_percent']:.2f} %.")
    if "year" in out:
        y = out["year"]
        lines.append(f"The year: losses {y['losses_kwh'] / 1000:,.1f} MWh; upstream losses avoided "
                     f"{y['upstream_losses_avoided_kwh'] / 1000:,.1f} MWh.")
    u = out.get("unbalance")
    if u:
        from planner.report.numbers import num

        moved = sum(1 for m in u["moves"] if m["kind"] != "cable")
        cables = len(u["moves"]) - moved
        lines.append(f"Unbalance (three-phase year, limit {num(u['limit_percent'], 'g', unit='%')}): worst "
                     f"{num((u['before'] or {}).get('max_unbalance_percent'), '.2f', unit='%')} before, "
                     f"{num((u['after'] or {}).get('max_unbalance_percent'), '.2f', unit='%')} after; "
                     f"{moved} unit(s) moved to another phase, {cables} cable(s) made stronger.")
        if u["unfixed"]:
            lines.append(f"Cannot fix: {u['unfixed']}")
    for text in out["unfixable"][:5]:
        lines.append(f"Cannot fix: {text}")
    for note in (out["layout"] or {}).get("notes", [])[:3] + out["notes"][:3]:
        lines.append(f"Note: {note}")
    return "\n".join(lines)
