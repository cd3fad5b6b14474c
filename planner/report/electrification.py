"""The report's electrification page: what heat pumps and charging points add to the community's
demand, month by month and hour by hour, and the grid's figures with and without them."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from planner.report.figures import DEMAND, _new, _nothing, figure
from planner.report.numbers import num
from planner.report.page_layout import _page, _table, _text

HEAT_PUMPS, CHARGING = "#c0392b", "#8e44ad"


@figure("Heat pumps and charging")
def new_loads(res, fig: Figure | None = None) -> Figure:
    """Energy the heat pumps and charging points add each month, and the winter's mean day with and
    without them."""
    fig = _new(fig)
    added, demand = res.new_loads_kw, res.consumers_kw
    if added is None or demand is None:
        return _nothing(fig, "the project has no heat pumps or charging points")
    total = demand.sum(axis=1)
    h = res.step_h
    axes = fig.subplots(1, 2)
    monthly = (added * h).groupby(added.index.month).sum() / 1000.0
    bottom = np.zeros(len(monthly))
    for column, colour, label in (("heat_pumps_kw", HEAT_PUMPS, "heat pumps"), ("charging_kw", CHARGING, "charging")):
        if column in monthly:
            axes[0].bar(monthly.index, monthly[column], bottom=bottom, color=colour, label=label)
            bottom = bottom + monthly[column].to_numpy()
    axes[0].set_xticks(range(1, 13))
    axes[0].set_xlabel("month")
    axes[0].set_ylabel("MWh added")
    axes[0].set_title("Energy added each month")
    axes[0].legend(frameon=False, fontsize="small")
    axes[0].grid(alpha=0.3, axis="y")
    winter = total.index.month.isin((12, 1, 2))
    hours = total.index.hour[winter]
    before = total[winter] - added[winter].sum(axis=1)
    axes[1].plot(before.groupby(hours).mean(), color=DEMAND, lw=2, label="without them")
    axes[1].plot(total[winter].groupby(hours).mean(), color=HEAT_PUMPS, lw=2, label="with them")
    axes[1].set_title("Winter's mean day (Dec-Feb)")
    axes[1].set_xlabel("hour of day")
    axes[1].set_ylabel("community demand, kW")
    axes[1].set_xticks([0, 6, 12, 18, 23])
    axes[1].legend(frameon=False, fontsize="small")
    axes[1].grid(alpha=0.3)
    return fig


_ROWS = (("max_trafo_loading_percent", "highest transformer loading", ".1f", "%"),
         ("max_line_loading_percent", "highest cable loading", ".1f", "%"),
         ("min_vm_pu", "lowest voltage", ".3f", "p.u."),
         ("max_vm_pu", "highest voltage", ".3f", "p.u."),
         ("losses_mwh", "grid losses a year", ",.2f", "MWh"))


def page(res, name) -> Figure:
    """The page: the figure, the grid with and without the new loads, and each device's figures."""
    sheet = _page("Heat pumps and electric vehicles", name, 5)
    grid = sheet.add_gridspec(3, 1, height_ratios=[6, 38, 56])
    new_loads(res, sheet.add_subfigure(grid[1, 0]))
    e = res.summary.get("electrification") or {}
    lines = []
    if "heat_pumps" in e:
        h = e["heat_pumps"]
        lines.append(f"{h['count']:,} heat pump(s) deliver {num(h['heat_kwh'], ',.1f', scale=1e-3)} MWh of heat from "
                     f"{num(h['electricity_kwh'], ',.1f', scale=1e-3)} MWh of electricity: a seasonal COP of "
                     f"{num(h['seasonal_cop'], '.2f')} (hplib's generic models at the weather's temperatures; design "
                     f"temperature {num(h['design_temp_c'], '.1f')} degC), the back-up heaters "
                     f"{num(h['backup_kwh'], ',.0f')} kWh of it."
                     + (f" {num(h['unmet_heat_kwh'], ',.0f')} kWh of heat were not delivered (back-up heaters too "
                        f"small)." if h.get("unmet_heat_kwh") else "")
                     + (f" Their electricity at the grid's emission factor is {num(h['co2_t_at_grid_factor'], ',.1f')} "
                        f"t CO2 a year (less where local generation serves them); condensing gas boilers making the "
                        f"same heat would emit {num(h['gas_boiler_co2_t'], ',.1f')} t (not in the community's CO2 "
                        f"figures, which count electricity)." if h.get("gas_boiler_co2_t") is not None else ""))
    if "charging" in e:
        c = e["charging"]
        lines.append(f"{c['points']:,} charging point(s) charge {c['vehicles']:,} vehicle(s) "
                     f"{num(c['charged_kwh'], ',.1f', scale=1e-3)} MWh a year"
                     + (f"; {num(c['short_kwh'], ',.0f')} kWh could not be charged before departure."
                        if c.get("short_kwh", 0) > 0.5 else ", all of it before each departure."))
    if e:
        lines.append(f"The community's demand peaks at {num(e.get('peak_demand_kw'), ',.0f')} kW with them and "
                     f"{num(e.get('peak_demand_without_kw'), ',.0f')} kW without; they add "
                     f"{num(e.get('added_kwh'), ',.1f', scale=1e-3)} MWh a year.")
    _text(sheet, 0.06, 0.54, lines, size=8.5)
    g = e.get("grid")
    sheet.text(0.06, 0.395, "The grid with and without them (the same year, batteries dispatched again)", fontsize=10,
               weight="bold")
    rows = []
    if g:
        for key, label, spec, unit in _ROWS:
            pair = g.get(key) or {}
            rows.append((label, num(pair.get("with"), spec, unit=unit), num(pair.get("without"), spec, unit=unit)))
    else:
        rows.append(("the project has no grid", "—", "—"))
    _table(sheet, (0.06, 0.215, 0.86, 0.17), ["figure", "with heat pumps and charging", "without"], rows,
           widths=[0.4, 0.3, 0.2], size=8)
    table = res.heat_pumps
    device_rows = []
    if table is not None:
        for r in table.head(6).itertuples():
            device_rows.append((f"heat pump {r.heat_pump_id}", f"{r.rated_thermal_kw:,.1f} kW rated",
                                f"{r.electricity_kwh:,.0f} kWh", f"COP {r.seasonal_cop:.2f}", f"peak {r.peak_kw:,.1f} kW"))
    points = res.charging_points
    if points is not None:
        for r in points.head(6).itertuples():
            device_rows.append((f"charging point {r.charging_point_id}", f"{int(r.vehicles)} vehicle(s)",
                                f"{r.charged_kwh:,.0f} kWh", f"{r.short_kwh:,.0f} kWh short", f"peak {r.peak_kw:,.1f} kW"))
    sheet.text(0.06, 0.19, "Each device (all in heat_pumps.csv and charging_points.csv)", fontsize=10, weight="bold")
    _table(sheet, (0.06, 0.04, 0.86, 0.14), ["device", "size", "electricity", "", "peak"], device_rows,
           widths=[0.32, 0.18, 0.16, 0.16, 0.14], size=7)
    return sheet
