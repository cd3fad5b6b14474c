"""Autosave and recovery: unsaved edits survive a crash.

While a project has unsaved edits, the app writes it to a recovery file beside the project
(``.NAME.recovery.gpkg``; for a project never saved, in the user's data folder), atomically as
any save. On the next open, a recovery file newer than the project is offered for restoring;
a save or an explicit discard removes it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from planner.io.project_file import load_project, save_project
from planner.model import Project


def unsaved_folder() -> Path:
    """Where recovery files of projects never saved go (``$XDG_DATA_HOME/peergrid/recovery``)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "peergrid" / "recovery"


def recovery_path(project_path: Path | None, name: str = "untitled") -> Path:
    """The recovery file of a project file, or of an unsaved project by its name."""
    if project_path is not None:
        project_path = Path(os.path.realpath(project_path))
        return project_path.with_name(f".{project_path.stem}.recovery.gpkg")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "untitled"
    return unsaved_folder() / f"{safe}.recovery.gpkg"


def write_recovery(project: Project, project_path: Path | None) -> Path:
    """Write the project's current state to its recovery file (atomically); return the file."""
    path = recovery_path(project_path, project.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_project(project, path, keep_foreign=False)
    return path


def pending_recovery(project_path: Path | None, name: str = "untitled") -> Path | None:
    """A recovery file newer than the project file (or any, for an unsaved project), else None."""
    path = recovery_path(project_path, name)
    if not path.exists():
        return None
    if project_path is not None and Path(project_path).exists() and \
            path.stat().st_mtime <= Path(project_path).stat().st_mtime:
        return None
    return path


def restore(path: Path) -> Project:
    """The project held in a recovery file."""
    return load_project(path)


def discard_recovery(project_path: Path | None, name: str = "untitled") -> None:
    """Remove the recovery file (after a save, or when the user declines it)."""
    path = recovery_path(project_path, name)
    for candidate in (path, path.with_name(path.name + "-journal")):
        try:
            candidate.unlink()
        except FileNotFoundError:
            pass
