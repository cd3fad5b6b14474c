"""The report's tables: drawn from their texts and rules, each text where matplotlib's own
``Axes.table`` (as the report drew it before) puts it."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.report.page_layout import A4, _table

ROWS = [("Generation", "1,635.3 MWh", "all units over the year"), ("Self-sufficiency", "32.9 %", "a share"),
        ("Investment", "2,298,500 EUR", "every unit's capex")]


def _matplotlib_table(page, rect, header, rows, widths, size):
    """The report's tables as they were drawn before: matplotlib's Table, as configured then."""
    ax = page.add_axes(rect)
    ax.axis("off")
    table = ax.table(cellText=[[str(c) for c in r] for r in rows], colLabels=header, loc="upper left",
                     cellLoc="left", colLoc="left", colWidths=widths, edges="horizontal")
    table.auto_set_font_size(False)
    table.set_fontsize(size)
    table.scale(1.0, 1.25)
    lines = max(str(h).count("\n") + 1 for h in header)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#cccccc")
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_height(cell.get_height() * lines)
    return table


def _boxes(texts, renderer):
    return {t.get_text(): t.get_window_extent(renderer).bounds for t in texts}


@pytest.mark.parametrize("header, widths, size", [
    (["figure", "value", "what it is"], [0.27, 0.19, 0.5], 7.5),
    (["figure", "scenario\nwith a long name", "base"], None, 7.0),  # a header wrapped over two lines
])
def test_each_text_stands_where_matplotlibs_table_put_it(header, widths, size):
    rect = (0.06, 0.6, 0.86, 0.32)
    ours, theirs = Figure(figsize=A4), Figure(figsize=A4)
    ax = _table(ours, rect, header, ROWS, widths=widths, size=size)
    table = _matplotlib_table(theirs, rect, header, ROWS, widths, size)
    for figure in (ours, theirs):
        FigureCanvasAgg(figure).draw()
    mine = _boxes(ax.texts, ours.canvas.get_renderer())
    reference = _boxes([cell.get_text() for cell in table.get_celld().values()], theirs.canvas.get_renderer())
    assert mine.keys() == reference.keys()
    for text, box in reference.items():
        np.testing.assert_allclose(mine[text], box, atol=0.6, err_msg=text)  # pixels at 100 dpi
    # a rule above and below each row, across the table, where the cells' edges were
    cells = table.get_celld()
    top = cells[0, 0].get_y() + cells[0, 0].get_height()
    edges = sorted({round(cells[r, 0].get_y(), 9) for r, _ in cells} | {round(top, 9)})
    (rules,) = ax.collections
    ys = sorted(round(segment[0][1], 9) for segment in rules.get_segments())
    np.testing.assert_allclose(ys, edges, atol=1e-9)


def test_no_rows_say_none():
    page = Figure(figsize=A4)
    ax = _table(page, (0.1, 0.1, 0.8, 0.3), ["a", "b"], [])
    assert [t.get_text() for t in ax.texts] == ["(none)"]
