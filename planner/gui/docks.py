"""Side panels: the layer list and the inspector of the selected object."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QFormLayout, QLabel, QListWidget, QListWidgetItem, QScrollArea, QVBoxLayout, QWidget,
)

from planner.gui.map_canvas import LAYER_STYLES
from planner.model import Entity, Project


def _swatch(stroke: str, fill: str | None) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(fill or stroke))
    return QIcon(pixmap)


class LayerList(QListWidget):
    """One row per layer with its object count; the check box shows or hides it."""

    visibility_changed = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: dict[str, QListWidgetItem] = {}
        for kind, style in reversed(LAYER_STYLES.items()):  # top layer first, as in QGIS
            row = QListWidgetItem(_swatch(style.stroke, style.fill), style.title)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Checked)
            row.setData(Qt.ItemDataRole.UserRole, kind)
            self.addItem(row)
            self._rows[kind] = row
        self.itemChanged.connect(self._on_item_changed)

    def _on_item_changed(self, row: QListWidgetItem) -> None:
        kind = row.data(Qt.ItemDataRole.UserRole)
        self.visibility_changed.emit(kind, row.checkState() == Qt.CheckState.Checked)

    def set_counts(self, project: Project | None) -> None:
        for kind, row in self._rows.items():
            n = len(project.items(kind)) if project is not None else 0
            row.setText(f"{LAYER_STYLES[kind].title} ({n:,})")

    def set_checked(self, kind: str, checked: bool) -> None:
        self._rows[kind].setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class Inspector(QScrollArea):
    """Shows every field of the selected object with its unit (editing comes with the tools)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self._title = QLabel()
        self._title.setWordWrap(True)
        self._title.setStyleSheet("font-weight: bold")
        self._form = QFormLayout()
        self._layout.addWidget(self._title)
        self._layout.addLayout(self._form)
        self._layout.addStretch(1)
        self.setWidget(self._body)
        self.show_entity(None)

    def show_entity(self, entity: Entity | None) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        if entity is None:
            self._title.setText("Nothing selected. Click an object on the map.")
            return
        self._title.setText(entity.describe())
        for spec in entity.field_specs():
            value = getattr(entity, spec.name)
            if value is None:
                text = "—"
            elif isinstance(value, bool):
                text = "yes" if value else "no"
            elif isinstance(value, float):
                text = f"{value:,.6g}"
            else:
                text = str(value)
            if spec.unit and value is not None and not isinstance(value, bool):
                text += f" {spec.unit}"
            label = QLabel(text)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setToolTip(spec.doc)
            self._form.addRow(f"{spec.label}:", label)
        geometry = getattr(entity, "geometry", None)
        if geometry is not None:
            if geometry.geom_type == "Point":
                text = f"{geometry.x:,.1f} E, {geometry.y:,.1f} N"
            elif geometry.geom_type == "LineString":
                text = f"{geometry.length:,.1f} m along the route"
            else:
                text = f"{geometry.area:,.0f} m²"
            self._form.addRow("geometry:", QLabel(text))

    def field_text(self, label: str) -> str | None:
        """The shown value of a field (for tests and accessibility)."""
        for row in range(self._form.rowCount()):
            name = self._form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if name is not None and name.widget().text() == f"{label}:":
                return self._form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget().text()
        return None
