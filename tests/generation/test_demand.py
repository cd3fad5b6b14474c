"""Demand: annual energy kept exactly, profiles on the wall clock, heat from temperature."""

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.generation.demand import (
    DemandError, electricity_kw, heat_kw, holidays_for, read_measured_kw,
)
from planner.model import Consumer
from planner.weather import read_station, to_resolution

PROFILES = ["H0", "G0", "G1", "G2", "G3", "G4", "G5", "G6", "L0", "L1", "L2", "H25", "G25", "L25",
            "P25", "S25"]


def consumer(id, profile="H0", annual=3000.0, **kw):
    return Consumer(id=id, profile=profile, annual_kwh=annual, geometry=Point(0, 0), **kw)


@pytest.fixture(scope="module")
def weather():
    return read_station("dwd-try2010-12")[0]


def test_every_profile_sums_to_its_annual_energy(weather):
    consumers = [consumer(p, p, 1000.0 + i) for i, p in enumerate(PROFILES)]
    hourly = electricity_kw(consumers, weather.index, "Europe/Berlin")
    np.testing.assert_allclose(hourly.sum().to_numpy(), [c.annual_kwh for c in consumers], rtol=1e-12)
    quarter = electricity_kw(consumers, to_resolution(weather, 15).index, "Europe/Berlin")
    np.testing.assert_allclose((quarter.sum() / 4).to_numpy(), [c.annual_kwh for c in consumers], rtol=1e-12)
    # hourly values are the means of their quarter hours
    np.testing.assert_allclose(quarter["H0"].to_numpy().reshape(-1, 4).mean(axis=1), hourly["H0"].to_numpy(),
                               rtol=1e-9)
    assert (hourly >= 0).all().all()


def test_profiles_follow_the_wall_clock():
    from demandlib import bdew

    index = pd.date_range("2019-01-01", periods=8760, freq="h", tz="UTC")
    demand = electricity_kw([consumer("g", "G0", 1.0)], index, "Europe/Berlin")["g"]
    import warnings

    with warnings.catch_warnings():  # demandlib's ElecSlp sets every warning to an error otherwise
        reference = bdew.ElecSlp(2019, holidays=holidays_for([2019])).get_scaled_power_profiles({"g0": 1.0})["g0"]
    # 16:00 UTC on 1 July is 18:00 summer time in Berlin: it takes the profile's 18:00-19:00 hour
    # (the full-year rescaling for the skipped and repeated DST hours is well under 0.5 %)
    step = pd.Timestamp("2019-07-01 16:00", tz="UTC")
    assert demand[step] == pytest.approx(reference["2019-07-01 18:00":"2019-07-01 18:45"].mean(), rel=5e-3)
    # and 16:00 UTC on 1 January is 17:00 in Berlin
    winter = pd.Timestamp("2019-01-02 16:00", tz="UTC")
    assert demand[winter] == pytest.approx(reference["2019-01-02 17:00":"2019-01-02 17:45"].mean(), rel=5e-3)
    assert not demand.isna().any()


def test_household_peaks_in_the_evening(weather):
    h0 = electricity_kw([consumer("h")], weather.index, "Europe/Berlin")["h"]
    local_hour = h0.index.tz_convert("Europe/Berlin").hour
    assert h0.groupby(local_hour).mean().idxmax() in (18, 19, 20)
    assert h0.groupby(local_hour).mean().idxmin() in (2, 3, 4, 5)


def test_holidays_are_sundays(weather):
    g0 = electricity_kw([consumer("g", "G0")], weather.index, "Europe/Berlin")["g"]
    day = g0.index.tz_convert("Europe/Berlin").normalize()
    christmas = g0[day == pd.Timestamp("2019-12-25", tz="Europe/Berlin")].sum()
    weekday = g0[day == pd.Timestamp("2019-12-18", tz="Europe/Berlin")].sum()
    assert christmas < 0.8 * weekday


def test_heat_sums_and_follows_temperature(weather):
    people = [consumer("efh", heat_profile="EFH", annual_heat_kwh=18000.0),
              consumer("mfh", heat_profile="MFH", annual_heat_kwh=60000.0),
              consumer("none")]
    heat = heat_kw(people, weather.temp_air, "Europe/Berlin")
    assert list(heat.columns) == ["efh", "mfh"]
    np.testing.assert_allclose(heat.sum().to_numpy(), [18000.0, 60000.0], rtol=1e-9)
    monthly = heat["efh"].groupby(heat.index.month).sum()
    assert monthly[1] > 4 * monthly[7]
    daily = heat["efh"].resample("D").sum()
    temp = weather.temp_air.resample("D").mean()
    assert np.corrcoef(daily, temp)[0, 1] < -0.8


def test_measured_profile(tmp_path, weather):
    index = pd.date_range("2019-01-01", periods=35040, freq="15min", tz="Europe/Berlin")
    kwh = np.where(index.hour < 12, 0.5, 1.0)  # kWh per quarter hour
    path = tmp_path / "meter.csv"
    pd.DataFrame({"time": index.strftime("%Y-%m-%dT%H:%M:%S%z"), "kwh": kwh}).to_csv(path, index=False)
    series = read_measured_kw(path, value_column="kwh", unit="kWh")
    assert series.iloc[0] == 2.0 and series.iloc[-1] == 4.0
    demand = electricity_kw([consumer("m", "measured")], weather.index, "Europe/Berlin",
                            measured={"m": series})["m"]
    assert demand.sum() == pytest.approx(kwh.sum(), rel=2e-3)  # hourly means of the same quarters


def test_bad_demand_input(weather, tmp_path):
    with pytest.raises(DemandError, match="no measured series"):
        electricity_kw([consumer("m", "measured")], weather.index, "Europe/Berlin")
    with pytest.raises(DemandError, match="no time zone"):
        electricity_kw([consumer("a")], weather.index.tz_localize(None), "Europe/Berlin")
    short = pd.Series(1.0, index=pd.date_range("2019-01-01", periods=48, freq="h", tz="UTC"))
    with pytest.raises(DemandError, match="does not cover the simulated period"):
        electricity_kw([consumer("m", "measured")], weather.index, "Europe/Berlin", measured={"m": short})
    path = tmp_path / "bad.csv"
    path.write_text("time,p_kw\n2019-01-01 00:00,1\n2019-01-01 01:00,x\n")
    with pytest.raises(DemandError, match="non-numeric"):
        read_measured_kw(path, timezone="UTC")


def test_demandlib_leaves_the_warning_filters_alone(weather):
    import warnings

    before = list(warnings.filters)
    electricity_kw([consumer("h")], weather.index[:48], "Europe/Berlin")
    assert warnings.filters == before


@pytest.mark.parametrize("timezone", ["Europe/Helsinki", "Asia/Tokyo", "America/New_York"])
def test_heat_sums_in_any_time_zone(weather, timezone):
    """East of the weather's zone the year's last step lies past the next midnight on the wall
    clock (it gave a profile of NaN, summed as zero: a Helsinki CHP ran no hour)."""
    c = consumer("a", heat_profile="MFH", annual_heat_kwh=1000.0)
    heat = heat_kw([c], weather["temp_air"], timezone)
    assert np.isfinite(heat["a"]).all()
    assert heat["a"].sum() == pytest.approx(1000.0, rel=1e-9)


def test_holidays_follow_the_site_s_country(weather):
    """Finland's Independence Day (Friday 6 December 2019) is a Sunday for a Helsinki business
    and a working Friday in Berlin: the country comes from the site's time zone."""
    from planner.generation.demand import country_of

    assert (country_of("Europe/Helsinki"), country_of("Europe/Berlin"), country_of("UTC")) == ("FI", "DE", "DE")
    shop = consumer("shop", profile="G0", annual=10_000.0)
    day = {}
    for tz in ("Europe/Helsinki", "Europe/Berlin"):
        kw = electricity_kw([shop], weather.index, tz)["shop"]
        local = kw.index.tz_convert(tz)
        day[tz] = kw[(local.month == 12) & (local.day == 6)].sum()
    assert day["Europe/Helsinki"] < 0.75 * day["Europe/Berlin"]


def test_profiles_are_kept_between_runs_and_read_back_exactly(tmp_path, monkeypatch, weather):
    """A year's standard load profiles are computed by demandlib once and kept in the user's cache
    (0.25 s of each run otherwise): read back, they are demandlib's values to the bit, and
    demandlib is not asked again."""
    from planner.generation import demand

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PEERGRID_NO_CACHE", raising=False)
    consumers = [consumer("h", "H0"), consumer("g", "G4", 5000.0), consumer("n", "H25")]
    first = electricity_kw(consumers, weather.index, "Europe/Berlin")
    kept = sorted(p.name.split("-")[0] for p in (tmp_path / "peergrid" / "load-profiles").glob("*.npy"))
    assert kept == ["G4", "H0", "H25"]

    def asked(*args):
        raise AssertionError("demandlib asked again")

    monkeypatch.setattr(demand, "_computed_profiles", asked)
    again = electricity_kw(consumers, weather.index, "Europe/Berlin")
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    monkeypatch.setenv("PEERGRID_NO_CACHE", "1")
    with pytest.raises(AssertionError, match="asked again"):  # no cache: computed each time
        electricity_kw(consumers, weather.index, "Europe/Berlin")


@pytest.mark.parametrize("spoil", ["garbage", "short", "nan", "pickle"])
def test_a_spoilt_kept_profile_is_computed_again(tmp_path, monkeypatch, weather, spoil):
    import pickle

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PEERGRID_NO_CACHE", raising=False)
    expected = electricity_kw([consumer("h")], weather.index, "Europe/Berlin")
    (path,) = (tmp_path / "peergrid" / "load-profiles").glob("H0-*.npy")
    good = np.load(path)
    if spoil == "garbage":
        path.write_bytes(b"not a profile")
    elif spoil == "short":
        np.save(path, good[:100])
    elif spoil == "nan":
        np.save(path, np.where(np.arange(len(good)) == 7, np.nan, good))
    else:  # an object array: never unpickled
        path.write_bytes(pickle.dumps(good))
    got = electricity_kw([consumer("h")], weather.index, "Europe/Berlin")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    np.testing.assert_array_equal(np.load(path), good)  # written again


def test_an_unwritable_cache_costs_nothing(tmp_path, monkeypatch, weather):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache's folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.delenv("PEERGRID_NO_CACHE", raising=False)
    got = electricity_kw([consumer("h")], weather.index, "Europe/Berlin")
    assert got["h"].sum() == pytest.approx(3000.0, rel=1e-12)
