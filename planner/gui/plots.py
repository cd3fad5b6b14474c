"""The Plots dock: the run's figures on a Qt canvas, the same functions as the PDF report draws
(:mod:`planner.report.figures`)."""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from planner.report.figures import FIGURES


class PlotsPanel(QWidget):
    """A choice of figure and the figure, for the results shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.choice = QComboBox()
        self.choice.addItems(list(FIGURES))
        self.choice.currentTextChanged.connect(self.draw)
        self.figure = Figure(figsize=(6, 4), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.empty = QLabel("No results yet: Run (F5) simulates the project.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.empty)
        self.results = None
        self.set_results(None)

    def set_results(self, folder) -> None:
        """Show the figures of a results folder (None: nothing)."""
        from planner import PlannerError
        from planner.report.results import Results

        try:
            self.results = Results(folder) if folder is not None else None
        except PlannerError:
            self.results = None
        self.canvas.setVisible(self.results is not None)
        self.choice.setEnabled(self.results is not None)
        self.empty.setVisible(self.results is None)
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self.draw)  # drawn on the next turn of the event loop

    def draw(self, *_args) -> None:
        if self.results is None:
            return
        FIGURES[self.choice.currentText()](self.results, self.figure)
        self.canvas.draw_idle()
