"""Project grid <-> pandapower: imports keep the geography, exports give the same power flow."""

import copy

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest

from planner.grid.translate import TranslationError, import_grid, to_pandapower
from planner.io import load_project
from planner.model import Project, Site
from planner.model.commands import UpdateEntity

from tests.grid.conftest import simbench_case


def same_power_flow(original, project, loads=("load",)):
    """Export ``project``, put the original's loads and sgens on the same buses, compare runpp."""
    net, ids = to_pandapower(project)
    for element in loads:
        for _, row in original[element].iterrows():
            bus = ids["bus"][f"b{int(row.bus)}"]
            create = pp.create_load if element == "load" else pp.create_sgen
            create(net, bus, p_mw=row.p_mw, q_mvar=row.q_mvar, in_service=row.in_service)
    reference = copy.deepcopy(original)
    pp.runpp(reference)
    pp.runpp(net)
    np.testing.assert_allclose(net.res_bus.vm_pu.to_numpy(), reference.res_bus.vm_pu.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(net.res_line.loading_percent.to_numpy(),
                               reference.res_line.loading_percent.to_numpy(), atol=1e-7)
    assert net.res_trafo.pl_mw.sum() == pytest.approx(reference.res_trafo.pl_mw.sum(), rel=1e-9)
    return net, ids


def test_schutterwald_round_trip():
    original = pn.lv_schutterwald()
    project = Project("S", Site.at(48.4569, 7.884))
    report = import_grid(project, original, keep_loads=False)  # the loads are put back below
    assert len(report.buses) == 2940 and report.left_out == {"load": 1506}
    kept = Project("S", Site.at(48.4569, 7.884))
    assert import_grid(kept, original).consumers == 1506 and len(kept.items("consumer")) == 1506
    # each load a household member of its own (issue 28), named after its OSM building
    assert len(kept.items("member")) == 1506
    for c in kept.items("consumer").values():
        member = kept.get("member", c.member_id)
        assert member.kind == "household" and member.name == (c.name or f"Household {c.id[1:]}")
    c0 = kept.get("consumer", "c0")
    assert c0.bus_id == f"b{int(original.load.bus.iat[0])}" and c0.annual_kwh == pytest.approx(
        original.load.p_mw.iat[0] * 1000 * 3000 / 2.1, abs=0.1)
    assert project.validate() == []
    # every bus on the map, inside the village (a few km across, in UTM 32N)
    xy = np.array([[b.geometry.x, b.geometry.y] for b in project.items("bus").values()])
    assert np.ptp(xy[:, 0]) < 5000 and np.ptp(xy[:, 1]) < 5000 and 400_000 < xy[:, 0].min()
    net, _ = same_power_flow(original, project)
    assert len(net.switch) == 378 and (~net.switch.closed).sum() == (~original.switch.closed).sum()


def test_simbench_import_brings_its_types():
    original, _ = simbench_case("1-LV-semiurb4--0-sw", 1)
    project = Project("SB", Site.at(53.6, 11.4))
    report = import_grid(project, original, keep_loads=False)
    assert len(project.items("bus")) == len(original.bus)
    assert set(project.items("cable_type")) >= set(original.line.std_type)
    assert set(project.items("transformer_type")) == set(original.trafo.std_type)
    assert project.validate() == []
    assert "types added" in report.describe()
    same_power_flow(original, project, loads=("load", "sgen"))


def test_older_bus_geodata_and_other_crs():
    net = pn.create_cigre_network_lv()
    # move the CIGRE coordinates (abstract units) into WGS 84 near Schutterwald, as a bus_geodata table
    import pandas as pd

    points = {}
    for idx, value in net.bus.geo.items():
        import shapely

        g = shapely.from_geojson(value)
        points[idx] = (7.88 + g.x * 1e-4, 48.45 + g.y * 1e-4)
    net.bus["geo"] = None
    net.line["geo"] = None
    net.bus_geodata = pd.DataFrame({"x": [p[0] for p in points.values()], "y": [p[1] for p in points.values()]},
                                   index=list(points))
    project = Project("C", Site.at(48.45, 7.88))
    import_grid(project, net)
    assert len(project.items("bus")) == len(net.bus)
    # coordinates in metres need their CRS said
    for idx in points:
        net.bus_geodata.loc[idx, ["x", "y"]] = (412_000 + idx, 5_368_000 + idx)
    with pytest.raises(TranslationError, match="not longitudes and latitudes"):
        import_grid(Project("C", Site.at(48.45, 7.88)), net)
    project = Project("C", Site.at(48.45, 7.88))
    import_grid(project, net, source_crs="EPSG:32632")
    assert project.get("bus", "b1").geometry.x == pytest.approx(412_001, abs=1e-6)


def test_no_coordinates():
    net = pp.create_empty_network()
    pp.create_bus(net, 0.4)
    with pytest.raises(TranslationError, match="no bus coordinates"):
        import_grid(Project("x", Site.at(48, 8)), net)


def test_unknown_type_on_export(small_project):
    UpdateEntity("cable", "c1", std_type="NAYY 4x999").do(small_project)
    with pytest.raises(TranslationError, match="Cable 'Feeder 1': cable type 'NAYY 4x999' is neither"):
        to_pandapower(small_project)


def test_export_of_the_small_village(small_project):
    net, ids = to_pandapower(small_project)
    assert len(net.load) == 2 and set(net.sgen.type) == {"PV", "WP", "CHP"} and len(net.storage) == 1
    # the cable laid along its route: 31.6 m + 20 m
    assert net.line.at[ids["cable"]["c1"], "length_km"] == pytest.approx((10 * 10 ** 0.5 + 20) / 1000, rel=1e-9)
    pp.runpp(net)
    assert net.converged


def test_sample_exports(sample_path):
    project = load_project(sample_path)
    net, ids = to_pandapower(project)
    assert len(net.bus) == 2940 + 1 and len(net.load) == 1506 and len(net.sgen) == 452 + 1 and len(net.storage) == 1
    pp.runpp(net)
    assert net.res_bus.vm_pu.between(0.9, 1.1).all()


def test_asymmetric_loads_come_in_on_their_phase():
    """A net's one-phase loads (as the IEEE European LV feeder has them) become consumers on that phase."""
    net = pp.create_empty_network()
    buses = [pp.create_bus(net, 0.4, geodata=(7.884 + 0.001 * k, 48.457)) for k in range(3)]
    pp.create_ext_grid(net, buses[0])
    for k in (1, 2):
        pp.create_line(net, buses[k - 1], buses[k], 0.1, "NAYY 4x150 SE")
    pp.create_load(net, buses[1], p_mw=0.002, name="three")
    pp.create_asymmetric_load(net, buses[2], p_b_mw=0.001, name="on b")
    pp.create_asymmetric_load(net, buses[2], p_a_mw=0.001, p_c_mw=0.002, name="uneven")
    project = Project("A", Site.at(48.457, 7.885))
    report = import_grid(project, net)
    consumers = {c.name: c for c in project.items("consumer").values()}
    assert {n: c.phase for n, c in consumers.items()} == {"three": "3ph", "on b": "L2", "uneven": "3ph"}
    assert consumers["uneven"].annual_kwh == pytest.approx(0.003 * 1000 * 3000 / 2.1, abs=0.1)
    assert "1 on the one phase the net gives them" in report.describe()
    assert "1 asymmetric loads draw on more than one phase" in report.describe()
    assert "asymmetric_load" not in report.left_out and project.validate() == []
