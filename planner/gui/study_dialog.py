"""Edit > Study settings: the assumptions every figure is computed with, stored in the project."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from planner.gui.new_project import spin_box


class StudyDialog(QDialog):
    """Emission factor and its source, upstream losses, discount rate, horizon, cost catalogue, and the
    settlement scheme whose savings count as the members' benefit."""

    def __init__(self, study, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Study settings")
        self.study = None
        form = QFormLayout()
        self.factor = spin_box(0, 2, study.grid_emission_factor_kg_per_kwh, 3, " kg CO2/kWh")
        self.source = QLineEdit(study.emission_factor_source)
        self.source.setCursorPosition(0)  # the source's beginning, not its end
        self.losses = spin_box(0, 50, study.upstream_loss_factor * 100, 1, " %")
        self.rate = spin_box(-5, 50, study.discount_rate * 100, 2, " % a year")
        self.horizon = QSpinBox()
        self.horizon.setRange(1, 100)
        self.horizon.setValue(study.horizon_years)
        self.horizon.setSuffix(" years")
        from planner.model.study import BENEFIT_SCHEMES, SCHEME_LABELS

        self.scheme = QComboBox()
        for name in BENEFIT_SCHEMES:
            self.scheme.addItem(SCHEME_LABELS[name], name)
        self.scheme.setCurrentIndex(max(self.scheme.findData(study.benefit_scheme), 0))
        self.step = QComboBox()
        self.step.addItem("1 hour", 60)
        self.step.addItem("15 minutes (for 15-minute load profiles; slower)", 15)
        self.step.setCurrentIndex(max(self.step.findData(study.resolution_minutes), 0))
        self.catalogue = QLineEdit(study.cost_catalogue or "")
        self.catalogue.setPlaceholderText("the shipped catalogue")
        pick = QPushButton("File…")
        pick.clicked.connect(self._pick)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.catalogue, 1)
        line.addWidget(pick)
        form.addRow("Grid emission factor", self.factor)
        form.addRow("Its source", self.source)
        form.addRow("Upstream losses avoided", self.losses)
        form.addRow("Discount rate", self.rate)
        form.addRow("Horizon", self.horizon)
        form.addRow("Cost catalogue (CSV)", row)
        form.addRow("Members' benefit counted under", self.scheme)
        form.addRow("Time step of a run", self.step)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("What every figure of a run is computed with; the report's assumptions page "
                                "lists them."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _pick(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Cost catalogue", "", "CSV (*.csv)")
        if path:
            self.catalogue.setText(path)

    def accept(self) -> None:
        from planner.model.study import StudySettings

        study = StudySettings(grid_emission_factor_kg_per_kwh=self.factor.value(),
                              emission_factor_source=self.source.text().strip(),
                              upstream_loss_factor=self.losses.value() / 100.0, discount_rate=self.rate.value() / 100.0,
                              horizon_years=self.horizon.value(), cost_catalogue=self.catalogue.text().strip() or None,
                              benefit_scheme=self.scheme.currentData(), resolution_minutes=self.step.currentData())
        issues = study.validate()
        if issues:
            self.message.setText(str(issues[0]))
            return
        self.study = study
        super().accept()


def edit_study(window) -> bool:
    """Edit > Study settings: one undoable change of the window's project's assumptions."""
    from planner.model.commands import SetStudy

    if window.project is None:
        return False
    dialog = StudyDialog(window.project.study, window)
    window.study_editor = dialog
    if dialog.exec() != StudyDialog.DialogCode.Accepted or dialog.study == window.project.study:
        return False
    return window.execute(SetStudy(dialog.study))
