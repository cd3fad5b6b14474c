"""Every element kind the batch power flow solves is counted as runpp counts it; the rest is
refused by its name."""

import numpy as np
import pandapower as pp
import pandas as pd
import pytest

from planner.grid.powerflow import PowerFlowError, build_model
from tests.grid.test_powerflow import batch, gather, runpp_at


def _profiles(net, steps=6, seed=1):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-06-01", periods=steps, freq="h", tz="UTC")
    return pd.DataFrame({f"load.p_mw.{i}": rng.uniform(0.2, 1.0, steps) * net.load.p_mw.at[i]
                         for i in net.load.index}, index=index)


def _mv_with_trafo3w_and_impedance():
    net = pp.create_empty_network()
    hv, mid = pp.create_bus(net, 20.0), pp.create_bus(net, 20.0)
    mv, lv = pp.create_bus(net, 10.0), pp.create_bus(net, 0.4)
    far = pp.create_bus(net, 10.0)
    pp.create_ext_grid(net, hv, vm_pu=1.02)
    pp.create_line(net, hv, mid, 2.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    pp.create_transformer3w_from_parameters(net, mid, mv, lv, 20.0, 10.0, 0.4, 0.63, 0.4, 0.25, 6.0, 5.0, 4.0,
                                            0.8, 0.7, 0.6, 1.0, 0.3)
    pp.create_impedance(net, mv, far, rft_pu=0.02, xft_pu=0.05, sn_mva=1.0)
    pp.create_load(net, mv, 0.15, 0.04)
    pp.create_load(net, lv, 0.12, 0.03)
    pp.create_load(net, far, 0.08, 0.02)
    return net


def test_three_winding_transformers_and_impedances_count_as_runpp_counts_them():
    net = _mv_with_trafo3w_and_impedance()
    table = _profiles(net)
    summary, chunks = batch(net, table)
    loading3 = gather(chunks, "trafo3w_loading")
    pl3 = gather(chunks, "trafo3w_pl_mw")
    other = gather(chunks, "other_pl_mw")
    total = 0.0
    for k in range(len(table)):
        ref = runpp_at(net, table, k)
        assert loading3[k, 0] == pytest.approx(ref.res_trafo3w.loading_percent.iat[0], abs=1e-5)
        assert pl3[k, 0] == pytest.approx(ref.res_trafo3w.pl_mw.iat[0], rel=1e-5)
        assert other[k] == pytest.approx(ref.res_impedance.pl_mw.sum(), rel=1e-5)
        np.testing.assert_allclose(gather(chunks, "vm_pu")[k], ref.res_bus.vm_pu.to_numpy(), atol=1e-6)
        total += ref.res_line.pl_mw.sum() + ref.res_trafo3w.pl_mw.sum() + ref.res_impedance.pl_mw.sum()
    assert summary.losses_mwh == pytest.approx(total, rel=1e-5)  # not half of runpp's any more
    assert summary.max_trafo3w_loading_percent == pytest.approx(loading3.max())
    assert summary.as_dict()["other_branch_losses_mwh"] == pytest.approx(other.sum())


def test_two_external_grids_on_one_fused_bus_share_its_power():
    net = _mv_with_trafo3w_and_impedance()
    twin = pp.create_bus(net, 20.0)
    pp.create_switch(net, 0, twin, et="b", closed=True)
    pp.create_ext_grid(net, twin, vm_pu=1.02)
    table = _profiles(net)
    summary, chunks = batch(net, table)
    p_ext = gather(chunks, "ext_grid_p_mw")
    for k in range(len(table)):
        ref = runpp_at(net, table, k)
        np.testing.assert_allclose(p_ext[k], ref.res_ext_grid.p_mw.to_numpy(), rtol=1e-6)
    one = _mv_with_trafo3w_and_impedance()
    single, _ = batch(one, _profiles(one))
    assert summary.import_mwh == pytest.approx(single.import_mwh, rel=1e-9)  # not twice


@pytest.mark.parametrize("element", ["gen", "xward", "dcline"])
def test_voltage_controlling_elements_are_refused_by_name(element):
    net = _mv_with_trafo3w_and_impedance()
    if element == "gen":
        pp.create_gen(net, 2, p_mw=0.1, vm_pu=1.0, name="Diesel")
    elif element == "xward":
        pp.create_xward(net, 2, 0.1, 0.0, 0.0, 0.0, 0.01, 0.05, 1.0, name="Equivalent")
    else:
        other = pp.create_bus(net, 10.0)
        pp.create_ext_grid(net, other)
        pp.create_dcline(net, 2, other, 0.1, 1.0, 0.1, 1.0, 1.0, name="Link")
    with pytest.raises(PowerFlowError, match=rf"\({element} '\w+' \(pandapower index 0\) is one\)"):
        build_model(net)


def test_an_import_refuses_a_three_winding_transformer_by_name(small_project):
    import json

    from planner.grid.translate import TranslationError, import_grid
    from tests.conftest import X0, Y0

    net = _mv_with_trafo3w_and_impedance()
    net.trafo3w.at[0, "name"] = "Substation"
    net.bus["geo"] = [json.dumps({"type": "Point", "coordinates": [X0 + 10 * i, Y0]}) for i in range(len(net.bus))]
    with pytest.raises(TranslationError, match="1 three-winding transformer \\(trafo3w 0 'Substation'\\)"):
        import_grid(small_project, net, source_crs="EPSG:32632", prefix="n-")
