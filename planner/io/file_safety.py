"""Keeping a project file safe: temporaries of interrupted saves, and numbers stored as text.

A save writes ``.NAME.saving-PID-HEX.gpkg`` beside the project and renames it into place;
one killed half-way leaves that file behind, which the next save or open removes (unless
its process still runs) and which is never opened as a project. SQLite keeps whatever a
user typed into a number column (QGIS lets them), and GDAL would read ``'7kW'`` as 7:
:func:`check_stored_numbers` asks SQLite for the stored types first.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from planner import PlannerError


#: Temporary files of a save: ``.NAME.saving-PID-HEX.gpkg`` (older versions: no PID).
_TEMP_PATTERN = re.compile(r"^\.(?P<stem>.+)\.saving-(?:(?P<pid>\d+)-)?[0-9a-f]{8}\.gpkg(?:-journal|-wal|-shm)?$")


def is_temporary(path: str | os.PathLike) -> bool:
    """Whether ``path`` is the temporary file of a save (never a project to open)."""
    return _TEMP_PATTERN.match(Path(path).name) is not None


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove temporaries of earlier saves of ``path`` whose process is gone; return them.

    A save killed half-way leaves ``.NAME.saving-PID-HEX.gpkg`` and SQLite side files; a
    save still running in another process (its PID alive) is left alone.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    removed = []
    try:
        candidates = list(directory.iterdir())
    except OSError:
        return removed
    for candidate in candidates:
        match = _TEMP_PATTERN.match(candidate.name)
        if not match or match["stem"] != path.stem:
            continue
        pid = match["pid"]
        if pid is not None and int(pid) != os.getpid() and _process_alive(int(pid)):
            continue
        try:
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            pass
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _with_sidecars(path: Path) -> list[Path]:
    return [path] + [path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm")]


def check_stored_numbers(path: Path, layers: dict, error=PlannerError) -> None:
    """Refuse text in a number column, as SQLite lets a user store it (from QGIS, say).

    GDAL reads ``'7kW'`` in a REAL column as 7 and ``'thirty'`` as 0, without a word; so the
    stored type of every number column is asked of SQLite itself, before anything is read.
    """
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return  # GDAL has read the file; if SQLite cannot, the layers' reading says why
    with contextlib.closing(con):
        try:
            present = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error:
            return
        for layer, entity_type in layers.items():
            if layer not in present:
                continue
            columns = {row[1] for row in con.execute(f'PRAGMA table_info("{layer}")')}
            for row_number, spec in _number_specs(entity_type):
                if spec.name not in columns:
                    continue
                hit = con.execute(
                    f'SELECT rowid, "{spec.name}", "id" FROM "{layer}" WHERE typeof("{spec.name}") '
                    f"NOT IN ('integer', 'real', 'null') ORDER BY rowid LIMIT 1"
                    if "id" in columns else
                    f'SELECT rowid, "{spec.name}", NULL FROM "{layer}" WHERE typeof("{spec.name}") '
                    f"NOT IN ('integer', 'real', 'null') ORDER BY rowid LIMIT 1").fetchone()
                if hit is not None:
                    row = con.execute(f'SELECT COUNT(*) FROM "{layer}" WHERE rowid <= ?', (hit[0],)).fetchone()[0]
                    ident = f" (id '{hit[2]}')" if isinstance(hit[2], str) else ""
                    raise error(f"{path}: layer '{layer}', row {row}{ident}: {spec.label or spec.name} "
                                           f"must be a number, got {hit[1]!r} (column {spec.name})")


def _number_specs(entity_type):
    return [(i, spec) for i, spec in enumerate(entity_type.field_specs()) if spec.type in (int, float, bool)]




def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write a text file whole or not at all: a temporary beside it, flushed, then renamed."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write a file whole or not at all: a temporary beside it, flushed, then renamed."""
    import secrets

    target = Path(path)
    if target.is_dir():
        raise PlannerError(f"{target}: is a folder; give a file name")
    tmp = target.with_name(f".{target.name}.saving-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
