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
        loaded = [n for n in UNUSED if sys.modules[n].__dict__.get("_deferred_loaded", True)]
        print("loaded:", loaded)
    """)
    assert "loaded: []" in out


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


def test_an_imported_package_is_left_alone():
    out = _fresh("""
        import pandapower
        from planner._lazy import defer, defer_unused
        assert defer_unused() == ["pvlib.spectrum"]  # pandapower brought matplotlib, so not its pyplot
        assert not defer("pandapower.plotting") and not defer("nosuchpackage.child") and not defer("json")
        print(type(__import__("sys").modules["pandapower.plotting"]).__name__)
    """)
    assert out.strip().endswith("module")
