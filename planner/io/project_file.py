"""The project file: one GeoPackage that QGIS and GDAL open layer by layer.

Layout
------
``project``
    Plain table of ``key``/``value`` rows (values JSON-encoded): ``schema_version``,
    ``name``, ``description``, ``latitude``, ``longitude``, ``timezone``, ``crs``,
    ``weather``, ``attribution``, ``written_by``.
one layer per kind of object
    ``parcels``, ``buildings``, ``streets``, ``consumers``, ``pv_units``, ... in the
    project's projected CRS (polygons stored as MultiPolygon); ``members``,
    ``tariffs``, ``contracts`` and ``switches`` as plain tables. Columns are the
    model's fields, with their names and units (``peak_kw``).

Saving writes a complete new file beside the target and renames it into place,
so a failed save never damages the previous file. Loading reads data only:
nothing in a file is executed or unpickled.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import stat
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from planner import PlannerError, __version__
from planner.io.file_safety import (
    check_stored_numbers, is_temporary, remove_stale_temporaries, _with_sidecars,
)
from planner.io.migrations import SCHEMA_VERSION, Tables, migrate
from planner.io.project_settings import _grid_investment, _scenarios, _shared_energy, _study
from planner.model.base import Entity, FieldSpec, check_geometry, check_type
from planner.model.project import ENTITY_TYPES, Project
from planner.model.site import Site

SETTINGS_LAYER = "project"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OGR_GEOMETRY = {"Point": "Point", "LineString": "LineString", "Polygon": "MultiPolygon"}


class ProjectFileError(PlannerError):
    """A project file cannot be read or written; the message says which file and why."""


_PLURALS = {"battery": "batteries", "bus": "buses", "switch": "switches"}
#: GeoPackage 1.2: GDAL 3.6 (Debian 12's QGIS) warns on the 1.4 that newer GDAL writes by default.
_DATASET_OPTIONS = {"VERSION": "1.2"}


def layer_name(entity_type: type[Entity]) -> str:
    """The layer that holds one kind of object: ``pv_unit`` -> ``pv_units``."""
    return _PLURALS.get(entity_type.KIND, entity_type.KIND + "s")


LAYERS: dict[str, type[Entity]] = {layer_name(t): t for t in ENTITY_TYPES}


# ---------------------------------------------------------------------- writing
def save_project(project: Project, path: str | os.PathLike, *, keep_foreign: bool = True) -> Path:
    """Write ``project`` to ``path`` atomically (temp file beside it, then rename).

    When ``path`` is a project file already, the new file starts as a copy of it and only
    the project's own layers and tables are rewritten, so layers, tables and styles that
    others added (a ``my_trees`` layer from QGIS) are kept as they were. A symbolic link is
    followed (the file it points to is replaced, the link stays) and the file keeps its
    permissions. Leftovers of earlier saves that were killed half-way are removed.

    Parameters
    ----------
    project : Project
    path : str or path-like
        The ``.gpkg`` file.
    keep_foreign : bool
        Keep what others added to an existing project file (default); False starts anew.

    Raises
    ------
    ProjectFileError
        When an object cannot be stored (wrong type, invalid geometry) or the
        disk refuses; the file at ``path`` is then left as it was.
    """
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ProjectFileError(f"{path}: a project file must end in .gpkg")
    _check_storable(project)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ProjectFileError(f"{path}: folder '{directory}' does not exist")
    if target.is_dir():
        raise ProjectFileError(f"{path}: is a folder, not a project file")
    remove_stale_temporaries(target)
    tmp = directory / f".{target.stem}.saving-{os.getpid()}-{uuid.uuid4().hex[:8]}.gpkg"
    try:
        mode = None
        base = keep_foreign and _is_project_file(target)
        if target.exists():
            mode = stat.S_IMODE(target.stat().st_mode)
        if base:
            shutil.copyfile(target, tmp)
        settings = _settings_frame(project)
        overwrite = {"layer_options": {"OVERWRITE": "YES"}} if base else {"dataset_options": _DATASET_OPTIONS}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(settings, tmp, layer=SETTINGS_LAYER, driver="GPKG", **overwrite)
            for layer, entity_type in LAYERS.items():
                frame = _entities_frame(project, entity_type)
                kwargs = {}
                if entity_type.GEOMETRY is not None:
                    kwargs = {"geometry_type": _OGR_GEOMETRY[entity_type.GEOMETRY],
                              "promote_to_multi": entity_type.GEOMETRY == "Polygon"}
                if base:
                    kwargs["layer_options"] = {"OVERWRITE": "YES"}
                pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG", **kwargs)
        if mode is not None:
            os.chmod(tmp, mode)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_dir(directory)
    except ProjectFileError:
        raise
    except Exception as exc:  # disk full, permissions, GDAL refusing: the old file stays
        raise ProjectFileError(f"{path}: could not save: {_one_line(exc)}") from exc
    finally:
        for leftover in _with_sidecars(tmp):
            if leftover.exists():
                leftover.unlink()
    return path


def _is_project_file(path: Path) -> bool:
    """A readable GeoPackage with the project table: its foreign layers are worth keeping."""
    import pyogrio

    try:
        with open(path, "rb") as fh:
            if not fh.read(16).startswith(_SQLITE_MAGIC):
                return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return SETTINGS_LAYER in {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception:
        return False


def _check_storable(project: Project) -> None:
    """Refuse what the file could not hold or give back: wrong types, invalid geometry."""
    site_issues = project.site.validate()
    if site_issues:
        raise ProjectFileError(f"cannot save: {site_issues[0]}")
    for entity in project.all_entities():
        for spec in entity.field_specs():
            message = check_type(spec, getattr(entity, spec.name))
            if message:
                raise ProjectFileError(f"cannot save: {entity.describe()}: {message}")
        if entity.GEOMETRY is not None:
            message = check_geometry(entity.GEOMETRY, entity.geometry)
            if message:
                raise ProjectFileError(f"cannot save: {entity.describe()}: {message}")


def _settings_frame(project: Project) -> pd.DataFrame:
    site = project.site
    settings = {
        "schema_version": SCHEMA_VERSION,
        "name": project.name,
        "description": project.description,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "timezone": site.timezone,
        "crs": site.crs,
        "weather": project.weather,
        "attribution": project.attribution,
        "shared_energy": project.shared_energy.as_dict(),
        "default_tariff": project.default_tariff,
        "grid_investment": project.grid_investment.as_dict() if project.grid_investment is not None else None,
        "study": project.study.as_dict(),
        "scenarios": [scenario.as_dict() for scenario in project.scenarios],
        "written_by": f"peergrid-planner {__version__}",
    }
    return pd.DataFrame({"key": list(settings),
                         "value": [json.dumps(v) for v in settings.values()]})


_DTYPES = {float: "float64", int: "int64", bool: "bool", str: "object"}


def _entities_frame(project: Project, entity_type: type[Entity]):
    import geopandas as gpd

    entities = list(project.items(entity_type.KIND).values())
    columns = {}
    for spec in entity_type.field_specs():
        values = [getattr(e, spec.name) for e in entities]
        if spec.type is float:
            values = [np.nan if v is None else float(v) for v in values]
        dtype = "Int64" if spec.type is int and spec.optional else _DTYPES[spec.type]  # nullable whole numbers
        columns[spec.name] = pd.Series(values, dtype=dtype)
    frame = pd.DataFrame(columns)
    if entity_type.GEOMETRY is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([e.geometry for e in entities]),
                            crs=project.site.crs)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------- reading
def read_tables(path: str | os.PathLike) -> tuple[Tables, int]:
    """Read the raw tables of a project file and its schema version, checking it is one."""
    import pyogrio

    path = Path(path)
    if is_temporary(path):
        raise ProjectFileError(f"{path}: is the temporary file of an interrupted save, not a "
                               f"project (open the project file beside it)")
    if not path.exists():
        raise ProjectFileError(f"{path}: no such file")
    if path.is_dir():
        raise ProjectFileError(f"{path}: is a folder, not a project file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except PermissionError:
        raise ProjectFileError(f"{path}: permission denied (the file cannot be read)") from None
    except OSError as exc:
        raise ProjectFileError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not head.startswith(_SQLITE_MAGIC):
        raise ProjectFileError(f"{path}: not a GeoPackage (the file is not an SQLite database)")
    if len(head) >= 72 and head[68:72] == b"\x00\x00\x00\x00" and _plain_sqlite(path):
        raise ProjectFileError(f"{path}: an SQLite database but not a GeoPackage (open it in a "
                               f"database tool; a project file is a GeoPackage)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            available = {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:
        raise ProjectFileError(
            f"{path}: damaged or truncated GeoPackage: {_one_line(exc)}") from exc
    if SETTINGS_LAYER not in available:
        raise ProjectFileError(
            f"{path}: not a Peergrid project (the GeoPackage has no '{SETTINGS_LAYER}' table)")
    settings_frame = _read_layer(path, SETTINGS_LAYER)
    settings = _parse_settings(path, settings_frame)
    version = settings.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"{path}: schema_version must be a whole number from 1, got {version!r}")
    if version > SCHEMA_VERSION:
        raise ProjectFileError(
            f"{path}: written by a newer Peergrid Planner (schema version {version}; this version "
            f"reads up to {SCHEMA_VERSION}): update the planner to open it")
    # An older file may hold layers that a migration renames, so read them all; users'
    # own extra layers (added in QGIS, say) are read only when they are ours.
    wanted = available - {SETTINGS_LAYER}
    if version == SCHEMA_VERSION:
        _check_layers(path, available)
        wanted &= set(LAYERS)
    layers = {layer: _read_layer(path, layer) for layer in sorted(wanted)}
    return Tables(settings=settings, layers=layers), version


def _plain_sqlite(path: Path) -> bool:
    """An intact SQLite database without GeoPackage tables (not a damaged GeoPackage)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            names = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    return "gpkg_contents" not in names


def _check_layers(path: Path, available) -> None:
    missing = [layer for layer in LAYERS if layer not in available]
    if missing:
        raise ProjectFileError(
            f"{path}: missing layer{'s' * (len(missing) > 1)} {', '.join(missing)}")


def load_project(path: str | os.PathLike) -> Project:
    """Open a project file, migrating older schema versions.

    Raises
    ------
    ProjectFileError
        With one line naming the file and the problem: not a GeoPackage, truncated,
        missing layers or columns, wrong types, invalid geometry, newer schema.
    """
    path = Path(path)
    tables, version = read_tables(path)
    remove_stale_temporaries(path)
    try:
        tables = migrate(tables, version)
    except ValueError as exc:
        raise ProjectFileError(f"{path}: {exc}") from exc
    site = _site_from_settings(path, tables.settings)
    project = Project(
        name=_setting(path, tables.settings, "name", str),
        site=site,
        description=_setting(path, tables.settings, "description", str, default=""),
        weather=_setting(path, tables.settings, "weather", str, default=None),
        attribution=_setting(path, tables.settings, "attribution", str, default=""),
        shared_energy=_shared_energy(path, tables.settings),
        default_tariff=_setting(path, tables.settings, "default_tariff", str, default=None),
        grid_investment=_grid_investment(path, tables.settings),
        study=_study(path, tables.settings),
        scenarios=_scenarios(path, tables.settings),
    )
    _check_layers(path, tables.layers)
    check_stored_numbers(path, LAYERS, ProjectFileError)
    for layer, entity_type in LAYERS.items():
        frame = tables.layers[layer]
        for entity in _entities_from_frame(path, layer, entity_type, frame, site.crs):
            if entity.id in project.items(entity_type.KIND):
                raise ProjectFileError(f"{path}: layer '{layer}': id '{entity.id}' appears twice")
            project.add(entity)
    return project


def _read_layer(path: Path, layer: str) -> pd.DataFrame:
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return pyogrio.read_dataframe(path, layer=layer, fid_as_index=False,
                                          on_invalid="ignore")
    except Exception as exc:
        raise ProjectFileError(
            f"{path}: layer '{layer}' cannot be read (damaged file?): {_one_line(exc)}") from exc


def _parse_settings(path: Path, frame: pd.DataFrame) -> dict[str, object]:
    if not {"key", "value"} <= set(frame.columns):
        raise ProjectFileError(f"{path}: table '{SETTINGS_LAYER}' must have columns key and value")
    settings = {}
    for key, raw in zip(frame["key"], frame["value"]):
        try:
            settings[str(key)] = json.loads(raw) if isinstance(raw, str) else None
        except json.JSONDecodeError:
            raise ProjectFileError(
                f"{path}: setting '{key}' is not valid JSON: {str(raw)[:40]!r}") from None
    return settings


def _setting(path: Path, settings: dict, key: str, typ: type, default=Ellipsis):
    if key not in settings or settings[key] is None:
        if default is Ellipsis:
            raise ProjectFileError(f"{path}: setting '{key}' is missing")
        return default
    value = settings[key]
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, typ) or (typ is not bool and isinstance(value, bool)):
        raise ProjectFileError(
            f"{path}: setting '{key}' must be a {typ.__name__}, got {value!r}")
    return value


def _site_from_settings(path: Path, settings: dict) -> Site:
    site = Site(
        latitude=_setting(path, settings, "latitude", float),
        longitude=_setting(path, settings, "longitude", float),
        timezone=_setting(path, settings, "timezone", str),
        crs=_setting(path, settings, "crs", str),
    )
    issues = site.validate()
    if issues:
        raise ProjectFileError(f"{path}: {issues[0]}")
    return site


def _cell(spec: FieldSpec, value):
    """Turn a value read by pyogrio into the model's Python type, or raise ValueError."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if spec.type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if spec.type is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if spec.type is bool and isinstance(value, int) and value in (0, 1):
        return bool(value)
    return value


def _entities_from_frame(path: Path, layer: str, entity_type: type[Entity],
                         frame: pd.DataFrame, crs: str) -> list[Entity]:
    specs = entity_type.field_specs()
    names = [s.name for s in specs]
    absent = [n for n in names if n not in frame.columns]
    if absent:
        raise ProjectFileError(
            f"{path}: layer '{layer}' lacks column{'s' * (len(absent) > 1)} {', '.join(absent)}")
    geometries = None
    if entity_type.GEOMETRY is not None:
        geometries = _layer_geometries(path, layer, frame, crs)
    columns = {n: frame[n].to_numpy(dtype=object) for n in names}
    entities = []
    for row in range(len(frame)):
        values = {}
        ident = columns["id"][row]
        where = f"{path}: layer '{layer}', row {row + 1}" + (
            f" (id '{ident}')" if isinstance(ident, str) else "")
        for spec in specs:
            value = _cell(spec, columns[spec.name][row])
            message = check_type(spec, value)
            if message:
                raise ProjectFileError(f"{where}: {message}")
            values[spec.name] = value
        if geometries is not None:
            geometry = geometries[row]
            message = check_geometry(entity_type.GEOMETRY, geometry)
            if message:
                raise ProjectFileError(f"{where}: {message}")
            values["geometry"] = geometry
        entities.append(entity_type(**values))
    return entities


def _layer_geometries(path: Path, layer: str, frame, crs: str) -> list:
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        raise ProjectFileError(f"{path}: layer '{layer}' has no geometry column")
    series = frame.geometry
    if len(series) and series.crs is not None and not series.crs.equals(crs):
        series = series.to_crs(crs)
    out = []
    for geometry in series:
        if (geometry is not None and geometry.geom_type == "MultiPolygon"
                and len(geometry.geoms) == 1):
            geometry = geometry.geoms[0]
        out.append(geometry)
    return out


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
