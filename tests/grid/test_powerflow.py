"""The batch power flow against pandapower's runpp, step by step."""

import copy

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from planner.grid.powerflow import PowerFlowError, build_model, parse_profiles, profiles_of_blocks, run

from tests.grid.conftest import simbench_case


def runpp_at(net, table, k):
    """pandapower's own power flow with the profile values of step ``k`` set on the elements."""
    net = copy.deepcopy(net)
    for column, value in table.iloc[k].items():
        element, variable, idx = column.split(".")
        net[element].at[int(idx), variable] = value
    pp.runpp(net, lightsim2grid=False, tolerance_mva=1e-10)
    return net


def batch(net, table, **kw):
    model = build_model(net)
    chunks = []
    summary = run(model, parse_profiles(table, net, **kw), on_chunk=chunks.append, chunk_size=200)
    return summary, chunks


def gather(chunks, name):
    return np.concatenate([getattr(c, name) for c in chunks])


@pytest.mark.parametrize("code", ["1-LV-rural1--0-sw", "1-LV-semiurb4--0-sw", "1-LV-urban6--0-sw"])
def test_agrees_with_runpp_on_simbench(code):
    net, table = simbench_case(code, 7 * 96)  # a week of their own 15-minute profiles
    summary, chunks = batch(net, table)
    assert summary.steps == 672 and not summary.non_converged
    vm, line, trafo = gather(chunks, "vm_pu"), gather(chunks, "line_loading"), gather(chunks, "trafo_loading")
    pl = gather(chunks, "line_pl_mw").sum(axis=1) + gather(chunks, "trafo_pl_mw").sum(axis=1)
    for k in range(0, 672, 37):
        ref = runpp_at(net, table, k)
        np.testing.assert_allclose(vm[k], ref.res_bus.vm_pu.to_numpy(), atol=1e-6)
        np.testing.assert_allclose(line[k], ref.res_line.loading_percent.to_numpy(), atol=1e-5)
        np.testing.assert_allclose(trafo[k], ref.res_trafo.loading_percent.to_numpy(), atol=1e-5)
        ref_pl = ref.res_line.pl_mw.sum() + ref.res_trafo.pl_mw.sum()
        assert pl[k] == pytest.approx(ref_pl, rel=1e-4)  # 0.01 %


def test_losses_integrate_at_both_resolutions(rural1_week):
    net, table = rural1_week
    day = table.iloc[:96]
    summary, chunks = batch(net, day)
    reference = 0.0
    for k in range(96):
        ref = runpp_at(net, day, k)
        reference += (ref.res_line.pl_mw.sum() + ref.res_trafo.pl_mw.sum()) * 0.25  # MWh
    assert summary.losses_mwh == pytest.approx(reference, rel=1e-4)
    assert summary.trafo_losses_mwh > 0 and summary.line_losses_mwh > 0
    # iron losses run every step: a day of the transformer at no load is at least pfe * 24 h
    assert summary.trafo_losses_mwh >= net.trafo.pfe_kw.sum() / 1000 * 24 * 0.99
    # hourly: the same day as hourly means, energy = power x 1 h
    hourly = day.resample("1h").mean()
    summary_h, chunks_h = batch(net, hourly)
    pl_h = gather(chunks_h, "line_pl_mw").sum(axis=1) + gather(chunks_h, "trafo_pl_mw").sum(axis=1)
    assert summary_h.step_h == 1.0 and summary_h.steps == 24
    assert summary_h.losses_mwh == pytest.approx(pl_h.sum() * 1.0, rel=1e-12)
    assert summary_h.losses_mwh == pytest.approx(summary.losses_mwh, rel=0.05)


def small_meshed_net():
    net = pp.create_empty_network()
    mv = pp.create_bus(net, 20.0)
    buses = [pp.create_bus(net, 0.4) for _ in range(5)]
    pp.create_ext_grid(net, mv, vm_pu=1.02)
    pp.create_transformer(net, mv, buses[0], "0.4 MVA 20/0.4 kV")
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 0), (1, 4), (4, 3)]:  # two meshes
        pp.create_line(net, buses[a], buses[b], 0.15, "NAYY 4x150 SE")
    for b in buses[1:]:
        pp.create_load(net, b, p_mw=0.02, q_mvar=0.005)
    pp.create_sgen(net, buses[2], p_mw=0.03)
    pp.create_storage(net, buses[4], p_mw=0.01, max_e_mwh=0.05)
    return net


def test_meshed_net_with_sgen_and_storage():
    net = small_meshed_net()
    index = pd.date_range("2019-06-01", periods=48, freq="h", tz="UTC")
    rng = np.random.default_rng(1)
    table = pd.DataFrame({
        "load.p_mw.0": rng.uniform(0, 0.05, 48), "load.q_mvar.2": rng.uniform(0, 0.01, 48),
        "sgen.p_mw.0": rng.uniform(0, 0.08, 48), "storage.p_mw.0": rng.uniform(-0.02, 0.02, 48),
    }, index=index)
    summary, chunks = batch(net, table)
    vm = gather(chunks, "vm_pu")
    ext = gather(chunks, "ext_grid_p_mw")
    for k in range(0, 48, 5):
        ref = runpp_at(net, table, k)
        np.testing.assert_allclose(vm[k], ref.res_bus.vm_pu.to_numpy(), atol=1e-6)
        assert ext[k, 0] == pytest.approx(ref.res_ext_grid.p_mw.iloc[0], abs=1e-9)



def test_blocks_in_kw_run_the_year_of_one_table_in_mw():
    """A run's frames go in as they are, in kW, as blocks side by side (one a gathered subset, as
    where the grid's columns do not lie side by side in the frame): the same year as the table."""
    net = small_meshed_net()
    index = pd.date_range("2019-06-01", periods=30, freq="h", tz="UTC")
    rng = np.random.default_rng(3)
    table = pd.DataFrame({"load.p_mw.0": rng.uniform(0, 0.05, 30), "load.p_mw.3": rng.uniform(0, 0.05, 30),
                          "sgen.p_mw.0": rng.uniform(0, 0.08, 30), "storage.p_mw.0": rng.uniform(-0.02, 0.02, 30)},
                         index=index)
    kw = table.to_numpy() * 1000.0
    loads = np.asfortranarray(kw[:, [1, 0]])[:, [1, 0]]  # a gathered (T, k) array, as a frame's subset is
    blocks = [(loads, ["load.p_mw.0", "load.p_mw.3"]), (np.asfortranarray(kw[:, 2:]), ["sgen.p_mw.0", "storage.p_mw.0"])]
    model = build_model(net)
    expected, got = [], []
    one = run(model, parse_profiles(table, net), on_chunk=expected.append, chunk_size=7)
    two = run(model, profiles_of_blocks(index, blocks, net, step_h=1.0, scale=1e-3), on_chunk=got.append, chunk_size=7)
    for name in ("vm_pu", "line_loading", "trafo_loading", "ext_grid_p_mw"):
        np.testing.assert_allclose(gather(got, name), gather(expected, name), rtol=1e-12, atol=1e-14)
    assert two.delivered_mwh == pytest.approx(one.delivered_mwh, rel=1e-12)
    assert two.losses_mwh == pytest.approx(one.losses_mwh, rel=1e-9)
    assert two.import_mwh == pytest.approx(one.import_mwh, rel=1e-9)


def test_blocks_are_checked_as_a_table_is():
    net = small_meshed_net()
    index = pd.date_range("2019-06-01", periods=4, freq="h", tz="UTC")
    values = np.full((4, 2), 10.0)
    values[2, 1] = np.inf
    values[3, 0] = np.nan
    with pytest.raises(PowerFlowError, match="'sgen.p_mw.0' has no number at 2019-06-01 02:00"):
        profiles_of_blocks(index, [(values[:, :1], ["load.p_mw.0"]), (values[:, 1:], ["sgen.p_mw.0"])], net,
                           step_h=1.0, scale=1e-3)
    with pytest.raises(PowerFlowError, match="names load 99, which the net does not have"):
        profiles_of_blocks(index, [(values[:, :1], ["load.p_mw.99"])], net, step_h=1.0)
    with pytest.raises(PowerFlowError, match="'load.p_mw.0' appears twice"):
        profiles_of_blocks(index, [(values[:, :1], ["load.p_mw.0"]), (values[:, :1], ["load.p_mw.0"])], net,
                           step_h=1.0)
    with pytest.raises(PowerFlowError, match="a block of"):
        profiles_of_blocks(index, [(values, ["load.p_mw.0"])], net, step_h=1.0)

def test_absurd_load_is_reported_not_hidden():
    net = small_meshed_net()
    index = pd.date_range("2019-06-01", periods=10, freq="h", tz="UTC")
    load = np.full(10, 0.02)
    load[[3, 7]] = 50.0  # 50 MW on a 0.4 kV bus
    summary, chunks = batch(net, pd.DataFrame({"load.p_mw.1": load}, index=index))
    assert [str(t) for t in summary.non_converged] == [str(index[3]), str(index[7])]
    vm = gather(chunks, "vm_pu")
    assert np.isnan(vm[[3, 7]]).all() and not np.isnan(vm[[0, 1, 2, 4]]).any()
    assert summary.as_dict()["non_converged_steps"] == 2


def test_model_refusals():
    net = small_meshed_net()
    no_slack = copy.deepcopy(net)
    no_slack.ext_grid.in_service = False
    with pytest.raises(PowerFlowError, match="no external grid"):
        build_model(no_slack)
    isolated = copy.deepcopy(net)
    lonely = pp.create_bus(isolated, 0.4)
    pp.create_load(isolated, lonely, p_mw=0.01)
    with pytest.raises(PowerFlowError, match=f"bus {lonely} is isolated .* load 4"):
        build_model(isolated)
    zip_load = copy.deepcopy(net)
    zip_load.load.at[0, "const_z_p_percent"] = 50.0
    with pytest.raises(PowerFlowError, match="constant-current or constant-impedance"):
        build_model(zip_load)


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.rename(columns={"load.p_mw.0": "load.p_mw.99"}), "names load 99, which the net does not have"),
    (lambda t: t.rename(columns={"load.p_mw.0": "line.p_mw.0"}), "is not <element>.<variable>.<index>"),
    (lambda t: t.iloc[[0, 2, 1, 3]], "times go backwards"),
    (lambda t: t.iloc[[0, 1, 1, 2]], "appears twice"),
    (lambda t: t.assign(**{"load.p_mw.0": [0.01, np.nan, 0.01, 0.01]}), "has no number at"),
])
def test_bad_profiles(mutate, message):
    net = small_meshed_net()
    index = pd.date_range("2019-06-01", periods=4, freq="h", tz="UTC")
    table = mutate(pd.DataFrame({"load.p_mw.0": [0.01] * 4}, index=index))
    with pytest.raises(PowerFlowError, match=message):
        parse_profiles(table, net)


def test_loss_share_of_delivered_energy(rural1_week):
    net, table = rural1_week
    day = table.iloc[:96]
    summary, _ = batch(net, day)
    loads = [c for c in day.columns if c.startswith("load.p_mw.")]
    delivered = sum(day[c].sum() * net.load.at[int(c.split(".")[2]), "scaling"] for c in loads) * 0.25
    assert summary.delivered_mwh == pytest.approx(delivered, rel=1e-12)
    assert summary.as_dict()["loss_share_of_delivered"] == pytest.approx(summary.losses_mwh / delivered)


def test_a_pickled_model_runs_the_same_year(rural1_week):
    """planner run's helper process models the grid and sends the model back pickled (without
    scipy's LU object, which does not pickle): the year's results are the same, bit for bit."""
    import pickle

    net, table = rural1_week
    model = build_model(net)
    sent = pickle.loads(pickle.dumps(model))
    assert sent.lu is None and model.lu is not None
    results = []
    for m in (model, sent):
        chunks = []
        summary = run(m, parse_profiles(table, net), on_chunk=chunks.append, chunk_size=200)
        figures = {k: v for k, v in summary.as_dict().items() if k != "seconds"}  # all but the time taken
        results.append((figures, gather(chunks, "vm_pu"), gather(chunks, "line_loading")))
    (first, vm, line), (second, vm2, line2) = results
    assert first == second
    np.testing.assert_array_equal(vm, vm2)
    np.testing.assert_array_equal(line, line2)
