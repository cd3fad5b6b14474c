"""Running HiGHS on the sizing programme: linopy's solve quietly (the simplex, with options for a
mixed-integer programme), or, for a year of many steps, the first-order method for the sizes and
the simplex for their dispatch (:func:`run_first_order`)."""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np

#: HiGHS's options (planner.optimise.solver.run).
#: Simplex: on typical days (a few thousand steps) several times faster than the interior point
#: method here, and its answer is a vertex (exact sizes on the bounds the hand cases check).
SOLVER_OPTIONS = {"solver": "simplex"}
#: More for a mixed-integer programme (a CHP or turbines to choose): its few binaries (one choice
#: of sizes per cluster or site) are settled at the root node, where HiGHS otherwise restarts after
#: presolve (solving the root LP again) and spends most of the time in sub-MIP heuristics (RINS,
#: RENS, root reduced cost: 8.8 of 15 s on the sample without its CHP, second round). Without
#: them, 5.3-6.3 s in HiGHS alone for both rounds, the same optima (bench/optimise.py).
MIP_OPTIONS = {"mip_allow_restart": False, "mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
               "mip_heuristic_run_root_reduced_cost": False}
#: A programme of more steps than this without typical days (the hourly year of a town: 630,000
#: variables on the sample, past 90 s for the simplex and the interior point here) goes to HiGHS's
#: first-order PDLP (HiPDLP) to a relative tolerance of 1e-4 for the sizes, and the year's dispatch
#: of those sizes then to the simplex, exactly (bench/optimise_hourly.py: the sample's sizes so
#: found cost 8e-6 more than the proven optimum of HiGHS's HiPO, in 47 s against its 227 s).
FIRST_ORDER_STEPS = 2000
FIRST_ORDER_NOTE = ("the year of many steps: the sizes by HiGHS's first-order method (PDLP) to a relative "
                    "tolerance of 1e-4 (its primal-dual gap in 'gap'), then their year's dispatch exactly by the "
                    "simplex: the cost is those sizes' own")
#: The first-order method for a year of many steps (FIRST_ORDER_STEPS).
FIRST_ORDER_OPTIONS = {"solver": "hipdlp", "pdlp_optimality_tolerance": 1e-4, "primal_feasibility_tolerance": 1e-4,
                       "dual_feasibility_tolerance": 1e-4}
#: PDLP's relative primal-dual objective gap that its sizes are taken at (its own tolerance: 1e-4).
FIRST_ORDER_GAP = 1e-3


@contextlib.contextmanager
def quiet():
    """HiGHS's banner (written straight to the process's stdout, where --json prints) goes nowhere,
    and linopy's log of an infeasible solve is left out (the caller says what cannot be met)."""
    import logging
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    quiet = os.open(os.devnull, os.O_WRONLY)
    logger = logging.getLogger("linopy")
    level = logger.level
    try:
        os.dup2(quiet, 1)
        logger.setLevel(logging.ERROR)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(quiet)
        logger.setLevel(level)


def run(m, time_limit_s: float):
    """HiGHS on the model through linopy, quietly (:func:`quiet`)."""
    options = dict(SOLVER_OPTIONS)
    if len(m.binaries):
        options.update(MIP_OPTIONS)
    with quiet():
        return m.solve(solver_name="highs", io_api="direct", progress=False, output_flag=False,
                       time_limit=time_limit_s, **options)


def run_first_order(m, v, time_limit_s: float):
    """The sizes by HiGHS's first-order PDLP to a relative tolerance of 1e-4, then the year's
    dispatch of those sizes by the simplex, exactly (sizes fixed, the programme is one of
    dispatch, which presolve makes small). Returns linopy's (status, condition) with the variables'
    solutions set, and PDLP's relative primal-dual objective gap."""
    import xarray as xr

    started = time.perf_counter()
    highs = m.to_highspy()
    highs.setOptionValue("output_flag", False)
    for key, value in FIRST_ORDER_OPTIONS.items():
        highs.setOptionValue(key, value)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    if status == "Time limit reached":
        return "warning", "time_limit", float("nan")
    if status not in ("Optimal", "Unknown"):  # infeasible or unbounded: the caller says why
        return "warning", status.lower(), float("nan")
    gap = float(highs.getInfo().primal_dual_objective_error)
    if not math.isfinite(gap) or gap > FIRST_ORDER_GAP:
        return "warning", f"PDLP stopped {gap:.1e} from its optimum", gap
    x = np.asarray(highs.getSolution().col_value)
    lp = highs.getLp()
    cols = np.concatenate([v[name].labels.values.ravel() for name in ("pv", "battery", "battery_kw")
                           if v.get(name) is not None]).astype(np.int32)
    sizes = np.clip(x[cols], np.asarray(lp.col_lower_)[cols], np.asarray(lp.col_upper_)[cols])
    highs.changeColsBounds(len(cols), cols, sizes, sizes)
    for key, value in SOLVER_OPTIONS.items():
        highs.setOptionValue(key, value)
    for key in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
        highs.setOptionValue(key, 1e-7)
    # HiGHS's clock runs on over both runs of one instance: the rest of the limit is from its time now
    rest = max(float(time_limit_s) - (time.perf_counter() - started), 1.0)
    highs.setOptionValue("time_limit", float(highs.getRunTime()) + rest)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    if status != "Optimal":
        return "warning", "time_limit" if status == "Time limit reached" else status.lower(), gap
    x = np.asarray(highs.getSolution().col_value)
    for _, var in m.variables.items():
        values = x[var.labels.values] / var.solver_scaling.values
        var.solution = xr.DataArray(values, var.coords, dims=var.dims)
    m.status, m.termination_condition = "ok", "optimal"  # as linopy marks a model it solved
    return "ok", "optimal", gap


def first_order_suits(inputs, goals, extra, m) -> bool:
    """Whether the programme ``m`` goes to PDLP first (:func:`run_first_order`): a long run of steps
    without typical days, no binary choice, and no goal that the sizes must meet exactly (a
    minimum self-sufficiency, a CO2 cap or a budget, which sizes good to 1e-4 may miss by a hair:
    those go to the simplex, however long)."""
    return (inputs.period is None and inputs.steps > FIRST_ORDER_STEPS and not len(m.binaries) and extra is None
            and goals.min_self_sufficiency is None and goals.co2_cap_t is None and goals.budget_eur is None)
