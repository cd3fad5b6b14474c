"""The KPI panel: the last run's figures from its ``summary.json``, marked stale after an edit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from planner.report.kpis import KPIS, _get


class ResultsPanel(QWidget):
    """Key figures of the last run, with when it ran and whether the project changed since."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state = QLabel("No results yet: Run (F5) simulates the project.")
        self.state.setWordWrap(True)
        self.form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, _, meaning in KPIS:
            value = QLabel("—")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setToolTip(meaning)
            name = QLabel(label)
            name.setToolTip(meaning)
            self.form.addRow(name, value)
            self.values[label] = value
        self.note = QLabel("Settlement schemes that pool or share (SDR, MMR, bill sharing, bilateral contracts) move "
                           "money between members, not out of the community: with one tariff their totals match.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555")
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addLayout(self.form)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.summary: dict | None = None

    def show_summary(self, summary: dict | None, when: str = "", stale: bool = False) -> None:
        """Show a run's summary (None: no results)."""
        self.summary = summary
        for label, get, _ in KPIS:
            self.values[label].setText(get(summary) if summary else "—")
        bad = summary is not None and (_get(summary, "grid", "non_converged_steps") or 0) > 0
        self.values["Steps that did not converge"].setStyleSheet("color: #b00020; font-weight: bold" if bad else "")
        if summary is None:
            self.state.setText("No results yet: Run (F5) simulates the project.")
            self.state.setStyleSheet("")
        else:
            self.set_stale(stale, when)

    def set_stale(self, stale: bool, when: str | None = None) -> None:
        if when is not None:
            self._when = when
        if self.summary is None:
            return
        when = getattr(self, "_when", "")
        if stale:
            self.state.setText(f"Results of {when}: the project has changed since; Run again to update them.")
            self.state.setStyleSheet("color: #b00020")
        else:
            self.state.setText(f"Results of {when}.")
            self.state.setStyleSheet("")

    @property
    def is_stale(self) -> bool:
        return "changed since" in self.state.text()
