"""Peergrid Planner: plan local peer-to-peer energy networks.

The core (everything but :mod:`planner.gui`) never imports Qt.
"""

__version__ = "0.1.0"


class PlannerError(Exception):
    """Bad input that the user can fix: shown as one line, never as a traceback."""


class PlannerWarning(UserWarning):
    """Something the user should know that does not stop the work."""


__all__ = ["PlannerError", "PlannerWarning", "__version__"]
