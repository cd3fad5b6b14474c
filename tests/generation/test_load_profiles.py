"""Load profiles stored in the project (a SimBench year, a meter's year) laid onto the simulated year."""

import json

import numpy as np
import pandas as pd
import pytest

from planner.generation.demand import load_profile_kw
from planner.model import Consumer, LoadProfile


def weekday_profile(step_minutes=15, days=366, first_weekday=4):
    """A year whose value is the weekday number + 1 all day, plus the quarter of the hour / 10."""
    per_day = 1440 // step_minutes
    values = []
    for d in range(days):
        weekday = (first_weekday + d) % 7
        values += [weekday + 1 + (k * step_minutes % 60) / 600 for k in range(per_day)]
    return LoadProfile(id="lp", step_minutes=step_minutes, first_weekday=first_weekday,
                       values=json.dumps(values))


def consumer(annual=3650.0):
    return Consumer(id="c", profile="measured", profile_id="lp", annual_kwh=annual)


@pytest.mark.parametrize("year", [2010, 2015, 2023])
def test_weekdays_line_up_and_the_year_holds_the_annual_energy(year):
    index = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="15min", tz="Europe/Berlin",
                          inclusive="left")
    kw = load_profile_kw(consumer(), weekday_profile(), index, "Europe/Berlin")
    assert kw.sum() * 0.25 == pytest.approx(3650.0, rel=1e-12)
    # the shape's weekday value at every step is the step's weekday on the standard-time clock
    local = index.tz_convert("UTC").tz_localize(None) + pd.Timedelta("1h")
    expected_weekday = local.weekday.to_numpy() + 1
    shape = kw / kw[0] * (local[0].weekday() + 1 + 0.0)  # undo the scaling by the first step
    assert np.allclose(np.floor(shape + 1e-9), expected_weekday)


def test_a_coarser_step_takes_the_mean():
    index = pd.date_range("2010-01-01", "2011-01-01", freq="1h", tz="UTC", inclusive="left")
    profile = weekday_profile(first_weekday=4)  # 2010-01-01 was a Friday
    kw = load_profile_kw(consumer(), profile, index, "UTC")
    quarters = profile.array()[: 365 * 96].reshape(-1, 4).mean(axis=1)
    assert np.allclose(kw / kw.sum(), quarters / quarters.sum(), rtol=1e-12)


def test_a_finer_step_repeats_the_value():
    index = pd.date_range("2010-01-01", "2011-01-01", freq="15min", tz="UTC", inclusive="left")
    hourly = weekday_profile(step_minutes=60, days=365, first_weekday=4)
    kw = load_profile_kw(consumer(), hourly, index, "UTC")
    assert np.allclose(kw.reshape(-1, 4), kw.reshape(-1, 4)[:, :1])


@pytest.mark.parametrize("changes, message", [
    (dict(values="[1, 2"), "JSON list"),
    (dict(values='["a"]'), "JSON list"),
    (dict(values=json.dumps([1.0] * 100)), "one year"),
    (dict(values=json.dumps([-1.0] + [1.0] * (365 * 96 - 1))), "negative"),
    (dict(values=json.dumps([0.0] * (365 * 96))), "zero"),
    (dict(step_minutes=7), "divide a day"),
])
def test_bad_profiles_are_refused(changes, message):
    import dataclasses

    bad = dataclasses.replace(weekday_profile(days=365), **changes)
    issues = bad.validate()
    assert issues and message in str(issues[0])


def test_a_consumer_naming_a_profile_must_say_measured():
    from shapely.geometry import Point

    issues = Consumer(id="c", profile="H0", profile_id="lp", annual_kwh=1.0, geometry=Point(0, 0)).validate()
    assert issues and "must be 'measured'" in str(issues[0])
