"""Every sub-command over a table of bad arguments and files: exit 2, at most three lines on
stderr, no traceback, and the file or field named.

Most cases run ``planner.cli.main`` in this process (a subprocess costs seconds of imports);
the ones about the process itself (no display, permissions) run ``python -m planner``.
"""

import json
import os
import subprocess
import sys

import pytest

from planner.cli import main
from planner.io import save_project

from tests.conftest import make_runnable_project

GOOD_CATALOGUE = ("technology,size_basis,capex_eur_per_unit,opex_share_per_year,lifetime_years,source\n"
                  "pv_roof,kW peak,1500,0.015,25,x\npv_ground,kW peak,700,0.015,25,x\nwind,kW rated,1500,0.025,25,x\n"
                  "wind_small,kW rated,4000,0.02,20,x\nchp,kW el,2500,0.06,15,x\nbattery,kWh,800,0.01,15,x\n")


def _catalogue(**changes) -> str:
    """The good catalogue with the pv_roof row changed."""
    header, *rows = GOOD_CATALOGUE.strip().split("\n")
    names = header.split(",")
    first = dict(zip(names, rows[0].split(",")))
    first.update({k: str(v) for k, v in changes.items()})
    return "\n".join([header, ",".join(first[n] for n in names), *rows[1:]]) + "\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A folder of good and bad files the cases refer to by name."""
    d = tmp_path_factory.mktemp("bad")
    save_project(make_runnable_project(), d / "village.gpkg")
    (d / "a_file").write_text("x")
    (d / "folder.json").mkdir()
    (d / "empty.csv").write_text("")
    (d / "latin1.csv").write_bytes(GOOD_CATALOGUE.replace("x\n", "Gebäude\n").encode("latin-1"))
    (d / "binary.csv").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    for name, text in {
        "lifetime0.csv": _catalogue(lifetime_years=0), "lifetime_huge.csv": _catalogue(lifetime_years="1e12"),
        "lifetime_fraction.csv": _catalogue(lifetime_years=2.9), "capex_inf.csv": _catalogue(capex_eur_per_unit="inf"),
        "duplicate.csv": GOOD_CATALOGUE + "pv_roof,kW peak,1,0,25,again\n",
        "no_battery.csv": "\n".join(GOOD_CATALOGUE.strip().split("\n")[:-1]) + "\n",
    }.items():
        (d / name).write_text(text)
    # electrification: a heat pump on a meter without heat; a wallbox with a negative number of cars
    from planner.model.commands import UpdateEntity

    no_heat = make_runnable_project()
    UpdateEntity("consumer", "c-anna", annual_heat_kwh=0.0).do(no_heat)
    save_project(no_heat, d / "hp_no_heat.gpkg")
    save_project(make_runnable_project(), d / "cars_negative.gpkg")
    import pyogrio

    points = pyogrio.read_dataframe(d / "cars_negative.gpkg", layer="charging_points")
    points["vehicles"] = -2
    pyogrio.write_dataframe(points, d / "cars_negative.gpkg", layer="charging_points", driver="GPKG",
                            layer_options={"OVERWRITE": "YES"})
    save_project(make_runnable_project(), d / "phase_l4.gpkg")
    roofs = pyogrio.read_dataframe(d / "phase_l4.gpkg", layer="pv_units")
    roofs["phase"] = "L4"
    pyogrio.write_dataframe(roofs, d / "phase_l4.gpkg", layer="pv_units", driver="GPKG",
                            layer_options={"OVERWRITE": "YES"})
    (d / "pvgis_no_location.json").write_text(json.dumps({"inputs": {}, "outputs": {"tmy_hourly": []}, "meta": {}}))
    (d / "pvgis_text_latitude.json").write_text(json.dumps(
        {"inputs": {"location": {"latitude": "north", "longitude": 8, "elevation": 1}},
         "outputs": {"months_selected": [], "tmy_hourly": []}, "meta": {"inputs": {}, "outputs": {}}}))
    (d / "sweep.toml").write_text('[sweep]\ndesign = "list"\n[[variants]]\npv_scale = 0.5\n')
    (d / "empty.epw").write_text("")
    (d / "empty.tm2").write_text("")
    (d / "net.json").write_text("{}")
    (d / "profiles.csv").write_text("time,load.p_mw.0,load.p_mw.0\n2020-01-01T00:00Z,1,1\n")
    for name, size in (("huge_TRY2010_12_Jahr.dat", 200_000_000), ("huge.epw", 200_000_000),
                       ("huge.json", 600_000_000)):
        with open(d / name, "wb") as handle:  # sparse: no disk used, the size is what is checked
            handle.truncate(size)
    return d


def _run(argv, files, capsys):
    argv = [a.format(d=files) if isinstance(a, str) else a for a in argv]
    code = main(argv)
    return code, capsys.readouterr().err


CASES = {
    # cost catalogues
    "costs empty": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/empty.csv"], "empty.csv"),
    "costs latin-1": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/latin1.csv"], "not UTF-8"),
    "costs binary": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/binary.csv"], "binary.csv"),
    "costs lifetime 0": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/lifetime0.csv"],
                         "lifetime_years of 'pv_roof'"),
    "costs lifetime 1e12": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/lifetime_huge.csv"],
                            "lifetime_years of 'pv_roof'"),
    "costs lifetime 2.9": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/lifetime_fraction.csv"],
                           "whole number of years"),
    "costs capex inf": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/capex_inf.csv"],
                        "capex_eur_per_unit of 'pv_roof'"),
    "costs duplicate": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/duplicate.csv"],
                        "'pv_roof' appears twice"),
    "costs missing technology": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/no_battery.csv"],
                                 "no technology 'battery'"),
    "costs is a folder": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/folder.json"], "folder"),
    # subsidy
    "subsidy nan": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--subsidy", "nan"], "subsidy"),
    "subsidy inf": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--subsidy", "inf"], "subsidy"),
    "subsidy negative": (["run", "{d}/village.gpkg", "-o", "{d}/out", "--subsidy", "-1"], "negative subsidy"),
    # output folders
    "output is a file": (["run", "{d}/village.gpkg", "-o", "{d}/a_file"], "a_file: is a file"),
    "output empty": (["run", "{d}/village.gpkg", "-o", ""], "output folder is empty"),
    "output parent missing": (["run", "{d}/village.gpkg", "-o", "{d}/nowhere/out"], "does not exist"),
    "output holds others' files": (["run", "{d}/village.gpkg", "-o", "{d}"], "not a planner run's"),
    "powerflow output is a file": (["powerflow", "{d}/net.json", "--profiles", "{d}/profiles.csv", "-o",
                                    "{d}/a_file"], "is a file"),
    # projects
    "project is a folder": (["info", "{d}/folder.json"], "folder.json"),
    "project missing": (["validate", "{d}/nope.gpkg"], "nope.gpkg: no such file"),
    "project not a gpkg": (["run", "{d}/a_file", "-o", "{d}/out"], "a_file"),
    "new beyond UTM": (["new", "Pole", "--lat", "85", "--lon", "10", "-o", "{d}/pole.gpkg"], "beyond UTM"),
    # nets and profiles
    "net is a folder": (["powerflow", "{d}/folder.json", "--profiles", "{d}/profiles.csv", "-o", "{d}/pf"],
                        "folder.json: is a folder"),
    "net is not a net": (["powerflow", "{d}/net.json", "--profiles", "{d}/profiles.csv", "-o", "{d}/pf"],
                         "not a pandapower net"),
    "import a folder as grid": (["import", "{d}/village.gpkg", "{d}/folder.json", "--as", "grid"], "folder"),
    "profiles missing": (["import", "{d}/village.gpkg", "{d}/nope.csv", "--as", "profiles"], "nope.csv: no such file"),
    "profiles binary": (["import", "{d}/village.gpkg", "{d}/binary.csv", "--as", "profiles"], "binary.csv"),
    "profiles empty": (["import", "{d}/village.gpkg", "{d}/empty.csv", "--as", "profiles"], "empty.csv"),
    "resolution inf": (["powerflow", "{d}/net.json", "--profiles", "{d}/profiles.csv", "-o", "{d}/pf",
                        "--resolution-minutes", "inf"], "--resolution-minutes"),
    # weather files
    "pvgis without location": (["assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "5", "--weather",
                                "{d}/pvgis_no_location.json"], "pvgis_no_location.json"),
    "pvgis text latitude": (["assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "5", "--weather",
                             "{d}/pvgis_text_latitude.json"], "pvgis_text_latitude.json"),
    "empty epw": (["assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "5", "--weather", "{d}/empty.epw"],
                  "empty.epw: the file is empty"),
    "empty tmy2": (["assess", "wind", "--lat", "48", "--lon", "8", "--turbine", "E-53/800", "--hub-height", "73",
                    "--weather", "{d}/empty.tm2"], "empty.tm2: the file is empty"),
    "huge test reference year": (["assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "5", "--weather",
                                  "{d}/huge_TRY2010_12_Jahr.dat"], "200.0 MB is far larger"),
    "huge epw": (["assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "5", "--weather", "{d}/huge.epw"],
                 "200.0 MB is far larger"),
    "huge net": (["powerflow", "{d}/huge.json", "--profiles", "{d}/profiles.csv", "-o", "{d}/pf"],
                 "600 MB is far larger"),
    "weather is a folder": (["assess", "pv", "--lat", "48", "--lon", "8", "--kwp", "5", "--weather",
                             "{d}/folder.json"], "folder"),
    # sweeps and scenarios
    "sweep file missing": (["sweep", "{d}/village.gpkg", "{d}/none.toml", "-o", "{d}/sw"], "no such sweep file"),
    "sweep file binary": (["sweep", "{d}/village.gpkg", "{d}/binary.csv", "-o", "{d}/sw"], "not a readable TOML"),
    "sweep file empty": (["sweep", "{d}/village.gpkg", "{d}/empty.csv", "-o", "{d}/sw"], "no parameters"),
    "sweep output is a file": (["sweep", "{d}/village.gpkg", "{d}/empty.csv", "-o", "{d}/a_file"], "is a file"),
    "sweep workers 0": (["sweep", "{d}/village.gpkg", "{d}/empty.csv", "-o", "{d}/sw", "--workers", "0"],
                        "--workers must be at least 1"),
    "sweep project missing": (["sweep", "{d}/none.gpkg", "{d}/sweep.toml", "-o", "{d}/sw"], "none.gpkg"),
    "sweep unknown kpi": (["sweep", "{d}/village.gpkg", "{d}/sweep.toml", "-o", "{d}/sw", "--serial", "--kpi",
                           "happiness"], "kpi 'happiness' is no figure of a variant"),
    "scenario unknown parameter": (["scenarios", "{d}/village.gpkg", "--add", "x", "--set", "pv_shares=1"],
                                   "unknown parameter 'pv_shares'"),
    "scenario not KEY=VALUE": (["scenarios", "{d}/village.gpkg", "--add", "x", "--set", "pv_share"],
                               "is not KEY=VALUE"),
    "scenario remove unknown": (["scenarios", "{d}/village.gpkg", "--remove", "nothing"], "no scenario 'nothing'"),
    "scenarios none to run": (["scenarios", "{d}/village.gpkg", "--run"], "the project has no scenarios"),
    # electrification
    "heat pump without heat": (["run", "{d}/hp_no_heat.gpkg", "-o", "{d}/out"],
                               "its consumer 'c-anna' has no heat demand to serve"),
    "wallbox with negative cars": (["run", "{d}/cars_negative.gpkg", "-o", "{d}/out"],
                                   "vehicles (plugs) must be between 1 and 500, got -2"),
    "scenario unknown strategy": (["scenarios", "{d}/village.gpkg", "--add", "x", "--set", "ev_charging=fast"],
                                  "ev_charging is one of immediate, reduced, smart, limit"),
    "scenario heat pump share 2": (["scenarios", "{d}/village.gpkg", "--add", "x", "--set", "heat_pump_share=2"],
                                   "heat_pump_share must be at most 1"),
    # three-phase grids
    "a phase that is none": (["run", "{d}/phase_l4.gpkg", "-o", "{d}/out"],
                             "connection (phase) must be one of 3ph, L1, L2, L3; got 'L4'"),
    "phases of an unknown kind": (["phases", "{d}/village.gpkg", "--assign", "spread", "--kinds", "pv_unit,tree"],
                                  "cannot assign phases to 'tree'"),
    "phases with no power": (["phases", "{d}/village.gpkg", "--assign", "worst", "--max-kw", "0"],
                             "the largest one-phase connection must be positive"),
    "scenario phases unknown": (["scenarios", "{d}/village.gpkg", "--add", "x", "--set", "phases=random"],
                                "phases is one of spread, worst, three-phase"),
    # optimal sizing: the goals are checked before the project is read
    "optimise project missing": (["optimise", "{d}/none.gpkg"], "none.gpkg"),
    "optimise negative budget": (["optimise", "{d}/village.gpkg", "--budget", "-5"],
                                 "the budget [EUR] must be a number of at least 0"),
    "optimise budget nan": (["optimise", "{d}/village.gpkg", "--budget", "nan"], "the budget [EUR] must be"),
    "optimise self-sufficiency 2": (["optimise", "{d}/village.gpkg", "--min-self-sufficiency", "2"],
                                    "share from 0 to 1"),
    "optimise co2 cap negative": (["optimise", "{d}/village.gpkg", "--co2-cap", "-1"], "the CO2 cap [t] must be"),
    "optimise one day": (["optimise", "{d}/village.gpkg", "--days", "1"], "--days must be at least 2"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_clear_line(name, files, capsys):
    argv, fragment = CASES[name]
    code, err = _run(argv, files, capsys)
    assert code == 2, (name, err)
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 3 and "Traceback" not in err, err
    assert fragment in err, err
    assert "unexpected" not in err, err  # a foreseen failure has a message of its own


def test_inputs_are_checked_before_the_long_work(files, capsys, monkeypatch):
    """--costs and --subsidy fail before the simulation starts, not after a minute of it."""
    import planner.simulation.run as run

    def no_simulation(*args, **kwargs):
        raise AssertionError("the simulation started before the inputs were checked")

    monkeypatch.setattr(run, "simulate_generation", no_simulation)
    for argv in (["run", "{d}/village.gpkg", "-o", "{d}/out", "--costs", "{d}/capex_inf.csv"],
                 ["run", "{d}/village.gpkg", "-o", "{d}/out", "--subsidy", "-1"],
                 ["run", "{d}/village.gpkg", "-o", "{d}/a_file"]):
        code, err = _run(argv, files, capsys)
        assert code == 2 and "AssertionError" not in err, err


def _python(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=cwd)


def test_gui_without_a_display_says_so(files):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = _python("gui", files / "village.gpkg", env=env)
    assert result.returncode == 2, result  # not SIGABRT (-6)
    assert "no display" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["validate"], ["info"], ["run", "-o", "OUT"], ["gui"]])
def test_a_project_without_read_permission(files, capsys, monkeypatch, command):
    """As root every file is readable (CI runs as root), so the refusal the kernel would give an
    ordinary user is given here by the operating-system calls the planner makes."""
    import builtins

    import planner.io.project_file as project_file

    private = str(files / "village.gpkg")
    real_open, real_access = builtins.open, os.access

    def guarded_open(path, *args, **kwargs):
        if str(path) == private:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(project_file, "open", guarded_open, raising=False)
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == private else real_access(path, mode))
    argv = [command[0], private, *[str(files / "out") if a == "OUT" else a for a in command[1:]]]
    code = main(argv, launch_gui=lambda project, screenshot: pytest.fail("the app started"))
    err = capsys.readouterr().err
    assert code == 2 and "permission denied" in err and private in err, err
    assert len(err.strip().splitlines()) == 1
