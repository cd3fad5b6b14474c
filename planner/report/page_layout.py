"""The report's page furniture: an A4 page with its title and rule, tables and wrapped text,
and how money and years read on it."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure

A4 = (8.27, 11.69)
TITLE = "Peergrid Planner: community energy plan"


def _page(title: str, project_name: str, number: int) -> Figure:
    page = Figure(figsize=A4, layout="constrained")
    page.text(0.06, 0.965, title, fontsize=15, weight="bold", va="top")
    page.text(0.94, 0.965, project_name, fontsize=8, ha="right", va="top", color="#555")
    page.text(0.5, 0.015, f"{TITLE} · page {number}", fontsize=7, ha="center", color="#777")
    page.add_artist(_rule(page))
    return page


def _rule(page):
    from matplotlib.lines import Line2D

    return Line2D([0.06, 0.94], [0.945, 0.945], transform=page.transFigure, color="#1f5fa8", lw=1.2)


def _table(page, rect, header, rows, widths=None, size=7.5):
    """A plain table in the page's coordinates ``rect`` = (left, bottom, width, height)."""
    ax = page.add_axes(rect)
    ax.axis("off")
    if not rows:
        ax.text(0, 1, "(none)", va="top", fontsize=size, color="#555")
        return ax
    table = ax.table(cellText=[[str(c) for c in r] for r in rows], colLabels=header, loc="upper left",
                     cellLoc="left", colLoc="left", colWidths=widths, edges="horizontal")
    table.auto_set_font_size(False)
    table.set_fontsize(size)
    table.scale(1.0, 1.25)
    header_lines = max(str(h).count("\n") + 1 for h in header)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#cccccc")
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#eef3f9")
            cell.set_height(cell.get_height() * header_lines)  # names wrapped over lines
    return ax


def _text(page, x, y, lines, size=8.5, width=110, gap=1.45):
    """Wrapped paragraphs from the top at (x, y) in page coordinates; returns the y below them."""
    step = size * gap / 72.0 / A4[1]
    for line in lines:
        bold = line.startswith("## ")
        line = line[3:] if bold else line
        for part in textwrap.wrap(line, width) or [""]:
            page.text(x, y, part, fontsize=size + (1 if bold else 0), weight="bold" if bold else "normal", va="top")
            y -= step
        if bold:
            y -= step * 0.2
    return y


def _years(x) -> str:
    return "none within the horizon" if x is None else f"{x:.1f} years"


def _eur(x) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.0f}"
