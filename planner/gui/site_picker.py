"""Pick a new project's site by clicking on a map of the town, before any project exists.

The town's buildings and streets come from :func:`planner.io.geography.town_map` (in their UTM
zone); the dialog draws them, marks the middle, and moves the mark where the user clicks. The
chosen point is read back as latitude and longitude by the map itself.
"""

from __future__ import annotations

import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QGraphicsEllipseItem, QGraphicsScene, QGraphicsView, QLabel, QVBoxLayout,
)

from planner.gui.layer_render import _paths


class _SiteView(QGraphicsView):
    def __init__(self, scene, on_click):
        super().__init__(scene)
        self._on_click = on_click
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QColor("#f4f1ea"))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._on_click(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mousePressEvent(event)

    def wheelEvent(self, event):
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        self.scale(factor, factor)


class SitePickerDialog(QDialog):
    """A map of the town: click where the site is; ``latitude`` and ``longitude`` [deg] hold it."""

    def __init__(self, town, title: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle("Click the site on the map")
        self.town = town
        self.scene = QGraphicsScene(self)
        lines = shapely.get_type_id(town.geometries) == 1
        streets, _ = _paths(town.geometries[lines], 0.0)
        areas, _ = _paths(town.geometries[~lines & (shapely.get_dimensions(town.geometries) == 2)], 0.0)
        self.scene.addPath(areas, QPen(QColor("#6d6258"), 0), QBrush(QColor("#d9cbb8")))
        self.scene.addPath(streets, QPen(QColor("#8a8a8a"), 0), QBrush(Qt.BrushStyle.NoBrush))
        extent = self.scene.itemsBoundingRect()
        margin = 0.05 * max(extent.width(), extent.height(), 100.0)
        self.scene.setSceneRect(extent.adjusted(-margin, -margin, margin, margin))
        self.mark = QGraphicsEllipseItem(-7, -7, 14, 14)
        self.mark.setPen(QPen(QColor("white"), 2))
        self.mark.setBrush(QColor("#c62828"))
        self.mark.setFlag(QGraphicsEllipseItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.mark.setZValue(10)
        self.scene.addItem(self.mark)
        self.view = _SiteView(self.scene, self.choose)
        self.view.setMinimumSize(560, 420)
        self.where = QLabel()
        hint = QLabel(f"{title}: click the site (the wheel zooms); the mark starts at the middle of the data."
                      if title else "Click the site (the wheel zooms).")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.where)
        layout.addWidget(buttons)
        x, y = town.centre
        self.choose(QPointF(x, -y))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        """The whole town in view."""
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def choose(self, point: QPointF) -> None:
        """Put the site at a scene point (x east, y south, metres in the town's UTM zone)."""
        self.mark.setPos(point)
        self.latitude, self.longitude = self.town.lat_lon(point.x(), -point.y())
        self.where.setText(f"Site: {self.latitude:.5f}° N, {self.longitude:.5f}° E (WGS 84)")
