"""Peergrid Planner: plan local peer-to-peer energy networks.

The core (everything but :mod:`planner.gui`) never imports Qt.
"""

__version__ = "0.1.0"


class PlannerError(Exception):
    """Bad input that the user can fix: shown as one line, never as a traceback."""


class PlannerWarning(UserWarning):
    """Something the user should know that does not stop the work."""


def user_cache(name: str):
    """The folder ``name`` of what the planner keeps between sessions (map tiles, computed load
    profiles): ``$XDG_CACHE_HOME/peergrid/<name>``, else ``~/.cache/peergrid/<name>``."""
    import os
    from pathlib import Path

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "peergrid" / name


__all__ = ["PlannerError", "PlannerWarning", "__version__", "user_cache"]
