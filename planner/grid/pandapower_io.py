"""Reading pandapower nets and power-flow profiles from files, safely.

pandapower's JSON can name Python classes to rebuild (``_module``/``_class``, as
controllers are stored). A file is data, never code: before pandapower reads a
file, every class it names must come from pandapower, pandas, numpy, shapely,
geopandas or networkx. Controllers stored in a net are not run: the profiles
file drives the elements.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from planner.grid.powerflow import PowerFlowError

_ALLOWED_MODULES = ("pandapower", "pandas", "numpy", "shapely", "geopandas", "builtins", "networkx")


def _walk_modules(node, found: set) -> None:
    if isinstance(node, dict):
        module = node.get("_module")
        if isinstance(module, str):
            found.add((module, str(node.get("_class", ""))))
        for value in node.values():
            _walk_modules(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_modules(value, found)
    elif isinstance(node, str) and node.startswith("{") and '"_module"' in node:
        try:
            _walk_modules(json.loads(node), found)
        except json.JSONDecodeError:
            pass


def read_net(path):
    """A pandapower net from ``pandapower.to_json`` output, checked to hold data only."""
    import pandapower as pp

    path = Path(path)
    if not path.exists():
        raise PowerFlowError(f"{path}: no such file")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PowerFlowError(f"{path}: not a JSON file: {exc}") from None
    found: set = set()
    _walk_modules(document, found)
    for module, cls in sorted(found):
        if not module.split(".")[0] in _ALLOWED_MODULES:
            raise PowerFlowError(f"{path}: names the Python class {module}.{cls}; only pandapower data "
                                 f"is read, no code")
    try:
        net = pp.from_json(str(path))
    except Exception as exc:
        raise PowerFlowError(f"{path}: pandapower cannot read it: {' '.join(str(exc).split())[:200]}") from None
    if not hasattr(net, "bus") or not len(net.bus):
        raise PowerFlowError(f"{path}: the net has no buses")
    return net


def read_profiles(path) -> pd.DataFrame:
    """A profile table from CSV or Parquet: column ``time`` (ISO 8601), then one column per quantity."""
    from planner.weather.checks import parse_times

    path = Path(path)
    if not path.exists():
        raise PowerFlowError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except Exception as exc:
        raise PowerFlowError(f"{path}: cannot be read as {'Parquet' if path.suffix.lower() == '.parquet' else 'CSV'}: "
                             f"{' '.join(str(exc).split())[:200]}") from None
    if "time" not in frame.columns:
        raise PowerFlowError(f"{path}: no column 'time'")
    try:
        times = frame["time"] if pd.api.types.is_datetime64_any_dtype(frame["time"]) else parse_times(frame["time"])
    except (ValueError, TypeError) as exc:
        raise PowerFlowError(f"{path}: column 'time' does not hold ISO 8601 times: {exc}") from None
    frame = frame.drop(columns=["time"])
    frame.index = pd.DatetimeIndex(times)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            converted = pd.to_numeric(frame[column], errors="coerce")
            bad = converted.isna() & frame[column].notna()
            if bad.any():
                raise PowerFlowError(f"{path}: column '{column}' holds {frame[column][bad].iloc[0]!r} at "
                                     f"{frame.index[bad.to_numpy()][0]}, not a number")
            frame[column] = converted
    return frame
