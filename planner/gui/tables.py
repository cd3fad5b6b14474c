"""Table editors over the model: members, ownership shares, tariffs, contracts and load profiles.

One :class:`EntityTableModel` per kind shows one row per object and one column per field, with
units in the headers; a cell edit is checked by the model's own rules before it is applied (a
refused value is not applied and the reason is shown), and every applied edit, added row or
removed row is one undoable command on the window's stack. Rows sort by any column.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QTabWidget, QVBoxLayout, QWidget,
)

from planner.model import ENTITY_BY_KIND
from planner.model.base import value_from_text

#: The kinds edited in tables, in tab order, with their tab titles.
TABLE_KINDS = (("member", "Members"), ("ownership_share", "Ownership shares"), ("tariff", "Tariffs"),
               ("contract", "Contracts"), ("load_profile", "Load profiles"), ("heat_pump", "Heat pumps"),
               ("charging_point", "Charging points"), ("wind_site", "Wind sites"))
#: Fields too long for a cell, shown as a summary and not edited here (load profiles' year of values).
SUMMARISED = {("load_profile", "values")}


class EntityTableModel(QAbstractTableModel):
    """The objects of one kind of a project as a table."""

    refused = Signal(str)

    def __init__(self, kind: str, window, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.window = window
        self.specs = [s for s in ENTITY_BY_KIND[kind].field_specs()]
        self._ids: list[str] = []
        self.refresh()

    def refresh(self) -> None:
        """Read the rows again from the project (after edits, undo and redo)."""
        self.beginResetModel()
        project = self.window.project
        self._ids = list(project.items(self.kind)) if project is not None else []
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.specs)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            spec = self.specs[section]
            text = f"{spec.label} [{spec.unit}]" if spec.unit else spec.label
            return f"{text}: {spec.doc}" if role == Qt.ItemDataRole.ToolTipRole and spec.doc else text
        return section + 1 if role == Qt.ItemDataRole.DisplayRole else None

    def entity(self, row: int):
        """The object shown in a row."""
        return self.window.project.get(self.kind, self._ids[row])

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        spec = self.specs[index.column()]
        entity = self.entity(index.row())
        value = getattr(entity, spec.name)
        if (self.kind, spec.name) in SUMMARISED and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = entity.array()
            return (f"{len(values):,} values, {len(values) * entity.step_minutes / 1440:g} days; mean {values.mean():.4g}, "
                    f"highest {values.max():.4g} (planner import --as profiles)")
        if role == Qt.ItemDataRole.CheckStateRole and spec.type is bool:
            return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if spec.type is bool:
                return None
            if value is None:
                return ""
            return f"{value:.6g}" if isinstance(value, float) and role == Qt.ItemDataRole.DisplayRole else value
        if role == Qt.ItemDataRole.ToolTipRole:
            return spec.doc or spec.label
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.type in (int, float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index):
        base = super().flags(index)
        if not index.isValid():
            return base
        spec = self.specs[index.column()]
        if spec.name == "id" or (self.kind, spec.name) in SUMMARISED:
            return base
        if spec.type is bool:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        from planner.model.commands import UpdateEntity

        spec = self.specs[index.column()]
        entity = self.entity(index.row())
        try:
            parsed = _parse(spec, value, role)
        except ValueError as exc:
            self.refused.emit(str(exc))
            return False
        if parsed == getattr(entity, spec.name):
            return False
        problems = self.window._check_edit(self.kind, entity.id, {spec.name: parsed})
        if problems:
            self.refused.emit(problems[0])
            return False
        self.refused.emit("")
        return self.window.execute(UpdateEntity(self.kind, entity.id, **{spec.name: parsed}))


def _parse(spec, value, role):
    if spec.type is bool:
        state = value.value if hasattr(value, "value") else value
        return state == Qt.CheckState.Checked.value or state is True
    return value_from_text(spec, value)


class EntityTable(QWidget):
    """A sortable table of one kind with Add and Remove, and the reason of a refused edit."""

    def __init__(self, kind: str, window, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.window = window
        self.model = EntityTableModel(kind, window, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.model.refused.connect(self.message.setText)
        self.model.modelReset.connect(self._fit_columns)
        self._fit_columns()
        add = QPushButton("Add")
        add.clicked.connect(self.add_row)
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def _fit_columns(self, widest: int = 340) -> None:
        """Columns as wide as their headers and values need (headers readable), within ``widest`` px."""
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        for column in range(self.model.columnCount()):
            if header.sectionSize(column) > widest:
                header.resizeSection(column, widest)

    def add_row(self) -> bool:
        """Add an object with the defaults the model gives (for a tariff, prices to fill in)."""
        from planner.generation.placement import next_id
        from planner.model.commands import AddEntity

        project = self.window.project
        if project is None:
            return False
        defaults = _defaults(self.kind, project)
        if self.kind == "load_profile":
            self.message.setText("load profiles come from a file: planner import PROJECT FILE.csv --as profiles")
            return False
        if defaults is None:
            self.message.setText(f"add the {'members' if self.kind != 'member' else 'objects'} it refers to first")
            return False
        entity = ENTITY_BY_KIND[self.kind](id=next_id(project, self.kind, self.kind.replace("_", "-")), **defaults)
        return self.window.execute(AddEntity(entity))

    def remove_selected(self) -> bool:
        """Remove the selected row (refused, with the reason, while others refer to it)."""
        from planner.model.commands import RemoveEntity

        rows = self.view.selectionModel().selectedRows() or self.view.selectionModel().selectedIndexes()
        if not rows:
            return False
        source = self.proxy.mapToSource(rows[0])
        entity = self.model.entity(source.row())
        return self.window.execute(RemoveEntity(self.kind, entity.id))


def _defaults(kind: str, project) -> dict | None:
    members = list(project.items("member"))
    if kind == "member":
        tariffs = list(project.items("tariff"))
        return {"name": "New member", "tariff_id": tariffs[0] if tariffs else None}
    if kind == "tariff":
        return {"name": "New tariff", "import_price_eur_per_kwh": 0.30, "export_price_eur_per_kwh": 0.08}
    if kind == "contract":
        return {"seller_id": members[0], "buyer_id": members[1], "price_eur_per_kwh": 0.20} if len(members) >= 2 \
            else None
    if kind == "ownership_share":
        units = [(u.KIND, u.id) for k in ("pv_unit", "wind_turbine", "chp_unit") for u in project.items(k).values()]
        if not members or not units:
            return None
        return {"unit_kind": units[0][0], "unit_id": units[0][1], "member_id": members[0], "share": 0.1}
    return {}


class PeopleAndMoney(QTabWidget):
    """Members, ownership shares, tariffs, contracts and load profiles, a tab each."""

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.tables = {}
        for kind, title in TABLE_KINDS:
            table = EntityTable(kind, window, self)
            self.tables[kind] = table
            self.addTab(table, title)

    def refresh(self) -> None:
        """Show the project's rows again."""
        for table in self.tables.values():
            table.model.refresh()
