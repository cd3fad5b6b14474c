"""Tools > Assign phases: which small inverters, batteries and wallboxes connect to one phase (spread
over L1-L3 in a seeded order, all on L1 as the worst case, or back on three phases), applied as one
undo step; the choice is planner.grid.three_phase.assign_phases'."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox,
)

from planner.grid.three_phase import SINGLE_PHASE_MAX_KW

#: (kind, label) of what the dialog offers, and whether it is ticked at first
_KINDS = (("pv_unit", "PV units", True), ("battery", "batteries", True), ("charging_point", "charging points", True),
          ("heat_pump", "heat pumps (any size)", False))


class PhaseDialog(QDialog):
    """How to assign (spread, worst, three-phase), which kinds, up to what power, the seed."""

    def __init__(self, parent, counts: dict[str, int]):
        super().__init__(parent)
        self.setWindowTitle("Assign phases")
        form = QFormLayout(self)
        self.mode = QComboBox()
        for mode, text in (("spread", "spread over L1, L2, L3 (seeded order)"),
                           ("worst", "all on L1 (the worst case)"), ("three-phase", "back on three phases")):
            self.mode.addItem(text, mode)
        form.addRow("Assign", self.mode)
        self.kinds = {}
        for k, (kind, label, ticked) in enumerate(_KINDS):
            box = QCheckBox(f"{label} ({counts.get(kind, 0):,})")
            box.setChecked(ticked)
            self.kinds[kind] = box
            form.addRow("Which" if k == 0 else "", box)
        self.households = QCheckBox(f"each household's own load ({counts.get('household', 0):,})")
        form.addRow("", self.households)
        self.max_kw = QDoubleSpinBox()
        self.max_kw.setRange(0.1, 1000.0)
        self.max_kw.setDecimals(1)
        self.max_kw.setValue(SINGLE_PHASE_MAX_KW)
        self.max_kw.setSuffix(" kW")
        self.max_kw.setToolTip("only those rated at most this (AC); VDE-AR-N 4105 allows one-phase generators up "
                               "to 4.6 kVA")
        form.addRow("Up to", self.max_kw)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setToolTip("the same seed gives the same phases")
        form.addRow("Seed", self.seed)
        self.mode.currentIndexChanged.connect(lambda _: self.seed.setEnabled(self.mode.currentData() == "spread"))
        form.addRow(QLabel("A run with one-phase connections adds the three-phase year: each phase's voltage,\n"
                           "the unbalance (EN 50160: 2 %) and the neutral currents."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form.addRow(buttons)

    def choice(self) -> dict:
        """The keyword arguments of :func:`planner.grid.three_phase.assign_phases` (with ``mode``)."""
        return {"mode": self.mode.currentData(), "kinds": tuple(k for k, box in self.kinds.items() if box.isChecked()),
                "max_kw": self.max_kw.value(), "seed": self.seed.value(), "households": self.households.isChecked()}
