"""planner.grid.topology against pandapower.topology (the reference it stands in for): the same
unsupplied buses and the same connected parts, with and without transformers, on pandapower's
example nets with every kind of edge, switches opened and elements taken out of service at random."""

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandapower.topology as top
import pytest
from networkx import connected_components

from planner.grid.topology import components, unsupplied_buses


def _parts(mapping: dict[int, int]) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for bus, k in mapping.items():
        out.setdefault(k, set()).add(bus)
    return {frozenset(v) for v in out.values()}


def _reference_parts(net, include_trafos: bool, without=()) -> set[frozenset[int]]:
    graph = top.create_nxgraph(net, include_trafos=include_trafos, respect_switches=True)
    graph.remove_nodes_from(without)
    return {frozenset(int(b) for b in part) for part in connected_components(graph)}


def _with_dcline_tcsc_trafo3w(net):
    """An extra island joined to the net by a DC line, a TCSC and a three-winding transformer."""
    a, b, c, d = (pp.create_bus(net, 20.0) for _ in range(4))
    pp.create_dcline(net, int(net.bus.index[0]), a, p_mw=1.0, loss_percent=1.0, loss_mw=0.01,
                     vm_from_pu=1.0, vm_to_pu=1.0)
    pp.create_tcsc(net, a, b, x_l_ohm=1.0, x_cvar_ohm=-10.0, set_p_to_mw=0.0, thyristor_firing_angle_degree=150)
    lv = pp.create_bus(net, 0.4)
    pp.create_transformer3w(net, b, c, lv, std_type="63/25/38 MVA 110/20/10 kV")
    pp.create_switch(net, d, c, et="b", closed=True)
    return net


NETS = {
    "multivoltage": pn.example_multivoltage,
    "oberrhein": pn.mv_oberrhein,
    "cigre_mv": pn.create_cigre_network_mv,
    "simple_plus": lambda: _with_dcline_tcsc_trafo3w(pn.example_simple()),
}


def _perturbed(net, seed: int):
    """Open a share of the switches (a few to a third), take some lines, transformers and buses out
    of service: from a net mostly supplied to one mostly cut off."""
    rng = np.random.default_rng(seed)
    share = {1: 0.03, 2: 0.1, 3: 0.33}[seed]
    if len(net.switch):
        net.switch.loc[rng.random(len(net.switch)) < share, "closed"] = False
    for table in ("line", "trafo", "trafo3w", "impedance", "dcline", "tcsc"):
        if len(net[table]):
            net[table].loc[rng.random(len(net[table])) < share / 3, "in_service"] = False
    net.bus.loc[rng.random(len(net.bus)) < share / 6, "in_service"] = False
    return net


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
@pytest.mark.parametrize("name", sorted(NETS))
def test_same_parts_and_unsupplied_buses_as_pandapower(name, seed):
    net = NETS[name]()
    if seed is not None:
        net = _perturbed(net, seed)
    assert unsupplied_buses(net) == {int(b) for b in top.unsupplied_buses(net)}
    for include_trafos in (True, False):
        assert _parts(components(net, include_trafos=include_trafos)) == _reference_parts(net, include_trafos)
    busbars = [int(b) for b in net.trafo.lv_bus]
    assert _parts(components(net, include_trafos=False, without=busbars)) == \
        _reference_parts(net, False, busbars)


def test_an_island_is_unsupplied_until_a_switch_closes():
    net = pn.example_simple()
    island = pp.create_bus(net, 10.0)
    switch = pp.create_switch(net, int(net.ext_grid.bus.iloc[0]), island, et="b", closed=False)
    assert unsupplied_buses(net) == {island}
    net.switch.at[switch, "closed"] = True
    assert unsupplied_buses(net) == set()
    net.ext_grid["in_service"] = False
    assert unsupplied_buses(net) == {int(b) for b in net.bus.index}
