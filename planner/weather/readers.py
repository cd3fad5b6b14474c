"""Weather readers: each returns ``(DataFrame, WeatherMeta)`` in the standard form.

Standard form (see :mod:`planner.weather.checks`): columns ``ghi``, ``dni``,
``dhi`` [W/m^2], ``temp_air`` [degC], ``wind_speed`` [m/s] at
``meta.wind_height_m``, ``pressure`` [Pa]; a tz-aware index whose labels mark
the **start** of each averaging interval.

Each source labels its intervals differently; the conversion happens once, here:

========== ======================================= ==============================
source     as written in the file                  conversion
========== ======================================= ==============================
TMY3       hour ending, local standard time        pvlib keeps the end: minus 1 h
TMY2       hour ending 1-24, local standard time   pvlib already gives hour - 1
EPW        hour ending 1-24, local standard time   pvlib already gives hour - 1
PVGIS TMY  HH:00 UTC (irradiance time offset noted) taken as interval start, UTC
DWD TRY    hour ending 1-24, CET (UTC+1)           hour - 1, zone UTC+1
CSV        as the user says: start, middle or end  shifted to start
========== ======================================= ==============================

Typical years mix months of several years; readers of typical-year files set
one ``year`` (default :data:`TYPICAL_YEAR`) so the index increases monotonically.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from planner.weather.checks import WeatherError, WeatherMeta, finish, parse_times

#: The calendar year given to typical-year data (a non-leap year).
TYPICAL_YEAR = 2019
#: Largest weather file read [bytes]: a year of 1-minute data in a wide CSV stays below this.
MAX_WEATHER_BYTES = 100_000_000
#: Largest file of a fixed hourly-year format [bytes]: a real one is 1 to 3 MB (EPW, TMY3, TMY2,
#: PVGIS, DWD TRY), so ten times that is refused before it is read.
MAX_YEAR_FILE_BYTES = 30_000_000


def _where(path) -> str:
    return str(path)


def _open_check(path, max_bytes: int = MAX_WEATHER_BYTES, fmt: str = "a year of weather") -> Path:
    path = Path(path)
    if not path.exists():
        raise WeatherError(f"{path}: no such file")
    if path.is_dir():
        raise WeatherError(f"{path}: is a folder, not a weather file")
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except PermissionError:
        raise WeatherError(f"{path}: permission denied (the file cannot be read)") from None
    except OSError as exc:
        raise WeatherError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if size == 0:
        raise WeatherError(f"{path}: the file is empty")
    if size > max_bytes:
        raise WeatherError(f"{path}: {size / 1e6:,.1f} MB is far larger than {fmt} can be "
                           f"(at most {max_bytes / 1e6:,.0f} MB are read)")
    return path


def _with_year(index: pd.DatetimeIndex, year: int, path) -> pd.DatetimeIndex:
    """Set one calendar year on a typical-year index (labels are interval starts)."""
    tz = index.tz
    naive = index.tz_localize(None)
    if year % 4 != 0 and ((naive.month == 2) & (naive.day == 29)).any():
        raise WeatherError(f"{path}: the data hold 29 February, which {year} does not have "
                           f"(a typical year is placed in a year without it)")
    text = pd.Index(naive.strftime("%m-%d %H:%M"))
    moved = pd.to_datetime(f"{year}-" + text, format="%Y-%m-%d %H:%M")
    return pd.DatetimeIndex(moved).tz_localize(tz)


def read_tmy3(path, year: int | None = TYPICAL_YEAR) -> tuple[pd.DataFrame, WeatherMeta]:
    """NREL TMY3 CSV (such as pvlib's ``723170TYA.CSV``, Greensboro NC)."""
    import pvlib

    path = _open_check(path, MAX_YEAR_FILE_BYTES, "a TMY3 file")
    try:
        data, raw = pvlib.iotools.read_tmy3(str(path), coerce_year=None, map_variables=True)
    except Exception as exc:
        raise WeatherError(f"{path}: not a readable TMY3 file: {_short(exc)}") from exc
    data = data.copy()
    # Hour ending HH (01:00 ... 24:00) of the row's own date: the interval starts at HH - 1.
    # (pvlib turns 24:00 into the next day, which crosses years and leap days in a typical year.)
    tz = data.index.tz
    dates = pd.to_datetime(data["Date (MM/DD/YYYY)"], format="%m/%d/%Y")
    hours = data["Time (HH:MM)"].str.slice(0, 2).astype(int) - 1
    starts = pd.DatetimeIndex(dates + pd.to_timedelta(hours, unit="h")).tz_localize(tz)
    data.index = _with_year(starts, year, path) if year is not None else starts
    data["pressure"] = data["pressure"] * 100.0  # mbar -> Pa
    meta = WeatherMeta(
        name=str(raw.get("Name", "")).strip().title() or path.stem, source="TMY3",
        latitude=float(raw["latitude"]), longitude=float(raw["longitude"]),
        elevation_m=float(raw["altitude"]), path=str(path), station_id=str(raw.get("USAF", "")))
    return finish(data, meta, _where(path))


def read_tmy2(path, year: int | None = TYPICAL_YEAR) -> tuple[pd.DataFrame, WeatherMeta]:
    """NREL TMY2 (such as pvlib's ``12839.tm2``, Miami FL); tenths of degC and m/s converted."""
    import pvlib

    path = _open_check(path, MAX_YEAR_FILE_BYTES, "a TMY2 file")
    try:
        raw_data, raw = pvlib.iotools.read_tmy2(str(path))
    except Exception as exc:
        raise WeatherError(f"{path}: not a readable TMY2 file: {_short(exc)}") from exc
    data = pd.DataFrame({
        "ghi": raw_data["GHI"], "dni": raw_data["DNI"], "dhi": raw_data["DHI"],
        "temp_air": raw_data["DryBulb"] / 10.0, "wind_speed": raw_data["Wspd"] / 10.0,
        "wind_direction": raw_data["Wdir"],
        "pressure": raw_data["Pressure"] * 100.0,
    }, index=raw_data.index)
    if year is not None:
        data.index = _with_year(data.index, year, path)
    meta = WeatherMeta(
        name=str(raw.get("City", "")).strip().title() or path.stem, source="TMY2",
        latitude=float(raw["latitude"]), longitude=float(raw["longitude"]),
        elevation_m=float(raw["altitude"]), path=str(path), station_id=str(raw.get("WBAN", "")))
    return finish(data, meta, _where(path))


def read_epw(path, year: int | None = None) -> tuple[pd.DataFrame, WeatherMeta]:
    """EnergyPlus weather (EPW), as PVGIS, climate.onebuilding.org and others write it."""
    import pvlib

    path = _open_check(path, MAX_YEAR_FILE_BYTES, "an EPW file")
    try:
        raw_data, raw = pvlib.iotools.read_epw(str(path), coerce_year=year)
    except Exception as exc:
        raise WeatherError(f"{path}: not a readable EPW file: {_short(exc)}") from exc
    data = raw_data.rename(columns={"atmospheric_pressure": "pressure"})
    if year is None and not data.index.is_monotonic_increasing:
        data.index = _with_year(data.index, TYPICAL_YEAR, path)
    meta = WeatherMeta(
        name=str(raw.get("city", "")).strip() or path.stem, source="EPW",
        latitude=float(raw["latitude"]), longitude=float(raw["longitude"]),
        elevation_m=float(raw["altitude"]), path=str(path), station_id=str(raw.get("WMO_code", "")))
    return finish(data, meta, _where(path))


def read_pvgis_tmy(path, year: int | None = TYPICAL_YEAR) -> tuple[pd.DataFrame, WeatherMeta]:
    """PVGIS typical meteorological year, CSV or JSON (the EPW variant goes to :func:`read_epw`)."""
    import pvlib

    path = _open_check(path, MAX_YEAR_FILE_BYTES, "a PVGIS TMY file")
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "epw":
        return read_epw(path, year=year)
    if fmt not in ("csv", "json"):
        raise WeatherError(f"{path}: PVGIS files end in .csv, .json or .epw")
    try:
        raw_data, raw = pvlib.iotools.read_pvgis_tmy(str(path), pvgis_format=fmt, map_variables=True)
    except Exception as exc:
        raise WeatherError(f"{path}: not a readable PVGIS TMY {fmt.upper()} file: {_short(exc)}") from exc
    data = raw_data.copy()
    if year is not None:
        data.index = _with_year(data.index, year, path)
    data = data.sort_index()
    inputs = raw.get("inputs", {}) if isinstance(raw, dict) else {}
    location = inputs.get("location", inputs) if isinstance(inputs, dict) else {}
    try:
        latitude, longitude = float(location["latitude"]), float(location["longitude"])
        elevation = float(location.get("elevation", np.nan))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise WeatherError(f"{path}: the PVGIS file gives no position as numbers (inputs.location "
                           f"latitude and longitude)") from None
    meta = WeatherMeta(
        name=f"PVGIS TMY {latitude:.3f}, {longitude:.3f}", source=f"PVGIS TMY ({fmt})",
        latitude=latitude, longitude=longitude, elevation_m=elevation, path=str(path))
    offset = inputs.get("irradiance time offset")
    if offset is not None:
        meta.notes.append(f"PVGIS irradiance time offset {float(offset):g} h is not applied")
    return finish(data, meta, _where(path))


_TRY_COLUMNS = ["RG", "IS", "MM", "DD", "HH", "N", "WR", "WG", "t", "p", "x", "RF", "W", "B", "D",
                "IK", "A", "E", "IL"]
_CET = timezone(timedelta(hours=1))


def _dms(degrees: str, minutes: str) -> float:
    return int(degrees) + int(minutes) / 60.0


def read_dwd_try(path, year: int | None = TYPICAL_YEAR) -> tuple[pd.DataFrame, WeatherMeta]:
    """A test reference year of the German weather service (DWD TRY 2010, ``TRY2010_NN_Jahr.dat``).

    The file gives direct (B) and diffuse (D) irradiance on the horizontal, so
    ``ghi = B + D``, ``dhi = D`` and ``dni = B / cos(zenith)`` with the sun's
    zenith at the middle of each hour; where the sun is lower than 5 degrees,
    ``dni`` is 0 (B stays in ``ghi``), and ``dni`` never exceeds the
    extraterrestrial irradiance.
    """
    import pvlib

    path = _open_check(path, MAX_YEAR_FILE_BYTES, "a DWD test reference year")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    head, sep, body = text.partition("***")
    if not sep or "TRY" not in head[:200]:
        raise WeatherError(f"{path}: not a DWD test reference year file (no 'TRY' header and '***' line)")
    rows = [line.split() for line in body.strip().splitlines() if line.strip()]
    bad = next((i for i, r in enumerate(rows) if len(r) != len(_TRY_COLUMNS)), None)
    if bad is not None:
        raise WeatherError(f"{path}: data row {bad + 1} has {len(rows[bad])} fields, "
                           f"expected {len(_TRY_COLUMNS)}")
    try:
        raw = pd.DataFrame(rows, columns=_TRY_COLUMNS).astype(float)
    except ValueError as exc:
        raise WeatherError(f"{path}: a data field is not a number: {_short(exc)}") from None
    year = TYPICAL_YEAR if year is None else year
    try:
        start = pd.to_datetime({"year": year, "month": raw.MM.astype(int), "day": raw.DD.astype(int)})
    except ValueError as exc:
        raise WeatherError(f"{path}: impossible date: {_short(exc)}") from None
    index = pd.DatetimeIndex(start + pd.to_timedelta(raw.HH.astype(int) - 1, unit="h")).tz_localize(_CET)

    station = re.search(r"Station:\s*(.+?)\s{2,}WMO-Nummer:\s*(\d+)", head)
    lage = re.search(r"Lage:\s*(\d+)°(\d+)'N.*?(\d+)°(\d+)'O.*?(-?\d+)\s*Meter", head)
    region = re.search(r"TRY(\d+)", head)
    if lage is None:
        raise WeatherError(f"{path}: the header has no 'Lage:' line with the station position")
    lat, lon = _dms(*lage.group(1, 2)), _dms(*lage.group(3, 4))
    name = station.group(1).strip() if station else path.stem

    mid = index + pd.Timedelta(minutes=30)
    zenith = pvlib.solarposition.get_solarposition(mid, lat, lon)["zenith"].to_numpy()
    cos_z = np.cos(np.radians(zenith))
    direct = raw.B.to_numpy()
    dni = np.where(cos_z > np.cos(np.radians(85.0)), direct / np.maximum(cos_z, 1e-6), 0.0)
    dni = np.minimum(dni, pvlib.irradiance.get_extra_radiation(mid).to_numpy())
    data = pd.DataFrame({
        "ghi": direct + raw.D.to_numpy(), "dni": dni, "dhi": raw.D.to_numpy(),
        "temp_air": raw.t.to_numpy(), "wind_speed": raw.WG.to_numpy(), "wind_direction": raw.WR.to_numpy(),
        "pressure": raw.p.to_numpy() * 100.0,
    }, index=index)
    meta = WeatherMeta(
        name=f"DWD TRY 2010 region {int(region.group(1)) if region else '?'}: {name}",
        source="DWD TRY 2010", latitude=lat, longitude=lon,
        elevation_m=float(lage.group(5)), path=str(path),
        station_id=station.group(2) if station else None)
    meta.notes.append("dni derived from horizontal direct irradiance B / cos(zenith), sun above 5 deg")
    return finish(data, meta, _where(path))


def read_csv_mapped(path, columns: dict[str, str], *, time_column: str = "time",
                    timezone: str | None = None, label: str = "start",
                    time_format: str | None = None, scale: dict[str, float] | None = None,
                    wind_height_m: float = 10.0, name: str | None = None,
                    latitude: float | None = None, longitude: float | None = None,
                    sep: str = ",") -> tuple[pd.DataFrame, WeatherMeta]:
    """A CSV file with a user-given mapping of its columns to the standard names.

    Parameters
    ----------
    columns : dict
        Standard name to file column, e.g. ``{"ghi": "GHI [W/m2]", "temp_air": "T"}``.
        ``ghi``, ``temp_air`` and ``wind_speed`` are required.
    time_column : str
        The file column with the timestamps.
    timezone : str, optional
        IANA zone (or ``"UTC"``) of naive timestamps; times with an offset are kept.
        Naive times without ``timezone`` are refused rather than guessed.
    label : {"start", "middle", "end"}
        Which point of its averaging interval each timestamp names.
    scale : dict, optional
        Factors to standard units per standard name (``{"pressure": 100}`` for hPa).
    """
    from planner.weather.checks import COLUMNS

    path = _open_check(path)
    unknown = [k for k in columns if k not in COLUMNS]
    if unknown:
        raise WeatherError(f"{path}: unknown standard name{'s' * (len(unknown) > 1)} "
                           f"{', '.join(unknown)}; use {', '.join(COLUMNS)}")
    if label not in ("start", "middle", "end"):
        raise WeatherError(f"{path}: label must be start, middle or end, got '{label}'")
    try:
        raw = pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise WeatherError(f"{path}: not a readable CSV file: {_short(exc)}") from None
    absent = [c for c in [time_column, *columns.values()] if c not in raw.columns]
    if absent:
        raise WeatherError(f"{path}: no column{'s' * (len(absent) > 1)} "
                           f"{', '.join(repr(a) for a in absent)} (the file has {', '.join(map(repr, raw.columns))})")
    try:
        times = parse_times(raw[time_column], time_format)
    except (ValueError, TypeError) as exc:
        raise WeatherError(f"{path}: column '{time_column}' does not hold times: {_short(exc)}") from None
    index = pd.DatetimeIndex(times)
    if index.tz is None:
        if timezone is None:
            raise WeatherError(f"{path}: times have no time zone; say which (timezone=...)")
        try:
            index = index.tz_localize(timezone, ambiguous="raise", nonexistent="raise")
        except Exception as exc:
            raise WeatherError(f"{path}: times do not fit time zone {timezone}: {_short(exc)}") from None
    elif timezone is not None:
        index = index.tz_convert(timezone)
    data = pd.DataFrame({std: raw[col].to_numpy() for std, col in columns.items()}, index=index)
    for std, factor in (scale or {}).items():
        data[std] = pd.to_numeric(data[std], errors="coerce") * factor
    if label != "start" and len(index) > 1:
        step = pd.Series(index[1:] - index[:-1]).mode().iloc[0]
        data.index = index - (step if label == "end" else step / 2)
    meta = WeatherMeta(name=name or path.stem, source="CSV", latitude=latitude, longitude=longitude,
                       wind_height_m=wind_height_m, path=str(path))
    return finish(data, meta, _where(path))


def read_weather(path, **kwargs) -> tuple[pd.DataFrame, WeatherMeta]:
    """Read any supported weather file, choosing the reader from its name and first line.

    CSV files that are neither TMY3 nor PVGIS need ``columns=`` (see :func:`read_csv_mapped`).
    """
    path = _open_check(path)
    suffix = path.suffix.lower()
    if suffix == ".epw":
        return read_epw(path, **kwargs)
    if suffix == ".tm2":
        return read_tmy2(path, **kwargs)
    if suffix == ".json":
        return read_pvgis_tmy(path, **kwargs)
    with open(path, "rb") as fh:
        first = fh.read(400).decode("utf-8", "replace")
    if suffix == ".dat" or first.startswith("TRY"):
        return read_dwd_try(path, **kwargs)
    if first.startswith("Latitude (decimal degrees)"):
        return read_pvgis_tmy(path, **kwargs)
    line = first.splitlines()[0] if first else ""
    if re.match(r'^\d{6},"[^"]*",\w*,-?\d+(\.\d*)?,-?\d+\.\d+,-?\d+\.\d+,', line):
        return read_tmy3(path, **kwargs)
    if "columns" in kwargs:
        return read_csv_mapped(path, **kwargs)
    raise WeatherError(f"{path}: unknown weather format; for a CSV of your own give the column "
                       f"mapping (standard names {', '.join(['ghi', 'temp_air', 'wind_speed'])} at least)")


def _short(exc: BaseException) -> str:
    """One line on why a reader failed, in the file's terms rather than the code's."""
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} entry where the format has one"
    if isinstance(exc, (UnboundLocalError, NameError, IndexError, StopIteration)):
        return "the header or the data rows are missing or cut short"
    return " ".join(str(exc).split())[:200] or type(exc).__name__


__all__ = ["TYPICAL_YEAR", "read_csv_mapped", "read_dwd_try", "read_epw", "read_pvgis_tmy",
           "read_tmy2", "read_tmy3", "read_weather"]
