"""The key figures of a run, read from its ``summary.json``: one list for the app's panel and the
report, so both show the same numbers the same way; and the lines ``planner run`` prints of it."""

from __future__ import annotations

from planner.report.numbers import is_missing, num


def _get(summary: dict, *keys):
    value = summary
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _fmt(value, unit: str, scale: float = 1.0, digits: int = 1) -> str:
    return num(value, f",.{digits}f", unit=unit, scale=scale)


#: (label, the figure as text from summary.json, what it means)
KPIS = (
    ("Generation", lambda s: _fmt(_get(s, "energy", "generation_kwh"), "MWh", 1e-3), "all units over the year"),
    ("Demand", lambda s: _fmt(_get(s, "energy", "demand_kwh"), "MWh", 1e-3), "all consumers over the year"),
    ("Self-sufficiency", lambda s: _fmt(_get(s, "kpi", "self_sufficiency"), "%", 100),
     "share of the demand met by the community's own generation"),
    ("Self-consumption", lambda s: _fmt(_get(s, "kpi", "self_consumption"), "%", 100),
     "share of the generation used inside the community"),
    ("Shared between members", lambda s: _fmt(_get(s, "energy", "shared_kwh"), "MWh", 1e-3),
     "energy one member generated and another used"),
    ("Community grid losses", lambda s: _fmt(_get(s, "indexes", "community_grid_losses_kwh"), "MWh", 1e-3),
     "cables and transformers over the year (power flow)"),
    ("Upstream losses avoided", lambda s: _fmt(_get(s, "indexes", "avoided_upstream_losses_kwh"), "MWh", 1e-3),
     "energy used locally times the upstream loss factor"),
    ("Peak cable loading", lambda s: _fmt(_cable_peak(s), "%") + (" (phase)" if _phase_peak(s) else ""),
     "highest loading of any cable (any phase) in any step"),
    ("Peak transformer loading", lambda s: _fmt(_get(s, "grid", "max_trafo_loading_percent"), "%"),
     "highest loading of any transformer in any step"),
    ("Voltage", lambda s: _voltage_band(s), "lowest and highest bus voltage, any phase, any step"),
    ("Heat pumps and charging", lambda s: _fmt(_get(s, "electrification", "added_kwh"), "MWh", 1e-3),
     "electricity they add to the demand (— without them)"),
    ("Transformer peak without them",
     lambda s: _fmt(_get(s, "electrification", "grid", "max_trafo_loading_percent", "without"), "%"),
     "the same year without heat pumps and charging points"),
    ("Worst voltage unbalance", lambda s: _fmt(_get(s, "grid", "three_phase", "max_unbalance_percent"), "%", 1, 2),
     "|V2| / |V1| at any bus in any step (EN 50160: 2 %)"),
    ("Steps that did not converge", lambda s: "—" if _get(s, "grid", "non_converged_steps") is None else
     f"{_get(s, 'grid', 'non_converged_steps'):,}", "power flow steps without a solution (hours in "
                                                     "summary.json)"),
    ("CO2 avoided", lambda s: _fmt(_get(s, "indexes", "co2_avoided_t"), "t/a"), "against grid electricity"),
    ("Investment", lambda s: _fmt(_get(s, "indexes", "finance", "capex_eur"), "EUR", 1, 0), "every unit's capex"),
    ("NPV", lambda s: _fmt(_get(s, "indexes", "finance", "npv_eur"), "EUR", 1, 0),
     "net present value over the horizon at the discount rate"),
    ("IRR", lambda s: _fmt(_get(s, "indexes", "finance", "irr"), "%", 100), "internal rate of return"),
)


def _phase_peak(summary: dict) -> bool:
    """Whether a three-phase year's highest phase loading is above the balanced flow's cable loading."""
    phase = _get(summary, "grid", "three_phase", "max_phase_loading_percent")
    balanced = _get(summary, "grid", "max_line_loading_percent")
    return not is_missing(phase) and (is_missing(balanced) or phase > balanced)


def _cable_peak(summary: dict):
    """The year's highest cable loading: the balanced flow's, or a three-phase year's most loaded phase."""
    if _phase_peak(summary):
        return _get(summary, "grid", "three_phase", "max_phase_loading_percent")
    return _get(summary, "grid", "max_line_loading_percent")


def _voltage_band(summary: dict) -> str:
    """The year's voltage band: the balanced flow's, or the worst phases' where a three-phase year
    exists (one-phase connections pull one phase below the balanced mean)."""
    low, high = _get(summary, "grid", "min_vm_pu"), _get(summary, "grid", "max_vm_pu")
    if is_missing(low):
        return "—"
    three = _get(summary, "grid", "three_phase") or {}
    phases_low = [v for v in (three.get("min_vm_pu") or {}).values() if not is_missing(v)]
    phases_high = [v for v in (three.get("max_vm_pu") or {}).values() if not is_missing(v)]
    if phases_low and phases_high:
        return f"{num(min(phases_low), '.3f')} – {num(max(phases_high), '.3f')} p.u. (phases)"
    return f"{num(low, '.3f')} – {num(high, '.3f')} p.u."


def three_phase_lines(t: dict | None) -> list[str]:
    """The three-phase year's lines of ``planner run`` (none without one-phase connections)."""
    if not t:
        return []
    names = {"consumer": ("consumer", "consumers"), "pv_unit": ("PV unit", "PV units"),
             "wind_turbine": ("wind turbine", "wind turbines"), "chp_unit": ("CHP unit", "CHP units"),
             "battery": ("battery", "batteries"), "heat_pump": ("heat pump", "heat pumps"),
             "charging_point": ("charging point", "charging points")}
    count = ", ".join(f"{n} {names.get(kind, (kind, kind))[n != 1]}" for kind, n in t["single_phase"].items())
    low, high = t.get("min_vm_pu") or {}, t.get("max_vm_pu") or {}
    band = ", ".join(f"{p} {num(low.get(p), '.3f')}-{num(high.get(p), '.3f')}" for p in ("L1", "L2", "L3"))
    over = t.get("steps_over_unbalance_limit") or 0
    return [f"three-phase ({count} on one phase): {band} p.u.; unbalance up to "
            f"{num(t.get('max_unbalance_percent'), '.2f', unit='%')} at {t.get('max_unbalance_bus') or '—'} "
            f"({over:,} step{'s' * (over != 1)} over {num(t.get('unbalance_limit_percent'), 'g', unit='%')})",
            f"  highest phase loading {num(t.get('max_phase_loading_percent'), '.1f', unit='%', empty='— (no cables)')}"
            f", neutral current up to {num(t.get('max_neutral_current_a'), '.1f', unit='A', empty='—')} "
            f"({t.get('max_neutral_current_cable') or '—'})"]


def run_lines(name: str, s: dict) -> list[str]:
    """What ``planner run`` prints of a summary (:func:`~planner.simulation.summary.summary_dict`);
    a figure that is not defined (no grid, no member who saves, no IRR) reads as a dash."""
    e, k = s["energy"], s["kpi"]
    lines = [f"{name}: generation {num(e['generation_kwh'], ',.1f', scale=1e-3)} MWh, demand "
             f"{num(e['demand_kwh'], ',.1f', scale=1e-3)} MWh, shared {num(e['shared_kwh'], ',.1f', scale=1e-3)} MWh; "
             f"self-sufficiency {num(k['self_sufficiency'], '.1%')}, "
             f"self-consumption {num(k['self_consumption'], '.1%')}"]
    if s["grid"]:
        g = s["grid"]
        lines.append(f"grid: losses {num(g.get('losses_kwh'), ',.1f', scale=1e-3)} MWh, max line loading "
                     f"{num(g.get('max_line_loading_percent'), '.1f', unit='%', empty='— (no cables)')}, voltage "
                     f"{num(g.get('min_vm_pu'), '.3f')}-{num(g.get('max_vm_pu'), '.3f')} p.u.")
        lines.extend(three_phase_lines(g.get("three_phase")))
    lines.extend(_electrification_lines(s.get("electrification")))
    tariffs = ", ".join(f"{tid} ({t['members']} members, {num(t['gross_import_price_eur_per_kwh'], '.3f')} EUR/kWh)"
                        for tid, t in s["tariffs"].items())
    lines.append(f"tariffs: {tariffs}; shared energy pays: {s['shared_energy']['described']}")
    base = s["schemes"]["grid_only"]["members_net_cost_eur"]
    for scheme_name, scheme in s["schemes"].items():
        cost = scheme["members_net_cost_eur"]
        lines.append(f"  {scheme_name:<22} members pay {num(cost, ',.0f'):>14} EUR "
                     f"(saving {num(base - cost if not is_missing(cost) else None, ',.0f'):>12} EUR)")
    lines.append("  (SDR, MMR, bill sharing and bilateral contracts share the same energy and move money between "
                 "members: with one tariff their totals match and only the split differs, see members.csv)")
    f = s["indexes"]["finance"]
    lines.append(f"investment: {num(f['capex_eur'], ',.0f')} EUR, net benefit {num(f['yearly_net_benefit_eur'], ',.0f')} "
                 f"EUR a year, NPV {num(f['npv_eur'], ',.0f')} EUR over {f['horizon_years']} years at "
                 f"{num(f['discount_rate'], '.0%')}, IRR {num(f['irr'], '.1%', empty='none')}")
    return lines


def _electrification_lines(e: dict | None) -> list[str]:
    """The heat pumps' and charging points' lines of ``planner run``, with the grid without them."""
    if not e:
        return []
    parts = []
    if "heat_pumps" in e:
        h = e["heat_pumps"]
        parts.append(f"{h['count']} heat pump{'s' * (h['count'] != 1)}: {num(h['heat_kwh'], ',.1f', scale=1e-3)} MWh heat from "
                     f"{num(h['electricity_kwh'], ',.1f', scale=1e-3)} MWh electricity (seasonal COP "
                     f"{num(h['seasonal_cop'], '.2f')}, back-up heater {num(h['backup_kwh'], ',.0f')} kWh)")
    if "charging" in e:
        c = e["charging"]
        parts.append(f"{c['points']} charging point{'s' * (c['points'] != 1)}: {c['vehicles']} "
                     f"vehicle{'s' * (c['vehicles'] != 1)}, {num(c['charged_kwh'], ',.1f', scale=1e-3)} "
                     f"MWh charged ({num(c['short_kwh'], ',.0f')} kWh not in by departure)")
    lines = ["electrification: " + "; ".join(parts),
             f"  demand peak {num(e['peak_demand_kw'], ',.0f')} kW (without them {num(e['peak_demand_without_kw'], ',.0f')} kW)"]
    g = e.get("grid")
    if g:
        lines[-1] += (f"; transformer peak {num(g['max_trafo_loading_percent']['with'], '.1f', unit='%')} "
                      f"(without {num(g['max_trafo_loading_percent']['without'], '.1f', unit='%')}), cable peak "
                      f"{num(g['max_line_loading_percent']['with'], '.1f', unit='%', empty='—')} "
                      f"(without {num(g['max_line_loading_percent']['without'], '.1f', unit='%', empty='—')}), lowest "
                      f"voltage {num(g['min_vm_pu']['with'], '.3f')} p.u. (without {num(g['min_vm_pu']['without'], '.3f')})")
    return lines
