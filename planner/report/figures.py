"""The run's figures, drawn with matplotlib's object API (no pyplot, no global state): the app
puts them on a Qt canvas, the report on PDF pages, so both show the same picture.

Each function takes :class:`~planner.report.results.Results` (and a figure to draw into, or
makes one) and returns the figure; with nothing to show it says so on the figure itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

GENERATION, DEMAND, LOCAL, IMPORT = "#f2a900", "#3b6ea8", "#4caf50", "#9e9e9e"
SCHEME_NAMES = {"grid_only": "grid only", "net_billing": "net billing", "net_metering_monthly": "net metering (monthly)",
                "net_metering_yearly": "net metering (yearly)", "sdr": "P2P pool (SDR)", "mmr": "P2P pool (MMR)",
                "bill_sharing": "bill sharing", "bilateral+sdr": "bilateral contracts + SDR",
                "allocation_static": "static allocation", "allocation_dynamic": "dynamic allocation"}
FIGURES = {}


def figure(title: str):
    """Register a figure function under its title (the app's list and the report use it)."""
    def register(func):
        FIGURES[title] = func
        return func
    return register


def _new(fig: Figure | None, size=(7.5, 4.2)) -> Figure:
    if fig is None:
        fig = Figure(figsize=size, layout="constrained")
    fig.clear()
    return fig


def _nothing(fig: Figure, text: str) -> Figure:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, color="#555")
    return fig


def _totals(res):
    return res.totals


@figure("Monthly energy balance")
def monthly_balance(res, fig: Figure | None = None) -> Figure:
    """Generation, demand and the part used inside the community (min of the two each step) by month."""
    fig = _new(fig)
    generation, demand = _totals(res)
    if generation is None:
        return _nothing(fig, "no time series in these results")
    h = res.step_h
    local = np.minimum(generation, demand)
    frame = pd.DataFrame({"generation": generation, "demand": demand, "local": local}) * h / 1000.0
    months = frame.groupby(frame.index.month).sum()
    ax = fig.add_subplot()
    x = np.arange(len(months))
    ax.bar(x - 0.3, months["generation"], 0.3, label="generation", color=GENERATION)
    ax.bar(x, months["demand"], 0.3, label="demand", color=DEMAND)
    ax.bar(x + 0.3, months["local"], 0.3, label="used inside the community", color=LOCAL)
    ax.set_xticks(x, ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][:len(x)])
    ax.set_ylabel("MWh")
    ax.set_title("Monthly energy balance")
    ax.legend(frameon=False, fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return fig


@figure("Typical summer and winter days")
def typical_days(res, fig: Figure | None = None) -> Figure:
    """Mean generation and demand by hour of day, June to August and December to February."""
    fig = _new(fig)
    generation, demand = _totals(res)
    if generation is None:
        return _nothing(fig, "no time series in these results")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (name, months) in zip(axes, (("Summer (Jun-Aug)", (6, 7, 8)), ("Winter (Dec-Feb)", (12, 1, 2)))):
        keep = generation.index.month.isin(months)
        hours = generation.index.hour[keep]
        ax.plot(generation[keep].groupby(hours).mean(), color=GENERATION, label="generation", lw=2)
        ax.plot(demand[keep].groupby(hours).mean(), color=DEMAND, label="demand", lw=2)
        ax.set_title(name)
        ax.set_xlabel("hour of day")
        ax.set_xticks([0, 6, 12, 18, 23])
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("kW (mean)")
    axes[0].legend(frameon=False, fontsize="small")
    return fig


@figure("Transformer load-duration curves")
def load_duration(res, fig: Figure | None = None) -> Figure:
    """Each transformer's loading over the year, sorted from the highest step down, with its limit."""
    fig = _new(fig)
    loading = res.trafo_loading
    if loading is None or not len(loading.columns):
        return _nothing(fig, "the project has no grid: no transformer loading")
    ax = fig.add_subplot()
    hours = np.arange(1, len(loading) + 1) * res.step_h
    # each sorted curve at 1,000 points, its first (the year's highest) and last kept: a page's
    # width shows no more, and the legend's placement tests every point drawn (0.15 s of the
    # page at 8,760 points, 35,040 at 15 minutes)
    keep = np.unique(np.linspace(0, len(loading) - 1, min(len(loading), 1000)).round().astype(int))
    for column in loading.columns:
        ax.plot(hours[keep], np.sort(loading[column].to_numpy())[::-1][keep], lw=1.2, label=str(column))
    ax.axhline(100.0, color="#b00020", ls="--", lw=1, label="rating")
    ax.set_xlabel("hours of the year at or above")
    ax.set_ylabel("loading (%)")
    ax.set_title("Transformer load-duration curves")
    if len(loading.columns) <= 16:
        ax.legend(frameon=False, fontsize="x-small", ncol=2)
    ax.grid(alpha=0.3)
    return fig


@figure("Member bills under each scheme")
def bills_by_scheme(res, fig: Figure | None = None) -> Figure:
    """What each member pays a year under every settlement scheme (bars for a few members, the
    spread for many)."""
    fig = _new(fig)
    members = res.members
    if members is None or not len(members):
        return _nothing(fig, "no member results")
    table = members.pivot_table(index="member_id", columns="scheme", values="bill_eur", aggfunc="sum")
    schemes = [s for s in SCHEME_NAMES if s in table.columns] + [s for s in table.columns if s not in SCHEME_NAMES]
    table = table[schemes]
    ax = fig.add_subplot()
    labels = [SCHEME_NAMES.get(s, s) for s in schemes]
    if len(table) <= 12:
        width = 0.8 / len(table)
        x = np.arange(len(schemes))
        for i, (member, row) in enumerate(table.iterrows()):
            ax.bar(x + (i - (len(table) - 1) / 2) * width, row.to_numpy(), width, label=str(member))
        ax.legend(frameon=False, fontsize="x-small", ncol=3)
        ax.set_xticks(x, labels, rotation=25, ha="right")
    else:
        ax.boxplot([table[s].dropna().to_numpy() for s in schemes], showfliers=False)
        ax.set_xticks(np.arange(1, len(schemes) + 1), labels, rotation=25, ha="right")
        ax.set_title(f"{len(table):,} members", fontsize="small", loc="right")
    ax.axhline(0.0, color="#333", lw=0.8)
    ax.set_ylabel("EUR a year (negative: the member is paid)")
    ax.set_title("Member bills under each scheme", loc="left")
    ax.grid(axis="y", alpha=0.3)
    return fig


def lorenz_points(values) -> tuple[np.ndarray, np.ndarray]:
    """The Lorenz curve of non-negative values: cumulative share of members and of the total."""
    x = np.sort(np.clip(np.asarray(values, dtype=float), 0.0, None))
    total = x.sum()
    share = np.r_[0.0, np.cumsum(x) / total] if total > 0 else np.linspace(0.0, 1.0, len(x) + 1)
    return np.linspace(0.0, 1.0, len(x) + 1), share


@figure("Distribution of benefits")
def lorenz(res, fig: Figure | None = None) -> Figure:
    """The Lorenz curve of members' savings under the benefit scheme, with its Gini index."""
    fig = _new(fig, size=(5.5, 4.2))
    members = res.members
    scheme = res.summary.get("indexes", {}).get("benefit_scheme", "sdr")
    if members is None or scheme not in set(members.scheme):
        return _nothing(fig, "no member savings")
    # consumers without a member are settled together as "community": not a member to compare
    rows = members[(members.scheme == scheme) & (members.member_id.astype(str) != "community")]
    savings = rows.savings_eur.to_numpy(dtype=float)
    if not len(savings):
        return _nothing(fig, "no members to compare\n(consumers without a\nmember are settled\ntogether)")
    if not (savings > 0).any():
        return _nothing(fig, f"no member saves under the {SCHEME_NAMES.get(scheme, scheme)}:\nno benefits to share out")
    ax = fig.add_subplot()
    x, y = lorenz_points(savings)
    ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--", label="equal shares")
    ax.plot(x, y, color=LOCAL, lw=2, label="members' savings")
    ax.fill_between(x, y, x, color=LOCAL, alpha=0.15)
    gini = res.summary.get("indexes", {}).get("gini")
    label = f", Gini {gini:.2f}" if gini is not None else ""
    ax.set_title(f"Savings under the {SCHEME_NAMES.get(scheme, scheme)}{label}", fontsize="medium")
    ax.set_xlabel("share of members (lowest savings first)")
    ax.set_ylabel("share of the savings")
    ax.set_aspect("equal")
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    if (savings < 0).any():
        ax.text(0.98, 0.02, f"{int((savings < 0).sum())} member(s) lose; counted as 0 in the curve",
                ha="right", va="bottom", fontsize="x-small", transform=ax.transAxes)
    return fig


def _frame(ax) -> None:
    """Fit the view to what is drawn, with a margin for the markers at its edge; a long, thin
    plan is widened so that the map is not a sliver."""
    ax.margins(0.06)
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width, height = x1 - x0, y1 - y0
    if width < height / 1.5:
        mid = (x0 + x1) / 2.0
        ax.set_xlim(mid - height / 3.0, mid + height / 3.0)
    elif height < width / 1.5:
        mid = (y0 + y1) / 2.0
        ax.set_ylim(mid - width / 3.0, mid + width / 3.0)


def _one_path(parts: list[np.ndarray], closed: bool):
    """One matplotlib path of ``parts`` (each an (n, 2) array of vertices): a move to each part's
    first vertex, lines to the others, closed polygons ending in a close."""
    from matplotlib.path import Path

    parts = [p for p in parts if len(p) >= 2]
    if closed:  # every ring turning the same way: filled under the nonzero rule, two overlapping
        # rings of opposite turns would cancel (a hole where two parcels overlap)
        parts = [p[::-1] if np.sum(p[:-1, 0] * p[1:, 1] - p[1:, 0] * p[:-1, 1]) < 0 else p for p in parts]
    vertices = np.concatenate(parts) if parts else np.zeros((0, 2))
    codes = np.full(len(vertices), Path.LINETO, dtype=Path.code_type)
    starts = np.cumsum([0] + [len(p) for p in parts[:-1]]).astype(int)
    codes[starts] = Path.MOVETO
    if closed and len(parts):
        ends = np.cumsum([len(p) for p in parts]).astype(int) - 1
        codes[ends] = Path.CLOSEPOLY
    return Path(vertices, codes)


def _add_path(ax, path, **style) -> None:
    """``path`` drawn on ``ax`` as a patch, the data limits taken from its vertices (``add_patch``
    walks a path of thousands of parts segment by segment in Python: 0.1 s for the sample's)."""
    from matplotlib.patches import PathPatch

    ax.add_artist(PathPatch(path, **style))
    if len(path.vertices):
        ax.update_datalim(path.vertices)


def project_map(project, fig: Figure | None = None, size=(7.5, 6.0)) -> Figure:
    """The project on a map (its CRS, metres): parcels, buildings, streets, cables and units."""
    import shapely

    fig = _new(fig, size=size)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.set_facecolor("#f4f1ea")

    derived_any = [False]

    # each kind's outlines or lines drawn as one path of many parts, not a collection of one path
    # per object: the PDF backend writes a collection's paths one by one (0.25 s of the cover
    # for the sample's 3,000 cables and streets), one path at once; the page looks the same

    def polygons(kind, face, edge):
        for derived, style in ((False, "solid"), (True, ":")):
            rings = [np.asarray(part.exterior.coords)[:, :2] for e in project.items(kind).values()
                     if e.is_derived == derived for part in shapely.get_parts(e.geometry)
                     if part.geom_type == "Polygon"]
            if rings:
                derived_any[0] |= derived
                _add_path(ax, _one_path(rings, closed=True), facecolor=face, edgecolor=edge, linewidth=0.3,
                          linestyle=style)

    def lines(kind, colour, width):
        for derived, style in ((False, "solid"), (True, ":")):
            segments = [np.asarray(part.coords)[:, :2] for e in project.items(kind).values()
                        if e.geometry is not None and e.is_derived == derived
                        for part in shapely.get_parts(e.geometry)]
            if segments:
                derived_any[0] |= derived
                _add_path(ax, _one_path(segments, closed=False), fill=False, edgecolor=colour, linewidth=width,
                          linestyle=style)

    polygons("parcel", "#dfe9d0", "#8aa17a")
    lines("street", "#b5b5b5", 0.6)
    polygons("building", "#d9cbb8", "#6d6258")
    lines("cable", "#1f5fa8", 0.9)
    for kind, colour, marker, size_ in (("transformer", "#f28e2b", "s", 40), ("pv_unit", "#f2c200", "s", 14),
                                        ("wind_turbine", "#4fc3f7", "D", 40), ("chp_unit", "#e53935", "o", 40),
                                        ("battery", "#43a047", "s", 30)):
        points = [e.geometry for e in project.items(kind).values() if e.geometry is not None]
        if points:
            ax.scatter([p.x for p in points], [p.y for p in points], s=size_, c=colour, marker=marker,
                       edgecolors="#333", linewidths=0.4, zorder=3, label=kind.replace("_", " "))
    _frame(ax)
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.tick_params(labelsize="x-small")
    ax.set_xlabel(f"{project.site.crs}, m", fontsize="x-small")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=True, fontsize="x-small", loc="upper right")
    if project.attribution:
        ax.text(0.01, 0.01, project.attribution, transform=ax.transAxes, fontsize="xx-small", color="#444")
    if derived_any[0]:
        ax.text(0.01, 0.035, "dotted: derived or assumed (laid out by the planner or a script), not surveyed",
                transform=ax.transAxes, fontsize="xx-small", color="#444")
    return fig

def proposal_map(project, units, fig: Figure | None = None, size=(7.5, 6.0)) -> Figure:
    """Where proposed ``units`` go (``planner optimise``): the project as it is, and on it the
    proposed PV, batteries, CHP (with the heat network it serves) and wind turbines, larger and
    outlined, and the drawn wind sites."""
    from matplotlib.patches import Circle

    fig = project_map(project, fig, size=size)
    ax = fig.axes[0]
    homes = [c.geometry.centroid for c in project.items("consumer").values() if c.geometry is not None]
    if homes:
        ax.scatter([p.x for p in homes], [p.y for p in homes], s=6, c="#9e9e9e", marker="o", linewidths=0, zorder=2,
                   label="consumer")
    styles = {"pv_unit": ("proposed PV", "#f2c200", "s", 36), "battery": ("proposed battery", "#43a047", "s", 70),
              "chp_unit": ("proposed CHP", "#e53935", "o", 90), "wind_turbine": ("proposed turbine", "#4fc3f7", "D", 90)}
    for kind, (label, colour, marker, size_) in styles.items():
        points = [u.geometry for u in units if u.KIND == kind and u.geometry is not None]
        if points:
            ax.scatter([p.x for p in points], [p.y for p in points], s=size_, c=colour, marker=marker,
                       edgecolors="black", linewidths=1.2, zorder=5, label=label)
    for unit in units:
        if unit.KIND == "chp_unit" and unit.geometry is not None and unit.heat_radius_m:
            ax.add_patch(Circle((unit.geometry.x, unit.geometry.y), unit.heat_radius_m, fill=False, linestyle="--",
                                edgecolor="#e53935", linewidth=0.8, zorder=4))
    sites = [w.geometry for w in project.items("wind_site").values() if w.geometry is not None]
    if sites:
        ax.scatter([p.x for p in sites], [p.y for p in sites], s=150, facecolors="none", edgecolors="#005f73",
                   marker="D", linewidths=1.2, zorder=4, label="wind site")
    _frame(ax)  # again: the proposed units and heat networks may reach past the project as it was
    ax.legend(frameon=True, framealpha=0.85, fontsize="x-small", loc="best")
    ax.set_title(f"Where the {len(units)} proposed unit(s) go (outlined; dashed: a CHP's heat network)",
                 fontsize="small")
    return fig


from planner.report import electrification as _electrification  # noqa: E402,F401  (registers its figure)
