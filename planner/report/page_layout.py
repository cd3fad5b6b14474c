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
    """A plain table in the page's coordinates ``rect`` = (left, bottom, width, height).

    It looks as matplotlib's ``Axes.table`` drew it (``loc="upper left"``, left-aligned cells,
    horizontal rules, rows 1.25 times as high), but is drawn from its texts and one set of rules:
    the Table's cell patches, and the window extent it measures for each cell, took about 0.5 s
    a page (issue 24: the report within the run's 10 s)."""
    from matplotlib.collections import LineCollection

    ax = page.add_axes(rect)
    ax.axis("off")
    if not rows:
        ax.text(0, 1, "(none)", va="top", fontsize=size, color="#555")
        return ax
    widths = list(widths) if widths is not None else [1.0 / len(header)] * len(header)
    # as matplotlib's Table: a row 1.2 times 10 pt high in the axes' height when the table is made
    # (the font size set later leaves it), the table 0.02 from the axes' upper left, a cell's text
    # 10 % of the cell's width in and centred in its row, rules above and below each row
    row_h = 10 / 72.0 * page.get_figure(root=True).dpi / ax.bbox.height * 1.2 * 1.25
    header_h = row_h * max(str(h).count("\n") + 1 for h in header)  # names wrapped over lines
    left, top = 0.02, 0.98
    lefts = left + np.concatenate([[0.0], np.cumsum(widths)])
    tops = top - np.concatenate([[0.0], header_h + row_h * np.arange(len(rows) + 1)])
    ax.add_collection(LineCollection([[(left, y), (lefts[-1], y)] for y in tops], colors="#cccccc",
                                     linewidths=1.0, transform=ax.transAxes, clip_on=False), autolim=False)
    for r, cells in enumerate([header] + [list(row) for row in rows]):
        middle = (tops[r] + tops[r + 1]) / 2
        for c, cell in enumerate(cells):
            ax.text(lefts[c] + widths[c] * 0.1, middle, str(cell), fontsize=size, va="center", ha="left",
                    weight="bold" if r == 0 else "normal", transform=ax.transAxes, clip_on=False)
    return ax


def _text(page, x, y, lines, size=8.5, width=110, gap=1.45):
    """Wrapped paragraphs from the top at (x, y) in page coordinates; returns the y below them."""
    step = size * gap / 72.0 / A4[1]
    for line in lines:
        bold = line.startswith("## ")
        line = line[3:] if bold else line
        # a number and its per cent sign stay on one line ("IRR 13.9 %" wrapped before the "%")
        for part in textwrap.wrap(line.replace(" %", "\u00a0%"), width) or [""]:
            page.text(x, y, part, fontsize=size + (1 if bold else 0), weight="bold" if bold else "normal", va="top")
            y -= step
        if bold:
            y -= step * 0.2
    return y


def _years(x) -> str:
    return "none within the horizon" if x is None else f"{x:.1f} years"


def _eur(x) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.0f}"
