"""The main window: the map in the centre, docks for layers and the inspector, a status bar.

Projects: New (a dialog), Open, Save, Save As, Import of parcels, buildings and streets, recent
files; a ``*`` in the title while there are unsaved edits and a prompt before they would be
lost; autosave to a recovery file (after edits, at most every 30 s) and, on opening, an offer to
restore a recovery file newer than the project.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
)

from planner import PlannerError
from planner.gui.app import settle_memory
from planner.gui.docks import Inspector, LayerList
from planner.gui.map_canvas import MapCanvas
from planner.model import Project


#: Seconds after an edit before the recovery file is written (and at most this often).
AUTOSAVE_SECONDS = 30
_RECENT = "recent_files"


class MainWindow(QMainWindow):
    """The app's window: map, layers, inspector, status bar, and the project's file handling."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project: Project | None = None
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.resize(1280, 820)

        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)

        self.layer_list = LayerList(self)
        self.layer_list.visibility_changed.connect(self.canvas.map_scene.set_layer_visible)
        self.inspector = Inspector(self, check=self._check_edit)
        self.inspector.edit_requested.connect(self._apply_edit)
        self._add_dock("Layers", self.layer_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        inspector_dock = self._add_dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        from planner.gui.tables import PeopleAndMoney

        self.tables = PeopleAndMoney(self)
        tables_dock = self._add_dock("People and money", self.tables, Qt.DockWidgetArea.BottomDockWidgetArea)
        tables_dock.hide()  # View > People and money
        self.tables_dock = tables_dock
        from planner.gui.results_panel import ResultsPanel

        self.results_panel = ResultsPanel()
        from planner.gui.hour_view import HourView

        self.hour_view = HourView(self)
        self.results_panel.layout().insertWidget(3, self.hour_view)
        self.results_dock = self._add_dock("Results", self.results_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(inspector_dock, self.results_dock)
        from planner.gui.plots import PlotsPanel

        self.plots = PlotsPanel()
        self.plots_dock = self._add_dock("Plots", self.plots, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.plots_dock.hide()  # View > Plots, and shown after a run
        from planner.gui.result_tables import ResultTables

        self.result_tables = ResultTables(self)
        self.result_tables_dock = self._add_dock("Result tables", self.result_tables,
                                                 Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.plots_dock, self.result_tables_dock)
        self.result_tables_dock.hide()
        inspector_dock.raise_()
        self.resizeDocks([inspector_dock], [360], Qt.Orientation.Horizontal)
        self.canvas.map_scene.selectionChanged.connect(self._on_selection)

        self._coords = QLabel()
        self._crs = QLabel()
        self._attribution = QLabel()
        self._attribution.setStyleSheet("color: #555")
        status = self.statusBar()
        status.addWidget(self._coords, 1)
        status.addPermanentWidget(self._attribution)
        status.addPermanentWidget(self._crs)
        self.canvas.cursor_moved.connect(self._on_cursor)
        self.undo_stack.cleanChanged.connect(lambda clean: self._show_title())
        self.undo_stack.indexChanged.connect(self._on_edited)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_SECONDS * 1000)
        self._autosave.timeout.connect(self.autosave_now)
        self._dirty_without_undo = False  # a restored recovery is unsaved though nothing was undone
        self._make_actions()
        self._show_title()

    def _add_dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = self._action(file_menu, "&New…", self.new_dialog, QKeySequence.StandardKey.New)
        self.open_action = self._action(file_menu, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.save_action = self._action(file_menu, "&Save", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(file_menu, "Save &as…", self.save_as, QKeySequence.StandardKey.SaveAs)
        file_menu.addSeparator()
        self.import_action = self._action(file_menu, "&Import parcels, buildings or streets…",
                                          lambda: self.editing.import_dialog())
        self.import_profiles_action = self._action(file_menu, "Import &load profiles (CSV)…",
                                                   lambda: self.editing.import_profiles_dialog())
        self.report_action = self._action(file_menu, "Export &report (PDF)…", lambda: self.run_tools.export_report())
        self.export_action = self._action(file_menu, "E&xport results (XLSX, GeoJSON, CSV) or the grid (JSON)…",
                                          lambda: self.run_tools.export_results())
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self._fill_recent()
        edit_menu = self.menuBar().addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        edit_menu.addSeparator()
        self.delete_action = self._action(edit_menu, "&Delete", lambda: self.editing.delete_selected(),
                                          QKeySequence.StandardKey.Delete)
        self.group_action = self._action(edit_menu, "&Group boxed consumers into one member…",
                                         lambda: self.editing.group_boxed_consumers())
        edit_menu.addSeparator()
        from planner.gui.study_dialog import edit_study

        self.study_action = self._action(edit_menu, "S&tudy settings…", lambda: edit_study(self))
        from planner.gui.editing import EditingTools

        self.editing = EditingTools(self)
        self.editing.make_tools()
        self.tool_actions = self.editing.tool_actions
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.tables_dock.toggleViewAction())
        self.background_action = self._action(view_menu, "&Background map (OpenStreetMap)", self._toggle_background)
        self.background_action.setCheckable(True)
        self._action(view_menu, "Zoom to &extent", self.canvas.zoom_to_extent, "Ctrl+0")
        zoom_in = self._action(view_menu, "Zoom &in", lambda: self.canvas.zoom(1.25), QKeySequence.StandardKey.ZoomIn)
        zoom_in.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")])
        self._action(view_menu, "Zoom &out", lambda: self.canvas.zoom(0.8), QKeySequence.StandardKey.ZoomOut)
        from planner.gui.grid_tools import GridTools

        self.grid_tools = GridTools(self)
        self.grid_tools.make_actions(self.editing.menu, self.editing.toolbar, view_menu)
        from planner.gui.optimise_tools import OptimiseTools

        self.optimise_tools = OptimiseTools(self)
        self.optimise_tools.make_actions(self.editing.menu)
        from planner.gui.suitability_view import SuitabilityView

        self.suitability_view = SuitabilityView(self)
        self.suitability_view.make_actions(view_menu)
        view_menu.addAction(self.results_dock.toggleViewAction())
        view_menu.addAction(self.plots_dock.toggleViewAction())
        view_menu.addAction(self.result_tables_dock.toggleViewAction())
        from planner.gui.run_tools import RunTools

        self.run_tools = RunTools(self, self.results_panel)
        self.run_tools.make_actions(self.menuBar().addMenu("&Run"), self.editing.toolbar)

    # the editing tools' entry points, for scripts and tests
    def place_unit(self, kind: str, x: float, y: float) -> bool:
        """Place a unit where the map was clicked (see :class:`~planner.gui.editing.EditingTools`)."""
        return self.editing.place_unit(kind, x, y)

    def delete_selected(self) -> bool:  # the selected object
        return self.editing.delete_selected()

    def import_dialog(self) -> bool:  # parcels, buildings or streets, one undo step
        return self.editing.import_dialog()

    @property
    def last_placement_notes(self) -> list[str]:
        """What the last placement assumed."""
        return self.editing.last_placement_notes

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # ----------------------------------------------------------------- project
    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a project file; on failure say why and keep what was open.

        A recovery file newer than the project is offered for restoring (``ask=False`` skips
        the unsaved-changes prompt of the project that was open).
        """
        from planner.io import load_project
        from planner.io.recovery import discard_recovery, pending_recovery, restore

        if ask and not self.maybe_save():
            return False
        try:
            project = load_project(path)
        except PlannerError as exc:
            QMessageBox.critical(self, "Cannot open project", str(exc))
            return False
        path = Path(path)
        recovered = pending_recovery(path)
        restored = False
        if recovered is not None:
            from datetime import datetime

            when = datetime.fromtimestamp(recovered.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            answer = QMessageBox.question(
                self, "Restore unsaved changes?",
                f"{path.name} has unsaved changes from {when} (the app closed before they were saved). "
                f"Restore them?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
            if answer == QMessageBox.StandardButton.Yes:
                try:
                    project, restored = restore(recovered), True
                except PlannerError as exc:
                    QMessageBox.warning(self, "Cannot restore", str(exc))
            else:
                discard_recovery(path)
        self.set_project(project, path)
        self._dirty_without_undo = restored
        self._show_title()
        self._remember(path)
        return True

    def open_dialog(self) -> None:
        """Ask for a project file and open it."""
        start = str(self.path.parent) if self.path else str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start,
                                              "Peergrid projects (*.gpkg)")
        if path:
            self.open_path(path)

    def new_dialog(self) -> bool:
        """Make a new project in the dialog (site, weather, tariff, shared energy)."""
        from planner.gui.new_project import NewProjectDialog

        if not self.maybe_save():
            return False
        dialog = NewProjectDialog(self)
        if dialog.exec() != NewProjectDialog.DialogCode.Accepted or dialog.project is None:
            return False
        self.set_project(dialog.project, None)
        self._dirty_without_undo = True
        self._show_title()
        self.statusBar().showMessage("; ".join(" ".join(line.split()) for line in dialog.lines), 15000)
        return True

    def save(self) -> bool:
        """Save to the project's file (Save as when it has none); True when saved."""
        if self.project is None:
            return False
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        """Ask for a file and save the project there."""
        if self.project is None:
            return False
        start = str(self.path) if self.path else str(Path.cwd() / f"{self.project.name}.gpkg")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, "Peergrid projects (*.gpkg)")
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != ".gpkg":
            path = path.with_suffix(".gpkg")
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        from planner.io import save_project
        from planner.io.recovery import discard_recovery

        try:
            save_project(self.project, path)
        except PlannerError as exc:
            QMessageBox.critical(self, "Cannot save", str(exc))
            return False
        discard_recovery(self.path, self.project.name)
        discard_recovery(path)
        self.path = path
        self._dirty_without_undo = False
        self.undo_stack.setClean()
        self._autosave.stop()
        self._remember(path)
        self._show_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def is_modified(self) -> bool:
        """Whether the project has edits that are not saved."""
        return self.project is not None and (self._dirty_without_undo or not self.undo_stack.isClean())

    def maybe_save(self) -> bool:
        """Before unsaved edits would be lost: Save, Discard or Cancel. True to go on."""
        from planner.io.recovery import discard_recovery

        if not self.is_modified():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to '{self.project.name}'?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            discard_recovery(self.path, self.project.name)
            self._dirty_without_undo = False
            self.undo_stack.setClean()
            return True
        return False

    def autosave_now(self) -> None:
        """Write unsaved edits to the recovery file (atomically); a failure is shown, not raised."""
        from planner.io.recovery import write_recovery

        if not self.is_modified():
            return
        try:
            written = write_recovery(self.project, self.path)
        except (PlannerError, OSError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 10000)
            return
        self.statusBar().showMessage(f"Autosaved to {written.name}", 3000)

    @staticmethod
    def _settings() -> QSettings:
        return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Peergrid", "Peergrid Planner")

    def _remember(self, path: Path) -> None:
        settings = self._settings()
        recent = [p for p in (settings.value(_RECENT) or []) if p != str(path)]
        settings.setValue(_RECENT, [str(path), *recent][:8])
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for entry in self._settings().value(_RECENT) or []:
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda checked=False, p=entry: self.open_path(p))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    def _toggle_background(self, on: bool | None = None) -> None:
        """Turn the background map on or off (tiles fetched off the GUI thread, cached on disk)."""
        from planner.gui.tiles import TileLayer

        on = self.background_action.isChecked() if on is None else on
        if self.project is not None and (self.canvas.tiles is None or self.canvas.tiles.crs != self.project.site.crs):
            layer = TileLayer(self.project.site.crs, parent=self)
            layer.crs = self.project.site.crs
            layer.changed.connect(self.canvas.viewport().update)
            layer.failed.connect(lambda message: self.statusBar().showMessage(message, 10000))
            self.canvas.tiles = layer
        if self.canvas.tiles is not None:
            self.canvas.tiles.enabled = on
            self._attribution.setText("; ".join(t for t in (self.project.attribution if self.project else "",
                                                             self.canvas.tiles.provider.attribution if on else "")
                                                if t))
        self.canvas.viewport().update()

    def set_project(self, project: Project | None, path: Path | None = None) -> None:
        """Show ``project`` (from ``path``), with a fresh undo history."""
        self.project, self.path = project, path
        self.undo_stack.clear()
        self._dirty_without_undo = False
        self.canvas.set_project(project)
        self.layer_list.set_counts(project)
        self.inspector.show_entity(None)
        self.tables.refresh()
        self._crs.setText(f"{project.site.crs}" if project else "")
        self._attribution.setText(project.attribution if project else "")
        if self.background_action.isChecked():
            self._toggle_background(True)
        if hasattr(self, "run_tools"):  # the project's last results, current or stale
            self.run_tools.show_results()
            if project is not None and not os.environ.get("PEERGRID_NO_PREWARM"):
                QTimer.singleShot(1500, self.run_tools.prewarm_when_idle)  # the first Run then starts at once
        if hasattr(self, "suitability_view"):
            self.suitability_view.project_changed()
        if hasattr(self, "grid_tools"):  # hosting capacity computed before: show it
            self.grid_tools.show_hosting(project is not None and any(
                b.hosting_capacity_kw is not None for b in project.items("bus").values()))
        self._show_title()
        settle_memory()

    def _show_title(self) -> None:
        name = self.project.name if self.project else "no project"
        where = f" ({self.path.name})" if self.path else (" (not saved yet)" if self.project else "")
        self.setWindowTitle(f"{'*' if self.is_modified() else ''}{name}{where} — Peergrid Planner")

    def _check_edit(self, kind: str, id: str, changes: dict) -> list[str]:
        """What the model says of a change, without making it (the inspector's check as you type)."""
        import dataclasses

        from planner.model.base import check_value

        old = self.project.get(kind, id) if self.project is not None else None
        if old is None:
            return ["the object is gone"]
        specs = {s.name: s for s in old.field_specs()}
        for name, value in changes.items():
            message = check_value(specs[name], value)
            if message:
                return [message]
        new = dataclasses.replace(old, **changes)
        issues = new.validate() + self.project.check_change(old, new) + self.project.check_references(new)
        return [issue.message for issue in issues]

    def _apply_edit(self, kind: str, id: str, changes: dict) -> None:
        from planner.model.commands import UpdateEntity

        self.execute(UpdateEntity(kind, id, **changes))

    def _on_edited(self, _index: int) -> None:
        """After an edit, an undo or a redo: counts, title, the inspector, and the next autosave."""
        if self.project is None:
            return
        shown = self.inspector.entity
        if shown is not None:
            current = self.project.items(shown.KIND).get(shown.id)
            if current is not shown:
                self.inspector.show_entity(current)
        self.layer_list.set_counts(self.project)
        self.tables.refresh()
        self.run_tools.project_edited()
        self.suitability_view.project_changed()
        self._show_title()
        if self.is_modified() and not self._autosave.isActive():
            self._autosave.start()

    def execute(self, command) -> bool:
        """Do a model command and put it on the undo stack; a refused edit is shown, not raised."""
        from planner.gui.undo import UndoCommand

        if self.project is None:
            return False
        try:
            command.do(self.project)
        except PlannerError as exc:
            QMessageBox.warning(self, "Edit refused", str(exc))
            return False
        self.undo_stack.push(UndoCommand(self.project, command))
        self.layer_list.set_counts(self.project)
        return True

    # ----------------------------------------------------------------- signals
    def _on_selection(self) -> None:
        picked = self.canvas.selected_entity()
        if picked is not None:
            self.result_tables.map_selected(*picked)
        entity = None
        if picked is not None and self.project is not None:
            entity = self.project.get(*picked)
        self.inspector.show_entity(entity)

    def _on_cursor(self, x: float, y: float) -> None:
        if self.project is None:
            self._coords.clear()
            return
        text = f"E {x:,.1f}  N {y:,.1f} m"
        lon_lat = self._to_wgs84(x, y)
        if lon_lat is not None:
            text += f"   ({lon_lat[1]:.5f}°, {lon_lat[0]:.5f}°)"
        self._coords.setText(text)

    def _to_wgs84(self, x: float, y: float):
        crs = self.project.site.crs
        if getattr(self, "_wgs84_crs", None) != crs:
            from pyproj import Transformer

            self._wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            self._wgs84_crs = crs
        return self._wgs84.transform(x, y)

    def closeEvent(self, event):
        """Ask before unsaved edits are lost; then let go of the project."""
        if not self.maybe_save():
            event.ignore()
            return
        self._autosave.stop()
        self.run_tools.shutdown(final=True)
        self.hour_view.shutdown()
        self.canvas.map_scene.set_project(None)
        self.canvas.map_scene.renderer.shutdown()
        super().closeEvent(event)
