"""Qt's undo stack around the model's Qt-free commands."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand


class UndoCommand(QUndoCommand):
    """Wraps a :mod:`planner.model.commands` command that has already been done once.

    ``QUndoStack.push`` calls ``redo`` at once; the wrapped command was done (and
    validated) before the push, so that first call does nothing.
    """

    def __init__(self, project, command):
        super().__init__(command.text)
        self.project, self.command = project, command
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.command.do(self.project)

    def undo(self) -> None:
        self.command.undo(self.project)
