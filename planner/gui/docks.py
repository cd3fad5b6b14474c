"""Side panels: the layer list and the inspector of the selected object."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QScrollArea,
    QVBoxLayout, QWidget,
)

from planner.gui.map_canvas import LAYER_STYLES
from planner.model import Entity, Project
from planner.model.base import value_from_text


def _swatch(style) -> QIcon:
    """The layer's symbol as the map draws it: its shape for points, a stroke for lines, a filled
    outline for areas (so the layer list is the map's legend)."""
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QBrush, QPainter, QPen, QPolygonF

    pixmap = QPixmap(16, 16)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(style.stroke), max(style.width, 1.0)))
    painter.setBrush(QBrush(QColor(style.fill)) if style.fill else QBrush())
    if style.symbol == "circle":
        painter.drawEllipse(QRectF(3, 3, 10, 10))
    elif style.symbol == "diamond":
        painter.drawPolygon(QPolygonF([QPointF(8, 1.5), QPointF(14.5, 8), QPointF(8, 14.5), QPointF(1.5, 8)]))
    elif style.symbol == "square":
        painter.drawRect(QRectF(3, 3, 10, 10))
    elif style.fill is None:  # a line layer
        pen = QPen(QColor(style.stroke), 2.5)
        painter.setPen(pen)
        painter.drawLine(QPointF(1, 12), QPointF(15, 4))
    else:
        painter.drawRect(QRectF(2, 3, 12, 10))
    painter.end()
    return QIcon(pixmap)


class LayerList(QListWidget):
    """The map's legend: one row per layer with its symbol and object count; the check box shows
    or hides it."""

    visibility_changed = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: dict[str, QListWidgetItem] = {}
        for kind, style in reversed(LAYER_STYLES.items()):  # top layer first, as in QGIS
            row = QListWidgetItem(_swatch(style), style.title)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Checked)
            row.setData(Qt.ItemDataRole.UserRole, kind)
            self.addItem(row)
            self._rows[kind] = row
        note = QListWidgetItem("Dotted: derived or assumed, not surveyed\n(each object's source says how)")
        note.setFlags(Qt.ItemFlag.NoItemFlags)
        note.setToolTip("Solid outlines come from the data (OpenStreetMap, a grid data set); dotted ones the "
                        "planner laid out or placed, or a sample's script assumed.")
        self.addItem(note)
        self.itemChanged.connect(self._on_item_changed)

    def _on_item_changed(self, row: QListWidgetItem) -> None:
        kind = row.data(Qt.ItemDataRole.UserRole)
        self.visibility_changed.emit(kind, row.checkState() == Qt.CheckState.Checked)

    def set_counts(self, project: Project | None) -> None:
        for kind, row in self._rows.items():
            items = project.items(kind).values() if project is not None else ()
            derived = sum(1 for e in items if e.is_derived)
            row.setText(f"{LAYER_STYLES[kind].title} ({len(items):,}"
                        + (f", {derived:,} derived)" if derived else ")"))

    def set_checked(self, kind: str, checked: bool) -> None:
        self._rows[kind].setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class Inspector(QScrollArea):
    """Every field of the selected object with its unit, editable.

    Each field is checked as it is typed by the model's own rules (``check`` handed in by the
    window: field bounds, the object's rules, references); a refused value turns the field red
    with the model's message and is not applied. A valid value is applied when the field is
    left or Enter is pressed, as one undoable edit (``edit_requested``).
    """

    edit_requested = Signal(str, str, dict)  # kind, id, {field: value}

    def __init__(self, parent=None, check=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self._check = check  # (kind, id, changes) -> list of messages
        self._entity: Entity | None = None
        self._editors: dict[str, QWidget] = {}
        self._specs = {}
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self._title = QLabel()
        self._title.setWordWrap(True)
        self._title.setStyleSheet("font-weight: bold")
        self._form = QFormLayout()
        self._message = QLabel()
        self._message.setWordWrap(True)
        self._message.setStyleSheet("color: #b00020")
        self._layout.addWidget(self._title)
        self._layout.addLayout(self._form)
        self._layout.addWidget(self._message)
        self._layout.addStretch(1)
        self.setWidget(self._body)
        self.show_entity(None)

    @property
    def entity(self) -> Entity | None:
        return self._entity

    def show_entity(self, entity: Entity | None) -> None:
        """Show ``entity``'s fields in editors (None: nothing selected)."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self._editors, self._specs = {}, {}
        self._entity = entity
        self._message.clear()
        if entity is None:
            self._title.setText("Nothing selected. Click an object on the map.")
            return
        self._title.setText(entity.describe())
        for spec in entity.field_specs():
            if spec.name == "id":
                label = QLabel(entity.id)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self._form.addRow("id:", label)
                continue
            editor = self._editor(spec, getattr(entity, spec.name))
            editor.setToolTip(spec.doc or spec.label)
            self._editors[spec.name] = editor
            self._specs[spec.name] = spec
            row = editor
            if spec.unit:
                row = QWidget()
                line = QHBoxLayout(row)
                line.setContentsMargins(0, 0, 0, 0)
                line.addWidget(editor, 1)
                line.addWidget(QLabel(spec.unit))
            self._form.addRow(f"{spec.label}:", row)
        geometry = getattr(entity, "geometry", None)
        if geometry is not None:
            if geometry.geom_type == "Point":
                text = f"{geometry.x:,.1f} E, {geometry.y:,.1f} N"
            elif geometry.geom_type == "LineString":
                text = f"{geometry.length:,.1f} m along the route"
            else:
                text = f"{geometry.area:,.0f} m²"
            self._form.addRow("geometry:", QLabel(text))

    def _editor(self, spec, value) -> QWidget:
        name = spec.name
        if spec.type is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(lambda checked, n=name: self._commit(n))
            return box
        if spec.choices:
            combo = QComboBox()
            if spec.optional:
                combo.addItem("—", None)
            for choice in spec.choices:
                combo.addItem(choice, choice)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.activated.connect(lambda _i, n=name: self._commit(n))
            return combo
        edit = QLineEdit(self._text(value))
        edit.textEdited.connect(lambda _t, n=name: self._check_field(n))
        edit.editingFinished.connect(lambda n=name: self._commit(n))
        return edit

    @staticmethod
    def _text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value)

    def _value(self, name: str):
        """The editor's value in the field's type; raises ValueError with the reason."""
        editor, spec = self._editors[name], self._specs[name]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        return value_from_text(spec, editor.text())

    def _problems(self, name: str) -> list[str]:
        try:
            value = self._value(name)
        except ValueError as exc:
            return [str(exc)]
        if self._check is None or self._entity is None:
            return []
        return self._check(self._entity.KIND, self._entity.id, {name: value})

    def _check_field(self, name: str) -> bool:
        problems = self._problems(name)
        editor = self._editors[name]
        editor.setStyleSheet("background: #ffd7d7" if problems else "")
        editor.setProperty("refused", bool(problems))
        self._message.setText(problems[0] if problems else "")
        return not problems

    def _commit(self, name: str) -> None:
        if self._entity is None or name not in self._editors:
            return
        if not self._check_field(name):
            return
        value = self._value(name)
        if value == getattr(self._entity, name):
            return
        self.edit_requested.emit(self._entity.KIND, self._entity.id, {name: value})

    def field_text(self, label: str) -> str | None:
        """The shown value of a field, with its unit (for tests and accessibility)."""
        for name, spec in self._specs.items():
            if spec.label == label:
                editor = self._editors[name]
                if isinstance(editor, QCheckBox):
                    text = "yes" if editor.isChecked() else "no"
                elif isinstance(editor, QComboBox):
                    text = editor.currentText()
                else:
                    text = editor.text()
                return f"{text} {spec.unit}" if spec.unit and text else text
        return None

    def editor(self, name: str) -> QWidget | None:
        """The editor of a field by its name (``peak_kw``)."""
        return self._editors.get(name)
