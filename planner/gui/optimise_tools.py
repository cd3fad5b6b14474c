"""Tools > Optimise PV, batteries, CHP and wind: the same work as ``planner optimise``, in a worker thread.

A dialog asks for the goals (the cheapest plan or the least CO2, a minimum self-sufficiency, a
budget, the typical days); a worker runs :mod:`planner.optimise` on a snapshot of the project
while a progress dialog shows the stage and offers Cancel (the result is then dropped). The
proposal comes back as a table of the units it would add beside today's totals and, with "Check
by simulating the year" (on by default), the year simulated with them by ``planner run``'s chain
beside the programme's figures (as ``planner optimise --apply`` checks them: a transformer the
simulated year loads over 100 % has its limit lowered and the programme solved again); Apply adds
them as one undo step and selects them on the map, where they are drawn like every unit; before
that, the proposal's "Where they go" tab draws them on a map of the project as it is.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QMessageBox, QProgressDialog,
    QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)


class OptimiseDialog(QDialog):
    """The goals of an optimisation; 0 in a field means no such constraint."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setWindowTitle("Optimise PV, batteries, CHP and wind")
        form = QFormLayout(self)
        self.goal = QComboBox()
        self.goal.addItem("the lowest annualised cost", "cost")
        self.goal.addItem("the least CO2 (the import's, and new CHPs' net gas)", "co2")
        form.addRow("Goal", self.goal)
        self.min_self_sufficiency = QDoubleSpinBox()
        self.min_self_sufficiency.setRange(0.0, 100.0)
        self.min_self_sufficiency.setSuffix(" %")
        self.min_self_sufficiency.setSpecialValueText("none")
        form.addRow("Minimum self-sufficiency", self.min_self_sufficiency)
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0.0, 1e10)
        self.budget.setDecimals(0)
        self.budget.setSingleStep(10_000.0)
        self.budget.setSuffix(" EUR")
        self.budget.setSpecialValueText("none")
        form.addRow("Budget (capex)", self.budget)
        self.days = QSpinBox()
        self.days.setRange(2, 60)
        self.days.setValue(16)
        self.days.setToolTip("typical days standing for the year (plus each transformer area's extreme days)")
        form.addRow("Typical days", self.days)
        self.hourly = QCheckBox("Every hour of the year instead (about a minute on a village)")
        self.hourly.setToolTip("the programme over all 8,760 hours (planner optimise --hourly): the sizes by HiGHS's "
                               "first-order method, their dispatch exactly; with a CHP or turbines to choose, a "
                               "minimum self-sufficiency or a budget it takes the simplex, which can take many "
                               "minutes: typical days are the quick way there")
        self.hourly.toggled.connect(lambda on: self.days.setEnabled(not on))
        form.addRow("", self.hourly)
        self.chp = QCheckBox("Offer a CHP to each heat cluster")
        self.chp.setChecked(True)
        self.chp.setToolTip("consumers with heat that no CHP or heat pump heats yet, grouped into local heat networks "
                            "of 300 m; each may get a gas CHP of one of 20 sizes (planner optimise --no-chp leaves "
                            "it out)")
        form.addRow("", self.chp)
        self.wind = QCheckBox("Build turbines at the wind sites marked")
        self.wind.setChecked(True)
        self.wind.setToolTip("Tools > Mark wind site: each site's types and count are choices (planner optimise "
                             "--no-wind leaves them out)")
        form.addRow("", self.wind)
        self.check = QCheckBox("Check by simulating the year with the proposed units")
        self.check.setChecked(True)
        self.check.setToolTip("planner run's hourly year with the units added: its cost, import and grid beside the "
                              "programme's (slower: one simulated year per round)")
        form.addRow("", self.check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form.addRow(buttons)

    def goals(self):
        from planner.optimise.model import Goals

        return Goals(goal=self.goal.currentData(),
                     min_self_sufficiency=self.min_self_sufficiency.value() / 100.0 or None,
                     budget_eur=self.budget.value() or None)


class ProposalDialog(QDialog):
    """The proposed units beside today's totals, with Apply."""

    COLUMNS = ("unit", "kind", "size", "bus", "owner", "where")

    def __init__(self, parent, project, optimum, units, baseline=None, check=None):
        super().__init__(parent)
        self.optimum = optimum
        self.setWindowTitle("Optimised plan")
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        today_pv = sum(u.peak_kw for u in project.items("pv_unit").values())
        today_bat = sum(b.capacity_kwh for b in project.items("battery").values())
        o = optimum
        text = (f"<b>{len(units)} unit(s) proposed</b>: PV {o.pv_kwp.sum():,.1f} kWp (today {today_pv:,.1f} kWp), "
                f"batteries {o.battery_kwh.sum():,.1f} kWh, {o.battery_kw.sum():,.1f} kW (today {today_bat:,.1f} kWh)"
                + (f", CHP {o.chp_kw.sum():,.1f} kW electric for {len(o.chp_kw)} heat cluster(s) (today "
                   f"{sum(u.p_el_kw for u in project.items('chp_unit').values()):,.1f} kW)" if len(o.chp_kw) else "")
                + (f", wind {o.wind_kw:,.0f} kW at {sum(w is not None for w in o.wind)} of {len(o.wind)} site(s) (today "
                   f"{sum(u.rated_kw for u in project.items('wind_turbine').values()):,.0f} kW)" if o.wind else "")
                + ".<br>"
                f"Annualised cost {o.cost_eur_per_year:,.0f} EUR a year ({o.annualised_capex_eur:,.0f} capex and "
                f"O&amp;M, {o.energy_cost_eur:,.0f} energy"
                + (f", {o.heat_cost_eur:,.0f} CHP gas less boilers' gas saved" if len(o.chp_kw) else "")
                + f"), capex {o.capex_eur:,.0f} EUR; self-sufficiency "
                f"{o.self_sufficiency:.1%}, CO2 {o.co2_t:,.1f} t (the import's"
                + (", and the new CHPs' gas less the boilers' gas saved" if len(o.chp_kw) else "") + ").<br>"
                + (f"Today, nothing added: {baseline.cost_eur_per_year:,.0f} EUR a year, self-sufficiency "
                   f"{baseline.self_sufficiency:.1%}, CO2 {baseline.co2_t:,.1f} t: <b>the plan saves "
                   f"{baseline.cost_eur_per_year - o.cost_eur_per_year:,.0f} EUR a year</b>.<br>"
                   if baseline is not None else "")
                + f"Solved in {o.solve_s:.1f} s: {o.variables:,} variables, {o.constraints:,} constraints."
                + "".join(f"<br><i>{n}</i>" for n in o.notes))
        self.summary = QLabel(text)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(len(units), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([c.capitalize() for c in self.COLUMNS])
        for row, unit in enumerate(units):
            size = (f"{unit.peak_kw:g} kWp" if unit.KIND == "pv_unit" else
                    f"{unit.p_el_kw:g} kW electric, store {unit.store_kwh:g} kWh" if unit.KIND == "chp_unit" else
                    f"{unit.turbine_type}, {unit.rated_kw:g} kW, hub {unit.hub_height_m:g} m"
                    if unit.KIND == "wind_turbine" else
                    f"{unit.capacity_kwh:g} kWh / {unit.power_kw:g} kW")
            where = f"{unit.geometry.x:,.0f}, {unit.geometry.y:,.0f}" if unit.geometry is not None else ""
            for col, value in enumerate((unit.id, unit.LABEL, size, unit.bus_id or "", unit.owner_id or "", where)):
                self.table.setItem(row, col, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)  # no empty band at the right
        # the units as a table, and where they go on a map (drawn when first shown: a town's
        # buildings take a moment)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "Units")
        self.map_canvas = None
        self._map_args = (project, units)
        self.tabs.addTab(QWidget(), "Where they go")
        self.tabs.currentChanged.connect(self._show_map)
        layout.addWidget(self.tabs, 3)  # the map takes the room the window gives
        self.check_table = None
        if check is not None:
            self._add_check(layout, check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = QPushButton("Apply (one undo step)")
        self.apply_button.setEnabled(bool(units))
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


    def _show_map(self, index: int) -> None:
        """Draw the map of the proposed units the first time its tab is shown."""
        if index != 1 or self.map_canvas is not None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        from planner.report.figures import proposal_map

        figure = proposal_map(*self._map_args, fig=Figure(figsize=(7.0, 4.5), layout="constrained"))
        self.map_canvas = FigureCanvasQTAgg(figure)
        self.map_canvas.setMinimumHeight(420)
        self.resize(self.width(), max(self.height(), 900))
        self.tabs.removeTab(1)
        self.tabs.insertTab(1, self.map_canvas, "Where they go")
        self.tabs.setCurrentIndex(1)

    def _add_check(self, layout, check) -> None:
        """The simulated year beside the programme's figures, and whether the grid held."""
        def cell(value, figure):
            if value is None or value != value:
                return "—"
            return f"{value:.1%}" if figure == "self_sufficiency" else f"{value:,.0f}"

        names = {"cost_eur_per_year": "cost a year [EUR]", "energy_cost_eur": "energy a year [EUR]",
                 "heat_cost_eur": "CHP gas less boilers' [EUR]", "import_kwh": "import [kWh]",
                 "self_sufficiency": "self-sufficiency"}
        self.resize(self.width(), 640)
        layout.addWidget(QLabel("<b>Checked by simulating the year</b> (planner run's chain, hourly, the units "
                                "added; hover a reason to read it whole)"))
        self.check_table = QTableWidget(len(check.rows), 5)
        self.check_table.setHorizontalHeaderLabels(["Figure", "Programme", "Simulated", "Difference", "Why"])
        for row, (figure, optimised, simulated, difference, why) in enumerate(check.rows):
            for col, value in enumerate((names.get(figure, figure), cell(optimised, figure), cell(simulated, figure),
                                         "—" if difference is None else f"{difference:+.1%}", why)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.check_table.setItem(row, col, item)
        self.check_table.resizeColumnsToContents()
        self.check_table.setColumnWidth(4, 420)
        self.check_table.verticalHeader().setVisible(False)
        self.check_table.setMinimumHeight(self.check_table.horizontalHeader().height()
                                          + sum(self.check_table.rowHeight(r) for r in range(len(check.rows))) + 6)
        layout.addWidget(self.check_table, 1)
        from planner.report.numbers import num

        g = check.grid
        if g:
            text = (f"Grid in the simulated year: transformers at most "
                    f"{num(g.get('max_trafo_loading_percent'), '.1f', unit='%')} "
                    f"({'held' if g.get('trafo_limit_held') else '<b>over 100 %</b>'}), voltage "
                    f"{num(g.get('min_vm_pu'), '.3f')}-{num(g.get('max_vm_pu'), '.3f')} p.u. "
                    f"({'within the band' if g.get('voltage_band_held') else '<b>out of the band</b>'}).")
        else:
            text = "The project has no grid: the simulated year checks the energy and cost only."
        self.grid_check = QLabel(text)
        self.grid_check.setWordWrap(True)
        layout.addWidget(self.grid_check)


class OptimiseTools(QObject):
    """The Tools > Optimise action, its worker and the proposal."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job: dict | None = None
        self.dialog: OptimiseDialog | None = None
        self.proposal: ProposalDialog | None = None

    def make_actions(self, tools_menu) -> None:
        self.action = QAction("&Optimise PV, batteries, CHP and wind…", self)
        self.action.setToolTip("The cheapest PV per roof, battery per transformer area, CHP per heat cluster and "
                               "turbines per wind site that meet the goals under the grid's limits (planner optimise)")
        self.action.triggered.connect(self.optimise)
        tools_menu.addAction(self.action)

    def optimise(self) -> bool:
        """Ask for the goals (the dialog); the work starts when it is accepted."""
        if self.window.project is None or self.job is not None:
            return False
        self.dialog = OptimiseDialog(self.window)
        self.dialog.accepted.connect(self._start)
        self.dialog.open()
        return True

    def _start(self) -> None:
        from planner.optimise.inputs import gather, typical_days
        from planner.optimise.model import solve, today
        from planner.optimise.proposal import optimise_checked, proposed_units

        window = self.window
        goals, days, checking = self.dialog.goals(), self.dialog.days.value(), self.dialog.check.isChecked()
        hourly = self.dialog.hourly.isChecked()
        chp, wind = self.dialog.chp.isChecked(), self.dialog.wind.isChecked()
        snapshot = window.project.snapshot()
        job = {"stage": "starting", "result": None, "error": None, "done": False, "project": window.project}

        def work():
            try:
                job["stage"] = "simulating the year's demand and sun"
                inputs = gather(snapshot, chp=chp, wind=wind)
                if not hourly:
                    inputs = typical_days(inputs, days)
                job["stage"] = (f"solving ({inputs.steps} steps, {len(inputs.groups)} roof groups, "
                                f"{len(inputs.clusters)} heat clusters, {len(inputs.sites)} wind sites)")
                checked = None
                if checking:
                    optimum, units, checked, notes = optimise_checked(
                        snapshot, inputs, goals, progress=lambda text: job.__setitem__("stage", text))
                    optimum.notes.extend(notes)
                else:
                    optimum = solve(inputs, goals)
                    units = proposed_units(snapshot, inputs, optimum)
                job["stage"] = "the community as it is, on the same terms"
                job["result"] = (optimum, units, today(inputs), checked)
            except Exception as exc:  # shown to the user as one message, never a traceback
                job["error"] = exc
            job["done"] = True

        self.job = job
        self.progress = QProgressDialog("Optimising…", "Cancel", 0, 0, window)
        self.progress.setWindowTitle("Optimise PV, batteries, CHP and wind")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.cancel)
        self.progress.show()
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)
        self.timer.start()
        self.worker = threading.Thread(target=work, name="optimise", daemon=True)
        self.worker.start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job["cancelled"] = True
            self._finish()
            self.window.statusBar().showMessage("Optimisation cancelled: the project is unchanged", 10000)

    def _finish(self) -> None:
        self.timer.stop()
        self.progress.blockSignals(True)
        self.progress.close()
        self.job = None

    def _poll(self) -> None:
        job = self.job
        if job is None:
            return
        self.progress.setLabelText(f"Optimising: {job['stage']}…")
        if not job["done"]:
            return
        self._finish()
        window = self.window
        if job["error"] is not None:
            from planner import PlannerError

            error = job["error"]
            text = str(error) if isinstance(error, PlannerError) else f"{type(error).__name__}: {error}"
            QMessageBox.warning(window, "Cannot optimise", text)
            return
        if window.project is not job["project"]:  # another project was opened meanwhile
            return
        optimum, units, baseline, checked = job["result"]
        self.proposal = ProposalDialog(window, window.project, optimum, units, baseline, checked)
        self.proposal.accepted.connect(lambda: self.apply(units))
        self.proposal.open()

    def apply(self, units) -> bool:
        """Add the proposed units as one undo step and select the first on the map."""
        from planner.model.commands import commands_to_match

        window = self.window
        target = window.project.snapshot()
        for unit in units:
            if (unit.KIND, unit.id) in target:
                QMessageBox.warning(window, "Cannot apply", f"{unit.describe()}: its id is taken meanwhile; optimise "
                                    "again")
                return False
            target.add(unit)
        if not window.execute(commands_to_match(window.project, target, f"Optimise: add {len(units)} unit(s)")):
            return False
        if units:
            window.canvas.map_scene.select_object(units[0].KIND, units[0].id)
        window.statusBar().showMessage(f"Added {len(units)} proposed unit(s); Edit > Undo takes them away", 10000)
        return True
