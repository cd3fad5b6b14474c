"""One row of figures per variant (a sweep's ``variants.parquet``, a project's scenarios side by side).

The row flattens a run's ``summary.json`` object (:func:`planner.simulation.summary.summary_dict`):
energy and KPIs, each scheme's bill, the grid check, CO2 and fairness, finance, and the
community's yearly cost of electricity used by the Pareto chart.
"""

from __future__ import annotations

import math

from planner.grid.equipment import Rules

#: Row columns with their units and meaning, in the order tables and plots show them.
COLUMNS: dict[str, str] = {
    "self_sufficiency": "share of the demand met by local generation",
    "self_consumption": "share of local generation used locally",
    "generation_kwh": "local generation a year [kWh]",
    "demand_kwh": "demand a year [kWh]",
    "import_kwh": "import from the upstream grid a year [kWh]",
    "export_kwh": "export to the upstream grid a year [kWh]",
    "shared_kwh": "energy shared between members a year [kWh]",
    "curtailed_kwh": "generation curtailed at the export limit [kWh]",
    "grid_losses_kwh": "losses of the community's grid a year [kWh]",
    "max_line_loading_percent": "highest cable loading of the year [%]",
    "max_trafo_loading_percent": "highest transformer loading of the year [%]",
    "min_vm_pu": "lowest voltage of the year [p.u.]",
    "max_vm_pu": "highest voltage of the year [p.u.]",
    "non_converged_steps": "steps whose power flow did not converge",
    "max_unbalance_percent": "worst voltage unbalance of the year, where units or consumers are on one phase "
                             "[%] (EN 50160: 2 %)",
    "grid_ok": "loading at most 100 %, voltage within 0.90-1.10 p.u., every step converged (with one-phase "
               "connections: on every phase, unbalance at most 2 %)",
    "co2_avoided_t": "CO2 avoided a year [t]",
    "gini": "Gini coefficient of the members' savings",
    "savings_eur": "members' savings a year under the benefit scheme against grid only [EUR]",
    "capex_eur": "investment [EUR]",
    "npv_eur": "net present value [EUR]",
    "irr": "internal rate of return",
    "simple_payback_years": "simple payback [years]",
    "annual_cost_eur": "the community's yearly cost of electricity: its grid-only bill minus the project's "
                       "equivalent annual net benefit (NPV times the capital recovery factor) [EUR]",
}


#: How tables and the report name a figure in a cell (its meaning is :data:`COLUMNS`).
LABELS: dict[str, str] = {
    "self_sufficiency": "self-sufficiency", "self_consumption": "self-consumption", "generation_kwh": "generation",
    "demand_kwh": "demand", "import_kwh": "import", "export_kwh": "export", "shared_kwh": "shared energy",
    "curtailed_kwh": "curtailed", "grid_losses_kwh": "grid losses", "max_line_loading_percent": "highest cable loading",
    "max_trafo_loading_percent": "highest transformer loading", "min_vm_pu": "lowest voltage",
    "max_vm_pu": "highest voltage", "non_converged_steps": "steps not converged",
    "max_unbalance_percent": "worst unbalance", "grid_ok": "grid holds",
    "co2_avoided_t": "CO2 avoided [t]", "gini": "Gini of the savings", "savings_eur": "members' savings",
    "capex_eur": "investment", "npv_eur": "NPV", "irr": "IRR", "simple_payback_years": "simple payback",
    "annual_cost_eur": "yearly cost of electricity",
}


def label(figure: str) -> str:
    """A figure's name for people: ``max_trafo_loading_percent`` -> ``highest transformer loading``,
    ``bill_sdr_eur`` -> ``bills: the SDR pool``."""
    if figure in LABELS:
        return LABELS[figure]
    if figure.startswith("bill_") and figure.endswith("_eur"):
        from planner.model.study import SCHEME_LABELS

        scheme = figure.removeprefix("bill_").removesuffix("_eur")
        short = {"bilateral+sdr": "contracts + SDR pool"}
        return f"bills: {short.get(scheme) or SCHEME_LABELS.get(scheme, scheme)}"
    return figure.replace("_", " ")


def kpi_names() -> list[str]:
    """Every figure of a row: :data:`COLUMNS` and each scheme's bill."""
    from planner.model.study import SCHEME_LABELS

    return list(COLUMNS) + [f"bill_{name}_eur" for name in SCHEME_LABELS]


def capital_recovery_factor(rate: float, years: int) -> float:
    """The annuity of 1 EUR over ``years`` at ``rate`` (1/years at a rate of 0)."""
    if abs(rate) < 1e-12:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def kpi_row(summary: dict) -> dict:
    """The variant's figures (see :data:`COLUMNS`, plus ``bill_<scheme>_eur`` for every scheme)."""
    energy, kpi = summary["energy"], summary["kpi"]
    grid = summary.get("grid") or {}
    indexes = summary.get("indexes") or {}
    finance = indexes.get("finance") or {}
    schemes = summary.get("schemes") or {}
    scheme = indexes.get("benefit_scheme", "sdr")
    rules = Rules()
    row = {
        "self_sufficiency": kpi.get("self_sufficiency"), "self_consumption": kpi.get("self_consumption"),
        "generation_kwh": energy["generation_kwh"], "demand_kwh": energy["demand_kwh"],
        "import_kwh": energy["import_kwh"], "export_kwh": energy["export_kwh"], "shared_kwh": energy["shared_kwh"],
        "curtailed_kwh": energy["curtailed_kwh"], "grid_losses_kwh": grid.get("losses_kwh"),
        "max_line_loading_percent": grid.get("max_line_loading_percent"),
        "max_trafo_loading_percent": grid.get("max_trafo_loading_percent"),
        "min_vm_pu": grid.get("min_vm_pu"), "max_vm_pu": grid.get("max_vm_pu"),
        "non_converged_steps": grid.get("non_converged_steps"),
        "max_unbalance_percent": (grid.get("three_phase") or {}).get("max_unbalance_percent"),
        "co2_avoided_t": indexes.get("co2_avoided_t"), "gini": indexes.get("gini"),
    }
    if grid:
        loading = max(x for x in (row["max_line_loading_percent"], row["max_trafo_loading_percent"], 0.0)
                      if x is not None)
        row["grid_ok"] = bool(loading <= rules.max_loading_percent and (row["min_vm_pu"] or 0) >= rules.vm_min_pu
                              and (row["max_vm_pu"] or 9) <= rules.vm_max_pu and not row["non_converged_steps"])
        three = grid.get("three_phase")
        if three:  # the phases' own band and loading, and the unbalance limit
            low = min((three.get("min_vm_pu") or {}).values(), default=0.0)
            high = max((three.get("max_vm_pu") or {}).values(), default=9.0)
            row["grid_ok"] = bool(row["grid_ok"] and low >= rules.vm_min_pu and high <= rules.vm_max_pu
                                  and (three.get("max_phase_loading_percent") or 0.0) <= rules.max_loading_percent
                                  and (three.get("max_unbalance_percent") or 9.0) <= three["unbalance_limit_percent"]
                                  and not three.get("non_converged_steps"))
    else:
        row["grid_ok"] = None
    baseline = schemes.get("grid_only", {}).get("members_net_cost_eur")
    chosen = schemes.get(scheme, {}).get("members_net_cost_eur")
    row["savings_eur"] = baseline - chosen if baseline is not None and chosen is not None else None
    for key in ("capex_eur", "npv_eur", "irr", "simple_payback_years"):
        row[key] = finance.get(key)
    if baseline is not None and finance.get("npv_eur") is not None:
        crf = capital_recovery_factor(finance.get("discount_rate", 0.04), finance.get("horizon_years", 20))
        row["annual_cost_eur"] = baseline - finance["npv_eur"] * crf
    else:
        row["annual_cost_eur"] = None
    for name, figures in schemes.items():
        row[f"bill_{name}_eur"] = figures.get("members_net_cost_eur")
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
