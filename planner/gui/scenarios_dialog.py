"""Run > Scenarios: the project's named scenarios (overrides of the base), edited in a table, run,
and shown side by side with each one's difference from the base.

Editing is one undo step (:class:`~planner.model.commands.SetScenarios`); running needs the
saved project (the runs read the file, as ``planner scenarios --run`` does) and goes through
the sweep runner in a thread, so the window stays live and Cancel works.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QTableView, QTableWidget,
    QTableWidgetItem, QVBoxLayout,
)

COLUMNS = ("name", "overrides (key=value, …)", "description")


class ScenarioThread(QThread):
    """``run_scenarios`` off the GUI thread."""

    progressed = Signal(int, int)
    finished_with = Signal(object)
    failed = Signal(str)

    def __init__(self, project_path):
        super().__init__()
        import threading

        self.project_path = project_path
        self.cancel = threading.Event()

    def run(self) -> None:
        from planner import PlannerError
        from planner.sweep.scenarios import run_scenarios

        try:
            outcome = run_scenarios(self.project_path, cancel=self.cancel,
                                    progress=lambda s: self.progressed.emit(s.done + s.failed, s.total))
        except PlannerError as error:
            self.failed.emit(str(error))
            return
        except Exception as error:  # shown, never a crash
            self.failed.emit(f"unexpected {type(error).__name__}: {error}")
            return
        self.finished_with.emit(outcome)


class ScenariosDialog(QDialog):
    """The scenarios in a table (name, overrides, description) and their results side by side."""

    def __init__(self, window):
        super().__init__(window)
        from planner.model.scenarios import PARAMETERS

        self.window = window
        self.thread: ScenarioThread | None = None
        self.setWindowTitle("Scenarios")
        self.resize(980, 680)
        self.editor = QTableWidget(0, len(COLUMNS))
        self.editor.setHorizontalHeaderLabels(COLUMNS)
        self.editor.horizontalHeader().setStretchLastSection(True)
        self.editor.setColumnWidth(0, 180)
        self.editor.setColumnWidth(1, 420)
        add, remove = QPushButton("Add"), QPushButton("Remove")
        add.clicked.connect(lambda: self.add_row("", "", ""))
        remove.clicked.connect(self.remove_row)
        self.apply_button = QPushButton("Apply (one undo step)")
        self.apply_button.clicked.connect(self.apply)
        self.run_button = QPushButton("Save and run the base and every scenario")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(lambda: self.thread and self.thread.cancel.set())
        buttons = QHBoxLayout()
        for b in (add, remove, self.apply_button, self.run_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = QLabel("Parameters: " + ", ".join(PARAMETERS) + ".")
        self.message.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.model = QStandardItemModel()
        self.results = QTableView()
        self.results.setModel(self.model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(QLabel("Side by side (in brackets: the difference from the base):"))
        layout.addWidget(self.results, 3)
        self.load()

    # ------------------------------------------------------------------ editing
    def load(self) -> None:
        """Fill the table from the project, and show stored results that are still the project's."""
        from planner.model.scenarios import format_overrides

        self.editor.setRowCount(0)
        for s in self.window.project.scenarios:
            self.add_row(s.name, format_overrides(s.overrides), s.description)
        if self.window.path is not None:
            from planner.sweep.scenarios import stored_scenarios

            table = stored_scenarios(self.window.project, self.window.path)
            if table is not None:
                self.show_results(table)

    def add_row(self, name: str, overrides: str, description: str) -> None:
        row = self.editor.rowCount()
        self.editor.insertRow(row)
        for column, text in enumerate((name, overrides, description)):
            self.editor.setItem(row, column, QTableWidgetItem(text))

    def remove_row(self) -> None:
        rows = sorted({i.row() for i in self.editor.selectedIndexes()}, reverse=True)
        for row in rows:
            self.editor.removeRow(row)

    def scenarios(self):
        """The table as scenarios (ValueError naming the row that cannot be read)."""
        from planner.model.scenarios import Scenario, parse_overrides

        out = []
        for row in range(self.editor.rowCount()):
            cells = [(self.editor.item(row, c).text() if self.editor.item(row, c) else "").strip() for c in range(3)]
            if not any(cells):
                continue
            try:
                overrides = parse_overrides(cells[1])
            except ValueError as error:
                raise ValueError(f"row {row + 1}: {error}") from None
            out.append(Scenario(cells[0], overrides, cells[2]))
        return out

    def apply(self) -> bool:
        """Put the table's scenarios into the project as one undo step; problems stay in the dialog."""
        from planner.model.commands import SetScenarios
        from planner.model.scenarios import validate_scenarios

        try:
            scenarios = self.scenarios()
        except ValueError as error:
            self.message.setText(f"<span style='color:#b00020'>{error}</span>")
            return False
        issues = validate_scenarios(scenarios)
        if issues:
            self.message.setText(f"<span style='color:#b00020'>{issues[0]}</span>")
            return False
        if tuple(scenarios) != tuple(self.window.project.scenarios) and \
                not self.window.execute(SetScenarios(scenarios)):
            return False
        self.message.setText(f"{len(scenarios)} scenario{'s' * (len(scenarios) != 1)} in the project.")
        return True

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        if not self.apply():
            return
        if not self.window.project.scenarios:
            self.message.setText("<span style='color:#b00020'>Add a scenario first.</span>")
            return
        if (self.window.path is None or self.window.is_modified()) and not self.window.save():
            return
        self.thread = ScenarioThread(self.window.path)
        self.thread.progressed.connect(lambda done, total: (self.bar.setRange(0, total), self.bar.setValue(done)))
        self.thread.finished_with.connect(self._done)
        self.thread.failed.connect(self._failed)
        self.bar.setRange(0, 0)
        self.bar.setVisible(True)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.message.setText("running the base and every scenario…")
        self.thread.start()

    def _idle(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.bar.setVisible(False)

    def _failed(self, message: str) -> None:
        self._idle()
        self.message.setText(f"<span style='color:#b00020'>{message}</span>")

    def _done(self, outcome) -> None:
        self._idle()
        s = outcome.summary
        self.message.setText(("cancelled: " if s["cancelled"] else "") + f"{s['done']} of {s['variants']} runs "
                             f"done ({s['from_cache']} unchanged, from before), {s['failed']} failed, in "
                             f"{s['seconds']:.0f} s. File > Export report compares them on a page.")
        self.show_results(outcome.table)

    def show_results(self, table) -> None:
        from planner.report.scenarios_page import format_difference, format_figure
        from planner.sweep.scenarios import BASE, comparison
        from planner.sweep.table import label

        compared = comparison(table)
        names = list(table.scenario)
        self.model.clear()
        self.model.setHorizontalHeaderLabels(["figure", *names, "what it is"])
        for _, r in compared.iterrows():
            cells = [label(r.figure)] + [format_figure(r.figure, r[n]) + (format_difference(r.figure, r[f"{n} - {BASE}"])
                                                                 if n != BASE else "") for n in names] + [r.meaning]
            items = []
            for text in cells:
                item = QStandardItem(text)
                item.setEditable(False)
                items.append(item)
            self.model.appendRow(items)
        failed = table[table.status != "done"]
        for row in failed.itertuples():
            QMessageBox.warning(self, "Scenarios", f"{row.scenario} did not run: {row.error}")
        self.results.resizeColumnsToContents()
        self.results.horizontalHeader().setStretchLastSection(True)
        self.results.setAlternatingRowColors(True)
        self.results.setWordWrap(False)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)

    def done(self, result: int) -> None:
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel.set()
            self.thread.wait(30_000)
        super().done(result)
