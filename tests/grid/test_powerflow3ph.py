"""The three-phase batch power flow against pandapower's runpp_3ph (the IEEE European LV test
feeder that pandapower ships), the balanced flow, its own reference loop, and a single-phase PV
case that breaks the unbalance limit until the PV is spread over the phases."""

import copy

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest

from planner.grid.powerflow3ph import PowerFlow3phError, build_model_3ph, solve, solve_batch


def _res_v(net, model):
    res = net.res_bus_3ph
    return np.stack([res[f"vm_{p}_pu"].to_numpy() * np.exp(1j * np.radians(res[f"va_{p}_degree"].to_numpy()))
                     for p in "abc"])


@pytest.fixture(scope="module")
def feeder():
    net = pn.ieee_european_lv_asymmetric("on_peak_566")
    return net, build_model_3ph(net)


@pytest.mark.parametrize("scenario", ["on_peak_566", "off_peak_1"])
def test_ieee_european_lv_feeder_equals_runpp_3ph(scenario):
    net = pn.ieee_european_lv_asymmetric(scenario)
    model = build_model_3ph(net)
    ours = solve(model, model.s_static[None])
    pp.runpp_3ph(net)
    theirs = _res_v(net, model)
    v = ours.v_abc[0][:, model.bus_lookup]
    assert np.abs(np.abs(v) - np.abs(theirs)).max() < 1e-5  # each phase's magnitude [p.u.]
    assert np.abs(v - theirs).max() < 1e-5                  # and the phasor
    vuf = ours.unbalance[0][model.bus_lookup] * 100.0
    assert np.abs(vuf - net.res_bus_3ph.unbalance_percent.to_numpy()).max() < 1e-3


def test_the_kernels_equal_the_reference_loop(feeder):
    net, model = feeder
    rng = np.random.default_rng(1)
    s = model.s_static[None] * rng.uniform(0.0, 2.5, (40, 3, model.n_bus))
    reference = solve(model, s)
    fast, iterations = solve_batch(model, s)
    assert (iterations > 0).all()
    assert np.abs(fast.v_abc - reference.v_abc).max() < 1e-8


def test_steps_against_runpp_3ph_one_by_one(feeder):
    net, model = feeder
    net = copy.deepcopy(net)
    rng = np.random.default_rng(2)
    loads = net.asymmetric_load
    columns = ["p_a_mw", "q_a_mvar", "p_b_mw", "q_b_mvar", "p_c_mw", "q_c_mvar"]
    base = loads[columns].copy()
    steps = []
    for _ in range(3):
        factor = rng.uniform(0.3, 1.5, len(loads))
        for c in columns:
            net.asymmetric_load[c] = base[c].to_numpy() * factor
        steps.append((factor, build_model_3ph(net).s_static))
    fast, _ = solve_batch(model, np.stack([s for _, s in steps]))
    for k, (factor, _) in enumerate(steps):
        for c in columns:
            net.asymmetric_load[c] = base[c].to_numpy() * factor
        pp.runpp_3ph(net)
        assert np.abs(fast.v_abc[k][:, model.bus_lookup] - _res_v(net, model)).max() < 1e-5


def _street(phases):
    """A 0.4 kV street: a 250 kVA Dyn5 station, a 50 m cable section per house, each house with
    1 kW per phase and a 4.6 kW single-phase inverter on its ``phases[k]``. Cable: the IEEE
    European LV feeder's 4c_70 (its r0 and x0 with it)."""
    net = pp.create_empty_network()
    mv = pp.create_bus(net, vn_kv=20.0)
    lv = pp.create_bus(net, vn_kv=0.4)
    pp.create_ext_grid(net, mv, vm_pu=1.0, s_sc_max_mva=1000.0, rx_max=0.1, x0x_max=1.0, r0x0_max=0.1)
    pp.create_transformer_from_parameters(net, mv, lv, sn_mva=0.25, vn_hv_kv=20.0, vn_lv_kv=0.4, vk_percent=4.0,
                                          vkr_percent=1.2, pfe_kw=0.0, i0_percent=0.0, shift_degree=150.0,
                                          vector_group="Dyn", vk0_percent=4.0, vkr0_percent=1.2, mag0_percent=100.0,
                                          mag0_rx=0.0, si0_hv_partial=0.9)
    previous = lv
    for k, phase in enumerate(phases):
        bus = pp.create_bus(net, vn_kv=0.4)
        pp.create_line_from_parameters(net, previous, bus, length_km=0.05, r_ohm_per_km=0.446, x_ohm_per_km=0.071,
                                       c_nf_per_km=0.0, max_i_ka=0.421, r0_ohm_per_km=1.505, x0_ohm_per_km=0.083,
                                       c0_nf_per_km=0.0)
        pp.create_asymmetric_load(net, bus, p_a_mw=0.001, p_b_mw=0.001, p_c_mw=0.001)
        pp.create_asymmetric_sgen(net, bus, **{f"p_{phase}_mw": 0.0046})
        previous = bus
    return net


def test_single_phase_pv_breaks_the_unbalance_limit_and_a_phase_change_fixes_it():
    one_phase = _street(["a"] * 8)
    spread = _street(["a", "b", "c", "a", "b", "c", "a", "b"])
    worst = {}
    for name, net in (("one phase", one_phase), ("spread", spread)):
        model = build_model_3ph(net)
        solution = solve(model, model.s_static[None])
        worst[name] = float(solution.unbalance[0].max())
        pp.runpp_3ph(net)
        assert worst[name] * 100 == pytest.approx(net.res_bus_3ph.unbalance_percent.max(), abs=1e-3)
    assert worst["one phase"] > 0.02        # EN 50160's 2 % broken
    assert worst["spread"] < 0.005          # the same PV over three phases holds it


def test_balanced_loads_give_the_balanced_flow():
    net = _street(["a"] * 8)
    net.asymmetric_sgen.drop(net.asymmetric_sgen.index, inplace=True)
    net.asymmetric_load.drop(net.asymmetric_load.index, inplace=True)
    for bus in net.bus.index[2:]:
        pp.create_load(net, bus, p_mw=0.006, q_mvar=0.002)
    model = build_model_3ph(net)
    solution = solve(model, model.s_static[None])
    pp.runpp(net)
    assert np.abs(solution.unbalance[0]).max() < 1e-9
    vm = np.abs(solution.v_abc[0][:, model.bus_lookup])
    for phase in range(3):
        np.testing.assert_allclose(vm[phase], net.res_bus.vm_pu.to_numpy(), atol=1e-6)


def test_what_it_cannot_take_is_refused_with_a_reason():
    net = _street(["a"])
    pp.create_asymmetric_load(net, 2, p_a_mw=0.001, type="delta")
    with pytest.raises(PowerFlow3phError, match="delta"):
        build_model_3ph(net)
    plain = pp.create_empty_network()
    b0, b1 = pp.create_bus(plain, 20.0), pp.create_bus(plain, 0.4)
    pp.create_ext_grid(plain, b0)
    pp.create_transformer(plain, b0, b1, "0.25 MVA 20/0.4 kV")
    with pytest.raises(PowerFlow3phError, match="three-phase data"):
        build_model_3ph(plain)


def test_planner_powerflow_three_phase_runs_a_profile_year(tmp_path, capsys):
    """``planner powerflow NET --profiles FILE --three-phase``: per-phase band and unbalance of
    each bus over the profiles' steps, equal to runpp_3ph run step by step."""
    import json

    import pandas as pd

    from planner.cli import main

    net = pn.ieee_european_lv_asymmetric("on_peak_566")
    pp.to_json(net, str(tmp_path / "feeder.json"))
    loads = net.asymmetric_load.iloc[:12]
    phase = {idx: "abc"[[row.p_a_mw, row.p_b_mw, row.p_c_mw].index(max(row.p_a_mw, row.p_b_mw, row.p_c_mw))]
             for idx, row in loads.iterrows()}
    factors = [0.5, 2.0, 4.0]
    columns = {}
    for idx, p in phase.items():
        columns[f"asymmetric_load.p_{p}_mw.{idx}"] = [loads.at[idx, f"p_{p}_mw"] * f for f in factors]
    frame = pd.DataFrame(columns, index=pd.date_range("2025-01-06 08:00", periods=3, freq="1h", tz="UTC"))
    frame.index.name = "time"
    frame.reset_index().to_csv(tmp_path / "profiles.csv", index=False)
    code = main(["powerflow", str(tmp_path / "feeder.json"), "--profiles", str(tmp_path / "profiles.csv"), "-o",
                 str(tmp_path / "out"), "--three-phase"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    buses = pd.read_csv(tmp_path / "out" / "buses.csv", index_col="bus")
    # the same steps through runpp_3ph, one by one
    lowest = {p: np.inf for p in "abc"}
    worst = 0.0
    neutral = np.zeros(len(net.line))
    for k, f in enumerate(factors):
        for idx, p in phase.items():
            net.asymmetric_load.at[idx, f"p_{p}_mw"] = columns[f"asymmetric_load.p_{p}_mw.{idx}"][k]
        pp.runpp_3ph(net)
        for p in "abc":
            lowest[p] = min(lowest[p], net.res_bus_3ph[f"vm_{p}_pu"].min())
        worst = max(worst, net.res_bus_3ph.unbalance_percent.max())
        neutral = np.maximum(neutral, net.res_line_3ph.i_n_ka.to_numpy() * 1000.0)
    lines = pd.read_csv(tmp_path / "out" / "lines.csv", index_col="line")
    # the neutral currents as runpp_3ph's (within 0.1 A: its voltages' own tolerance over short segments)
    assert np.abs(lines.max_neutral_current_a.to_numpy() - neutral).max() < 0.1
    assert summary["max_neutral_current_a"] == pytest.approx(neutral.max(), abs=0.1) and neutral.max() > 10.0
    for p in "abc":
        assert summary["min_vm_pu"][p] == pytest.approx(lowest[p], abs=1e-5)
        assert buses[f"min_vm_{p}_pu"].min() == pytest.approx(lowest[p], abs=1e-5)
    assert summary["max_unbalance_percent"] == pytest.approx(worst, abs=1e-3)
    assert summary["steps"] == 3 and summary["non_converged_steps"] == 0
    assert "unbalance" in capsys.readouterr().out


def test_planner_powerflow_three_phase_refuses_a_column_of_the_wrong_kind(tmp_path, capsys):
    import pandas as pd

    from planner.cli import main

    net = pn.ieee_european_lv_asymmetric("on_peak_566")
    pp.to_json(net, str(tmp_path / "feeder.json"))
    frame = pd.DataFrame({"time": ["2025-01-06T08:00Z"], "asymmetric_load.p_mw.0": [0.001]})
    frame.to_csv(tmp_path / "profiles.csv", index=False)
    code = main(["powerflow", str(tmp_path / "feeder.json"), "--profiles", str(tmp_path / "profiles.csv"), "-o",
                 str(tmp_path / "out"), "--three-phase"])
    assert code != 0
    assert "asymmetric_load takes p_a_mw, q_a_mvar, p_b_mw, ... per phase" in capsys.readouterr().err
