"""A project's grid as an unbalanced four-wire grid: one-phase units on their phase, the year's
unbalance, phase loading and neutral current, checked against the balanced flow and runpp_3ph."""

import warnings

import numpy as np
import pandas as pd
import pytest

from planner.grid.three_phase import R0_PER_R1, X0_PER_X1, add_three_phase_data, injection_matrix, run_year
from planner.model import PVUnit
from planner.model.commands import UpdateEntity
from tests.conftest import make_runnable_project

pp = pytest.importorskip("pandapower")


def _ieee_feeder():
    import pandapower.networks as pn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pn.ieee_european_lv_asymmetric("on_peak_566")


def test_zero_sequence_ratios_are_the_ieee_feeders_four_core_cables():
    lines = _ieee_feeder().line
    four_core = lines[lines.std_type.isin(["4c_06", "4c_1", "4c_185", "4c_35", "4c_70"])]
    types = four_core.groupby("std_type")[["r_ohm_per_km", "x_ohm_per_km", "r0_ohm_per_km", "x0_ohm_per_km"]].first()
    assert len(types) == 5
    assert R0_PER_R1 == pytest.approx(float((types.r0_ohm_per_km / types.r_ohm_per_km).median()), abs=0.01)
    assert X0_PER_X1 == pytest.approx(float((types.x0_ohm_per_km / types.x_ohm_per_km).median()), abs=0.01)


def test_line_currents_are_pandapowers():
    """Phase and neutral currents from the voltages, as res_line_3ph gives them; the compiled
    reduction equals the readable one."""
    from planner.grid.powerflow3ph import Solution3ph, T_012, build_model_3ph, line_currents, line_extremes

    net = _ieee_feeder()
    pp.runpp_3ph(net)
    model = build_model_3ph(net)
    rb = net.res_bus_3ph
    v = np.zeros((3, model.n_bus), dtype=complex)
    inside = model.bus_lookup >= 0
    for p, name in enumerate("abc"):
        v[p, model.bus_lookup[inside]] = (rb[f"vm_{name}_pu"] * np.exp(1j * np.deg2rad(rb[f"va_{name}_degree"]))
                                          ).to_numpy()[inside]
    theirs = Solution3ph((T_012 @ v)[None], 1)
    i_abc, i_n = line_currents(model, theirs)
    res = net.res_line_3ph
    for p, name in enumerate("abc"):
        assert np.abs(i_abc[0, p] - res[f"i_{name}_ka"].to_numpy()).max() < 1e-9
    assert np.abs(i_n[0] - res.i_n_ka.to_numpy()).max() < 1e-9
    assert res.i_n_ka.max() > 0.05  # the feeder's neutral carries current: a real check
    top, neutral = line_extremes(model, theirs.v_012)
    assert np.allclose(top[0], i_abc[0].max(axis=0), rtol=1e-12) and np.allclose(neutral[0], i_n[0], rtol=1e-12)


@pytest.fixture(scope="module")
def feeder_year():
    """The runnable village on a long, thin feeder with two 9.9 kW PV arrays at its end."""
    from planner.generation.results import simulate_generation
    from planner.simulation import stages
    from planner.simulation.grid_stage import prepare_grid

    project = make_runnable_project()
    UpdateEntity("cable", "c1", length_km=0.35, std_type="NAYY 4x50 SE").do(project)
    pv = project.get("pv_unit", "pv1")
    project.add(PVUnit(id="pv3", name="Roof 3", owner_id="m1", bus_id="b1", peak_kw=9.9, tilt_deg=35.0,
                       azimuth_deg=170.0, geometry=pv.geometry))
    gen = simulate_generation(project)
    d = stages.dispatch(project, gen)
    return project, gen, d, prepare_grid(project)


def _year(feeder_year, phases: dict):
    project, gen, d, grid = feeder_year
    project = project.copy() if hasattr(project, "copy") else project
    for (kind, oid), phase in phases.items():
        UpdateEntity(kind, oid, phase=phase).do(project)
    try:
        return run_year(project, gen, grid.net, grid.ids, d.delivered_kw, d.battery_kw)
    finally:
        for (kind, oid) in phases:
            UpdateEntity(kind, oid, phase="3ph").do(project)


def test_balanced_connections_give_the_balanced_flow(feeder_year):
    from planner.simulation.grid_stage import _power_flow

    _, gen, d, grid = feeder_year
    balanced = _power_flow(grid, gen, d.battery_kw, d.delivered_kw, False)[0]
    year = _year(feeder_year, {})
    f = year.figures
    assert f["max_unbalance_percent"] < 1e-6
    for phase in ("L1", "L2", "L3"):
        assert f["min_vm_pu"][phase] == pytest.approx(balanced["min_vm_pu"], abs=1e-6)
        assert f["max_vm_pu"][phase] == pytest.approx(balanced["max_vm_pu"], abs=1e-6)
    assert f["max_phase_loading_percent"] == pytest.approx(balanced["max_line_loading_percent"], rel=1e-4)
    assert f["max_neutral_current_a"] < 1e-6


def test_one_phase_pv_breaks_unbalance_and_spreading_it_holds(feeder_year):
    both = _year(feeder_year, {("pv_unit", "pv1"): "L1", ("pv_unit", "pv3"): "L1"}).figures
    spread = _year(feeder_year, {("pv_unit", "pv1"): "L1", ("pv_unit", "pv3"): "L2"}).figures
    assert both["max_unbalance_percent"] > 2.0 and both["steps_over_unbalance_limit"] > 0
    assert spread["max_unbalance_percent"] < both["max_unbalance_percent"] * 0.7
    assert spread["max_neutral_current_a"] < both["max_neutral_current_a"]
    assert both["max_vm_pu"]["L1"] > both["max_vm_pu"]["L2"]  # the phase with the PV rises
    assert both["max_unbalance_bus"] == "b1"


def test_a_step_equals_runpp_3ph(feeder_year):
    """The sunniest hour with both arrays on L1, rebuilt as pandapower's asymmetric loads and
    generators from the run's own series, through runpp_3ph."""
    from planner.grid.powerflow3ph import build_model_3ph, line_currents, solve

    project, gen, d, grid = feeder_year
    for oid in ("pv1", "pv3"):
        UpdateEntity("pv_unit", oid, phase="L1").do(project)
    try:
        net = pp.from_json_string(pp.to_json(grid.net))
        add_three_phase_data(net, project)
        model = build_model_3ph(net)
        values, spread = injection_matrix(project, gen, grid.ids, net, model, d.delivered_kw, d.battery_kw)
        step = int(np.argmax(d.delivered_kw[["pv1", "pv3"]].sum(axis=1).to_numpy()))
        s = (spread.T @ values[step]).reshape(3, model.n_bus).astype(complex)
        ours = solve(model, s[None])
        # the same hour as pandapower elements, from the series themselves
        hp = gen.heat_pumps.electricity_kw["hp1"].iloc[step] + gen.charging.charging_kw["cp1"].iloc[step]
        for table in ("load", "sgen", "storage"):
            net[table] = net[table].iloc[0:0]
        bus = {b: int(i) for b, i in grid.ids["bus"].items()}
        for consumer in project.items("consumer").values():
            kw = gen.consumers_kw[consumer.id].iloc[step]
            pp.create_load(net, bus[consumer.bus_id], p_mw=kw / 1000.0)
        for kind in ("pv_unit", "wind_turbine", "chp_unit"):
            for unit in project.items(kind).values():
                kw = d.delivered_kw[unit.id].iloc[step]
                if unit.phase == "L1":
                    pp.create_asymmetric_sgen(net, bus[unit.bus_id], p_a_mw=kw / 1000.0)
                else:
                    # runpp_3ph leaves out elements whose type is not wye or delta (pandapower #1072)
                    pp.create_sgen(net, bus[unit.bus_id], p_mw=kw / 1000.0, type="wye")
        for battery in project.items("battery").values():
            pp.create_load(net, bus[battery.bus_id], p_mw=d.battery_kw[battery.id].iloc[step] / 1000.0)
        assert hp >= 0.0  # their electricity is in Anna's demand, on her three phases
        pp.runpp_3ph(net)
        for p, name in enumerate("abc"):
            theirs = net.res_bus_3ph[f"vm_{name}_pu"].to_numpy()
            assert np.abs(np.abs(ours.v_abc[0, p, model.bus_lookup]) - theirs).max() < 1e-5
        _, i_n = line_currents(model, ours)
        assert np.abs(i_n[0] - net.res_line_3ph.i_n_ka.to_numpy()).max() < 1e-4
        assert net.res_line_3ph.i_n_ka.max() > 0.01
    finally:
        for oid in ("pv1", "pv3"):
            UpdateEntity("pv_unit", oid, phase="3ph").do(project)


def test_a_run_reports_three_phase_figures(tmp_path):
    from planner.io.run_outputs import write_outputs
    from planner.simulation.run import simulate
    from planner.simulation.summary import summary_dict

    project = make_runnable_project()
    UpdateEntity("pv_unit", "pv1", phase="L2").do(project)
    result = simulate(project)
    three = summary_dict(result)["grid"]["three_phase"]
    assert three["single_phase"] == {"pv_unit": 1}
    assert set(three["min_vm_pu"]) == {"L1", "L2", "L3"} and three["max_unbalance_percent"] > 0
    assert any("zero-sequence" in a for a in three["assumptions"])
    write_outputs(result, tmp_path)
    elements = pd.read_csv(tmp_path / "grid_elements.csv")
    assert {"max unbalance %", "max phase loading %", "max neutral current A"} <= set(elements.figure)
    # each bus's lowest and highest phase voltage: their extremes are the phase band's
    low = elements[elements.figure == "min phase voltage p.u."]
    high = elements[elements.figure == "max phase voltage p.u."]
    assert low.value.min() == pytest.approx(min(three["min_vm_pu"].values()), abs=1e-5)  # the file keeps 5 digits
    assert high.value.max() == pytest.approx(max(three["max_vm_pu"].values()), abs=1e-5)
    assert (low.set_index("id").value <= high.set_index("id").value.reindex(low.id).to_numpy() + 1e-12).all()
    # the map's hour view solves the worst hour again from the run's files: the same unbalance
    from planner.report.hour import HourSolver

    solver = HourSolver(project, tmp_path)
    step = int(solver.index.get_indexer([pd.Timestamp(three["max_unbalance_time"])])[0])
    hour = solver.solve(step)
    assert hour.three_phase["unbalance_percent"][three["max_unbalance_bus"]] == pytest.approx(
        three["max_unbalance_percent"], rel=1e-6)
    assert max(hour.worst_phase_vm().values()) >= max(hour.bus_vm.values()) - 1e-9
    # without one-phase connections there is no three-phase year
    plain = simulate(make_runnable_project(), details=False)
    assert "three_phase" not in plain.grid


def _small_units():
    """The runnable village with six 4 kW roofs, a big one and two wallboxes."""
    from shapely.geometry import Point

    from planner.model import ChargingPoint

    from tests.conftest import X0, Y0

    project = make_runnable_project()
    here = Point(X0 + 10, Y0 + 10)
    for k in range(6):
        project.add(PVUnit(id=f"roof{k}", owner_id="m1", bus_id="b1", peak_kw=4.4, dc_ac_ratio=1.1, geometry=here))
    project.add(PVUnit(id="roof-big", owner_id="m1", bus_id="b1", peak_kw=30.0, geometry=here))
    project.add(ChargingPoint(id="cp-small", consumer_id="c-bakery", power_kw=3.7, geometry=here))
    return project


def test_assign_phases_spread_worst_and_back():
    from collections import Counter

    from planner.grid.three_phase import assign_phases

    project = _small_units()
    spread = assign_phases(project, "spread", seed=3)
    chosen = {(k, i) for k, i, _ in spread}
    # 4 kW AC roofs and the 3.7 kW wallbox; not the 30 kW roof, the 9.9 kW one, the field, the 11 kW wallbox,
    # the 50 kW battery
    assert chosen == {("pv_unit", f"roof{k}") for k in range(6)} | {("charging_point", "cp-small")}
    assert sorted(Counter(p for *_, p in spread).values()) == [2, 2, 3]
    assert spread == assign_phases(project, "spread", seed=3)  # seeded
    assert spread != assign_phases(project, "spread", seed=4)
    for kind, oid, phase in spread:
        UpdateEntity(kind, oid, phase=phase).do(project)
    assert assign_phases(project, "spread", seed=3) == []  # nothing left to change
    worst = assign_phases(project, "worst", seed=3)
    assert {p for *_, p in worst} == {"L1"} and len(worst) == 4  # those on L2 and L3
    households = assign_phases(project, "worst", households=True, kinds=())
    assert households == [("consumer", "c-anna", "L1")]  # the bakery is a business
    back = assign_phases(project, "three-phase")
    assert len(back) == 7 and {p for *_, p in back} == {"3ph"}
    with pytest.raises(ValueError, match="cannot assign phases to 'tree'"):
        assign_phases(project, "spread", kinds=("tree",))
    with pytest.raises(ValueError, match="consumers go on one phase as households"):
        assign_phases(project, "spread", kinds=("consumer",))
    with pytest.raises(ValueError, match="mode is one of"):
        assign_phases(project, "random")


def test_planner_phases_command(tmp_path, capsys):
    from planner.cli import main
    from planner.io import load_project, save_project

    path = tmp_path / "v.gpkg"
    save_project(_small_units(), path)
    assert main(["phases", str(path), "--assign", "spread", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "7 connection(s) changed" in out and "planner run now adds the three-phase year" in out
    saved = load_project(path)
    assert sorted(u.phase for u in saved.items("pv_unit").values()).count("3ph") == 3
    assert main(["info", str(path)]) == 0  # says how many are on each phase
    from collections import Counter

    on = Counter(e.phase for kind in ("pv_unit", "charging_point") for e in saved.items(kind).values())
    assert (f"phases    {on['L1']} on L1, {on['L2']} on L2, {on['L3']} on L3, the rest three-phase"
            in capsys.readouterr().out) and on["L1"] + on["L2"] + on["L3"] == 7
    assert main(["phases", str(path), "--assign", "worst", "--kinds", "pv_unit,heat_pump", "--max-kw", "50",
                 "-o", str(tmp_path / "w.gpkg")]) == 0
    worst = load_project(tmp_path / "w.gpkg")
    assert {u.id for u in worst.items("pv_unit").values() if u.phase == "L1"} == {
        "pv1", "roof-big", *(f"roof{k}" for k in range(6))}
    assert worst.get("pv_unit", "roof-big").phase == "L1" and worst.get("heat_pump", "hp1").phase == "L1"
    assert worst.get("pv_unit", "pv2").phase == "3ph"  # the 250 kW field
    assert main(["phases", str(path), "--assign", "spread", "--kinds", "tree"]) == 2
    assert "cannot assign phases to 'tree'" in capsys.readouterr().err


def test_phases_as_a_scenario_and_in_the_sweep_table():
    from planner.simulation.overrides import apply
    from planner.simulation.run import simulate
    from planner.simulation.summary import summary_dict
    from planner.sweep.table import kpi_row as row_of

    base = _small_units()
    variant = apply(base, {"phases": "worst"})
    assert {variant.project.get("pv_unit", f"roof{k}").phase for k in range(6)} == {"L1"}
    assert {u.phase for u in base.items("pv_unit").values()} == {"3ph"}  # the base is left as it was
    assert variant.notes == ["phases worst: 7 connection(s) changed"]
    summary = summary_dict(simulate(variant.project, details=False))
    row = row_of(summary)
    assert row["max_unbalance_percent"] == pytest.approx(summary["grid"]["three_phase"]["max_unbalance_percent"])
    assert row["max_unbalance_percent"] > 0
    # grid_ok now asks the unbalance too: a summary over the limit does not hold
    summary["grid"]["three_phase"]["max_unbalance_percent"] = 2.5
    assert row_of(summary)["grid_ok"] is False


def test_the_exported_net_keeps_its_phases_and_runs_both_ways(tmp_path, capsys):
    """planner export NET.json: one-phase consumers and units as pandapower's asymmetric elements,
    the balanced runpp as before, runpp_3ph with the phases."""
    from planner.cli import main
    from planner.grid.translate import to_pandapower
    from planner.io import save_project

    project = make_runnable_project()
    UpdateEntity("pv_unit", "pv1", phase="L3").do(project)
    UpdateEntity("consumer", "c-anna", phase="L2").do(project)
    path = tmp_path / "v.gpkg"
    save_project(project, path)
    assert main(["export", str(path), "-o", str(tmp_path / "net.json")]) == 0
    assert "(2 on one phase)" in capsys.readouterr().out
    net = pp.from_json(str(tmp_path / "net.json"))
    assert list(net.asymmetric_load.name) == ["c-anna"] and list(net.asymmetric_sgen.name) == ["pv1"]
    # give every load and generator a power, the same in the balanced translation
    plain, _ = to_pandapower(project)
    for table in (net, plain):
        table.load["p_mw"] = 0.004
        table.sgen["p_mw"] = 0.003
    net.asymmetric_load["p_b_mw"] = 0.004
    net.asymmetric_sgen["p_c_mw"] = 0.003
    pp.runpp(net)
    pp.runpp(plain)
    assert np.abs(net.res_bus.vm_pu.to_numpy() - plain.res_bus.vm_pu.to_numpy()).max() < 1e-9
    pp.runpp_3ph(net)
    res = net.res_bus_3ph
    b1 = int(net.bus.index[net.bus.name == "b1"][0])
    assert res.at[b1, "unbalance_percent"] > 0.01  # the phases differ
    assert set(net.sgen.type) == {"wye"} and set(net.sgen.technology) >= {"PV", "WP"}
