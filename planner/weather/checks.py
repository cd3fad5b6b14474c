"""Checks and repairs shared by every weather reader.

Every reader ends in :func:`finish`, which enforces the standard form: the
standard column names and units of :data:`COLUMNS`, a tz-aware, strictly
increasing, regular index whose labels mark the **start** of each averaging
interval, and physically possible values. Small defects are repaired and the
repair is reported in ``meta.repairs``; anything else raises
:class:`WeatherError` with a message naming the file, the column and the time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import PlannerError

#: Standard weather columns and their units (pvlib's names).
COLUMNS = {
    "ghi": "W/m^2",
    "dni": "W/m^2",
    "dhi": "W/m^2",
    "temp_air": "degC",
    "wind_speed": "m/s",
    "pressure": "Pa",
    "wind_direction": "deg",  # where the wind comes from, clockwise from north (optional)
}
REQUIRED = ("ghi", "temp_air", "wind_speed")

#: Physical limits; values outside are impossible, not merely unusual.
LIMITS = {
    "ghi": (0.0, 1500.0),
    "dni": (0.0, 1500.0),
    "dhi": (0.0, 1000.0),
    "temp_air": (-90.0, 60.0),
    "wind_speed": (0.0, 75.0),
    "pressure": (50_000.0, 110_000.0),
    "wind_direction": (0.0, 360.0),
}
#: Small negative irradiance (sensor night offsets) is set to zero and reported.
IRRADIANCE_NEGATIVE_TOLERANCE = -20.0
#: The longest run of missing values (in steps) filled by linear interpolation.
MAX_FILLED_GAP_STEPS = 3


class WeatherError(PlannerError):
    """A weather file that cannot be used as it is; the message says where and why."""


@dataclass
class WeatherMeta:
    """What a weather data set is and where it comes from.

    ``interval`` is always ``"start"``: each timestamp labels the interval that begins at it.
    """

    name: str
    source: str
    latitude: float | None = None
    longitude: float | None = None
    elevation_m: float | None = None
    wind_height_m: float = 10.0
    resolution_minutes: int = 60
    interval: str = "start"
    path: str | None = None
    station_id: str | None = None
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line: name, position and source."""
        where = ""
        if self.latitude is not None and self.longitude is not None:
            where = f" ({self.latitude:.3f}, {self.longitude:.3f})"
        return f"{self.name}{where}, {self.source}"


def parse_times(values: pd.Series, time_format: str | None = None) -> pd.DatetimeIndex:
    """Parse timestamps; text that carries UTC offsets (mixed across a DST change) becomes UTC.

    Raises ValueError or TypeError when the values are not times.
    """
    text = values.astype(str).str.strip()
    with_offset = bool(len(text)) and bool(text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$").all())
    return pd.DatetimeIndex(pd.to_datetime(values, format=time_format, utc=with_offset))


def finish(data: pd.DataFrame, meta: WeatherMeta, where: str) -> tuple[pd.DataFrame, WeatherMeta]:
    """Check, repair and standardise ``data`` (columns already renamed to standard names)."""
    missing = [c for c in REQUIRED if c not in data.columns]
    if missing:
        raise WeatherError(f"{where}: missing column{'s' * (len(missing) > 1)} {', '.join(missing)}")
    data = data[[c for c in COLUMNS if c in data.columns]].copy()
    for column in data.columns:
        values = pd.to_numeric(data[column], errors="coerce")
        bad = values.isna() & data[column].notna()
        if bad.any():
            first = data.index[bad.to_numpy()][0]
            raise WeatherError(f"{where}: column {column} holds text that is not a number at {first}: "
                               f"{data[column][bad].iloc[0]!r}")
        data[column] = values.astype(float)
    index = data.index
    if not isinstance(index, pd.DatetimeIndex):
        raise WeatherError(f"{where}: the time column could not be read as times")
    if index.tz is None:
        raise WeatherError(f"{where}: times have no time zone (give one: naive times are not guessed)")
    if index.has_duplicates:
        raise WeatherError(f"{where}: time {index[index.duplicated()][0]} appears twice")
    if not index.is_monotonic_increasing:
        position = int(np.argmax(np.diff((index - index[0]).total_seconds().to_numpy()) < 0)) + 1
        raise WeatherError(f"{where}: times go backwards at {index[position]}")
    if len(index) < 24:
        raise WeatherError(f"{where}: too few rows ({len(index)}) for a weather series")
    steps = pd.Series(np.diff((index - index[0]).total_seconds().to_numpy())) / 60.0
    step = float(steps.mode().iloc[0])
    if step not in (15.0, 60.0):
        raise WeatherError(f"{where}: time step of {step:g} min; hourly or 15-minute data are needed")
    meta.resolution_minutes = int(step)
    if (steps != step).any():
        full = pd.date_range(index[0], index[-1], freq=f"{int(step)}min")
        gaps = full.difference(index)
        if len(full) != len(index) + len(gaps) or len(gaps) == 0:
            raise WeatherError(f"{where}: irregular time steps near {index[int(np.argmax(steps != step))]}")
        data = data.reindex(full)
        meta.repairs.append(f"{len(gaps)} missing time step{'s' * (len(gaps) > 1)} from {gaps[0]} inserted")
    data = _check_values(data, meta, where)
    data = _fill_short_gaps(data, meta, where)
    data.index.name = "time"
    return data, meta


def check_full_year(data: pd.DataFrame, meta: WeatherMeta) -> None:
    """Refuse weather that does not cover one whole year, for annual figures.

    A year is 8,760 hours (8,784 in a leap year) of steps; a file cut short, or one of
    several years, would make "annual" energy wrong in silence.

    Raises
    ------
    WeatherError
        Naming the file, how much it covers and from when to when.
    """
    step_h = meta.resolution_minutes / 60.0
    hours = len(data) * step_h
    if hours in (8760.0, 8784.0):
        return
    where = meta.path or meta.name
    span = f"from {data.index[0]} to {data.index[-1]}" if len(data) else "no rows"
    raise WeatherError(f"{where}: covers {hours / 24:,.1f} days ({span}); annual figures need one whole "
                       f"year (8,760 hours, 8,784 in a leap year)")


def _check_values(data: pd.DataFrame, meta: WeatherMeta, where: str) -> pd.DataFrame:
    for column in data.columns:
        lo, hi = LIMITS[column]
        values = data[column]
        if column in ("ghi", "dni", "dhi"):
            small = (values < lo) & (values >= IRRADIANCE_NEGATIVE_TOLERANCE)
            if small.any():
                first = data.index[small.to_numpy()][0]
                data.loc[small, column] = 0.0
                meta.repairs.append(f"{int(small.sum())} small negative {column} values set to 0 "
                                    f"(first at {first})")
        bad = (data[column] < lo) | (data[column] > hi)
        if bad.any():
            at = data.index[bad.to_numpy()][0]
            value = data[column][bad].iloc[0]
            unit = COLUMNS[column]
            raise WeatherError(
                f"{where}: impossible {column} of {value:g} {unit} at {at} (allowed {lo:g} to {hi:g} {unit}); "
                f"{int(bad.sum())} such value{'s' * (int(bad.sum()) > 1)}")
    return data


def _fill_short_gaps(data: pd.DataFrame, meta: WeatherMeta, where: str) -> pd.DataFrame:
    for column in data.columns:
        isna = data[column].isna().to_numpy()
        if not isna.any():
            continue
        runs = _runs(isna)
        longest = max(runs, key=lambda r: r[1] - r[0])
        if longest[1] - longest[0] > MAX_FILLED_GAP_STEPS:
            start = data.index[longest[0]]
            raise WeatherError(
                f"{where}: {column} is missing for {longest[1] - longest[0]} steps from {start}; "
                f"at most {MAX_FILLED_GAP_STEPS} missing steps in a row are filled")
        if isna[0] or isna[-1]:
            data[column] = data[column].interpolate(limit_direction="both")
        else:
            data[column] = data[column].interpolate()
        first = data.index[int(np.flatnonzero(isna)[0])]
        meta.repairs.append(f"{int(isna.sum())} missing or unreadable {column} value"
                            f"{'s' * (int(isna.sum()) > 1)} (text such as 'n/a', short rows) filled by "
                            f"linear interpolation (first at {first})")
    return data


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` of the runs of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2]))


def to_resolution(data: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """Hourly weather to 15-minute steps (or back), in the standard form.

    Irradiance is an interval average, so each quarter hour keeps its hour's mean
    (energy is preserved exactly). Temperature, wind speed and pressure vary
    smoothly, so they are interpolated linearly between the interval midpoints.
    From 15 minutes to an hour, every column is averaged.
    """
    step = int(round((data.index[1] - data.index[0]).total_seconds() / 60))
    if minutes == step:
        return data.copy()
    if (step, minutes) == (15, 60):
        out = data.resample("60min").mean()
        if "wind_direction" in data:  # a circular mean: 350 and 10 degrees average to 0, not 180
            rad = np.deg2rad(data["wind_direction"])
            sin, cos = np.sin(rad).resample("60min").mean(), np.cos(rad).resample("60min").mean()
            out["wind_direction"] = np.rad2deg(np.arctan2(sin, cos)) % 360.0
        return out
    if (step, minutes) != (60, 15):
        raise ValueError(f"cannot convert {step}-minute weather to {minutes} minutes")
    index = pd.date_range(data.index[0], periods=len(data) * 4, freq="15min")
    out = pd.DataFrame(index=index)
    for column in data.columns:
        if column in ("ghi", "dni", "dhi"):
            out[column] = np.repeat(data[column].to_numpy(), 4)
        elif column == "wind_direction":  # interpolated as a vector, so 350 to 10 passes through 0
            mid_hour = (data.index - data.index[0]).total_seconds().to_numpy() + 1800.0
            mid_quarter = (index - index[0]).total_seconds().to_numpy() + 450.0
            rad = np.deg2rad(data[column].to_numpy())
            sin = np.interp(mid_quarter, mid_hour, np.sin(rad))
            cos = np.interp(mid_quarter, mid_hour, np.cos(rad))
            out[column] = np.rad2deg(np.arctan2(sin, cos)) % 360.0
        else:
            mid_hour = (data.index - data.index[0]).total_seconds().to_numpy() + 1800.0
            mid_quarter = (index - index[0]).total_seconds().to_numpy() + 450.0
            out[column] = np.interp(mid_quarter, mid_hour, data[column].to_numpy())
    out.index.name = "time"
    return out
