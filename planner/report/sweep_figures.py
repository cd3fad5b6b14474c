"""A sweep's figures (matplotlib's object API, as :mod:`planner.report.figures`): the tornado chart
of each parameter's effect on one KPI, and cost against self-sufficiency with the Pareto front.

Both take the sweep's table (``variants.parquet``) and draw from the variants that finished.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from planner.report.figures import _new, _nothing
from planner.sweep.table import COLUMNS

LOW, HIGH, FRONT, OTHER = "#3b6ea8", "#f2a900", "#c62828", "#9e9e9e"


def parameters(table: pd.DataFrame) -> list[str]:
    """The varied parameters (columns ``param_<name>`` with more than one value)."""
    return [c[6:] for c in table.columns if c.startswith("param_") and table[c].nunique(dropna=False) > 1]


def main_effects(table: pd.DataFrame, kpi: str, bins: int = 4) -> pd.DataFrame:
    """Each parameter's main effect on ``kpi``: the mean KPI of the variants at each of its values
    (numbers with more than ``bins`` values: in ``bins`` equal-count bins), lowest and highest,
    and the values they were found at; largest spread first."""
    done = table[table.status == "done"] if "status" in table else table
    y = pd.to_numeric(done[kpi], errors="coerce")
    rows = []
    for name in parameters(done):
        x = done[f"param_{name}"]
        groups = x
        numeric = pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)
        if numeric and x.nunique() > bins:
            groups = pd.qcut(x, bins, duplicates="drop")
        means = y.groupby(groups, observed=True).mean().dropna()
        if len(means) < 2:
            continue
        rows.append({"parameter": name, "low": float(means.min()), "high": float(means.max()),
                     "at_low": _spell(means.idxmin()), "at_high": _spell(means.idxmax()),
                     "spread": float(means.max() - means.min())})
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "at_low", "at_high", "spread"]).sort_values(
        "spread", ascending=False, ignore_index=True)


def _spell(value) -> str:
    if isinstance(value, pd.Interval):
        return f"{value.left:.3g}-{value.right:.3g}"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def tornado(table: pd.DataFrame, kpi: str, fig: Figure | None = None) -> Figure:
    """One bar a parameter, from the lowest to the highest mean ``kpi`` over its values, around
    the mean of all variants; the values at each end are written beside the bar."""
    fig = _new(fig)
    if kpi not in table.columns:
        return _nothing(fig, f"no KPI '{kpi}' in the sweep's table")
    effects = main_effects(table, kpi)
    if effects.empty:
        return _nothing(fig, "no finished variants that differ in a parameter")
    done = table[table.status == "done"] if "status" in table else table
    centre = float(pd.to_numeric(done[kpi], errors="coerce").mean())
    ax = fig.add_subplot()
    effects = effects.iloc[::-1]
    y = np.arange(len(effects))
    ax.barh(y, effects["low"] - centre, left=centre, color=LOW, label="lowest mean")
    ax.barh(y, effects["high"] - centre, left=centre, color=HIGH, label="highest mean")
    ax.axvline(centre, color="#333", lw=0.8)
    ax.set_yticks(y, effects["parameter"])
    span = (effects["high"].max() - effects["low"].min()) or 1.0
    for k, row in enumerate(effects.itertuples()):
        if row.spread <= 1e-9 * max(abs(centre), 1.0):
            ax.text(centre + 0.01 * span, k, "no effect", ha="left", va="center", fontsize=8, color="#555")
            continue
        ax.text(row.low - 0.01 * span, k, row.at_low, ha="right", va="center", fontsize=8)
        ax.text(row.high + 0.01 * span, k, row.at_high, ha="left", va="center", fontsize=8)
    ax.set_xlim(effects["low"].min() - 0.25 * span, effects["high"].max() + 0.25 * span)
    ax.set_xlabel(f"{kpi}: {COLUMNS.get(kpi, '')}".rstrip(": "), fontsize=9)
    ax.set_title(f"Each parameter's effect on {kpi}\n(the mean over its values' variants; {len(done)} variants, "
                 f"all of them {centre:.4g})", fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def pareto_front(cost: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    """Which points no other point beats: lower or equal cost with higher or equal benefit, and
    better in one (a boolean mask)."""
    cost, benefit = np.asarray(cost, float), np.asarray(benefit, float)
    front = np.zeros(len(cost), dtype=bool)
    ok = np.isfinite(cost) & np.isfinite(benefit)
    for i in np.flatnonzero(ok):
        beaten = ok & (cost <= cost[i]) & (benefit >= benefit[i]) & ((cost < cost[i]) | (benefit > benefit[i]))
        front[i] = not beaten.any()
    return front


def pareto(table: pd.DataFrame, fig: Figure | None = None, cost: str = "annual_cost_eur",
           benefit: str = "self_sufficiency") -> Figure:
    """The community's yearly cost against its self-sufficiency, one point a variant, the Pareto
    front (no variant cheaper and more self-sufficient) marked and labelled."""
    fig = _new(fig)
    done = table[table.status == "done"] if "status" in table else table
    if done.empty or cost not in done or benefit not in done:
        return _nothing(fig, "no finished variants to compare")
    x = pd.to_numeric(done[cost], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(done[benefit], errors="coerce").to_numpy(dtype=float)
    front = pareto_front(x, y)
    ax = fig.add_subplot()
    ax.scatter(x[~front] / 1000.0, y[~front] * 100.0, color=OTHER, s=18, label="variant")
    order = np.argsort(x[front])
    ax.plot(x[front][order] / 1000.0, y[front][order] * 100.0, "-o", color=FRONT, ms=5, label="Pareto front")
    labels = done["variant"].to_numpy()[front][order] if "variant" in done else np.arange(front.sum())
    for xi, yi, label in zip(x[front][order], y[front][order], labels):
        ax.annotate(f"#{label}", (xi / 1000.0, yi * 100.0), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("yearly cost of electricity [kEUR]: grid-only bill minus the equivalent annual net benefit",
                  fontsize=8)
    ax.set_ylabel("self-sufficiency [%]")
    ax.set_title(f"Cost against self-sufficiency: {int(front.sum())} of {len(done)} variants on the Pareto front",
                 fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
