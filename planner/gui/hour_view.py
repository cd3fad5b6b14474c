"""The grid at an hour of the run: a slider over the year and "Worst hour"; cables take the colour
of their loading and buses of their voltage on the map, with the classes said beside it.

Each step is solved by :class:`planner.report.hour.HourSolver` in a worker thread (the net is
built once per results), so the window never waits; moving the slider asks for the step it
rests on.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from planner.report.hour import LOADING_CLASSES, VOLTAGE_CLASSES, loading_colour, voltage_colour


def _legend() -> str:
    parts, low = [], 0
    for top, colour in LOADING_CLASSES:
        label = f"> {low:g}" if top == float("inf") else f"{low:g}–{top:g}"
        parts.append(f"<span style='color:{colour}'>■</span> {label}")
        low = top
    volts, low = [], 0.0
    for top, colour in VOLTAGE_CLASSES:
        label = f"> {low:.2f}" if top == float("inf") else (f"&lt; {top:.2f}" if low == 0 else f"{low:.2f}–{top:.2f}")
        volts.append(f"<span style='color:{colour}'>●</span> {label}")
        low = top
    return ("Cable loading (%; its highest phase where units are on one phase): " + " ".join(parts)
            + "<br>Bus voltage (p.u.; its worst phase there): " + " ".join(volts))


class HourView(QWidget):
    """Slider, time, Worst hour, and the colours on the map."""

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.show_on_map = QCheckBox("Colour the grid by the hour")
        self.show_on_map.setChecked(True)
        self.show_on_map.toggled.connect(self._toggled)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.worst = QPushButton("Worst hour")
        self.worst.setEnabled(False)
        self.worst.clicked.connect(self.jump_to_worst)
        self.worst_unbalance = QPushButton("Worst unbalance")
        self.worst_unbalance.setToolTip("the hour of the year's worst voltage unbalance (three-phase year)")
        self.worst_unbalance.setVisible(False)
        self.worst_unbalance.clicked.connect(self.jump_to_worst_unbalance)
        self.time = QLabel("No grid results")
        self.legend = QLabel(_legend())
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #333; font-size: 9pt")
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.worst)
        row.addWidget(self.worst_unbalance)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(QLabel("<b>The grid at an hour</b>"))
        layout.addLayout(row)
        layout.addWidget(self.time)
        layout.addWidget(self.show_on_map)
        layout.addWidget(self.legend)
        self.solver = None
        self.shown = None  # the GridHour on the map
        self._wanted = None
        self._busy = False
        self._generation = 0
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(150)
        self.debounce.timeout.connect(lambda: self.request(self.slider.value()))
        self.slider.valueChanged.connect(lambda _: self.debounce.start())
        self.poll = QTimer(self)
        self.poll.setInterval(50)
        self.poll.timeout.connect(self._check)
        self._outcome = None
        self.worker = None  # the thread building or solving, once one started

    # ------------------------------------------------------------------ results in and out
    def set_results(self, project, folder) -> None:
        """Results of the open project with a grid (None: none); the net is built in a worker."""
        self._generation += 1
        self.solver, self.shown = None, None
        self._clear_map()
        has_grid = project is not None and folder is not None and len(project.items("bus")) > 0
        self.slider.setEnabled(False)
        self.worst.setEnabled(False)
        self.worst_unbalance.setVisible(False)
        self.time.setText("Preparing the grid…" if has_grid else "No grid results")
        if not has_grid:
            return
        snapshot, generation = project.snapshot(), self._generation

        def build():
            from planner.report.hour import HourSolver

            try:
                solver = HourSolver(snapshot, folder)
                self._outcome = ("ready", generation, solver, solver.solve(solver.worst_step()))
            except Exception as exc:
                self._outcome = ("error", generation, str(exc), None)

        self._start(build)

    def shutdown(self, seconds: float = 10.0) -> None:
        """The window closes: results that arrive later are dropped, the worker is waited for
        (a thread still inside the power flow's compiled code when Python finalises can abort
        the process)."""
        self._generation += 1
        self.poll.stop()
        if self.worker is not None and self.worker.is_alive():
            self.worker.join(seconds)

    def _start(self, work) -> None:
        self._busy = True
        self.worker = threading.Thread(target=work, daemon=True, name="grid-hour")
        self.worker.start()
        self.poll.start()

    def request(self, step: int) -> None:
        """Show step ``step`` (solved in the worker; the latest request wins)."""
        if self.solver is None:
            return
        self._wanted = step
        if self._busy:
            return
        solver, generation = self.solver, self._generation

        def solve():
            self._outcome = ("hour", generation, solver, solver.solve(step))

        self._wanted = None
        self._start(solve)

    def jump_to_worst(self) -> None:
        if self.solver is not None:
            self.slider.setValue(self.solver.worst_step())
            self.request(self.solver.worst_step())

    def jump_to_worst_unbalance(self) -> None:
        step = self.solver.worst_unbalance_step() if self.solver is not None else None
        if step is not None:
            self.slider.setValue(step)
            self.request(step)

    def _check(self) -> None:
        outcome, self._outcome = self._outcome, None
        if outcome is None:
            return
        self.poll.stop()
        self._busy = False
        kind, generation, payload, hour = outcome
        if generation != self._generation:
            return  # results changed meanwhile
        if kind == "error":
            self.time.setText(f"The grid cannot be shown at an hour: {payload}")
            return
        if kind == "ready":
            self.solver = payload
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(0, payload.steps - 1))
            self.slider.setValue(payload.worst_step())
            self.slider.blockSignals(False)
            self.slider.setEnabled(True)
            self.worst.setEnabled(True)
            self.worst_unbalance.setVisible(payload.worst_unbalance_step() is not None)
        self._show(hour)
        if self._wanted is not None:
            self.request(self._wanted)

    def _show(self, hour) -> None:
        self.shown = hour
        if not hour.converged:
            self.time.setText(f"{hour.time:%d %b %Y %H:%M}: the power flow does not converge at this step")
            self._clear_map()
            return
        top = max(hour.cable_loading.values(), default=0.0)
        low = min(hour.bus_vm.values(), default=float("nan"))
        high = max(hour.bus_vm.values(), default=float("nan"))
        text = (f"{hour.time:%a %d %b %Y, %H:%M}: highest cable loading {top:.0f} %, voltage "
                f"{low:.3f}–{high:.3f} p.u.")
        three = hour.three_phase
        if three:
            worst = max(three["unbalance_percent"], key=three["unbalance_percent"].get, default=None)
            text = (f"{hour.time:%a %d %b %Y, %H:%M}: highest phase loading "
                    f"{max(three['phase_loading'].values(), default=0.0):.0f} %, phase voltages "
                    f"{min(three['vm_min'].values(), default=float('nan')):.3f}–"
                    f"{max(three['vm_max'].values(), default=float('nan')):.3f} p.u., unbalance up to "
                    + (f"{three['unbalance_percent'][worst]:.2f} % ({worst})" if worst else "—"))
            elsewhere = self.solver.three_phase.devices_elsewhere if self.solver is not None else 0
            if elsewhere:
                text += (f"; {elsewhere} heat pump(s) or charging point(s) on another phase than their meter's "
                         f"count on the meter's here (the run puts them on their own)")
        elif hour.converged and self.solver is not None and self.solver.three_phase is not None:
            text += " (the three-phase flow did not converge at this step)"
        self.time.setText(text)
        if self.show_on_map.isChecked():
            self._paint(hour)

    def _paint(self, hour) -> None:
        scene = self.window.canvas.map_scene
        loading = hour.three_phase["phase_loading"] if hour.three_phase else hour.cable_loading
        scene.colour_cables({k: loading_colour(v) for k, v in loading.items()})
        vm = hour.worst_phase_vm()
        scene.colour_buses(lambda bus: voltage_colour(vm[bus.id]) if bus.id in vm else "#9e9e9e")
        grid_tools = getattr(self.window, "grid_tools", None)
        if grid_tools is not None and grid_tools.colour_action.isChecked():
            grid_tools.colour_action.blockSignals(True)
            grid_tools.colour_action.setChecked(False)  # one colouring of the buses at a time
            grid_tools.legend.setVisible(False)
            grid_tools.colour_action.blockSignals(False)

    def _clear_map(self) -> None:
        scene = self.window.canvas.map_scene
        scene.colour_cables(None)
        if scene.bus_colours is not None and not (getattr(self.window, "grid_tools", None)
                                                  and self.window.grid_tools.colour_action.isChecked()):
            scene.colour_buses(None)

    def _toggled(self, on: bool) -> None:
        if on and self.shown is not None and self.shown.converged:
            self._paint(self.shown)
        else:
            self._clear_map()
