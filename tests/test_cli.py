"""The planner command as a user runs it: exit codes and one-line errors."""

import json
import subprocess
import sys

import pytest

from planner.cli import main
from planner.io import save_project
from planner.model import PVUnit


def run(*args):
    """Run ``python -m planner`` in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("planner ")


def test_validate_sample(sample_path):
    result = run("validate", sample_path)
    assert result.returncode == 0, result.stderr
    assert "valid (9866 objects)" in result.stdout


def test_info_sample_json(sample_path, capsys):
    assert main(["info", str(sample_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["grid"]["buses"] == 2940 + 1 and info["grid"]["transformers"] == 14
    assert info["counts"]["consumer"] == 1506
    assert info["site"]["crs"] == "EPSG:32632"
    # 1,506 households at about 3,000 kWh each
    assert 4.0e6 < info["demand"]["annual_kwh"] < 5.5e6


def test_info_text(sample_path, capsys):
    assert main(["info", str(sample_path)]) == 0
    out = capsys.readouterr().out
    assert "2941 buses" in out and "14 transformers" in out and "dwd-try2010-12" in out


def test_new_then_info(tmp_path, capsys):
    path = tmp_path / "village.gpkg"
    assert main(["new", "Sonnendorf", "--lat", "48.1", "--lon", "11.6", "-o", str(path)]) == 0
    assert "Europe/Berlin, EPSG:32632" in capsys.readouterr().out
    assert main(["validate", str(path)]) == 0
    # refuses to overwrite
    assert main(["new", "Again", "--lat", "48.1", "--lon", "11.6", "-o", str(path)]) == 2
    assert "exists already" in capsys.readouterr().err


def test_new_with_bad_position(tmp_path):
    result = run("new", "X", "--lat", "123", "--lon", "8", "-o", tmp_path / "x.gpkg")
    assert_one_line_error(result, "latitude must be between -90 and 90 deg, got 123 deg")
    assert not (tmp_path / "x.gpkg").exists()


def test_corrupt_file_gives_one_line(tmp_path):
    path = tmp_path / "corrupt.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 3000)
    assert_one_line_error(run("validate", path), str(path), "damaged")
    assert_one_line_error(run("info", path), str(path))


def test_missing_file_gives_one_line(tmp_path):
    assert_one_line_error(run("info", tmp_path / "nope.gpkg"), "no such file")
    assert_one_line_error(run("gui", tmp_path / "nope.gpkg"), "no such file")


def test_usage_error_gives_one_line():
    assert_one_line_error(run("frobnicate"), "invalid choice")
    assert_one_line_error(run("new", "X"), "required")


def test_validate_lists_problems(tmp_path, small_project, capsys):
    from shapely.geometry import Point

    small_project.add(PVUnit(id="neg", name="Roof 12", peak_kw=-5.0, geometry=Point(0, 0)))
    path = save_project(small_project, tmp_path / "draft.gpkg")
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert "PV unit 'Roof 12': peak power must be positive, got -5 kW" in captured.out
    assert captured.err.strip() == f"planner: error: {path}: 1 problem in 35 objects"


@pytest.mark.parametrize("argv", [["gui"], []])
def test_gui_needs_a_launcher(argv, capsys):
    # planner.cli never imports Qt: without the launcher from planner.__main__ it says so.
    assert main(argv) == 2
    assert "the app is not available here" in capsys.readouterr().err


def test_assess_pv_json(capsys):
    assert main(["assess", "pv", "--lat", "48.457", "--lon", "7.884", "--kwp", "10", "--tilt", "30",
                 "--azimuth", "180", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"annual_kwh", "full_load_hours", "monthly_kwh", "weather"}
    assert len(result["monthly_kwh"]) == 12
    assert sum(result["monthly_kwh"]) == pytest.approx(result["annual_kwh"], abs=0.6)  # rounding
    assert result["full_load_hours"] == pytest.approx(result["annual_kwh"] / 10, abs=0.1)
    assert 950 < result["full_load_hours"] < 1150  # southern Germany, south 30 deg
    assert result["weather"]["station_id"] == "dwd-try2010-12"
    assert result["weather"]["distance_km"] == pytest.approx(127.5, abs=1)
    # summer months yield more than winter ones
    assert min(result["monthly_kwh"][4:8]) > 2 * max(result["monthly_kwh"][0], result["monthly_kwh"][11])


def test_assess_pv_with_a_weather_file(tmp_path, capsys):
    from planner.weather import read_station
    from tests.weather.conftest import write_epw

    data, _ = read_station("tmy3-723170")
    epw = write_epw(tmp_path / "greensboro.epw", data, lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    common = ["assess", "pv", "--lat", "36.1", "--lon", "-79.95", "--kwp", "5", "--json"]
    assert main(common + ["--weather", str(epw)]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert main(common) == 0
    bundled = json.loads(capsys.readouterr().out)
    # The EPW (made from the same TMY3, year as written) gives the same energy as the bundled station.
    assert from_file["annual_kwh"] == pytest.approx(bundled["annual_kwh"], rel=1e-9)
    assert from_file["weather"]["source"] == str(epw) and from_file["weather"]["distance_km"] == 0.0
    assert 1350 < bundled["full_load_hours"] < 1550


def test_assess_pv_text(capsys):
    assert main(["assess", "pv", "--lat", "36.07", "--lon", "-79.8", "--kwp", "4"]) == 0
    out = capsys.readouterr().out
    assert "Greensboro" in out and "full-load hours" in out and "Jan" in out


def test_assess_pv_bad_input():
    assert_one_line_error(run("assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "-5"),
                          "peak power must be positive, got -5 kW")
    assert_one_line_error(run("assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "5", "--tilt", "120"),
                          "tilt must be between 0 and 90 deg")
    assert_one_line_error(run("assess", "pv", "--lat", "95", "--lon", "8", "--kwp", "5"), "latitude")


def test_assess_wind_json(capsys):
    assert main(["assess", "wind", "--lat", "53.55", "--lon", "8.58", "--turbine", "E-53/800",
                 "--hub-height", "73", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["weather"]["station_id"] == "dwd-try2010-01"  # Bremerhaven
    assert result["unit"]["rated_kw"] == 800.0
    assert len(result["monthly_kwh"]) == 12
    assert sum(result["monthly_kwh"]) == pytest.approx(result["annual_kwh"], abs=1)
    assert 0.2 < result["capacity_factor"] < 0.45


def test_assess_wind_custom_curve(tmp_path, capsys):
    curve = tmp_path / "curve.csv"
    curve.write_text("v,p\n0,0\n2.5,0\n3,0.3\n5,1.8\n7,4.6\n9,8\n11,10\n25,10\n")
    assert main(["assess", "wind", "--lat", "53.55", "--lon", "8.58", "--turbine", "custom",
                 "--power-curve", str(curve), "--hub-height", "24"]) == 0
    out = capsys.readouterr().out
    assert "custom (10 kW) at 24 m" in out and "full-load hours" in out


def test_assess_wind_bad_input():
    assert_one_line_error(run("assess", "wind", "--lat", "53", "--lon", "8", "--turbine", "Foo/1",
                              "--hub-height", "30"), "is not in windpowerlib's library")
    assert_one_line_error(run("assess", "wind", "--lat", "53", "--lon", "8", "--turbine", "custom",
                              "--hub-height", "30"), "needs a power curve")


def test_new_records_weather_and_tariff_so_a_scripted_project_can_run(tmp_path, capsys):
    from planner.io import load_project

    path = tmp_path / "dorf.gpkg"
    assert main(["new", "Dorf", "--lat", "48.457", "--lon", "7.884", "-o", str(path)]) == 0
    out = capsys.readouterr().out
    assert "DWD TRY region 12" in out and "German household average 2025" in out
    project = load_project(path)
    assert project.weather == "dwd-try2010-12"
    assert project.get("tariff", "default").gross_import_price() == pytest.approx(0.397, abs=5e-4)
    assert project.shared_energy.preset == "public_grid_full" and project.validate() == []

    own = tmp_path / "town.gpkg"
    assert main(["new", "Town", "--lat", "36.1", "--lon", "-79.9", "-o", str(own), "--weather", "tmy3-723170",
                 "--import-price", "0.15", "--export-price", "0.05", "--shared-energy", "community_grid"]) == 0
    project = load_project(own)
    assert project.weather == "tmy3-723170" and project.get("tariff", "default").gross_import_price() == 0.15
    assert project.shared_energy.preset == "community_grid"


def test_new_with_a_weather_file_checks_it(tmp_path, capsys):
    from planner.io import load_project
    from planner.weather import read_station
    from tests.weather.conftest import write_epw

    data, _ = read_station("tmy3-723170")
    epw = write_epw(tmp_path / "site.epw", data, lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    path = tmp_path / "t.gpkg"
    assert main(["new", "T", "--lat", "36.1", "--lon", "-79.9", "-o", str(path), "--weather", str(epw)]) == 0
    assert load_project(path).weather == str(epw.resolve())
    capsys.readouterr()
    day = write_epw(tmp_path / "day.epw", data.iloc[:24], lat=36.1, lon=-79.95, tz_hours=-5, elevation=273)
    assert main(["new", "U", "--lat", "36.1", "--lon", "-79.9", "-o", str(tmp_path / "u.gpkg"), "--weather",
                 str(day)]) == 2
    assert "one whole year" in capsys.readouterr().err and not (tmp_path / "u.gpkg").exists()
