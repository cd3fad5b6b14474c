"""Deferred subpackages of pandapower and pvlib (planner._lazy): never touched by a run, whole
when someone does touch them. Each check runs in a fresh interpreter, as a command starts."""

import subprocess
import sys
import textwrap

from tests.conftest import ROOT


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_run_s_grid_and_pv_never_load_the_deferred_packages():
    out = _fresh("""
        import sys
        from planner._lazy import UNUSED, defer_unused
        assert sorted(defer_unused()) == sorted(UNUSED)
        from tests.conftest import make_runnable_project
        from planner.grid.translate import to_pandapower
        from planner.grid.grid_model import build_model
        from planner.generation.results import simulate_generation
        project = make_runnable_project()
        net, _ = to_pandapower(project)
        build_model(net)
        simulate_generation(project)
        # hplib fits the project's heat pumps with scipy.optimize.leastsq: that loads it whole
        loaded = [n for n in UNUSED if sys.modules[n].__dict__.get("_deferred_loaded", True)
                  and n != "scipy.optimize"]
        print("loaded:", loaded)
    """)
    assert "loaded: []" in out


def test_the_planner_run_command_loads_none_of_them(tmp_path):
    """The whole ``planner run`` (grid, hosting capacity, demand with holidays, PV) uses
    pandapower's own modules, not its namespace; pandera and the other countries stay unloaded."""
    out = _fresh(f"""
        import sys
        from planner._lazy import UNUSED, defer_unused
        defer_unused()
        from planner.io import save_project
        from tests.conftest import make_runnable_project
        save_project(make_runnable_project(), {str(tmp_path / "p.gpkg")!r})
        from planner.cli import main
        assert main(["run", {str(tmp_path / "p.gpkg")!r}, "-o", {str(tmp_path / "out")!r}, "--no-report"]) == 0
        loaded = [n for n in UNUSED if sys.modules[n].__dict__.get("_deferred_loaded", True)
                  and n != "scipy.optimize"]  # hplib's fit of the heat pumps loads it, as above
        print("loaded:", loaded, "control" if "pandapower.control" in sys.modules else "")
    """)
    assert "loaded: [] \n" in out
    assert (tmp_path / "out" / "summary.json").is_file()


def test_root_finders_come_from_their_module_and_scipy_optimize_stays_unloaded():
    """A run's IRR (Brent) and pvlib's single-diode model (Newton) call scipy's root finders
    from scipy.optimize._zeros_py alone (the same functions the package hands out); the package
    is whole once anything else of it is used, the root finders' module bound in it. pvlib's
    interpolators wait in scipy.interpolate until called."""
    out = _fresh("""
        import sys
        from planner._lazy import defer_unused
        defer_unused()
        import numpy as np
        from planner.economics.finance import irr
        flows = [-1000.0] + [150.0] * 10
        rate = irr(flows)
        assert abs(sum(f / (1 + rate) ** y for y, f in enumerate(flows))) < 1e-8
        import pvlib
        params = pvlib.pvsystem.calcparams_desoto(np.array([1000.0, 500.0]), np.array([25.0, 30.0]), 0.005, 6.2,
                                                  1.0e-10, 0.4, 0.5, 300.0)
        newton_mpp = pvlib.pvsystem.max_power_point(*params, method="newton")["p_mp"]
        assert not sys.modules["scipy.optimize"]._deferred_loaded
        assert "scipy.optimize._linprog" not in sys.modules
        import pvlib.iam                               # imports two interpolators by name
        assert not sys.modules["scipy.interpolate"]._deferred_loaded and "scipy.spatial" not in sys.modules
        iam = pvlib.iam.interp(np.array([0.0, 45.0]), [0.0, 60.0, 90.0], [1.0, 0.9, 0.0])  # interp1d, whole
        assert np.allclose(iam, [1.0, 0.925]) and sys.modules["scipy.interpolate"]._deferred_loaded
        import scipy.optimize
        assert callable(scipy.optimize.linprog) and sys.modules["scipy.optimize"]._deferred_loaded  # now whole
        assert scipy.optimize.brentq is sys.modules["scipy.optimize._zeros_py"].brentq
        assert abs(irr(flows) - rate) < 1e-12
        brent_mpp = pvlib.pvsystem.max_power_point(*params, method="brentq")["p_mp"]
        assert np.allclose(newton_mpp, brent_mpp, rtol=1e-6)
        print("whole")
    """)
    assert "whole" in out


def test_a_deferred_package_is_whole_once_touched():
    out = _fresh("""
        from planner._lazy import defer_unused
        defer_unused()
        import pandapower as pp
        import pandapower.networks as pn
        import pvlib
        net = pn.example_simple()
        pp.runpp(net)
        assert abs(net.res_bus.vm_pu.max() - 1.02) < 0.05
        # the parent binds its deferred children as an import would
        assert pp.plotting.__name__ == "pandapower.plotting"
        assert callable(pp.plotting.simple_plot)      # the real __init__ ran on first use
        from pandapower.estimation import estimate     # from-imports load it too
        assert callable(estimate)
        assert callable(pvlib.spectrum.spectral_factor_sapm)
        import matplotlib.pyplot as plt                # a deferred module, whole on first use
        assert plt.figure().number == 1
        import polars                                  # a deferred top-level package (deepdiff's)
        assert polars.DataFrame({"a": [1, 2]}).height == 2
        print("whole")
    """)
    assert "whole" in out


def test_deferred_modules_before_their_namespace():
    """pandapower's modules without its namespace, pandera's typing without pandera, one
    country's holidays without the others, a function handed out before its module loads: each
    whole on first use, the namespace after them."""
    out = _fresh("""
        import sys
        from planner._lazy import defer_unused
        defer_unused()
        from pandapower.create import create_empty_network, create_bus, create_ext_grid, create_load
        from pandapower.create import create_transformer
        from pandapower.run import runpp
        net = create_empty_network()
        hv, lv = create_bus(net, 20.0), create_bus(net, 0.4)
        create_ext_grid(net, hv)
        create_transformer(net, hv, lv, std_type="0.4 MVA 20/0.4 kV")  # imports convert_format's function
        create_load(net, lv, p_mw=0.1)
        runpp(net)
        assert 0.9 < net.res_bus.vm_pu[lv] < 1.0
        assert not sys.modules["pandapower"]._deferred_loaded and "pandapower.control" not in sys.modules
        import pandapower.auxiliary                    # compiled with postponed annotations
        assert isinstance(pandapower.auxiliary.ets_to_element_types.__annotations__["return"], str)
        assert not sys.modules["pandera"]._deferred_loaded
        from pandapower.convert_format import convert_trafo_pst_logic
        assert not sys.modules["pandapower.convert_format"]._deferred_loaded
        convert_trafo_pst_logic(net)                   # the stand-in function loads the module
        assert "pandapower.control" in sys.modules and list(net.trafo.tap_changer_type) == ["Ratio"]
        import pandera.typing as pdt                   # the child first: its parent loads before it
        assert pdt.Series.__module__ == "pandera.typing.pandas"
        import pandera
        assert callable(pandera.DataFrameSchema)
        import holidays
        assert "2019-10-03" in [str(d) for d in holidays.country_holidays("DE", years=[2019])]
        assert "holidays.countries.france" not in sys.modules
        assert holidays.countries.France.__name__ == "France"  # the package, whole when touched
        import numpy, scipy.sparse                     # scipy reads every name of numpy's
        assert not sys.modules["numpy.f2py"]._deferred_loaded and numpy.f2py is sys.modules["numpy.f2py"]
        from numpy.testing import assert_allclose      # a deferred child of numpy, whole when used
        assert_allclose(1.0, 1.0)
        import pvlib                                   # modules load one by one when read
        assert pvlib.irradiance.aoi(0, 0, 0, 0) == 0 and not sys.modules["pvlib"]._deferred_loaded
        from pvlib import atmosphere
        assert atmosphere.alt2pres(0) > 100000 and "pvlib.bifacial" not in sys.modules
        assert pvlib.__version__ and "pvlib.bifacial" in sys.modules  # any other name: the whole package
        import requests
        assert not requests._deferred_loaded and requests.__version__
        import pandapower as pp                        # the namespace last, with its children bound
        assert pp.runpp is runpp and callable(pp.convert_format)  # the function, as in pandapower
        assert pp.create is sys.modules["pandapower.create"] and callable(pp.to_json)
        print("whole")
    """)
    assert "whole" in out


def test_an_imported_package_is_left_alone():
    out = _fresh("""
        import pandapower
        from planner._lazy import defer, defer_unused
        # pandapower brought matplotlib, pandera and numpy, so not their parts
        assert sorted(defer_unused()) == ["holidays.countries", "pvlib", "pvlib.iotools", "pvlib.ivtools",
                                          "pvlib.spectrum", "requests"]
        assert not defer("pandapower.plotting") and not defer("nosuchpackage.child") and not defer("json")
        print(type(__import__("sys").modules["pandapower.plotting"]).__name__)
    """)
    assert out.strip().endswith("module")


def test_weather_files_read_by_pvlib_are_the_same_deferred():
    """pvlib's readers (TMY3, TMY2) load its deferred iotools, and pvlib whole, on first use:
    the weather read in a deferring interpreter equals the one read here."""
    from pathlib import Path

    import pvlib

    from planner.weather.readers import read_weather

    files = [Path(pvlib.__file__).parent / "data" / name for name in ("723170TYA.CSV", "12839.tm2")]
    out = _fresh(f"""
        import sys
        from planner._lazy import defer_unused
        defer_unused()
        from planner.weather.readers import read_weather
        for path in {[str(f) for f in files]!r}:
            weather, _ = read_weather(path)
            print(repr(float(weather.to_numpy().sum())))
        assert sys.modules["pvlib.iotools"]._deferred_loaded
    """)
    assert [float(x) for x in out.split()] == [float(read_weather(f)[0].to_numpy().sum()) for f in files]
