"""Annual figures need a whole year of weather; every repair is said, with where; far files warned."""

import json
from pathlib import Path

import pvlib
import pytest

from planner.cli import main
from planner.weather import WeatherError, check_full_year, fit_warnings, read_weather
from tests.weather.conftest import write_epw

TMY3 = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
ASSESS = ["assess", "pv", "--lat", "36.1", "--lon", "-79.95", "--kwp", "5", "--json"]


def _assess(capsys, weather):
    code = main(ASSESS + ["--weather", str(weather)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_tmy3_cut_after_500_lines_is_refused(tmp_path, capsys):
    cut = tmp_path / "cut.csv"
    cut.write_text("".join(TMY3.read_text().splitlines(keepends=True)[:500]))
    code, out, err = _assess(capsys, cut)
    assert code == 2 and "cut.csv: covers 20.8 days" in err and "one whole year" in err
    assert out == ""  # no "annual 552 kWh"


def test_an_epw_of_24_rows_is_refused(tmp_path, capsys, greensboro):
    epw = write_epw(tmp_path / "day.epw", greensboro[0].iloc[:24], lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    code, _, err = _assess(capsys, epw)
    assert code == 2 and "covers 1.0 days" in err


def test_a_year_passes(greensboro):
    data, meta = greensboro
    check_full_year(data, meta)
    with pytest.raises(WeatherError, match="covers 364.0 days"):
        check_full_year(data.iloc[:-24], meta)


def test_text_in_ghi_is_repaired_and_said_with_where(tmp_path, capsys, greensboro):
    data, _ = greensboro
    epw = write_epw(tmp_path / "na.epw", data, lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    lines = epw.read_text().splitlines()
    fields = lines[8 + 100].split(",")
    fields[13] = "n/a"  # GHI of the 101st hour
    lines[8 + 100] = ",".join(fields)
    epw.write_text("\n".join(lines) + "\n")
    code, out, _ = _assess(capsys, epw)
    assert code == 0
    repairs = json.loads(out)["weather"]["repairs"]
    assert len(repairs) == 1 and "1 missing or unreadable ghi value" in repairs[0]
    assert "first at 2019-01-05 04:00" in repairs[0]
    assert main(ASSESS[:-1] + ["--weather", str(epw)]) == 0
    assert "repaired  1 missing or unreadable ghi value" in capsys.readouterr().out


def test_an_epw_with_a_row_missing_is_repaired_aloud(tmp_path, capsys, greensboro):
    data, _ = greensboro
    epw = write_epw(tmp_path / "gap.epw", data, lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    lines = epw.read_text().splitlines()
    del lines[8 + 2000]
    epw.write_text("\n".join(lines) + "\n")
    _, meta = read_weather(epw)
    assert any("1 missing time step" in r for r in meta.repairs), meta.repairs
    code, out, _ = _assess(capsys, epw)
    assert code == 0 and any("missing time step" in r for r in json.loads(out)["weather"]["repairs"])


@pytest.mark.parametrize("lat, lon, fragment", [(36.1, -79.95, None), (60.2, 24.9, "km away"),
                                                 (999, 10, "impossible position")])
def test_a_users_file_far_from_the_site_is_warned_about(tmp_path, capsys, greensboro, lat, lon, fragment):
    data, _ = greensboro
    epw = write_epw(tmp_path / "w.epw", data, lat=lat, lon=lon, tz_hours=-5, elevation=273)
    code, out, _ = _assess(capsys, epw)
    warnings = json.loads(out)["weather"]["warnings"] if code == 0 else None
    if fragment is None:
        assert code == 0 and warnings == []
    elif code == 0:
        assert any(fragment in w for w in warnings), warnings
    assert fit_warnings(36.1, -79.95, 999, 10)[0].startswith("the weather file gives an impossible position")
