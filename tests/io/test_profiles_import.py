"""Load profiles from a CSV file: planner import PROJECT FILE --as profiles, then consumers naming them."""

import json

import numpy as np
import pandas as pd
import pytest

from planner.cli import main
from planner.io import load_project, save_project
from tests.conftest import X0, Y0, make_small_project


def year_csv(path, *, start="2016-01-01", days=366, step="15min", day_first=True, columns=("H0-A", "bakery")):
    times = pd.date_range(start, periods=days * 24 * 60 // int(pd.Timedelta(step).total_seconds() // 60), freq=step)
    hours = times.hour.to_numpy()
    frame = pd.DataFrame({"time": times.strftime("%d.%m.%Y %H:%M") if day_first else times.astype(str)})
    for k, column in enumerate(columns):
        frame[column] = 0.2 + (hours >= 8 + k) * (hours < 18) * (times.weekday < 5) * 1.0
    frame.to_csv(path, index=False)
    return frame


@pytest.fixture
def project_path(tmp_path):
    return save_project(make_small_project(), tmp_path / "p.gpkg")


def test_profiles_then_consumers_naming_them(project_path, tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import Point

    from planner.generation.results import simulate_generation

    frame = year_csv(tmp_path / "meters.csv")
    assert main(["import", str(project_path), str(tmp_path / "meters.csv"), "--as", "profiles"]) == 0
    assert "2 load profiles from meters.csv (H0-A, bakery)" in capsys.readouterr().out
    project = load_project(project_path)
    profile = project.get("load_profile", "bakery")
    assert (profile.step_minutes, profile.first_weekday) == (15, 4)  # 2016-01-01 was a Friday
    assert np.allclose(profile.array(), frame["bakery"])
    assert profile.source == "meters.csv, column 'bakery'"

    homes = gpd.GeoDataFrame({"annual_kwh": [4000.0], "profile": ["bakery"]}, geometry=[Point(X0 + 5, Y0 + 5)],
                             crs=project.site.crs)
    homes.to_file(tmp_path / "homes.geojson")
    assert main(["import", str(project_path), str(tmp_path / "homes.geojson"), "--as", "consumers"]) == 0
    project = load_project(project_path)
    consumer = next(c for c in project.items("consumer").values() if c.profile_id == "bakery")
    assert consumer.profile == "measured"
    from planner.model.commands import RemoveEntity

    RemoveEntity("chp_unit", "chp1").do(project)  # (the small village's CHP needs heat this test leaves out)
    demand = simulate_generation(project).consumers_kw[consumer.id]
    assert demand.sum() == pytest.approx(4000.0, rel=1e-9)  # hourly steps: kW x 1 h
    weekday_noon = demand[(demand.index.tz_convert("Etc/GMT-1").hour == 12)
                          & (demand.index.tz_convert("Etc/GMT-1").weekday == 2)]
    sunday_noon = demand[(demand.index.tz_convert("Etc/GMT-1").hour == 12)
                         & (demand.index.tz_convert("Etc/GMT-1").weekday == 6)]
    assert weekday_noon.mean() == pytest.approx(sunday_noon.mean() * 1.2 / 0.2, rel=1e-6)


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(index=5), "steps must be equal"),
    (lambda f: f.iloc[2:], "not a midnight"),
    (lambda f: f.assign(bakery=f["bakery"].astype(object).where(f.index != 7, "n/a")), "row 9: not a number"),
    (lambda f: f.iloc[: 96 * 100], "one year"),
    (lambda f: f.assign(bakery=-f["bakery"]), "must not be negative"),
])
def test_bad_profile_files_are_refused_and_change_nothing(project_path, tmp_path, capsys, change, message):
    frame = year_csv(tmp_path / "good.csv")
    change(frame).to_csv(tmp_path / "bad.csv", index=False)
    before = project_path.read_bytes()
    assert main(["import", str(project_path), str(tmp_path / "bad.csv"), "--as", "profiles"]) == 2
    assert message in capsys.readouterr().err
    assert project_path.read_bytes() == before


def test_a_profile_of_the_same_name_needs_a_prefix(project_path, tmp_path, capsys):
    year_csv(tmp_path / "m.csv", columns=("lp-shop",), days=365, step="1h", day_first=False)
    assert main(["import", str(project_path), str(tmp_path / "m.csv"), "--as", "profiles"]) == 2
    assert "give a --prefix" in capsys.readouterr().err
    assert main(["import", str(project_path), str(tmp_path / "m.csv"), "--as", "profiles", "--prefix", "x-"]) == 0
    assert "x-lp-shop" in load_project(project_path).items("load_profile")
    json.loads(load_project(project_path).get("load_profile", "x-lp-shop").values)
