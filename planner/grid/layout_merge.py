"""The layout's second step: merge neighbouring transformer areas while the merged one holds
every rule in the power flow and costs less (see :mod:`planner.grid.layout`, step 2)."""

from __future__ import annotations

import math

import numpy as np

from planner.grid.equipment import Ladder, Rules
from planner.grid.layout import LayoutReport, _Area, _build, _Site


def merge_areas(project, site: _Site, areas: list[_Area], rules: Rules, ladder: Ladder, report: LayoutReport,
           say) -> list[_Area]:
    """Merge neighbouring areas while the merged one holds every rule and costs less.

    Each round pairs every area with its nearest untried neighbour along the streets (pairs
    that share no area), lays the whole grid out on a scratch copy with those pairs merged and
    sizes it by the power flow; the areas are electrically apart (one transformer and upstream
    connection each), so each merged pair is judged on its own: kept when the sizing leaves no
    limit broken in it, its reach is within ``Rules.max_reach_m`` and it costs less than the two
    areas did, sized the same way. Stops when a round keeps nothing new to try."""
    cost: dict[frozenset, tuple[float, bool]] = {}
    cost.update(_area_costs(project, site, areas, rules, ladder))
    tried: set[frozenset] = set()
    merged_any = 0
    rounds = 0
    while True:
        pairs = []
        for i, a in enumerate(areas):
            for b in areas[i + 1:]:
                if a.comp != b.comp or frozenset((a.key, b.key)) in tried:
                    continue
                gap = float(site.distances[np.ix_(site.rows(a.hooks), b.hooks)].min())
                pairs.append((gap, a, b))
        pairs.sort(key=lambda p: p[0])
        chosen, used = [], set()
        for gap, a, b in pairs:
            if a.key in used or b.key in used:
                continue
            tried.add(frozenset((a.key, b.key)))
            union = site.area(np.r_[a.hooks, b.hooks], a.comp)
            if max(union.load, union.feed) > site.largest_kw or union.reach > rules.max_reach_m:
                continue
            chosen.append((a, b, union))
            used.update((a.key, b.key))
        if not chosen:
            break
        rounds += 1
        say(f"layout: trying {len(chosen)} merge(s) of neighbouring areas (round {rounds})")
        figures = _area_costs(project, site, [u for _, _, u in chosen], rules, ladder,
                              bound={u.key: cost[a.key][0] + cost[b.key][0] for a, b, u in chosen})
        kept = set()
        for a, b, union in chosen:
            merged_cost, holds = figures.get(union.key, (math.inf, False))
            apart = cost[a.key][0] + cost[b.key][0]
            if holds and merged_cost < apart:
                kept.add(union.key)
                cost[union.key] = (merged_cost, holds)
        if not kept:
            continue
        merged_any += len(kept)
        keep_out = {x.key for a, b, u in chosen if u.key in kept for x in (a, b)}
        areas = [x for x in areas if x.key not in keep_out] + [u for _, _, u in chosen if u.key in kept]
    if merged_any:
        report.notes.append(f"{merged_any} pair(s) of neighbouring areas merged: the merged area holds every rule in "
                            f"the power flow and costs less than one station more")
    return areas


def _area_costs(project, site: _Site, areas: list[_Area], rules: Rules, ladder: Ladder, *,
                bound: dict | None = None) -> dict:
    """{area key: (cost at ladder prices [EUR], holds every rule)} of each area, laid out and sized
    together on a scratch copy of ``project`` (sized by the planning cases' power flow; the areas
    are electrically apart, so each is sized as if alone). With ``bound`` (area key -> EUR), an
    area whose first-guess cost already reaches its bound is left out: sizing only upgrades, so
    it cannot come out cheaper; when none is left, nothing is sized."""
    from planner.grid.grid_costs import area_cost
    from planner.grid.sizing import size_grid

    scratch = project.snapshot()
    names = _build(scratch, site, areas, rules, ladder, LayoutReport(), numbered=False)
    if bound is not None:
        hopeful = [a for a, name in zip(areas, names) if area_cost(scratch, ladder, rules, f"{name}-") < bound[a.key]]
        if not hopeful:
            return {}
        if len(hopeful) < len(areas):
            areas = hopeful
            scratch = project.snapshot()
            names = _build(scratch, site, areas, rules, ladder, LayoutReport(), numbered=False)
    result = size_grid(scratch, rules, ladder, new_grid=True)
    broken_everywhere = any(v.kind == "grid" for v in result.violations_after)
    out = {}
    for area, name in zip(areas, names):
        broken = broken_everywhere or any(v.element.startswith(f"{name}-") for v in result.violations_after)
        out[area.key] = (area_cost(scratch, ladder, rules, f"{name}-"), not broken)
    return out
