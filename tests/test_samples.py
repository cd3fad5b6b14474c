"""The three sample projects: each is what its script builds, runs end to end, and its figures are plausible.

Every range below is a physical or statistical plausibility bound with its source, wide enough
for the sample's stated assumptions and bundled weather, narrow enough to catch a unit or
scaling error (a factor of 4 on 15-minute steps, kW against MW, a profile summed as zero).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from planner.io import load_project
from planner.io.app_runs import fingerprint
from tests.conftest import ROOT

SAMPLES = ROOT / "sample_projects"
#: sample file -> its build script
BUILT_BY = {"schutterwald.gpkg": "build_schutterwald.py", "helsinki.gpkg": "build_helsinki.py",
            "wind_village.gpkg": "build_village.py"}
#: what every report holds: its pages' titles
REPORT_SECTIONS = ("Key figures", "Energy", "Grid", "Members", "Finance", "Assumptions and sources")


def _planner(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("sample", sorted(BUILT_BY))
def test_each_sample_is_what_its_script_builds(sample, tmp_path):
    pytest.importorskip("pyrosm")
    pytest.importorskip("simbench")
    out = tmp_path / sample
    done = subprocess.run([sys.executable, str(SAMPLES / BUILT_BY[sample]), str(out)], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    built, shipped = load_project(out), load_project(SAMPLES / sample)
    assert built.validate() == [] and shipped.validate() == []
    assert fingerprint(built) == fingerprint(shipped), f"{sample} is stale: run 'make samples'"
    assert built.scenarios == shipped.scenarios and len(built.scenarios) >= 3


@pytest.mark.parametrize("sample", sorted(BUILT_BY))
def test_every_assumed_or_derived_object_says_so(sample):
    """Objects a script or the planner made up carry a source saying 'assumed' or 'derived';
    the data's own objects name their data set."""
    project = load_project(SAMPLES / sample)
    for kind in ("consumer", "pv_unit", "wind_turbine", "chp_unit", "battery", "bus", "cable", "member"):
        for entity in project.items(kind).values():
            assert entity.source, f"{entity.describe()} has no source"
    units = [u for kind in ("pv_unit", "wind_turbine", "chp_unit", "battery") for u in project.items(kind).values()]
    assert all("assumed" in u.source or "derived" in u.source for u in units if "SimBench" not in u.source)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``planner run`` of each sample, as a user types it (report included)."""
    out = {}
    for sample in sorted(BUILT_BY):
        folder = tmp_path_factory.mktemp(sample.removesuffix(".gpkg"))
        done = _planner("run", SAMPLES / sample, "-o", folder / "out")
        assert done.returncode == 0, done.stderr[-2000:]
        out[sample] = (folder / "out", done.stdout)
    return out


@pytest.mark.parametrize("sample", sorted(BUILT_BY))
def test_planner_run_writes_summary_members_and_the_report(runs, sample):
    import pypdfium2 as pdfium

    folder, _ = runs[sample]
    for name in ("summary.json", "members.csv", "member_statements.csv", "unit_finance.csv", "report.pdf"):
        assert (folder / name).stat().st_size > 0, name
    pdf = pdfium.PdfDocument(str(folder / "report.pdf"))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for section in REPORT_SECTIONS:
        assert section in text, f"{sample}: the report lacks '{section}'"
    assert load_project(SAMPLES / sample).name in text


def _summary(runs, sample):
    folder, stdout = runs[sample]
    return json.loads((folder / "summary.json").read_text()), pd.read_csv(folder / "unit_finance.csv"), \
        pd.read_csv(folder / "members.csv"), stdout


def _yield(units, kind):
    of_kind = units[units.kind == kind]
    return of_kind.energy_kwh_per_year.sum() / of_kind["size"].sum()


def test_schutterwald_is_plausible(runs):
    s, units, members, _ = _summary(runs, "schutterwald.gpkg")
    # rooftop PV on the Upper Rhine, tilts 30-40 deg facing east to west: PVGIS (JRC) gives about
    # 1,050-1,150 kWh/kWp facing south there, east/west faces 80-85 % of it
    assert 850 <= _yield(units, "pv_unit") <= 1150
    # households: BDEW, 'Stromverbrauch im Haushalt': 1,300 (one person) to 5,000+ kWh; German
    # average about 3,000-3,500 kWh
    demand = members[(members.scheme == "grid_only") & (members.demand_kwh > 0)].demand_kwh
    assert 2500 <= demand.mean() <= 4000
    # LV grid losses: CEER, 2nd report on power losses (2020): distribution losses 2-8 % of the
    # energy over all voltage levels, the LV part of it a few per cent
    assert 0.003 <= s["grid"]["loss_share_of_delivered"] <= 0.06
    # a heat-led CHP in a heat network: ASUE puts residential CHP at 4,000-8,700 full-load hours
    assert 4000 <= _yield(units, "chp_unit") <= 8760
    assert 0.9 <= s["grid"]["min_vm_pu"] and s["grid"]["max_vm_pu"] <= 1.1  # EN 50160 band


def test_helsinki_is_plausible(runs):
    s, units, members, stdout = _summary(runs, "helsinki.gpkg")
    # the bundled Rostock weather (1,020 km away) and flat or pitched roofs: PVGIS gives Helsinki
    # and Rostock 850-1,000 kWh/kWp facing south at the best tilt, flat roofs at 15 deg a little less
    assert 750 <= _yield(units, "pv_unit") <= 1050
    # the distance is warned of on every run
    assert any("1,0" in w and "km away" in w for w in s["weather"]["warnings"])
    assert "km away" in stdout
    # housing companies: 20-60 kWh per m2 of floor a year (Motiva: household and common
    # electricity of blocks of flats without electric heating)
    project = load_project(SAMPLES / "helsinki.gpkg")
    per_m2 = []
    for c in project.items("consumer").values():
        b = project.get("building", c.id.removeprefix("c-"))
        per_m2.append(c.annual_kwh / (b.geometry.area * (b.levels or 6)))
    assert 20 <= np.median(per_m2) <= 60
    # the grid the planner laid out and sized holds every limit over the simulated year
    g = s["grid"]
    assert g["max_line_loading_percent"] <= 100.0 and g["max_trafo_loading_percent"] <= 100.0
    assert 0.9 <= g["min_vm_pu"] and g["max_vm_pu"] <= 1.1
    assert 0.002 <= g["loss_share_of_delivered"] <= 0.06  # CEER, as above
    # the block CHP runs heat-led: ASUE 4,000-8,700 h for a base-load unit
    assert 3000 <= _yield(units, "chp_unit") <= 8760
    assert project.grid_investment is not None and project.grid_investment.capex_eur > 0


def test_wind_village_is_plausible(runs):
    s, units, members, _ = _summary(runs, "wind_village.gpkg")
    assert s["resolution_minutes"] == 15
    # an E-53/800 at 73 m hub height inland in Brandenburg: German onshore turbines ran 1,600-2,300
    # full-load hours in 2015-2023 (Fraunhofer IEE, Windmonitor); low-specific-power rotors more
    assert 1500 <= _yield(units, "wind_turbine") <= 2800
    # PV at 30 deg facing south near Potsdam: PVGIS about 1,000-1,050 kWh/kWp
    assert 900 <= _yield(units, "pv_unit") <= 1150
    # SimBench's households: Destatis puts German households at 1,400 (one person) to 5,500 kWh
    households = [m for m in load_project(SAMPLES / "wind_village.gpkg").items("member").values()
                  if m.kind == "household"]
    demand = members[(members.scheme == "grid_only") & members.member_id.isin([m.id for m in households])
                     & (members.demand_kwh > 0)].demand_kwh
    assert 1000 <= demand.mean() <= 6000
    # a turbine of 800 kW beside 260 MWh of demand: most of it is exported
    assert s["kpi"]["self_sufficiency"] > 0.5 and s["kpi"]["self_consumption"] < 0.5
    # the contracts are served: members' bills under contracts differ from the SDR pool alone
    bills = members.pivot(index="member_id", columns="scheme", values="bill_eur")
    assert not np.allclose(bills["bilateral+sdr"], bills["sdr"])


def test_the_village_follows_simbench_s_own_profiles():
    """Each load's 15-minute demand is SimBench's absolute series (p_mw x the profile), laid on
    the weather's year by weekday and scaled to 365 days: checked against simbench itself."""
    sb = pytest.importorskip("simbench")
    from planner.generation.results import simulate_generation

    project = load_project(SAMPLES / "wind_village.gpkg")
    demand = simulate_generation(project, resolution_minutes=15).consumers_kw
    net = sb.get_simbench_net("1-LV-rural2--0-sw")
    absolute = sb.get_absolute_values(net, profiles_instead_of_study_cases=True)[("load", "p_mw")]
    # the weather's year is 2019 (starts on a Tuesday); 2016 starts on a Friday, so 2019-01-01 takes
    # the profile's first Tuesday, 2016-01-05 (day 4), and its steps run on from there
    for idx in (0, 40, 98):
        series = absolute[idx].to_numpy() * 1000.0
        ours = demand[f"c{idx}"].to_numpy()
        days = 365 - 4 if len(series) >= 366 * 96 else 0
        piece = series[4 * 96: (4 + days) * 96]
        ratio = ours[: days * 96] / np.where(piece > 0, piece, np.nan)
        assert np.nanstd(ratio) / np.nanmean(ratio) < 1e-5  # the same shape, step by step
        assert np.nanmean(ratio) == pytest.approx(1.0, abs=0.02)  # scaled to 365 of its 366 days
