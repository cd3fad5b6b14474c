"""The KPI panel: the last run's figures from its ``summary.json``, marked stale after an edit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget


def _get(summary: dict, *keys):
    value = summary
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _fmt(value, unit: str, scale: float = 1.0, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value * scale:,.{digits}f} {unit}".strip()


#: (label, how to get it from summary.json, how to show it, what it means)
KPIS = (
    ("Generation", lambda s: _fmt(_get(s, "energy", "generation_kwh"), "MWh", 1e-3), "all units over the year"),
    ("Demand", lambda s: _fmt(_get(s, "energy", "demand_kwh"), "MWh", 1e-3), "all consumers over the year"),
    ("Self-sufficiency", lambda s: _fmt(_get(s, "kpi", "self_sufficiency"), "%", 100),
     "share of the demand met by the community's own generation (DOMAIN 3)"),
    ("Self-consumption", lambda s: _fmt(_get(s, "kpi", "self_consumption"), "%", 100),
     "share of the generation used inside the community"),
    ("Shared between members", lambda s: _fmt(_get(s, "energy", "shared_kwh"), "MWh", 1e-3),
     "energy one member generated and another used"),
    ("Community grid losses", lambda s: _fmt(_get(s, "indexes", "community_grid_losses_kwh"), "MWh", 1e-3),
     "cables and transformers over the year (power flow)"),
    ("Upstream losses avoided", lambda s: _fmt(_get(s, "indexes", "avoided_upstream_losses_kwh"), "MWh", 1e-3),
     "energy used locally times the upstream loss factor"),
    ("Peak cable loading", lambda s: _fmt(_get(s, "grid", "max_line_loading_percent"), "%"),
     "highest loading of any cable in any step"),
    ("Peak transformer loading", lambda s: _fmt(_get(s, "grid", "max_trafo_loading_percent"), "%"),
     "highest loading of any transformer in any step"),
    ("Voltage", lambda s: ("—" if _get(s, "grid", "min_vm_pu") is None else
                           f"{_get(s, 'grid', 'min_vm_pu'):.3f} – {_get(s, 'grid', 'max_vm_pu'):.3f} p.u."),
     "lowest and highest bus voltage in any step"),
    ("Steps that did not converge", lambda s: "—" if _get(s, "grid", "non_converged_steps") is None else
     f"{_get(s, 'grid', 'non_converged_steps'):,}", "power flow steps without a solution (their hours are in "
                                                     "summary.json)"),
    ("CO2 avoided", lambda s: _fmt(_get(s, "indexes", "co2_avoided_t"), "t/a"), "against grid electricity"),
    ("Investment", lambda s: _fmt(_get(s, "indexes", "finance", "capex_eur"), "EUR", 1, 0), "every unit's capex"),
    ("NPV", lambda s: _fmt(_get(s, "indexes", "finance", "npv_eur"), "EUR", 1, 0),
     "net present value over the horizon at the discount rate"),
    ("IRR", lambda s: _fmt(_get(s, "indexes", "finance", "irr"), "%", 100), "internal rate of return"),
)


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
