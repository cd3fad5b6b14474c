"""Sweep files and their designs; variants as the base project with overrides."""

from __future__ import annotations

import numpy as np
import pytest

from planner import PlannerError
from planner.simulation import overrides as ov
from planner.sweep.definition import morris_effects, morris_trajectories, parse_sweep, read_sweep
from tests.conftest import make_runnable_project


def test_a_grid_is_every_combination_in_a_fixed_order():
    sweep = parse_sweep({"parameters": {"pv_share": [0.2, 0.5], "chp": [True, False],
                                        "battery_kwh": {"min": 0, "max": 300, "steps": 4}}})
    variants = sweep.variants()
    assert len(variants) == 2 * 2 * 4
    assert variants[0] == {"pv_share": 0.2, "chp": True, "battery_kwh": 0.0}
    assert variants[-1] == {"pv_share": 0.5, "chp": False, "battery_kwh": 300.0}
    assert sorted({v["battery_kwh"] for v in variants}) == [0.0, 100.0, 200.0, 300.0]
    assert variants == sweep.variants()


def test_a_latin_hypercube_has_its_size_its_bounds_and_one_point_in_each_slice():
    sweep = parse_sweep({"sweep": {"design": "latin_hypercube", "samples": 20, "seed": 3},
                         "parameters": {"discount_rate": {"min": 0.02, "max": 0.08},
                                        "battery_kwh": {"min": 0, "max": 1000},
                                        "benefit_scheme": ["sdr", "mmr"]}})
    variants = sweep.variants()
    assert len(variants) == 20
    rates = np.array([v["discount_rate"] for v in variants])
    assert rates.min() >= 0.02 and rates.max() <= 0.08
    # Latin: each of the 20 equal slices of each range holds exactly one point
    for values, low, high in ((rates, 0.02, 0.08), (np.array([v["battery_kwh"] for v in variants]), 0, 1000)):
        slices = np.floor((values - low) / (high - low) * 20).astype(int)
        assert sorted(slices) == list(range(20))
    schemes = [v["benefit_scheme"] for v in variants]
    assert schemes.count("sdr") == schemes.count("mmr") == 10  # choices split the unit range evenly
    again = parse_sweep({"sweep": {"design": "latin_hypercube", "samples": 20, "seed": 3},
                         "parameters": {"discount_rate": {"min": 0.02, "max": 0.08},
                                        "battery_kwh": {"min": 0, "max": 1000},
                                        "benefit_scheme": ["sdr", "mmr"]}}).variants()
    assert again == variants  # the seed makes the sample


def test_morris_trajectories_move_one_parameter_at_a_time_within_bounds():
    k, r, levels = 3, 5, 4
    points = morris_trajectories(k, r, levels, seed=1)
    assert points.shape == (r * (k + 1), k)
    assert points.min() >= 0 and points.max() <= 1
    delta = levels / (2 * (levels - 1))
    for start in range(0, len(points), k + 1):
        steps = np.diff(points[start:start + k + 1], axis=0)
        assert (np.count_nonzero(steps, axis=1) == 1).all()  # one parameter per step
        assert np.allclose(np.abs(steps).sum(axis=1), delta)
        assert sorted(np.nonzero(steps)[1]) == list(range(k))  # every parameter moves once
    sweep = parse_sweep({"sweep": {"design": "morris", "samples": r, "seed": 1, "levels": levels},
                         "parameters": {"pv_share": {"min": 0.1, "max": 0.9}, "discount_rate": {"min": 0.0, "max": 0.1},
                                        "chp": [True, False]}})
    variants = sweep.variants()
    assert len(variants) == r * (k + 1)
    assert all(0.1 <= v["pv_share"] <= 0.9 and 0.0 <= v["discount_rate"] <= 0.1 for v in variants)


def test_morris_effects_of_a_known_function():
    """y = 3 x0 + x1^2 (x2 without effect): mu*(x0) = 3, mu*(x2) = 0, sigma(x0) = 0."""
    points = morris_trajectories(3, 30, 4, seed=2)
    y = 3 * points[:, 0] + points[:, 1] ** 2
    effects = morris_effects(points, y, 3)
    assert effects[0][0] == pytest.approx(3.0)
    assert effects[0][1] == pytest.approx(0.0, abs=1e-12)
    assert effects[2][0] == pytest.approx(0.0, abs=1e-12)
    assert 0 < effects[1][0] < 2  # d(x^2)/dx over [0, 1]: between 0 and 2


@pytest.mark.parametrize("raw, message", [
    ({"parameters": {"pv_shares": [0.1]}}, "unknown parameter 'pv_shares'"),
    ({"parameters": {"pv_share": [1.5]}}, "pv_share must be at most 1"),
    ({"parameters": {"battery_kwh": [-10]}}, "battery_kwh must be at least 0"),
    ({"parameters": {"chp": [1]}}, "chp is true or false"),
    ({"parameters": {"battery_kwh": {"min": 0, "max": 100}}}, "a range in a grid needs steps"),
    ({"sweep": {"design": "latin_hypercube"}, "parameters": {"pv_share": {"min": 0, "max": 1}}}, "needs samples"),
    ({"sweep": {"design": "grid"}, "parameters": {}}, "no parameters"),
    ({"sweep": {"design": "factorial"}, "parameters": {"chp": [True]}}, "design is one of"),
    ({"sweep": {"design": "list"}, "variants": [{"pv_share": 0.3}, {"horizon_years": 2.5}]},
     "variant 2: horizon_years is a whole number"),
    ({"sweep": {"resolution_minutes": 30}, "parameters": {"chp": [True]}}, "resolution_minutes is 60 or 15"),
])
def test_a_bad_sweep_file_is_refused_naming_the_entry(raw, message):
    with pytest.raises(PlannerError, match=message):
        parse_sweep(raw, "my.toml")


def test_a_sweep_file_that_is_not_toml_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[sweep\ndesign = grid", encoding="utf-8")
    with pytest.raises(PlannerError, match="bad.toml: not a readable TOML file"):
        read_sweep(bad)
    with pytest.raises(PlannerError, match="no such sweep file"):
        read_sweep(tmp_path / "missing.toml")


def test_the_example_sweep_has_32_variants():
    from pathlib import Path

    sweep = read_sweep(Path(__file__).parents[2] / "sweeps" / "example.toml")
    assert len(sweep.variants()) == 32


def test_overrides_change_a_copy_and_say_what_they_did():
    base = make_runnable_project()
    before = {k: dict(base.items(k)) for k in ("pv_unit", "battery", "chp_unit", "ownership_share", "tariff")}
    variant = ov.apply(base, {"battery_kwh": 0, "chp": False, "import_price_factor": 1.5, "pv_scale": 2.0,
                              "discount_rate": 0.07, "capex_factor_pv": 0.5})
    project = variant.project
    assert not project.items("battery") and not project.items("chp_unit")
    assert project.get("tariff", "t").import_price_eur_per_kwh == pytest.approx(0.6)
    assert project.get("pv_unit", "pv1").peak_kw == pytest.approx(19.8)
    assert project.study.discount_rate == 0.07
    assert variant.catalogue_factors == {"pv_roof": 0.5, "pv_ground": 0.5}
    assert not project.validate()
    assert {k: dict(base.items(k)) for k in before} == before  # the base is untouched
    assert any("removed" in note for note in variant.notes)


def test_pv_share_ranks_roofs_so_a_larger_share_adds_to_a_smaller_one(sample_path):
    from planner.io.project_file import load_project

    base = load_project(sample_path)
    households = [c for c in base.items("consumer").values() if c.member_id in base.items("member")]
    owners = {}
    for share in (0.1, 0.3, 0.6):
        project = ov.apply(base, {"pv_share": share}).project
        owners[share] = {u.owner_id for u in project.items("pv_unit").values() if u.owner_id in project.items("member")}
        assert len(owners[share]) == round(share * len(households))
        assert not project.validate()
    assert owners[0.1] < owners[0.3] < owners[0.6]
    surveyed = {u.owner_id for u in base.items("pv_unit").values() if u.owner_id in base.items("member")}
    assert owners[0.3] == surveyed  # the sample's own share keeps exactly its own roofs
    added = [u for u in ov.apply(base, {"pv_share": 0.6}).project.items("pv_unit").values() if u.id.startswith("pv-variant")]
    assert {(u.tilt_deg, u.azimuth_deg) for u in added} <= {(u.tilt_deg, u.azimuth_deg)
                                                            for u in base.items("pv_unit").values()}


def test_a_parameter_the_project_cannot_take_is_refused():
    base = make_runnable_project()
    no_chp = ov.apply(base, {"chp": False}).project
    with pytest.raises(PlannerError, match="chp_kw: the project has no CHP unit"):
        ov.apply(no_chp, {"chp_kw": 10})
    assert ov.check({"pv_share": 0.3, "oops": 1}) == [f"unknown parameter 'oops'; known: {', '.join(ov.PARAMETERS)}"]


def test_an_added_battery_stands_at_a_station_busbar():
    """battery_kwh on a project without a shared battery: at the busbar of the station that serves
    the CHP (not on the CHP's house connection), else at the station with the most consumers."""
    from planner.model.commands import RemoveEntity, UpdateEntity

    base = make_runnable_project()
    RemoveEntity("battery", "bat1").do(base)
    UpdateEntity("bus", "lv", zone="feeder 1").do(base)  # the station's busbar, in the CHP bus's zone
    variant = ov.apply(base, {"battery_kwh": 80})
    added = variant.project.get("battery", "battery-variant")
    assert (added.bus_id, added.capacity_kwh, added.power_kw) == ("lv", 80.0, 40.0)
    assert "which serves CHP unit 'Bakery CHP'" in variant.notes[0]
    RemoveEntity("chp_unit", "chp1").do(base)
    no_chp = ov.apply(base, {"battery_kwh": 80})
    assert no_chp.project.get("battery", "battery-variant").bus_id == "lv"
    assert "the station with the most consumers" in " ".join(no_chp.notes)
    assert not variant.project.validate() and not no_chp.project.validate()
