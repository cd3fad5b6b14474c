"""Electricity and heat demand: demandlib's BDEW profiles on the project's clock, and measured series.

Standard load profiles describe behaviour on the **wall clock** (people cook at
18:00 local time in summer and winter alike). So each simulation step, which
is an instant in a tz-aware index, takes the profile's value at its local wall
time: the hour skipped in spring is skipped, the hour repeated in autumn is
used twice. Profiles are then scaled so that a full simulated year holds
exactly the consumer's annual energy.

Profiles (demandlib): BDEW 1999 ``H0`` (dynamised, as BDEW prescribes for
households), ``G0``-``G6``, ``L0``-``L2``; BDEW 2025 ``H25`` (dynamised),
``G25``, ``L25``, ``P25``, ``S25``. Holidays count as Sundays; they come from
the ``holidays`` package for the site's country (found from its time zone; Germany for a zone of
no country such as UTC). A year's profiles, once computed, are kept in the user's cache
(``$XDG_CACHE_HOME/peergrid/load-profiles``, else ``~/.cache``; ``PEERGRID_NO_CACHE=1`` turns
that off) and read back exactly.
Heat: BDEW SigLinDe (demandlib ``HeatBuilding``) from the hourly air
temperature, domestic hot water included.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from planner import PlannerError, user_cache
from planner.model.people import Consumer

#: demandlib names of the BDEW 1999 profiles (H0 dynamised).
_SLP_1999 = {"H0": "h0_dyn", "G0": "g0", "G1": "g1", "G2": "g2", "G3": "g3", "G4": "g4",
             "G5": "g5", "G6": "g6", "L0": "l0", "L1": "l1", "L2": "l2"}
_SLP_2025 = ("H25", "G25", "L25", "P25", "S25")
#: SigLinDe building classes used by default (1 = the BDEW reference class for EFH and MFH).
_BUILDING_CLASS = {"EFH": 1, "MFH": 1, "GHD": 0}


class DemandError(PlannerError):
    """Demand that cannot be built: bad index, unknown profile, a measured series that does not fit."""


def _step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if index.tz is None:
        raise DemandError("the simulation index has no time zone (naive times are not guessed)")
    if len(index) < 2:
        raise DemandError("the simulation index needs at least two steps")
    step = index[1] - index[0]
    if step not in (pd.Timedelta("15min"), pd.Timedelta("1h")):
        raise DemandError(f"demand needs hourly or 15-minute steps, got {step}")
    return step


def is_full_year(index: pd.DatetimeIndex) -> bool:
    """Whether an index covers one calendar year of steps."""
    step = _step(index)
    hours = len(index) * step / pd.Timedelta("1h")
    return hours in (8760.0, 8784.0)


def country_of(timezone: str) -> str:
    """The ISO country code of an IANA time zone (tzdata's ``zone.tab``; ``Europe/Helsinki`` -> ``FI``),
    or ``DE`` for zones of no country (``UTC``): the planner's German defaults."""
    return _zone_countries().get(timezone, "DE")


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    try:
        from importlib.resources import files

        text = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                out[parts[2]] = parts[0]
    return out


def holidays_for(years: Sequence[int], country: str = "DE", subdivision: str | None = None) -> dict:
    """Public holidays ``{date: name}`` from the ``holidays`` package (offline)."""
    import holidays

    try:
        return dict(holidays.country_holidays(country, subdiv=subdivision, years=list(years)))
    except NotImplementedError as exc:
        raise DemandError(f"no holiday calendar for country '{country}': {exc}") from None


def _wall_clock_quarters(index: pd.DatetimeIndex, timezone: str) -> tuple[pd.DatetimeIndex, int]:
    """The naive local wall time of every quarter hour of the steps, and quarters per step."""
    step = _step(index)
    per_step = int(step / pd.Timedelta("15min"))
    quarters = pd.date_range(index[0], periods=len(index) * per_step, freq="15min")
    return quarters.tz_convert(timezone).tz_localize(None), per_step


def _profile_table(kinds: set[str], years: list[int], holidays: Mapping) -> pd.DataFrame:
    """Normalised profiles [kW per kWh/a] on a naive 15-minute wall-clock index over ``years``."""
    # demandlib's ElecSlp calls warnings.simplefilter("error") and leaves it set for the whole
    # process; the context restores the filters (other libraries warn on purpose).
    with warnings.catch_warnings():
        return _profile_table_unguarded(kinds, years, holidays)


def _profile_table_unguarded(kinds, years, holidays) -> pd.DataFrame:
    frames = []
    for year in years:
        naive = pd.date_range(f"{year}-01-01", periods=(366 if year % 4 == 0 else 365) * 96, freq="15min")
        columns = {k: _stored_profile(k, year, holidays, len(naive)) for k in kinds}
        missing = {k for k, values in columns.items() if values is None}
        if missing:
            columns.update(_computed_profiles(missing, year, holidays, naive))
            for k in missing:
                _store_profile(k, year, holidays, columns[k])
        frames.append(pd.DataFrame({k: columns[k] for k in sorted(kinds)}, index=naive))
    return pd.concat(frames)


def _computed_profiles(kinds: set[str], year: int, holidays: Mapping, naive: pd.DatetimeIndex) -> dict:
    """demandlib's profiles of ``kinds`` for ``year`` (each a normalised array on ``naive``)."""
    from demandlib import bdew

    columns = {}
    old = [k for k in kinds if k in _SLP_1999]
    if old:
        slp = bdew.ElecSlp(year, holidays=holidays).get_scaled_power_profiles({_SLP_1999[k]: 1.0 for k in old})
        for k in old:
            columns[k] = slp[_SLP_1999[k]].reindex(naive).to_numpy(dtype=float)
    for k in kinds & set(_SLP_2025):
        series = np.asarray(getattr(bdew, k)(naive, holidays=holidays), dtype=float)
        columns[k] = series / (series.sum() / 4.0)
    return columns


# A standard load profile depends only on its kind, the year and the holidays: computed once
# (demandlib's table of a year, 0.25 s of every run of the sample) and kept in the user's cache
# beside the map tiles, under a name made of all it depends on and demandlib's version. A file
# that cannot be read, or reads as anything but the year's finite values, is computed again.
_PROFILE_CACHE_FORMAT = 1


def _profile_cache() -> Path | None:
    """Where computed profiles are kept (``$XDG_CACHE_HOME/peergrid/load-profiles``); None when
    ``PEERGRID_NO_CACHE`` is set."""
    import os

    return None if os.environ.get("PEERGRID_NO_CACHE") else user_cache("load-profiles")


def _profile_path(kind: str, year: int, holidays: Mapping) -> Path | None:
    import hashlib
    import json
    from importlib.metadata import version

    folder = _profile_cache()
    if folder is None:
        return None
    days = sorted(str(day) for day in holidays if getattr(day, "year", None) == year)
    key = json.dumps([_PROFILE_CACHE_FORMAT, version("demandlib"), kind, year, days])
    return folder / f"{kind}-{year}-{hashlib.sha256(key.encode()).hexdigest()[:20]}.npy"


def _stored_profile(kind: str, year: int, holidays: Mapping, steps: int) -> np.ndarray | None:
    """The kept profile, or None (none kept, or one that does not read as ``steps`` finite values)."""
    try:
        path = _profile_path(kind, year, holidays)
        if path is None or not path.exists():
            return None
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if values.dtype != np.float64 or values.shape != (steps,) or not np.isfinite(values).all() or (values < 0).any():
        return None
    return values


def _store_profile(kind: str, year: int, holidays: Mapping, values: np.ndarray) -> None:
    """Keep a computed profile (written whole, then renamed; a cache that cannot be written is
    passed over: the profile is computed again next time)."""
    import os

    try:
        path = _profile_path(kind, year, holidays)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            np.save(out, np.ascontiguousarray(values, dtype=np.float64), allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        return


def electricity_kw(consumers: Sequence[Consumer], index: pd.DatetimeIndex, timezone: str, *,
                   holidays: Mapping | None = None, measured: Mapping[str, pd.Series] | None = None
                   ) -> pd.DataFrame:
    """Electric demand of each consumer [kW] on ``index`` (one column per consumer id).

    Parameters
    ----------
    consumers : sequence of Consumer
        Each with a ``profile`` (BDEW type, or ``"measured"``) and ``annual_kwh``.
    index : DatetimeIndex
        tz-aware simulation steps (interval starts), hourly or 15-minute.
    timezone : str
        The site's IANA zone: profiles follow its wall clock.
    holidays : mapping, optional
        Dates counted as Sundays; default: German public holidays of the years spanned.
    measured : mapping, optional
        Consumer id to a measured power series [kW] (see :func:`read_measured_kw`), used for
        consumers whose profile is ``"measured"``; it is resampled to ``index``, not rescaled.
    """
    if not consumers:
        return pd.DataFrame(index=index)
    quarters, per_step = _wall_clock_quarters(index, timezone)
    years = sorted(set(quarters.year))
    if holidays is None:
        holidays = holidays_for(years, country_of(timezone))
    kinds = {c.profile for c in consumers if c.profile != "measured"}
    unknown = kinds - set(_SLP_1999) - set(_SLP_2025)
    if unknown:
        raise DemandError(f"unknown load profile {', '.join(sorted(unknown))}")
    shapes = {}
    if kinds:
        table = _profile_table(kinds, years, holidays)
        looked_up = table.reindex(quarters)
        if looked_up.isna().any().any():
            raise DemandError("the load profile does not cover the simulated period")
        for kind in kinds:
            values = looked_up[kind].to_numpy().reshape(len(index), per_step).mean(axis=1)
            if is_full_year(index):  # exactly 1 kWh over the simulated year
                values = values / (values.sum() * (per_step / 4.0))
            shapes[kind] = values
    # one (consumers, steps) block, each row written in place, handed to pandas as its transpose
    # (the frame is a view of it): no array per consumer stacked again (0.1-0.4 s for 1,500)
    block = np.empty((len(consumers), len(index)))
    for row, consumer in zip(block, consumers):
        if consumer.profile == "measured":
            series = (measured or {}).get(consumer.id)
            if series is None:
                raise DemandError(f"{consumer.describe()}: profile 'measured' but no measured series given")
            row[:] = _resample_to(series, index, consumer.describe())
        else:
            np.multiply(shapes[consumer.profile], consumer.annual_kwh, out=row)
    return pd.DataFrame(block.T, index=index, columns=[c.id for c in consumers], copy=False)


def heat_kw(consumers: Sequence[Consumer], temp_air: pd.Series, timezone: str, *,
            holidays: Mapping | None = None, wind_class: int = 0) -> pd.DataFrame:
    """Heat demand [kW] of consumers with a heat profile, from hourly air temperature [degC].

    BDEW SigLinDe: the daily demand follows ``A / (1 + (B / (T - 40))^C) + D`` of a
    weighted four-day mean temperature, spread over the hours by the profile's
    hourly factors; domestic hot water included. Each series is scaled to sum to
    the consumer's ``annual_heat_kwh`` over a full year. The result is on the
    temperature's index (hourly).
    """
    from demandlib import bdew

    heated = [c for c in consumers if c.heat_profile is not None and c.annual_heat_kwh > 0]
    index = temp_air.index
    if not heated:
        return pd.DataFrame(index=index)
    if _step(index) != pd.Timedelta("1h"):
        raise DemandError("heat demand needs hourly temperature (resample 15-minute weather first)")
    wall = index.tz_convert(timezone).tz_localize(None)
    # demandlib wants a regular naive hourly index: use local standard time, then read it by wall time.
    # (to the end of the last wall-clock day: east of the data's zone the year's last step is
    # already past midnight of the next year)
    standard = pd.date_range(wall.min().floor("D"), (wall.max() + pd.Timedelta("1h")).ceil("D"), freq="h",
                             inclusive="left")
    temperature = pd.Series(temp_air.to_numpy(), index=wall)
    temperature = temperature[~temperature.index.duplicated()].reindex(standard).interpolate(
        limit_direction="both")
    if holidays is None:
        holidays = holidays_for(sorted(set(standard.year)), country_of(timezone))
    columns = {}
    groups: dict[str, list[Consumer]] = {}
    for c in heated:
        groups.setdefault(c.heat_profile, []).append(c)
    for shlp, group in groups.items():
        with warnings.catch_warnings():
            profile = bdew.HeatBuilding(
                standard, holidays=holidays, temperature=temperature, shlp_type=shlp,
                building_class=_BUILDING_CLASS[shlp], wind_class=wind_class,
                annual_heat_demand=1.0, name=shlp, ww_incl=True).get_bdew_profile()
        values = np.asarray(profile, dtype=float)
        shape = pd.Series(values, index=standard).reindex(wall).to_numpy()
        if not np.isfinite(shape).all():
            raise DemandError(f"the {shlp} heat profile has no value for {wall[~np.isfinite(shape)][0]} "
                              f"(wall clock of {timezone})")
        if is_full_year(index):
            shape = shape / shape.sum()
        for consumer in group:
            columns[consumer.id] = shape * consumer.annual_heat_kwh
    return pd.DataFrame(columns, index=index)[[c.id for c in heated]]


def load_profile_kw(consumer: Consumer, profile, index: pd.DatetimeIndex, timezone: str) -> np.ndarray:
    """A consumer's demand [kW] on ``index`` from a project's load profile (a year's shape).

    The profile's year is laid onto the simulated one by weekday and clock: its first step is
    midnight, local **standard** time, of a day of weekday ``profile.first_weekday`` (a
    profile's year has no clock change; SimBench's do not); the simulated year's first day
    takes the first profile day of the same weekday, and days run on from there; past the
    profile's end they step back by whole weeks. So Mondays stay Mondays (SimBench's 2016
    starts on a Friday; on the DWD reference year, stamped 2019, a Tuesday, its first Tuesday,
    5 January, opens the year); the shape is then scaled so the simulated year holds
    ``consumer.annual_kwh``. A coarser step than the profile's takes the mean of its steps; a
    finer one repeats the value.
    """
    values = np.asarray(profile.array(), dtype=float)
    step = _step(index)
    step_min = int(step / pd.Timedelta("1min"))
    per_day = 1440 // profile.step_minutes
    days = len(values) // per_day
    tz = index.tz_convert(timezone)
    year = int(tz[len(tz) // 2].year)
    standard = min(pd.Timestamp(year, 1, 1, tz=timezone).utcoffset(),
                   pd.Timestamp(year, 7, 1, tz=timezone).utcoffset())
    local = index.tz_convert("UTC").tz_localize(None) + standard
    start = pd.Timestamp(year, 1, 1)
    shift = (start.weekday() - profile.first_weekday) % 7
    minutes = np.asarray((local - start) / pd.Timedelta("1min"), dtype=np.int64)
    day = minutes // 1440 + shift
    over = day >= days  # past the profile's end: back by whole weeks, so weekdays still match
    day[over] -= 7 * ((day[over] - days) // 7 + 1)
    day %= days  # (steps before the year's first midnight, none in a whole year)
    position = day * per_day + (minutes % 1440) // profile.step_minutes
    if step_min > profile.step_minutes:
        take = step_min // profile.step_minutes
        cumulative = np.concatenate([[0.0], np.cumsum(np.concatenate([values, values[:take]]))])
        out = (cumulative[position + take] - cumulative[position]) / take
    else:
        out = values[position]
    total = out.sum() * step_min / 60.0
    if not total > 0:
        raise DemandError(f"{consumer.describe()}: its load profile '{profile.id}' is zero over the year")
    return out * (consumer.annual_kwh / total)


def _resample_to(series: pd.Series, index: pd.DatetimeIndex, who: str) -> np.ndarray:
    if not isinstance(series.index, pd.DatetimeIndex) or series.index.tz is None:
        raise DemandError(f"{who}: the measured series needs a tz-aware time index")
    series = series.tz_convert(index.tz).sort_index()
    step = index[1] - index[0]
    src_step = series.index[1] - series.index[0]
    if src_step < step:
        series = series.resample(step).mean()
    elif src_step > step:
        series = series.resample(step).ffill()
    aligned = series.reindex(index)
    if aligned.isna().any():
        first = index[aligned.isna().to_numpy()][0]
        raise DemandError(f"{who}: the measured series does not cover the simulated period (from {first})")
    if (aligned < 0).any():
        raise DemandError(f"{who}: the measured series has negative demand")
    return aligned.to_numpy(dtype=float)


def read_measured_kw(path, *, time_column: str = "time", value_column: str = "p_kw",
                     timezone: str | None = None, unit: str = "kW", label: str = "start") -> pd.Series:
    """A measured load profile from CSV: power [kW] (or energy per step [kWh]) per timestamp."""
    from pathlib import Path

    from planner.weather.checks import parse_times

    path = Path(path)
    if not path.exists():
        raise DemandError(f"{path}: no such file")
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DemandError(f"{path}: not a readable CSV file: {exc}") from None
    for column in (time_column, value_column):
        if column not in raw.columns:
            raise DemandError(f"{path}: no column '{column}' (the file has {', '.join(raw.columns)})")
    try:
        index = parse_times(raw[time_column])
    except (ValueError, TypeError) as exc:
        raise DemandError(f"{path}: column '{time_column}' does not hold times: {exc}") from None
    if index.tz is None:
        if timezone is None:
            raise DemandError(f"{path}: times have no time zone; say which")
        index = index.tz_localize(timezone)
    elif timezone is not None:
        index = index.tz_convert(timezone)
    values = pd.to_numeric(raw[value_column], errors="coerce")
    if values.isna().any():
        raise DemandError(f"{path}: column '{value_column}' has empty or non-numeric values")
    if index.has_duplicates or not index.is_monotonic_increasing:
        raise DemandError(f"{path}: times must increase without repeats")
    step = index[1] - index[0]
    if unit == "kWh":
        values = values / (step / pd.Timedelta("1h"))
    elif unit != "kW":
        raise DemandError(f"unit must be kW or kWh, got '{unit}'")
    if label == "end":
        index = index - step
    return pd.Series(values.to_numpy(dtype=float), index=index, name=value_column)
