"""The fast table writers: what pandas reads back is what was written."""

import numpy as np
import pandas as pd
import pytest

from planner.io.table_files import write_csv, write_series


def test_series_come_back_with_their_time_index(tmp_path):
    index = pd.date_range("2019-03-31", periods=48, freq="h", tz="Europe/Berlin")  # over the clock change
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(0, 5, (48, 3)), index=index, columns=["pv-1", "pv 2", "ü"])
    write_series(frame, tmp_path / "a.parquet", "float32")
    back = pd.read_parquet(tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(back, frame.astype("float32"), check_freq=False)
    assert str(back.index.tz) == "Europe/Berlin"
    named = frame.rename_axis("time")
    write_series(named, tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "b.parquet"), named, check_freq=False)
    write_series(pd.DataFrame(index=index), tmp_path / "c.parquet")  # no columns: still a file of the times
    assert len(pd.read_parquet(tmp_path / "c.parquet").index) == 48
    numbered = pd.DataFrame(rng.uniform(size=(48, 2)), index=index, columns=[3, 7])  # not text: pandas' own way
    write_series(numbered, tmp_path / "d.parquet")
    assert list(pd.read_parquet(tmp_path / "d.parquet").columns) == [3, 7]


def test_csv_rounds_as_pandas_float_format_and_keeps_text_and_times(tmp_path):
    values = [2298500.123, 0.3, 123.456789, -0.000123456789, 0.0, np.nan, -1e-9, 5.5e12]
    times = pd.date_range("2019-03-31", periods=len(values), freq="h", tz="Europe/Berlin")
    frame = pd.DataFrame({"value": values, "time": times, "id": ["a,b", 'say "x"', "c", "d", "e", "f", "g", "h"],
                          "count": range(len(values))})
    frame.loc[2, "time"] = pd.NaT
    write_csv(frame, tmp_path / "sig.csv", significant=6)
    back = pd.read_csv(tmp_path / "sig.csv")
    expected = [float(f"{v:.6g}") for v in values]
    np.testing.assert_array_equal(back["value"].to_numpy(), expected)  # NaN where pandas leaves it empty
    assert list(back["id"]) == list(frame["id"]) and list(back["count"]) == list(range(len(values)))
    text = (tmp_path / "sig.csv").read_text()
    assert "2019-03-31 04:00:00+02:00" in text and "2019-03-31 01:00:00+01:00" in text  # the offsets, as pandas
    assert "-0," not in text and "nan" not in text.lower()
    assert pd.isna(pd.read_csv(tmp_path / "sig.csv", parse_dates=["time"])["time"][2])
    write_csv(frame[["value"]], tmp_path / "dec.csv", decimals=4)
    assert pd.read_csv(tmp_path / "dec.csv")["value"].tolist()[:5] == pytest.approx(
        [2298500.123, 0.3, 123.4568, -0.0001, 0.0])


def test_csv_times_repeated_and_missing_are_printed_as_pandas_prints_each(tmp_path):
    """Times are printed once per distinct value (a grid's worst elements share few times among
    thousands of rows): each row still reads as pandas prints its own time, a missing one empty."""
    rng = np.random.default_rng(1)
    steps = pd.date_range("2019-10-27", periods=6, freq="30min", tz="Europe/Berlin")  # across the clock change
    times = pd.Series(rng.choice(steps, 40)).astype(steps.dtype)
    times[[3, 17]] = pd.NaT
    write_csv(pd.DataFrame({"time": times, "naive": times.dt.tz_localize(None)}), tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    for column, printed in (("time", times), ("naive", times.dt.tz_localize(None))):
        assert back[column].tolist() == ["" if pd.isna(t) else str(t) for t in printed], column
