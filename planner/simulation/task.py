"""Progress and cancel for long work, without Qt (Orange's ``state`` object, napari's workers).

The engine calls :meth:`Task.stage` at the start of each named stage and :meth:`Task.check`
where stopping is safe; a caller (the CLI's progress lines, the app's worker) subclasses or
passes callbacks. :meth:`Task.cancel` may come from another thread: the engine stops at its
next check with :class:`Cancelled`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from planner import PlannerError

#: The stages of :func:`planner.simulation.run.simulate`, in order, with their share of the time.
STAGES = (("weather and generation", 0.25), ("dispatch", 0.05), ("balance and settlement", 0.15),
          ("power flow", 0.35), ("indexes", 0.15), ("finance", 0.05))


class Cancelled(PlannerError):
    """The work was stopped on request; nothing it would have written was written."""


class Task:
    """What a long computation tells its caller, and how the caller stops it.

    Parameters
    ----------
    on_stage : callable, optional
        ``on_stage(name, index, count)`` when a stage begins.
    on_progress : callable, optional
        ``on_progress(fraction)`` with the overall share done, 0 to 1.
    """

    def __init__(self, on_stage: Callable[[str, int, int], None] | None = None,
                 on_progress: Callable[[float], None] | None = None):
        self._on_stage = on_stage
        self._on_progress = on_progress
        self._cancel = threading.Event()
        self.stages_seen: list[str] = []

    def stage(self, name: str) -> None:
        """A named stage begins (one of :data:`STAGES`); stops here if cancelled."""
        self.check()
        names = [n for n, _ in STAGES]
        index = names.index(name) if name in names else len(self.stages_seen)
        self.stages_seen.append(name)
        if self._on_stage is not None:
            self._on_stage(name, index, len(STAGES))
        if self._on_progress is not None:
            self._on_progress(sum(w for _, w in STAGES[:index]))

    def check(self) -> None:
        """Raise :class:`Cancelled` when :meth:`cancel` was called."""
        if self._cancel.is_set():
            raise Cancelled("cancelled")

    def cancel(self) -> None:
        """Ask the work to stop at its next check (from any thread)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether a cancel was asked for."""
        return self._cancel.is_set()
