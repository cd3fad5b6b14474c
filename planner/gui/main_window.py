"""The main window: the map in the centre, docks for layers and the inspector, a status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
)

from planner import PlannerError
from planner.gui.docks import Inspector, LayerList
from planner.gui.map_canvas import MapCanvas
from planner.model import Project


class MainWindow(QMainWindow):
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
        self.inspector = Inspector(self)
        self._add_dock("Layers", self.layer_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
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
        self.open_action = self._action(file_menu, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        view_menu = self.menuBar().addMenu("&View")
        self._action(view_menu, "Zoom to &extent", self.canvas.zoom_to_extent, "Ctrl+0")
        self._action(view_menu, "Zoom &in", lambda: self.canvas.zoom(1.25), QKeySequence.StandardKey.ZoomIn)
        self._action(view_menu, "Zoom &out", lambda: self.canvas.zoom(0.8), QKeySequence.StandardKey.ZoomOut)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # ----------------------------------------------------------------- project
    def open_path(self, path: str | Path) -> bool:
        """Open a project file; on failure say why and keep what was open."""
        from planner.io import load_project

        try:
            project = load_project(path)
        except PlannerError as exc:
            QMessageBox.critical(self, "Cannot open project", str(exc))
            return False
        self.set_project(project, Path(path))
        return True

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start,
                                              "Peergrid projects (*.gpkg)")
        if path:
            self.open_path(path)

    def set_project(self, project: Project | None, path: Path | None = None) -> None:
        self.project, self.path = project, path
        self.undo_stack.clear()
        self.canvas.set_project(project)
        self.layer_list.set_counts(project)
        self.inspector.show_entity(None)
        self._crs.setText(f"{project.site.crs}" if project else "")
        self._attribution.setText(project.attribution if project else "")
        self._show_title()

    def _show_title(self) -> None:
        name = self.project.name if self.project else "no project"
        where = f" ({self.path.name})" if self.path else ""
        self.setWindowTitle(f"{name}{where} — Peergrid Planner")

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
        self.canvas.map_scene.set_project(None)
        super().closeEvent(event)
