"""The report's page of scenarios side by side (the project's named scenarios, run and stored
beside it), and how a scenario's figure and its difference from the base read there and in the
app's Scenarios dialog."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from planner.report.page_layout import _page, _table, _text


def format_figure(figure: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if figure in ("self_sufficiency", "self_consumption", "irr"):
        return f"{value * 100:.1f} %"
    if figure.endswith("_kwh"):
        return f"{value / 1000:,.0f} MWh"
    if figure.endswith("_eur"):
        return f"{value / 1000:,.0f} k"
    if figure.endswith("_percent"):
        return f"{value:.1f} %"
    if figure.endswith("_pu"):
        return f"{value:.3f}"
    if figure.endswith("_years"):
        return f"{value:.1f} y"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def format_difference(figure: str, value) -> str:
    """`` (+1.2 pt)``, `` (-325)``: a difference from the base as its figure is written; nothing
    where it rounds to zero."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or abs(value) < 1e-9:
        return ""
    if figure in ("self_sufficiency", "self_consumption", "irr"):
        text = f"{value * 100:+.1f} pt"
    elif figure.endswith(("_kwh", "_eur")):
        text = f"{value / 1000:+,.0f}"
    else:
        text = f"{value:+.3g}"
    return "" if text.lstrip("+-").rstrip(" pt").strip("0.,") == "" else f" ({text})"


def _scenarios(project, table, name) -> Figure:
    from planner.sweep.definition import variant_label
    from planner.sweep.scenarios import BASE, comparison
    from planner.sweep.table import label

    page = _page("Scenarios side by side", name, 7)
    compared = comparison(table)
    names = list(table.scenario)[:5]
    lines = ["Each scenario is this project with the overrides below, run over the same year; the base is the "
             "project as it is. In brackets: the difference from the base (percentage points for shares, MWh for "
             "energy, kEUR for money)."]
    for scenario in project.scenarios:
        if scenario.name in names:
            lines.append(f"{scenario.name}: {variant_label(scenario.overrides)}"
                         + (f" ({scenario.description})" if scenario.description else ""))
    failed = table[table.status != "done"]
    for row in failed.itertuples():
        lines.append(f"{row.scenario} did not run: {row.error}")
    y = _text(page, 0.06, 0.925, lines, size=8)
    rows = []
    for _, r in compared.iterrows():
        cells = [label(r.figure)]
        for n in names:
            cells.append(format_figure(r.figure, r[n])
                         + (format_difference(r.figure, r[f"{n} - {BASE}"]) if n != BASE else ""))
        rows.append(cells)
    width = 0.7 / max(len(names), 1)
    import textwrap

    header = ["figure"] + [textwrap.fill(n, max(int(width * 100), 8)) for n in names]
    # a column holds about 120 characters per page width at 7 pt: smaller type for a large plan's figures
    longest = max((len(c) for r in rows for c in r[1:]), default=0)
    size = max(5.0, min(7.0, 7.0 * width * 120 / max(longest, 1)))
    _table(page, (0.06, 0.06, 0.88, y - 0.08), header, rows, widths=[0.24] + [width] * len(names), size=size)
    if len(table) > 5:
        page.text(0.06, 0.04, f"{len(table) - 5} more scenario(s) in NAME.scenarios/variants.parquet beside the project",
                  fontsize=7, color="#555")
    return page
