"""Each bad weather file gets its clear message (or a reported repair), never silent garbage."""

import pandas as pd
import pytest

from planner.weather import WeatherError, read_csv_mapped, read_dwd_try, read_tmy3, read_weather, station

MAPPING = {"ghi": "ghi", "temp_air": "t", "wind_speed": "v"}


def csv(tmp_path, frame, name="w.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def good_frame(hours=48):
    index = pd.date_range("2019-06-01", periods=hours, freq="h")
    return pd.DataFrame({"time": index.strftime("%Y-%m-%d %H:%M"),
                         "ghi": [max(0.0, 800 * (1 - abs(h % 24 - 12) / 6)) for h in range(hours)],
                         "t": 18.0, "v": 3.5})


def read(path, **kwargs):
    return read_csv_mapped(path, MAPPING, timezone="Europe/Berlin", **kwargs)


def expect(path, *fragments, **kwargs):
    with pytest.raises(WeatherError) as info:
        read(path, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_good_file_has_no_repairs(tmp_path):
    data, meta = read(csv(tmp_path, good_frame()))
    assert len(data) == 48 and meta.repairs == []
    assert str(data.index.tz) == "Europe/Berlin"


def test_wrong_columns(tmp_path):
    expect(csv(tmp_path, good_frame().rename(columns={"t": "temperature"})), "no column 't'")


def test_missing_required_quantity(tmp_path):
    with pytest.raises(WeatherError, match="missing column wind_speed"):
        read_csv_mapped(csv(tmp_path, good_frame()), {"ghi": "ghi", "temp_air": "t"},
                        timezone="UTC")


def test_unknown_standard_name(tmp_path):
    with pytest.raises(WeatherError, match="unknown standard name irradiance"):
        read_csv_mapped(csv(tmp_path, good_frame()), {"irradiance": "ghi"}, timezone="UTC")


def test_ghi_above_1500(tmp_path):
    frame = good_frame()
    frame.loc[12, "ghi"] = 1600.0
    expect(csv(tmp_path, frame), "impossible ghi of 1600 W/m^2 at 2019-06-01 12:00:00+02:00",
           "allowed 0 to 1500")


def test_negative_wind(tmp_path):
    frame = good_frame()
    frame.loc[5, "v"] = -2.0
    expect(csv(tmp_path, frame), "impossible wind_speed of -2 m/s")


def test_small_negative_irradiance_is_repaired_and_reported(tmp_path):
    frame = good_frame()
    frame.loc[[0, 1, 2], "ghi"] = -3.0
    data, meta = read(csv(tmp_path, frame))
    assert (data.ghi >= 0).all()
    assert meta.repairs == ["3 small negative ghi values set to 0 (first at 2019-06-01 00:00:00+02:00)"]


def test_short_gap_is_filled_and_reported(tmp_path):
    frame = good_frame().drop(index=[20])
    data, meta = read(csv(tmp_path, frame))
    assert len(data) == 48
    assert meta.repairs[0] == "1 missing time step from 2019-06-01 20:00:00+02:00 inserted"
    assert "filled by linear interpolation" in meta.repairs[1]
    assert data.temp_air.iloc[20] == 18.0


def test_long_gap_is_an_error(tmp_path):
    frame = good_frame().drop(index=range(10, 16))
    expect(csv(tmp_path, frame), "ghi is missing for 6 steps from 2019-06-01 10:00:00+02:00")


def test_empty_cells(tmp_path):
    frame = good_frame()
    frame.loc[3:9, "t"] = None
    expect(csv(tmp_path, frame), "temp_air is missing for 7 steps")


def test_text_in_a_number_column(tmp_path):
    frame = good_frame()
    frame["t"] = frame["t"].astype(object)
    frame.loc[4, "t"] = "warm"
    expect(csv(tmp_path, frame), "temp_air holds text that is not a number", "'warm'")


def test_naive_times_need_a_zone(tmp_path):
    with pytest.raises(WeatherError, match="times have no time zone"):
        read_csv_mapped(csv(tmp_path, good_frame()), MAPPING)


def test_duplicate_times(tmp_path):
    frame = good_frame()
    frame.loc[6, "time"] = frame.loc[5, "time"]
    expect(csv(tmp_path, frame), "appears twice")


def test_times_going_backwards(tmp_path):
    frame = good_frame()
    frame.loc[[6, 7], "time"] = frame.loc[[7, 6], "time"].to_numpy()
    expect(csv(tmp_path, frame), "times go backwards")


def test_half_hourly_is_refused(tmp_path):
    frame = good_frame()
    frame["time"] = pd.date_range("2019-06-01", periods=48, freq="30min").strftime("%Y-%m-%d %H:%M")
    expect(csv(tmp_path, frame), "time step of 30 min")


def test_daylight_saving_gap_in_local_times(tmp_path):
    frame = good_frame()
    frame["time"] = pd.date_range("2019-03-30", periods=48, freq="h").strftime("%Y-%m-%d %H:%M")
    expect(csv(tmp_path, frame), "do not fit time zone Europe/Berlin")


def test_not_a_tmy3(tmp_path):
    path = tmp_path / "fake.csv"
    path.write_text('723170,"X",NC,-5.0,36.1,-79.9,273\nnot,the,right,header\n1,2,3,4\n')
    with pytest.raises(WeatherError, match="not a readable TMY3 file"):
        read_tmy3(path)


def test_truncated_dwd_file(tmp_path):
    text = open(station("dwd-try2010-12").path, encoding="utf-8").read()
    path = tmp_path / "TRY2010_12_Jahr.dat"
    path.write_text(text[: len(text) // 2].rsplit("\n", 1)[0] + "\n12  1  7")
    with pytest.raises(WeatherError, match="has 3 fields, expected 19"):
        read_dwd_try(path)


def test_dwd_without_header(tmp_path):
    path = tmp_path / "x.dat"
    path.write_text("just some text\n")
    with pytest.raises(WeatherError, match="not a DWD test reference year file"):
        read_weather(path)


def test_missing_file(tmp_path):
    with pytest.raises(WeatherError, match="no such file"):
        read_weather(tmp_path / "nothing.epw")
