"""The PDF report of a run (``planner report``, File > Export report): A4 pages drawn with
matplotlib's PDF backend, with the same figures as the app.

Pages: a cover with the map; the key figures; the energy balance; the grid check (transformer
load-duration curves and the worst elements against their limits, with the hour); heat pumps and
electric vehicles where the plan has them (what they add, the grid with and without them); the members'
bills under each scheme and the distribution of benefits; the finance; and the assumptions,
listing every input and source the figures rest on.
"""

from __future__ import annotations

import os
import textwrap
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from planner.report import electrification, figures
from planner.report.numbers import is_missing, num
from planner.report.page_layout import A4, TITLE, _eur, _page, _rule, _table, _text, _years  # noqa: F401
from planner.report.kpis import KPIS, _get, three_phase_lines
from planner.report.results import Results
from planner.report.plan import (EARLY_PAGES, HELPER_PAGES, HELPER_PAGES_AFTER_EARLY,  # noqa: F401
                                 page_plan, stored_scenarios_of)
from planner.report.scenarios_page import _scenarios

LIMITS = {"max loading %": ("loading", 100.0), "min voltage p.u.": ("voltage band", 0.90),
          "max voltage p.u.": ("voltage band", 1.10), "min phase voltage p.u.": ("voltage band", 0.90),
          "max phase voltage p.u.": ("voltage band", 1.10), "max unbalance %": ("EN 50160", 2.0),
          "max phase loading %": ("loading", 100.0), "max neutral loading %": ("loading", 100.0)}


def build_report(project, results_folder, target, *, run_record: dict | None = None, helper=None,
                 early=()) -> Path:
    """Write the PDF report of ``project``'s results in ``results_folder`` to ``target``
    (written whole: a temporary beside it, then renamed).

    ``helper``, a started :class:`~planner.report.helper.ReportHelper`, draws about half of the
    pages in its own process while this one draws the rest, and the parts are joined; should the
    helper fail, this process draws its pages too (the report is never lost to it). ``early``
    (each from :func:`~planner.report.helper.draw_early`) are pages the helper drew while the year
    was simulated, used where the report's plan of pages is the one they were numbered in.
    """
    res = Results(results_folder)
    target = Path(target)
    tmp = target.with_name(f".{target.name}.writing-{os.getpid()}")
    when = datetime.fromtimestamp((run_record or {}).get("started", os.path.getmtime(res.folder / "summary.json")))
    plan = page_plan(project, res)
    try:
        if helper is None or len(plan) < 4:
            write_pages(project, res, plan, range(1, len(plan) + 1), len(plan), when, tmp)
        else:
            from planner.report.helper import write_in_two

            write_in_two(project, res, plan, when, tmp, helper, early=early)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
        for part in early:
            part.target.unlink(missing_ok=True)
    return target


#: Each page's function: (project, results, project name, time of the run) -> Figure.
PAGES = {
    "cover": lambda project, res, name, when: _cover(project, res, when),
    "key figures": lambda project, res, name, when: _key_figures(res, name),
    "energy": lambda project, res, name, when: _energy(res, name),
    "grid": lambda project, res, name, when: _grid(res, name),
    "electrification": lambda project, res, name, when: electrification.page(res, name),
    "members": lambda project, res, name, when: _members(res, name),
    "finance": lambda project, res, name, when: _finance(res, name),
    "scenarios": lambda project, res, name, when: _scenarios(project, stored_scenarios_of(project, res.folder), name),
    "assumptions": lambda project, res, name, when: _assumptions(project, res, name, when),
}
def write_pages(project, results, names, numbers, total: int, when, target) -> Path:
    """Draw the pages ``names`` (numbered ``numbers`` of ``total``) into the PDF ``target``;
    ``results`` a results folder or :class:`Results`."""
    from matplotlib.backends.backend_pdf import PdfPages

    res = results if isinstance(results, Results) else Results(results)
    with warnings.catch_warnings(), PdfPages(target, metadata={"Title": f"{TITLE}: {project.name}",
                                                              "Creator": "Peergrid Planner"}) as pdf:
        warnings.filterwarnings("ignore", message="There are no gridspecs with layoutgrids")
        for name, number in zip(names, numbers):
            page = PAGES[name](project, res, project.name, when)
            page.text(0.5, 0.015, f"{TITLE} · page {number} of {total}", fontsize=7, ha="center",
                      color="#777", backgroundcolor="white")
            pdf.savefig(page)
    return Path(target)


def _source_kinds(source: str | None) -> list[str]:
    """A source's kinds, without each object's own details: the data set (before its first
    colon) and each 'derived: ...' or 'assumed: ...' part up to its second colon."""
    if not source:
        return ["no source given"]
    out = []
    for i, part in enumerate(p.strip() for p in source.split(";")):
        if part.startswith(("derived", "assumed")):
            out.append(":".join(part.split(":")[:2]).strip()[:140])
        elif i == 0:
            out.append(part.split(":")[0].strip()[:140])
    return out


def _units_and_contracts(project, summary) -> list[str]:
    """What the units and contracts rest on: each kind's count and size with its sources."""
    from planner.model.study import SCHEME_LABELS

    lines = ["## Units, contracts and the members' benefit"]
    sizes = {"pv_unit": ("peak_kw", "kWp"), "wind_turbine": ("rated_kw", "kW"), "chp_unit": ("p_el_kw", "kW electric"),
             "battery": ("capacity_kwh", "kWh")}
    for kind, (field, unit) in sizes.items():
        items = list(project.items(kind).values())
        if not items:
            continue
        label = items[0].count_label(len(items))
        sources = sorted({kind_of_source for e in items for kind_of_source in _source_kinds(e.source)})
        shown = "; ".join(sources[:4]) + (f"; and {len(sources) - 4} more" if len(sources) > 4 else "")
        total = f"{sum(getattr(e, field) for e in items):,.1f} {unit}"
        if kind == "battery":  # its power is a choice of its own (priced per kW beyond what the kWh include)
            total += f" and {sum(e.power_kw for e in items):,.1f} kW"
        lines.append(f"{label}, {total} in all: {shown}.")
    pumps = list(project.items("heat_pump").values())
    if pumps:
        sources = ", ".join(sorted({h.heat_source for h in pumps}))
        lines.append(f"{pumps[0].count_label(len(pumps))} ({sources} source): COP from hplib's generic regulated models "
                     f"at each hour's temperatures and the heating curve; those without a rated output sized to their "
                     f"building's heat load at the bivalence point (the largest hourly heat demand, linear in the "
                     f"outdoor temperature down to the year's lowest 48-hour mean); electric back-up heaters.")
    points = list(project.items("charging_point").values())
    if points:
        vehicles = sum(p.vehicles for p in points)
        lines.append(f"{points[0].count_label(len(points))} with {vehicles:,} vehicle(s): trips drawn from a seeded "
                     f"statistical model (departure, return and daily distance, set to each point's km a year, "
                     f"{sum(p.annual_km * p.vehicles for p in points) / max(vehicles, 1):,.0f} km per vehicle on "
                     f"average); strategies as set per point.")
    contracts = list(project.items("contract").values())
    if contracts:
        prices = [c.price_eur_per_kwh for c in contracts]
        lines.append(f"{len(contracts):,} bilateral contracts at {min(prices):.4f}-{max(prices):.4f} EUR/kWh, served "
                     f"before the pool in their order of priority (the rates producers and buyers negotiated).")
    scheme = (summary.get("study") or {}).get("benefit_scheme") or summary.get("indexes", {}).get("benefit_scheme")
    if scheme:
        lines.append(f"Members' benefit, fairness and finance counted under {SCHEME_LABELS.get(scheme, scheme)}; "
                     f"the key figures page shows every scheme.")
    return lines


def _cover(project, res, when) -> Figure:
    page = Figure(figsize=A4, layout="constrained")
    page.text(0.06, 0.93, TITLE, fontsize=12, color="#1f5fa8", weight="bold")
    page.text(0.06, 0.885, project.name, fontsize=24, weight="bold")
    site = project.site
    weather = res.summary.get("weather", {})
    _text(page, 0.06, 0.855, [
        f"Site {site.latitude:.4f}° N, {site.longitude:.4f}° E ({site.timezone}); map in {site.crs}.",
        f"Results of the run of {when:%d %B %Y, %H:%M}, one year at {res.summary.get('resolution_minutes', 60)}-minute "
        f"steps, weather: {weather.get('name', '?')}.",
        f"{len(project.items('consumer')):,} consumers, {len(project.items('member')):,} members, "
        f"{sum(len(project.items(k)) for k in ('pv_unit', 'wind_turbine', 'chp_unit', 'battery')):,} units, "
        f"{len(project.items('bus')):,} buses and {len(project.items('cable')):,} cables.",
    ], size=9.5)
    sub = page.add_subfigure(page.add_gridspec(3, 1, height_ratios=[22, 70, 8])[1, 0])
    figures.project_map(project, sub)
    page.text(0.06, 0.05, f"Made with Peergrid Planner on {datetime.now():%d %B %Y}. Every figure is explained on "
                          f"the assumptions page.", fontsize=8, color="#555")
    return page


def _key_figures(res, name) -> Figure:
    page = _page("Key figures", name, 2)
    rows = [(label, get(res.summary), meaning) for label, get, meaning in KPIS]
    # the explanations take the room the values do not need: with half the width the longest
    # ("share of the demand met by the community's own generation") ran 2.4 pt past the rules
    _table(page, (0.06, 0.6, 0.86, 0.32), ["figure", "value", "what it is"], rows, widths=[0.26, 0.16, 0.58],
           size=7.5)
    schemes = res.summary.get("schemes", {})
    base = _get(res.summary, "schemes", "grid_only", "members_net_cost_eur")
    scheme_rows = [(figures.SCHEME_NAMES.get(k, k), _eur(v.get("members_net_cost_eur")),
                    _eur(base - v["members_net_cost_eur"]) if base is not None else "—") for k, v in schemes.items()]
    page.text(0.06, 0.55, "What members pay together in a year, by settlement scheme (EUR)", fontsize=10, weight="bold")
    _table(page, (0.06, 0.3, 0.86, 0.24), ["scheme", "members pay", "saving against grid only"], scheme_rows,
           widths=[0.42, 0.29, 0.29])
    _text(page, 0.06, 0.27, ["Pools and sharing schemes (SDR, MMR, bill sharing, bilateral contracts) move money "
                            "between members, not out of the community: with one tariff their totals match, and "
                            "only the split between members differs (see Members)."], size=8)
    return page


def _energy(res, name) -> Figure:
    page = _page("Energy over the year", name, 3)
    grid = page.add_gridspec(5, 1, height_ratios=[7, 45, 1, 43, 4])
    figures.monthly_balance(res, page.add_subfigure(grid[1, 0]))
    figures.typical_days(res, page.add_subfigure(grid[3, 0]))
    energy = res.summary.get("energy") or {}
    empty = [what for what, key in (("generation", "generation_kwh"), ("demand", "demand_kwh"))
             if not energy.get(key)]
    if empty:  # say what is empty rather than leave a reader wondering about flat lines
        page.text(0.06, 0.035, f"This plan has no {' and no '.join(empty)}: "
                  + ("every kWh is bought from the grid, nothing is shared." if "generation" in empty else
                     "all that is generated goes to the grid."), fontsize=8.5, color="#555")
    return page


def _grid(res, name) -> Figure:
    page = _page("Grid check", name, 4)
    grid = page.add_gridspec(3, 1, height_ratios=[6, 38, 56])
    figures.load_duration(res, page.add_subfigure(grid[1, 0]))
    elements = res.grid_elements
    g = res.summary.get("grid") or {}
    lines = []
    if not res.summary.get("grid"):
        lines.append("The project has no grid: imports and exports are the community balance's, without losses.")
    else:
        bad = g.get("non_converged_steps") or 0
        lines.append(f"Losses {(g.get('losses_kwh') or 0) / 1000:,.1f} MWh a year ({(g.get('line_losses_kwh') or 0) / 1000:,.1f} "
                     f"in cables, {(g.get('trafo_losses_kwh') or 0) / 1000:,.1f} in transformers). "
                     + (f"{bad:,} step(s) did not converge: their hours are left out of the figures and listed in "
                        f"summary.json." if bad else "Every step of the year converged."))
    three = g.get("three_phase")
    if three:
        first, second = three_phase_lines(three)
        minutes = (res.summary.get("resolution_minutes") or 60)
        lines.append("Three-phase year " + first.removeprefix("three-phase ") + "; " + second.strip() +
                     f" (unbalance as {minutes}-minute means; EN 50160 judges 10-minute means).")
    _text(page, 0.06, 0.54, lines, size=8.5)
    rows = []
    if elements is not None and len(elements):
        plan = (("max loading %", False, 10), ("min voltage p.u.", True, 4), ("max voltage p.u.", False, 4))
        if three:
            # each phase's voltage, not the balanced flow's: one-phase connections pull one phase past the mean
            plan = (("max loading %", False, 6), ("max phase loading %", False, 3), ("min phase voltage p.u.", True, 3),
                    ("max phase voltage p.u.", False, 2), ("max unbalance %", False, 3),
                    ("max neutral loading %", False, 2))
        for figure_name, ascending, count in plan:
            part = elements[elements.figure == figure_name].sort_values("value", ascending=ascending).head(count)
            limit_name, limit = LIMITS[figure_name]
            for r in part.itertuples():
                broken = r.value > limit if figure_name.startswith("max") else r.value < limit
                digits = 3 if "voltage" in figure_name else 2 if "unbalance" in figure_name else 1
                rows.append((r.kind, r.id, figure_name, f"{r.value:.{digits}f}",
                             f"{limit_name} {limit:g}", "BROKEN" if broken else "holds", str(r.time)[:16]))
    top = 0.46 if three else 0.49  # the three-phase lines take room
    page.text(0.06, top, "The worst elements of the year against their limits", fontsize=10, weight="bold")
    _table(page, (0.06, 0.06, 0.88, top - 0.08), ["element", "id", "figure", "value", "limit", "", "when"], rows,
           widths=[0.09, 0.25, 0.19, 0.08, 0.13, 0.07, 0.19], size=7)  # ids of laid-out cables are long
    return page


SHORT = {"grid_only": "grid only", "net_metering_yearly": "net metering", "net_billing": "net billing",
         "sdr": "SDR pool", "mmr": "MMR pool", "bill_sharing": "bill sharing"}


def _members(res, name) -> Figure:
    page = _page("Members", name, 5)
    grid = page.add_gridspec(5, 2, height_ratios=[6, 38, 24, 27, 5])
    figures.bills_by_scheme(res, page.add_subfigure(grid[1, :]))
    members = res.members
    rows, schemes = [], []
    if members is not None and len(members):
        table = members.pivot_table(index="member_id", columns="scheme", values="bill_eur", aggfunc="sum")
        schemes = [k for k in SHORT if k in table.columns]
        for member, row in table.head(8).iterrows():
            rows.append([member] + [_eur(row[k]) for k in schemes])
        if len(table) > 8:
            rows.append([f"… {len(table) - 8:,} more"] + [""] * len(schemes))
    page.text(0.06, 0.545, "Each member's bill a year, EUR (all members in members.csv)", fontsize=10, weight="bold")
    _table(page, (0.06, 0.3, 0.86, 0.23), ["member"] + [SHORT[k] for k in schemes], rows, size=7)
    figures.lorenz(res, page.add_subfigure(grid[3, 0]))
    ix = res.summary.get("indexes", {})
    lines = ["## Fairness", _fairness(ix), "## Savings by group"]
    for group, g in (ix.get("benefits_by_group") or {}).items():
        lines.append(f"{group}: {g['members']:,} member(s), {_eur(g['savings_eur'])} EUR together, "
                     f"{_eur(g['mean_savings_eur'])} EUR each on average")
    if not ix.get("benefits_by_group"):
        lines.append("No member of the community has savings to show (consumers without a member are settled "
                     "together as the community).")
    _text(page, 0.53, 0.27, lines, size=7.5, width=58)
    return page


def _fairness(ix: dict) -> str:
    """The Gini and Jain indexes of the savings, or why they are not defined."""
    gini, jain = ix.get("gini"), ix.get("jain")
    if is_missing(gini) and is_missing(jain):
        return "Gini and Jain indexes: not defined, as no member has savings to compare."
    gini_text = num(gini, ".2f", empty="not defined (the savings do not add up to a positive total)")
    return (f"Gini index of the savings {gini_text} (0: equal, 1: one member has all); "
            f"Jain's index {num(jain, '.2f')} (1: equal).")


def _finance(res, name) -> Figure:
    page = _page("Finance", name, 6)
    f = _get(res.summary, "indexes", "finance") or {}
    irr = f.get("irr")
    lines = [
        "## The community as a whole",
        f"Investment {_eur(f.get('capex_eur'))} EUR; yearly net benefit {_eur(f.get('yearly_net_benefit_eur'))} EUR; "
        f"NPV {_eur(f.get('npv_eur'))} EUR over {f.get('horizon_years', '?')} years at "
        f"{(f.get('discount_rate') or 0) * 100:.1f} %; IRR {'none' if irr is None else f'{irr * 100:.1f} %'}; "
        f"simple payback {_years(f.get('simple_payback_years'))}; residual value at the horizon "
        f"{_eur(f.get('residual_value_eur'))} EUR.",
        f"Benefit: {f.get('benefit', '')}. {f.get('lifetimes', '').capitalize()}.",
    ]
    y = _text(page, 0.06, 0.92, lines, size=8.5)
    units = res.unit_finance
    rows = []
    if units is not None:
        for r in units.head(24).itertuples():
            rows.append((r.unit_id, r.technology, f"{r.size:,.1f} {r.size_basis}", _eur(r.capex_eur),
                         _eur(r.energy_kwh_per_year), "—" if pd.isna(r.lcoe_eur_per_kwh) else f"{r.lcoe_eur_per_kwh:.3f}",
                         _eur(getattr(r, "npv_eur", None))))
        if len(units) > 24:
            rows.append((f"… {len(units) - 24} more", "", "", "", "", "", ""))
    page.text(0.06, y - 0.01, "Units (all in unit_finance.csv)", fontsize=10, weight="bold")
    _table(page, (0.06, 0.06, 0.88, y - 0.09), ["unit", "technology", "size", "capex EUR", "kWh a year", "LCOE EUR/kWh",
                                               "NPV EUR"], rows, widths=[0.16, 0.13, 0.17, 0.12, 0.13, 0.14, 0.15],
           size=7)
    return page


def _assumptions(project, res, name, when) -> Figure:
    page = _page("Assumptions and sources", name, 7)
    s = res.summary
    w = s.get("weather", {})
    ix = s.get("indexes", {})
    f = ix.get("finance", {})
    consumers = list(project.items("consumer").values())
    profiles = pd.Series([c.profile for c in consumers if c.profile != "measured"]).value_counts()
    stored = pd.Series([c.profile_id for c in consumers if c.profile == "measured" and c.profile_id]).value_counts()
    derived = [c for c in consumers if c.is_derived or "derived" in (c.source or "")]
    lines = ["## Weather",
             f"{w.get('name', '?')} ({w.get('source', '?')})" + (f"; station {w['station_id']}" if w.get("station_id") else "")
             + (f"; file {Path(w['path']).name}" if w.get("path") else "") + "."]
    lines += [f"Warning: {text}" for text in w.get("warnings", [])]
    lines += [f"Repaired: {text}" for text in w.get("repairs", [])]
    lines += ["## Demand"]
    if len(profiles):
        lines.append("Standard load profiles of BDEW (demandlib), scaled to each consumer's annual demand: "
                     + ", ".join(f"{p} × {n:,}" for p, n in profiles.items()) + ".")
    if len(stored):
        load_profiles = project.items("load_profile")
        lines.append("Load profiles stored in the project (a year of steps, laid on the weather's year by weekday "
                     "and scaled to each consumer's annual demand): "
                     + ", ".join(f"{p} × {n:,}" for p, n in stored.items()) + "; from "
                     + "; ".join(sorted({(load_profiles[p].source or p).split(":")[0] for p in stored.index
                                         if p in load_profiles})) + ".")
    heated = [c for c in consumers if c.annual_heat_kwh > 0]
    if heated:
        kinds = ", ".join(sorted({c.heat_profile for c in heated}))
        pumped = {h.consumer_id for h in project.items("heat_pump").values()}
        by_pump = sum(1 for c in heated if c.id in pumped)
        lines.append(f"Heat: {len(heated):,} consumers with a heat demand"
                     + (f" ({by_pump:,} of them heated by a heat pump)" if by_pump else "")
                     + f", {sum(c.annual_heat_kwh for c in heated) / 1000:,.0f} MWh a year, BDEW SigLinDe {kinds} from "
                     f"the weather's temperature (each consumer's source says where its figure comes from).")
    if not consumers:
        lines.append("No consumers.")
    elif derived:
        lines.append(f"{len(derived):,} of {len(consumers):,} consumers' annual demand is derived, not metered "
                     f"(each consumer's source in the project file says how; e.g. {derived[0].source}).")
    lines += ["## Tariffs"]
    for tid, t in (s.get("tariffs") or {}).items():
        parts = ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in (t.get("components_eur_per_kwh") or {}).items())
        lines.append(f"{t.get('name') or tid}: {t.get('gross_import_price_eur_per_kwh', 0):.4f} EUR/kWh all in ({parts} "
                     f"EUR/kWh, VAT {t.get('vat_percent', 0):g} %), export {t.get('export_price_eur_per_kwh', 0):.4f} "
                     f"EUR/kWh, fixed {t.get('fixed_eur_per_year', 0):,.0f} EUR a year; {t.get('members', 0)} member(s); "
                     f"source: {t.get('source') or 'entered by the project (no source given)'}.")
    shared = s.get("shared_energy") or {}
    lines += [f"Energy shared between members pays: {shared.get('described', '?')}."]
    lines += _units_and_contracts(project, s)
    lines += ["## Emissions, losses, money",
              f"Grid electricity {ix.get('grid_emission_factor_kg_per_kwh', 0.38):.3f} kg CO2/kWh "
              f"({(s.get('study') or {}).get('emission_factor_source') or 'Umweltbundesamt, German mix 2023'}); "
              f"natural gas {ix.get('gas_emission_factor_kg_per_kwh', 0.202):.3f} kg CO2/kWh of fuel (IPCC 2006, "
              f"56.1 t/TJ).",
              f"Upstream transmission and distribution losses avoided: {ix.get('upstream_loss_factor', 0) * 100:.0f} % of "
              f"the energy used locally (typically 5-8 % in European grids).",
              f"Discount rate {(f.get('discount_rate') or 0) * 100:.1f} % over {f.get('horizon_years', '?')} years; "
              f"{f.get('unit_value_note', '')}."]
    units = res.unit_finance
    if units is not None and len(units):
        lines += ["## Cost catalogue entries used", f"Catalogue: {(s.get('study') or {}).get('cost_catalogue', 'the shipped one')}."]
        for technology, source in units.drop_duplicates(["technology", "source"])[["technology", "source"]].itertuples(
                index=False):
            lines.append(f"{technology}: {source}")
    if project.grid_investment is not None:
        g = project.grid_investment
        lines += [f"Grid investment: {g.capex_eur:,.0f} EUR, {g.lifetime_years} years, upkeep "
                  f"{g.opex_share_per_year * 100:.1f} % a year, losses {g.losses_kwh_per_year:,.0f} kWh a year ({g.source})."]
    if s.get("notes"):
        lines += ["## Notes of the run"] + list(s["notes"])
    lines += ["## Data", project.attribution or "Geometry drawn by the project's authors."]
    _text(page, 0.06, 0.925, lines, size=7.5, width=125, gap=1.35)
    return page
