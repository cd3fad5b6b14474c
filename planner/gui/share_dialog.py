"""Tools > Equip a share of households: heat pumps or wallboxes for a seeded random share of the
households, added as one undo step (the choice of households is planner.model.electrification's)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox


class ShareDialog(QDialog):
    """Which devices, for what share of the households, with which seed (and how wallboxes charge)."""

    def __init__(self, parent, counts: dict[str, int]):
        super().__init__(parent)
        self.setWindowTitle("Equip a share of households")
        form = QFormLayout(self)
        self.kind = QComboBox()
        self.kind.addItem(f"heat pumps ({counts.get('heat_pump', 0):,} households with a heat demand)", "heat_pump")
        self.kind.addItem(f"wallboxes for an electric car ({counts.get('charging_point', 0):,} households)",
                          "charging_point")
        form.addRow("Equip with", self.kind)
        self.share = QDoubleSpinBox()
        self.share.setRange(0.0, 100.0)
        self.share.setValue(30.0)
        self.share.setSuffix(" %")
        form.addRow("Share of households", self.share)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setToolTip("the same seed picks the same households; a larger share includes a smaller one's")
        form.addRow("Seed", self.seed)
        self.strategy = QComboBox()
        for strategy, text in (("immediate", "immediately on arrival"), ("reduced", "at reduced power"),
                               ("smart", "smart: in the community's surplus hours"),
                               ("limit", "under the transformer's limit")):
            self.strategy.addItem(text, strategy)
        form.addRow("Wallboxes charge", self.strategy)
        self.kind.currentIndexChanged.connect(lambda _: self.strategy.setEnabled(self.kind.currentData() != "heat_pump"))
        self.strategy.setEnabled(False)
        form.addRow(QLabel("Households that have one keep it; none is removed."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form.addRow(buttons)

    def choice(self) -> tuple[str, float, int, dict]:
        """(kind, share 0-1, seed, fields of the new devices)."""
        kind = self.kind.currentData()
        fields = {"strategy": self.strategy.currentData()} if kind == "charging_point" else {}
        return kind, self.share.value() / 100.0, self.seed.value(), fields
