"""Load profiles from a CSV file into a project (``planner import PROJECT FILE --as profiles``).

The file holds one year at a fixed step: a time column (``time``, or the first column) and one
column per profile, named as consumers will name it (``H0-A``, ``bakery meter``). Times are the
local wall clock of the profile's place without clock changes (standard time); they must start
at a midnight and run in equal steps of 15 to 60 minutes (a step that divides a day) over 365 or
366 days. Values are any non-negative numbers (kW, kWh per step, or relative: only the shape
counts, scaled to each consumer's annual energy). Each column becomes a
:class:`~planner.model.people.LoadProfile` whose first weekday is the first day's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.model import LoadProfile

#: Larger files are refused before reading: a year of minutes for a few hundred profiles.
MAX_BYTES = 200_000_000


class ProfilesReport:
    """What an import of load profiles added."""

    def __init__(self, path: Path, ids: list[str], note: str):
        self.path, self.ids, self.note = path, ids, note

    def describe(self) -> str:
        return f"{len(self.ids)} load profiles from {self.path.name} ({', '.join(self.ids[:6])}" + (
            ", ..." if len(self.ids) > 6 else "") + f"); {self.note}"


class ProfileImportError(PlannerError):
    """A profile file that cannot be read; the message names the file, column and row."""


def read_profiles(path) -> tuple[pd.DatetimeIndex, pd.DataFrame]:
    """The file's times (naive wall clock) and its numeric profile columns."""
    from planner.weather.checks import parse_times

    path = Path(path)
    if not path.exists():
        raise ProfileImportError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise ProfileImportError(f"{path}: {path.stat().st_size / 1e6:,.0f} MB, more than a profile file holds "
                                 f"({MAX_BYTES / 1e6:,.0f} MB)")
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ProfileImportError(f"{path}: not a readable CSV file: {' '.join(str(exc).split())}") from None
    if raw.shape[1] < 2:
        raise ProfileImportError(f"{path}: needs a time column and at least one profile column")
    time_column = "time" if "time" in raw.columns else raw.columns[0]
    text = raw[time_column].astype(str)
    try:
        # SimBench and many meter exports write day first (01.01.2016 00:00)
        day_first = bool(text.str.match(r"^\d{1,2}\.\d{1,2}\.\d{4}").all())
        times = pd.DatetimeIndex(pd.to_datetime(text, dayfirst=True, format="mixed")) if day_first \
            else parse_times(raw[time_column])
    except (ValueError, TypeError) as exc:
        raise ProfileImportError(f"{path}: column '{time_column}' does not hold times: {exc}") from None
    if times.tz is not None:
        times = times.tz_localize(None)  # the clock as written
    profiles = raw.drop(columns=[time_column])
    for column in profiles.columns:
        values = pd.to_numeric(profiles[column], errors="coerce")
        bad = values.isna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise ProfileImportError(f"{path}: column '{column}', row {row + 2}: not a number "
                                     f"({profiles[column].iloc[row]!r})")
        profiles[column] = values.astype(float)
    return times, profiles


def import_load_profiles(project, path, *, prefix: str = "") -> ProfilesReport:
    """Add each profile column of a CSV file as a load profile (the project changes only when all is well)."""
    path = Path(path)
    times, profiles = read_profiles(path)
    if len(times) < 2:
        raise ProfileImportError(f"{path}: holds fewer than two times")
    steps = np.diff(times.asi8)
    if (steps != steps[0]).any():
        row = int(np.argmax(steps != steps[0])) + 1
        raise ProfileImportError(f"{path}: steps must be equal; row {row + 2} ({times[row]}) breaks them "
                                 f"(a clock change? write standard time)")
    minutes = steps[0] / 60e9
    if not float(minutes).is_integer() or minutes <= 0:
        raise ProfileImportError(f"{path}: a step of {minutes:g} minutes; give whole minutes")
    if times[0] != times[0].normalize():
        raise ProfileImportError(f"{path}: the first time {times[0]} is not a midnight (a profile's year starts "
                                 f"at 00:00)")
    new = []
    for column in profiles.columns:
        ident = f"{prefix}{str(column).strip()}"
        if not ident:
            raise ProfileImportError(f"{path}: a profile column has no name")
        if ident in project.items("load_profile"):
            raise ProfileImportError(f"the project has a load profile '{ident}' already: give a --prefix")
        profile = LoadProfile(
            id=ident, name=str(column), step_minutes=int(minutes), first_weekday=int(times[0].weekday()),
            values=json.dumps([float(f"{v:.6g}") for v in profiles[column].to_numpy()]),
            source=f"{path.name}, column '{column}'")
        issues = profile.validate()
        if issues:
            raise ProfileImportError(f"{path}: column '{column}': {issues[0].message}")
        new.append(profile)
    project.add_all(new)
    return ProfilesReport(path, [p.id for p in new],
                          f"{int(minutes)}-minute steps from {times[0]:%Y-%m-%d} ({times[0]:%A}); a consumer follows "
                          f"one with profile 'measured' and its profile id (a consumers file may name it in its "
                          f"profile column)")
