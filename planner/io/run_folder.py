"""Result folders written whole: a run never mixes with another run or an earlier one.

A run writes into a fresh hidden folder beside the target and, once complete, takes the
target's place in two renames under a lock. Files of an earlier run that the new one does not
write go with the earlier run. A folder is replaced only when it is empty or was written by
the planner (it holds :data:`MARKER`), so ``-o .`` or ``-o ~/Documents`` never loses a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path

from planner import PlannerError, __version__

#: The file that marks a folder as a planner run's output (JSON: the command and version).
MARKER = ".peergrid-run.json"
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?:writing|replaced)-(?P<pid>\d+)-[0-9a-f]{8}$")


class OutputFolderError(PlannerError):
    """A result folder that cannot be written or replaced; the message names it."""


def check_output_folder(folder) -> Path:
    """Refuse, before any work, a result folder that could not be written or replaced.

    Raises
    ------
    OutputFolderError
        For an empty path, a file, a folder holding files that are not a planner run's, or a
        parent folder that does not exist or cannot be written.
    """
    if folder is None or str(folder).strip() == "":
        raise OutputFolderError("the output folder is empty: give a folder for the results (-o DIR)")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(f"{folder}: is a file, not a folder for results")
    parent = folder.absolute().parent
    if not parent.is_dir():
        raise OutputFolderError(f"{folder}: the folder above it ({parent}) does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{folder}: cannot write in {parent} (permission denied)")
    if folder.is_dir():
        entries = [p.name for p in folder.iterdir()]
        if entries and MARKER not in entries and not _older_run(folder, entries):
            raise OutputFolderError(f"{folder}: holds files that are not a planner run's ({entries[0]}, ...): "
                                    f"give an empty or new folder, so that nothing of yours is replaced")
    return folder


def _older_run(folder: Path, entries: list[str]) -> bool:
    """A run written before the marker existed: summary.json and only result files."""
    return "summary.json" in entries and all(
        (folder / e).is_file() and Path(e).suffix in (".json", ".csv", ".parquet") for e in entries)


@contextlib.contextmanager
def output_folder(folder, command: str = "run"):
    """Yield a fresh staging folder; on success it replaces ``folder`` whole.

    On an error inside the block the staging folder is removed and ``folder`` stays as it was.
    """
    folder = check_output_folder(folder).absolute()
    parent = folder.parent
    _remove_stale(parent, folder.name)
    staging = parent / f".{folder.name}.writing-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
    except OSError as exc:
        raise OutputFolderError(f"{folder}: cannot create a folder beside it: {exc.strerror or exc}") from None
    try:
        yield staging
        (staging / MARKER).write_text(json.dumps({"written_by": f"peergrid-planner {__version__}",
                                                  "command": command}))
        with _lock(parent / f".{folder.name}.lock"):
            check_output_folder(folder)  # another process may have put files there meanwhile
            old = None
            if folder.exists():
                old = parent / f".{folder.name}.replaced-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                os.replace(folder, old)
            os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _lock(path: Path):
    try:
        import fcntl
    except ImportError:  # not POSIX: the renames alone still never mix two runs' files
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale(parent: Path, name: str) -> None:
    """Staging folders of runs that were killed (their process is gone)."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match and match["name"] == name and entry.is_dir() and not _alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
