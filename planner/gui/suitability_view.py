"""View > Colour parcels by suitability: each parcel's PV, wind or CHP score
(:func:`planner.generation.suitability.suitability`, computed in a worker thread), with its
classes in the status bar and the reason in the parcel's tooltip."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMessageBox

#: Score classes (0 to 1) and their colours.
SCORE_CLASSES = ((0.25, "#d7191c"), (0.5, "#fdae61"), (0.75, "#a6d96a"), (float("inf"), "#1a9641"))


def score_colour(score: float) -> str:
    return next(colour for top, colour in SCORE_CLASSES if score < top)


class SuitabilityView(QObject):
    """Three checkable actions (PV, wind, CHP) and none; the scores of the open project."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.table = None
        self.technology = None
        self.legend = QLabel()
        self.legend.setVisible(False)
        window.statusBar().addPermanentWidget(self.legend)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._check)
        self._outcome = None

    def make_actions(self, view_menu) -> None:
        menu = view_menu.addMenu("Colour parcels by &suitability")
        group = QActionGroup(self)
        self.actions = {}
        for technology, text in ((None, "No colours"), ("pv", "PV"), ("wind", "Wind"), ("chp", "CHP")):
            action = QAction(text, self)
            action.setCheckable(True)
            action.triggered.connect(lambda checked=False, t=technology: self.show(t))
            group.addAction(action)
            menu.addAction(action)
            self.actions[technology] = action
        self.actions[None].setChecked(True)

    def project_changed(self) -> None:
        """Scores belong to one state of the project: drop them, and the colours."""
        self.table = None
        if self.technology is not None:
            self.show(None)

    def show(self, technology: str | None) -> None:
        self.technology = technology
        self.actions[technology].setChecked(True)
        scene = self.window.canvas.map_scene
        if technology is None or self.window.project is None:
            scene.colour_features("parcel", None)
            self.legend.setVisible(False)
            return
        if self.table is None:
            self._compute()
            return
        rows = self.table[self.table.technology == technology]
        scene.colour_features("parcel", {r.parcel_id: score_colour(r.score) for r in rows.itertuples()})
        parts, low = [], 0.0
        for top, colour in SCORE_CLASSES:
            label = f"{low:g}–1" if top == float("inf") else f"{low:g}–{top:g}"
            parts.append(f"<span style='color:{colour}'>■</span> {label}")
            low = top
        self.legend.setText(f"{technology.upper()} suitability score: " + "  ".join(parts))
        self.legend.setVisible(True)

    def _compute(self) -> None:
        project = self.window.project
        if not len(project.items("parcel")):
            QMessageBox.information(self.window, "Suitability", "The project has no parcels to score: import or "
                                    "draw them first.")
            self.show(None)
            return
        snapshot = project.snapshot()

        def work():
            from planner.generation.results import project_weather
            from planner.generation.suitability import suitability

            try:
                weather, meta = project_weather(snapshot)
                self._outcome = ("ok", suitability(snapshot, weather, elevation_m=meta.elevation_m or 0.0))
            except Exception as exc:
                self._outcome = ("error", str(exc))

        self.window.statusBar().showMessage("Scoring the parcels…")
        self.worker = threading.Thread(target=work, daemon=True, name="suitability")
        self.worker.start()
        self.timer.start()

    def _check(self) -> None:
        outcome, self._outcome = self._outcome, None
        if outcome is None:
            return
        self.timer.stop()
        if outcome[0] == "error":
            QMessageBox.warning(self.window, "Suitability", outcome[1])
            self.show(None)
            return
        self.table = outcome[1]
        self.window.statusBar().clearMessage()
        self.show(self.technology)
