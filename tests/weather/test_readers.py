"""Readers against the bundled real files and files made from them in other formats."""

import numpy as np
import pandas as pd
import pvlib
import pytest

from planner.weather import (
    COLUMNS, read_csv_mapped, read_dwd_try, read_epw, read_pvgis_tmy, read_station, read_tmy2,
    read_tmy3, read_weather, station,
)

from tests.weather.conftest import write_epw, write_pvgis_csv, write_pvgis_json


def assert_standard(data, tz_hours, rows=8760):
    assert list(data.columns) == list(COLUMNS)
    assert len(data) == rows
    assert data.index.tz is not None
    assert data.index[0].utcoffset() == pd.Timedelta(hours=tz_hours)
    assert data.index.is_monotonic_increasing and not data.index.has_duplicates
    assert data.index[0] == pd.Timestamp("2019-01-01 00:00", tz=data.index.tz)  # interval start
    assert not data.isna().any().any()


def raw_tmy3_row(date, time):
    path = station("tmy3-723170").path
    raw = pd.read_csv(path, skiprows=1)
    return raw[(raw["Date (MM/DD/YYYY)"] == date) & (raw["Time (HH:MM)"] == time)].iloc[0]


def test_tmy3_greensboro(greensboro):
    data, meta = greensboro
    assert_standard(data, -5)
    assert (meta.latitude, meta.longitude, meta.source) == (36.1, -79.95, "TMY3")
    # The row labelled 13:00 (hour ending) in the file is the interval 12:00-13:00 here.
    raw = raw_tmy3_row("01/01/1988", "13:00")
    row = data.loc["2019-01-01 12:00"]
    assert row.ghi == raw["GHI (W/m^2)"] and row.dni == raw["DNI (W/m^2)"]
    assert row.temp_air == raw["Dry-bulb (C)"] and row.pressure == raw["Pressure (mbar)"] * 100
    # Annual global horizontal irradiation of Greensboro: about 1.55-1.60 MWh/m^2 (NSRDB).
    assert 1500 < data.ghi.sum() / 1000 < 1650
    # The sun is up around local solar noon, not at midnight.
    assert data.ghi.groupby(data.index.hour).mean().idxmax() in (11, 12)


def test_tmy2_miami_units_converted():
    data, meta = read_station("tmy2-12839")
    assert_standard(data, -5)
    assert meta.source == "TMY2" and meta.latitude == pytest.approx(25.8)
    assert 23 < data.temp_air.mean() < 26  # Miami, tenths of degC converted
    assert 1 < data.wind_speed.mean() < 6
    assert 100_000 < data.pressure.mean() < 103_000
    assert 1700 < data.ghi.sum() / 1000 < 1900


def test_dwd_try_mannheim(mannheim):
    data, meta = mannheim
    assert_standard(data, 1)
    assert meta.latitude == pytest.approx(49 + 31 / 60) and meta.longitude == pytest.approx(8 + 33 / 60)
    path = station("dwd-try2010-12").path
    body = open(path, encoding="utf-8").read().split("***")[1].split()
    rows = np.array(body, dtype=float).reshape(-1, 19)
    # ghi = B + D, dhi = D, in file order; HH 1-24 CET become 00:00-23:00 starts
    np.testing.assert_array_equal(data.ghi.to_numpy(), rows[:, 13] + rows[:, 14])
    np.testing.assert_array_equal(data.dhi.to_numpy(), rows[:, 14])
    np.testing.assert_array_equal(data.temp_air.to_numpy(), rows[:, 8])
    assert data.index[0].hour == 0 and rows[0, 4] == 1
    # DNI projects back onto the horizontal as B where the sun is well up.
    mid = data.index + pd.Timedelta(minutes=30)
    zenith = pvlib.solarposition.get_solarposition(mid, meta.latitude, meta.longitude).zenith.to_numpy()
    up = zenith < 80
    np.testing.assert_allclose(data.dni.to_numpy()[up] * np.cos(np.radians(zenith[up])), rows[up, 13],
                               atol=1e-6)
    # Southern Germany: about 1.05-1.15 MWh/m^2 a year
    assert 1000 < data.ghi.sum() / 1000 < 1200


def test_epw_matches_the_tmy3_it_was_made_from(tmp_path, greensboro):
    data, meta = greensboro
    path = write_epw(tmp_path / "greensboro.epw", data, lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    epw, epw_meta = read_epw(path, year=2019)
    assert_standard(epw, -5)
    pd.testing.assert_frame_equal(epw, data, check_freq=False)
    assert epw_meta.source == "EPW" and epw_meta.latitude == 36.1
    assert read_weather(path, year=2019)[0].equals(epw)


@pytest.mark.parametrize("writer, suffix", [(write_pvgis_csv, "csv"), (write_pvgis_json, "json")])
def test_pvgis(tmp_path, mannheim, writer, suffix):
    data, _ = mannheim
    path = writer(tmp_path / f"tmy.{suffix}", data, lat=49.517, lon=8.55, elevation=96)
    pv, meta = read_pvgis_tmy(path)
    assert pv.index.tz is not None and str(pv.index.tz) == "UTC"
    # PVGIS times are UTC: the same instants as the CET source, values unchanged.
    aligned = pv.tz_convert(data.index.tz)
    common = aligned.index.intersection(data.index)
    assert len(common) == 8759  # the source's last hour wraps to the start of the year in UTC
    pd.testing.assert_frame_equal(aligned.loc[common], data.loc[common], check_freq=False)
    assert meta.latitude == 49.517
    if suffix == "csv":
        assert "irradiance time offset 0.1761 h" in meta.notes[0]
    assert read_weather(path)[0].equals(pv)


def test_csv_mapping_round_trip(tmp_path, greensboro):
    data, _ = greensboro
    out = pd.DataFrame({
        "Zeit": (data.index + pd.Timedelta(hours=1)).tz_localize(None).strftime("%d.%m.%Y %H:%M"),
        "GHI [W/m2]": data.ghi, "DNI": data.dni, "DHI": data.dhi, "T [C]": data.temp_air,
        "v10 [m/s]": data.wind_speed, "p [hPa]": data.pressure / 100, "dd": data.wind_direction,
    })
    path = tmp_path / "own.csv"
    out.to_csv(path, sep=";", index=False)
    back, meta = read_csv_mapped(
        path, {"ghi": "GHI [W/m2]", "dni": "DNI", "dhi": "DHI", "temp_air": "T [C]",
               "wind_speed": "v10 [m/s]", "pressure": "p [hPa]", "wind_direction": "dd"},
        time_column="Zeit", time_format="%d.%m.%Y %H:%M", timezone="Etc/GMT+5", label="end",
        scale={"pressure": 100.0}, sep=";")
    assert back.index[0] == data.index[0]
    np.testing.assert_allclose(back.to_numpy(), data.to_numpy())
    assert meta.source == "CSV" and meta.repairs == []


def test_fifteen_minute_csv(tmp_path):
    index = pd.date_range("2019-06-01", periods=96 * 3, freq="15min", tz="UTC")
    frame = pd.DataFrame({"time": index.strftime("%Y-%m-%dT%H:%M:%S%z"), "g": 100.0, "t": 20.0, "w": 3.0})
    path = tmp_path / "quarter.csv"
    frame.to_csv(path, index=False)
    data, meta = read_csv_mapped(path, {"ghi": "g", "temp_air": "t", "wind_speed": "w"})
    assert meta.resolution_minutes == 15 and len(data) == 288


def test_unknown_format(tmp_path):
    from planner.weather import WeatherError

    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(WeatherError, match="unknown weather format"):
        read_weather(path)
