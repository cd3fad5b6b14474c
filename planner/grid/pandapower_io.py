"""Reading pandapower nets and power-flow profiles from files, safely.

A net file is data, never code: :mod:`planner.grid.net_json` checks the whole document
(every class it names, at any depth, against an exact list; every table inline) before
pandapower sees the checked text. Controllers stored in a net are not run: the profiles
file drives the elements, and the reader says so.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from planner import PlannerWarning
from planner.grid.net_json import NetFileError, read_net_file
from planner.grid.powerflow import PowerFlowError


def read_net(path):
    """A pandapower net from ``pandapower.to_json`` output, checked to hold data only.

    Parameters
    ----------
    path : str or path-like
        The JSON file.

    Returns
    -------
    pandapowerNet

    Raises
    ------
    NetFileError
        When the file is not a pandapower net, or names any class that is not data (see
        :func:`planner.grid.net_json.check_net_text`); nothing named in it is imported.

    Warns
    -----
    PlannerWarning
        When the net stores controllers, which are left out.
    """
    import pandapower as pp

    checked = read_net_file(path)
    for note in checked.notes:
        warnings.warn(note, PlannerWarning, stacklevel=2)
    try:
        net = pp.from_json_string(checked.text)
    except Exception as exc:
        raise NetFileError(f"{path}: pandapower cannot read it: {' '.join(str(exc).split())[:200]}") from None
    _check_tables(net, path)
    if not len(net.bus):
        raise NetFileError(f"{path}: the net has no buses")
    return net


#: Columns without which an element means nothing (older nets lack some newer optional columns).
_REQUIRED = {
    "bus": ("vn_kv", "in_service"),
    "line": ("from_bus", "to_bus", "length_km", "r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "max_i_ka",
             "in_service"),
    "trafo": ("hv_bus", "lv_bus", "sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent", "vkr_percent", "pfe_kw",
              "i0_percent", "in_service"),
    "trafo3w": ("hv_bus", "mv_bus", "lv_bus", "sn_hv_mva", "sn_mv_mva", "sn_lv_mva", "vn_hv_kv", "vn_mv_kv",
                "vn_lv_kv", "in_service"),
    "load": ("bus", "p_mw", "q_mvar", "in_service"),
    "sgen": ("bus", "p_mw", "q_mvar", "in_service"),
    "storage": ("bus", "p_mw", "q_mvar", "in_service"),
    "ext_grid": ("bus", "vm_pu", "in_service"),
    "switch": ("bus", "element", "et", "closed"),
    "impedance": ("from_bus", "to_bus", "in_service"),
    "gen": ("bus", "p_mw", "vm_pu", "in_service"),
}


def _check_tables(net, path) -> None:
    """Every table pandapower's empty net has is a table here, with its columns and their kinds.

    pandapower reads whatever the JSON holds; a table that is a list, lacks ``vn_kv`` or holds
    text where numbers belong would fail deep inside a power flow instead of here.
    """
    import numpy as np
    import pandapower as pp

    empty = pp.create_empty_network()
    for name, reference in empty.items():
        if not isinstance(reference, pd.DataFrame) or name.startswith("res_"):
            continue
        table = net.get(name)
        if not isinstance(table, pd.DataFrame):
            raise NetFileError(f"{path}: table '{name}' is not a table")
        if not len(table):
            continue
        missing = [c for c in _REQUIRED.get(name, ()) if c not in table.columns]
        if missing:
            raise NetFileError(f"{path}: table '{name}' lacks column{'s' * (len(missing) > 1)} "
                               f"{', '.join(missing[:5])}")
        for column in reference.columns:
            kind = reference[column].dtype
            if column not in table.columns or pd.api.types.is_object_dtype(kind):
                continue
            values = table[column]
            if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
                continue
            converted = pd.to_numeric(values, errors="coerce")
            bad = converted.isna() & values.notna()
            if bad.any():
                row = values.index[int(np.flatnonzero(bad.to_numpy())[0])]
                raise NetFileError(f"{path}: table '{name}', row {row}: {column} must be a number, got "
                                   f"{values[row]!r}")
            net[name][column] = converted
    if not net.bus.index.is_unique:
        raise NetFileError(f"{path}: table 'bus' repeats an index")


def read_profiles(path) -> pd.DataFrame:
    """A profile table from CSV or Parquet: column ``time`` (ISO 8601), then one column per quantity.

    The values come back as one float64 block (a year of 1,500 loads in 15-minute steps is
    about 420 MB; it is held once).
    """
    path = Path(path)
    if not path.exists():
        raise PowerFlowError(f"{path}: no such file")
    kind = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
    try:
        if kind == "Parquet":
            times, names, values = _read_parquet(path)
        else:
            times, names, values = _read_csv(path)
    except PowerFlowError:
        raise
    except Exception as exc:
        raise PowerFlowError(f"{path}: cannot be read as {kind}: {' '.join(str(exc).split())[:200]}") from None
    return pd.DataFrame(values, index=times, columns=names, copy=False)


def _times(path, values) -> pd.DatetimeIndex:
    from planner.weather.checks import parse_times

    series = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.DatetimeIndex(series)
    try:
        return parse_times(series)
    except (ValueError, TypeError) as exc:
        raise PowerFlowError(f"{path}: column 'time' does not hold ISO 8601 times: {exc}") from None


def _numbers(path, name, column, times):
    import numpy as np

    values = pd.to_numeric(pd.Series(column), errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & pd.Series(column).notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise PowerFlowError(f"{path}: column '{name}' holds {pd.Series(column).iloc[row]!r} at "
                             f"{times[row]}, not a number")
    return values


def _read_parquet(path, batch: int = 128):
    """Column batch by batch, so only the result array and one batch are in memory at once."""
    import numpy as np
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    all_names = handle.schema_arrow.names
    repeated = sorted({name for name in all_names if all_names.count(name) > 1})
    if repeated:
        raise PowerFlowError(f"{path}: profile column '{repeated[0]}' appears twice")
    if "time" not in all_names:
        raise PowerFlowError(f"{path}: no column 'time'")
    times = _times(path, handle.read(columns=["time"]).column("time").to_pandas())
    names = [n for n in all_names if n != "time" and not n.startswith("__index_level")]
    values = np.empty((handle.metadata.num_rows, len(names)))
    for start in range(0, len(names), batch):
        part = handle.read(columns=names[start:start + batch])
        for j, name in enumerate(names[start:start + batch], start=start):
            column = part.column(name)
            if str(column.type).startswith(("double", "float", "int", "uint", "halffloat")):
                values[:, j] = column.to_numpy()
            else:
                values[:, j] = _numbers(path, name, column.to_pandas(), times)
        del part
    return times, names, values


def _read_csv(path):
    import numpy as np

    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise PowerFlowError(f"{path}: profile column '{repeated[0]}' appears twice")
    frame = pd.read_csv(path, encoding="utf-8-sig")
    if "time" not in frame.columns:
        raise PowerFlowError(f"{path}: no column 'time'")
    times = _times(path, frame.pop("time"))
    names = list(frame.columns)
    values = np.empty((len(frame), len(names)))
    for j, name in enumerate(names):
        column = frame[name]
        values[:, j] = column.to_numpy(dtype=float) if pd.api.types.is_numeric_dtype(column) \
            else _numbers(path, name, column, times)
    return times, names, values


def simbench_case(code: str, steps: int | None = None, start: str = "2016-01-01"):
    """A SimBench grid and its own year of 15-minute profiles as a profile table (needs ``simbench``,
    a test and benchmark extra: ``pip install -e .[test]``)."""
    import warnings

    try:
        import simbench as sb
    except ImportError:
        raise PowerFlowError("SimBench grids need the simbench package (pip install -e '.[test]')") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = sb.get_simbench_net(code)
        absolute = sb.get_absolute_values(net, profiles_instead_of_study_cases=True)
    frames = []
    for (element, variable), frame in absolute.items():
        if element in ("load", "sgen", "storage") and frame.shape[1]:
            frame = frame.copy()
            frame.columns = [f"{element}.{variable}.{c}" for c in frame.columns]
            frames.append(frame)
    table = pd.concat(frames, axis=1)
    table.index = pd.date_range(start, periods=len(table), freq="15min", tz="UTC")
    if steps is not None:
        table = table.iloc[:steps]
    return net, table
