"""The planning cases of a grid check (DOMAIN section 4) as pandapower values, and one case solved.

``peak load``: every consumer at its installed power times Kerber's coincidence factor of all
consumers under the same transformer, no generation; ``feed-in``: consumers at
``Rules.feed_in_load_share`` of that, PV at ``feed_in_pv_share`` of its peak (at most its
inverter), wind and CHP at rated power; ``feed-in reference``: the same loads without generation,
to measure the rise that generation causes.
"""

from __future__ import annotations

import pandas as pd

from planner.grid.equipment import Rules, coincidence, installed_kw


def _islands(net) -> dict[int, int]:
    """pandapower bus index -> the index of its transformer area (buses joined without transformers)."""
    from planner.grid.topology import components

    return components(net, include_trafos=False)


def planning_cases(project, net, ids, rules: Rules) -> dict[str, dict[str, pd.Series]]:
    """The three planning cases as pandapower values: ``{case: {"load": p_mw by load index,
    "sgen": p_mw by sgen index}}`` (storage idle)."""
    islands = _islands(net)
    consumers = project.items("consumer")
    inst, count, house = {}, {}, {}
    for cid, idx in ids["consumer"].items():
        inst[idx], count[idx], house[idx] = installed_kw(consumers[cid], rules)
    totals: dict[tuple[int, bool], float] = {}
    for idx in inst:
        key = (islands.get(int(net.load.at[idx, "bus"]), -1), house[idx])
        totals[key] = totals.get(key, 0.0) + count[idx]
    peak = {}
    for idx in inst:
        key = (islands.get(int(net.load.at[idx, "bus"]), -1), house[idx])
        g_inf = rules.g_inf_household if house[idx] else rules.g_inf_commercial
        peak[idx] = inst[idx] * coincidence(totals[key], g_inf) / 1000.0
    load_peak = pd.Series(peak, dtype=float).reindex(net.load.index, fill_value=0.0)
    gen = pd.Series(0.0, index=net.sgen.index)
    for kind, value in (("pv_unit", lambda u: min(rules.feed_in_pv_share * u.peak_kw, u.peak_kw / u.dc_ac_ratio)),
                        ("wind_turbine", lambda u: u.rated_kw), ("chp_unit", lambda u: u.p_el_kw)):
        units = project.items(kind)
        for uid, idx in ids[kind].items():
            gen[idx] = value(units[uid]) / 1000.0
    low = load_peak * rules.feed_in_load_share
    return {"peak load": {"load": load_peak, "sgen": gen * 0.0},
            "feed-in": {"load": low, "sgen": gen},
            "feed-in reference": {"load": low, "sgen": gen * 0.0}}


def _solve(net, case) -> dict | None:
    from planner.grid import _pp as pp

    net.load["p_mw"] = case["load"].reindex(net.load.index, fill_value=0.0).to_numpy()
    net.load["q_mvar"] = 0.0
    net.sgen["p_mw"] = case["sgen"].reindex(net.sgen.index, fill_value=0.0).to_numpy()
    net.sgen["q_mvar"] = 0.0
    if len(net.storage):
        net.storage["p_mw"] = case.get("storage", pd.Series(0.0, index=net.storage.index)).reindex(
            net.storage.index, fill_value=0.0).to_numpy()
    try:
        pp.runpp(net, numba=True, calculate_voltage_angles=False, max_iteration=30)
    except Exception:  # pandapower's LoadflowNotConverged and numerical failures alike
        return None
    return {"vm": net.res_bus.vm_pu.copy(), "line": net.res_line.loading_percent.copy(),
            "trafo": net.res_trafo.loading_percent.copy(), "line_from_vm": net.res_line.vm_from_pu.copy(),
            "line_to_vm": net.res_line.vm_to_pu.copy()}


