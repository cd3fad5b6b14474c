"""Result tables: members, units and grid elements of the last run, sortable, filtered as you type,
exported as shown; a row selects its object on the map and the map's selection selects its row."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView, QTabWidget, QVBoxLayout, QWidget,
)

from planner.report.export import header


class FrameModel(QAbstractTableModel):
    """A read-only pandas table; numbers sort as numbers."""

    def __init__(self, frame: pd.DataFrame, parent=None):
        super().__init__(parent)
        self.frame = frame.reset_index(drop=True)

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.frame.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        value = self.frame.iat[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(value, float):
                return "" if value != value else f"{value:,.2f}"
            return str(value)
        if role == Qt.ItemDataRole.UserRole:  # for sorting
            return value.item() if hasattr(value, "item") else value
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return header(str(self.frame.columns[section]))
        return None


class _Tab(QWidget):
    def __init__(self, name: str, kind_of, parent=None):
        super().__init__(parent)
        self.name, self.kind_of = name, kind_of  # kind_of(row Series) -> (kind, id) on the map, or None
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: type part of any value")
        self.export = QPushButton("Export CSV…")
        self.count = QLabel()
        self.view = QTableView()
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view.setModel(self.proxy)
        self.filter.textChanged.connect(self._filter)
        row = QHBoxLayout()
        row.addWidget(self.filter, 1)
        row.addWidget(self.count)
        row.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        self.model = None
        self.set_frame(pd.DataFrame())

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.model = FrameModel(frame, self)
        self.proxy.setSourceModel(self.model)
        self._filter(self.filter.text())
        self.view.resizeColumnsToContents()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self.count.setText(f"{self.proxy.rowCount():,} of {self.model.rowCount():,} rows")

    def shown_frame(self) -> pd.DataFrame:
        """The rows as shown: filtered and sorted."""
        rows = [self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in range(self.proxy.rowCount())]
        return self.model.frame.iloc[rows]

    def row_of(self, kind: str, ident: str) -> int | None:
        """The shown row of a map object, or None."""
        for r in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(r, 0)).row()
            if self.kind_of(self.model.frame.iloc[source]) == (kind, ident):
                return r
        return None


class ResultTables(QTabWidget):
    """Members, Units and Grid tabs over the results shown."""

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.tabs = {
            "Members": _Tab("members", self._member_object),
            "Units": _Tab("units", lambda r: (r["kind"], r["unit_id"]) if "unit_id" in r else None),
            "Grid": _Tab("grid", lambda r: (r["kind"], str(r["id"])) if "id" in r else None),
        }
        for title, tab in self.tabs.items():
            self.addTab(tab, title)
            tab.export.clicked.connect(lambda checked=False, t=tab: self.export_dialog(t))
            tab.view.selectionModel().selectionChanged.connect(lambda *_, t=tab: self._row_selected(t))
        self._syncing = False

    def _member_object(self, row):
        project = self.window.project
        if project is None or "member_id" not in row:
            return None
        consumer = next((c for c in project.items("consumer").values() if c.member_id == row["member_id"]), None)
        return ("consumer", consumer.id) if consumer is not None else None

    def set_results(self, results) -> None:
        """Fill the tables from a :class:`~planner.report.results.Results` (None: empty)."""
        members = pd.DataFrame()
        if results is not None and results.members is not None:
            from planner.report.figures import SCHEME_NAMES

            m = results.members
            # energy as the benefit scheme (the SDR pool) counts it: grid-only rows have no generation
            scheme = results.summary.get("indexes", {}).get("benefit_scheme", "sdr")
            scheme = scheme if scheme in set(m.scheme) else m.scheme.iloc[0]
            base = m[m.scheme == scheme][["member_id", "demand_kwh", "generation_kwh", "shared_in_kwh",
                                          "shared_out_kwh"]].set_index("member_id")
            bills = m.pivot_table(index="member_id", columns="scheme", values="bill_eur", aggfunc="sum")
            order = [k for k in SCHEME_NAMES if k in bills.columns] + [k for k in bills.columns if k not in SCHEME_NAMES]
            bills = bills[order]
            bills.columns = [f"bill {SCHEME_NAMES.get(c, c)}_eur" for c in order]
            members = base.join(bills).reset_index()
        self.tabs["Members"].set_frame(members)
        units = pd.DataFrame()
        if results is not None and results.unit_finance is not None:
            keep = ["unit_id", "kind", "technology", "size", "size_basis", "capex_eur", "energy_kwh_per_year",
                    "lcoe_eur_per_kwh", "npv_eur", "irr"]
            units = results.unit_finance[[c for c in keep if c in results.unit_finance.columns]]
        self.tabs["Units"].set_frame(units)
        grid = results.grid_elements if results is not None and results.grid_elements is not None else pd.DataFrame()
        self.tabs["Grid"].set_frame(grid)

    def export_dialog(self, tab: _Tab, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, f"Export {tab.name}", f"{tab.name}.csv", "CSV (*.csv)")
        if not path:
            return False
        frame = tab.shown_frame()
        frame.rename(columns={c: header(str(c)) for c in frame.columns}).to_csv(path, index=False)
        self.window.statusBar().showMessage(f"Wrote {len(frame):,} rows to {path}", 10000)
        return True

    def _row_selected(self, tab: _Tab) -> None:
        if self._syncing:
            return
        rows = tab.view.selectionModel().selectedRows()
        if not rows:
            return
        source = tab.proxy.mapToSource(rows[0]).row()
        target = tab.kind_of(tab.model.frame.iloc[source])
        if target is None or self.window.project is None or target not in self.window.project:
            return
        self._syncing = True
        try:
            item = self.window.canvas.map_scene.select_object(*target)
            if item is not None:
                self.window.canvas.centerOn(item)
        finally:
            self._syncing = False

    def map_selected(self, kind: str, ident: str) -> None:
        """The map's selection changed: select its row in the current tab, when it has one."""
        if self._syncing:
            return
        tab = self.currentWidget()
        row = tab.row_of(kind, ident)
        if row is None:
            return
        self._syncing = True
        try:
            tab.view.selectRow(row)
            tab.view.scrollTo(tab.proxy.index(row, 0))
        finally:
            self._syncing = False
