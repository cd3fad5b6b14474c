"""Writing large tables fast: time series to Parquet, result tables to CSV (pyarrow's writers).

pandas' own writers spend most of a run's output time on per-column bookkeeping (a thousand
consumer columns with a time-zone index) and on formatting floats in Python; these write the
same files, which pandas reads back as it wrote them: :func:`write_series` keeps the time index
(``pd.read_parquet`` restores it), :func:`write_csv` rounds floats as ``float_format`` would
(shortest form: ``0.5`` where pandas wrote ``0.5000``) and writes times in ISO 8601 with their
offset, as pandas does (text is always quoted, which every CSV reader takes).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd


def write_series(frame: pd.DataFrame, path: str | os.PathLike, dtype: str | None = None) -> None:
    """A frame of time series (index: times, one column each) to Parquet, values as ``dtype``
    (default: as they are). Plain encoding: year-long float series barely repeat, so dictionary
    pages only cost time and space."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = frame.to_numpy(dtype=dtype) if dtype else frame.to_numpy()
    values = np.asfortranarray(values)  # each column one contiguous block, taken without a copy
    arrays = [pa.array(values[:, j]) for j in range(values.shape[1])] + [pa.array(frame.index)]
    pq.write_table(pa.Table.from_arrays(arrays, schema=_series_schema(frame, values.dtype)), path,
                   use_dictionary=False)


def _series_schema(frame: pd.DataFrame, dtype):
    """The Arrow schema pandas would give ``frame`` (its pandas metadata included, so the index is
    restored on reading), made from a one-column probe: pandas' own conversion spends a
    millisecond a column."""
    import pyarrow as pa

    if not all(isinstance(c, str) for c in frame.columns) or len(set(frame.columns)) != len(frame.columns):
        empty = pd.DataFrame(np.empty((0, frame.shape[1]), dtype=dtype), index=frame.index[:0], columns=frame.columns)
        return pa.Schema.from_pandas(empty, preserve_index=True)
    probe = pd.DataFrame(np.empty((0, 1), dtype=dtype), index=frame.index[:0], columns=["probe"])
    schema = pa.Schema.from_pandas(probe, preserve_index=True)
    meta = json.loads(schema.metadata[b"pandas"])
    column = next(m for m in meta["columns"] if m["name"] == "probe")
    index_meta = [m for m in meta["columns"] if m["name"] != "probe"]
    meta["columns"] = [{**column, "name": c, "field_name": c} for c in frame.columns] + index_meta
    value_type = schema.field("probe").type
    fields = [pa.field(c, value_type) for c in frame.columns] + [f for f in schema if f.name != "probe"]
    return pa.schema(fields, metadata={**schema.metadata, b"pandas": json.dumps(meta).encode()})


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, decimals: int | None = None,
              significant: int | None = None) -> None:
    """``frame`` (index left out) to CSV, floats rounded to ``decimals`` places or ``significant``
    digits (NaN left empty), times in ISO 8601 with their UTC offset, text quoted."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    columns = {}
    for name, column in frame.items():
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy(dtype=float)
            if decimals is not None:
                values = np.round(values, decimals)
            elif significant is not None:
                values = _significant(values, significant)
            columns[name] = pa.array(values + 0.0, from_pandas=True)  # NaN empty, as pandas writes it; no "-0"
        elif isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
            # each distinct time printed once (pandas prints a time 5 us; a grid's worst elements
            # share a few hundred times among thousands of rows), missing ones empty
            codes, distinct = pd.factorize(column)
            printed = np.append(distinct.astype(str).to_numpy(dtype=object), "")
            columns[name] = printed[codes]  # code -1 (missing) takes the last: empty
        else:
            columns[name] = column.to_numpy()
    table = pa.table({str(k): v for k, v in columns.items()})
    pcsv.write_csv(table, path)


def _significant(values: np.ndarray, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (as ``%.{digits}g`` prints them)."""
    out = values.copy()
    finite = np.isfinite(values) & (values != 0)
    x = values[finite]
    places = digits - 1 - np.floor(np.log10(np.abs(x))).astype(int)
    # an integer over or times a power of ten is the double nearest the decimal: no 0.30000000000000004
    up = places >= 0
    x[up] = np.round(x[up] * 10.0 ** places[up]) / 10.0 ** places[up]
    x[~up] = np.round(x[~up] / 10.0 ** -places[~up]) * 10.0 ** -places[~up]
    out[finite] = x
    return out
