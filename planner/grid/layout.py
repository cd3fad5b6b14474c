"""Lay out a low-voltage grid from buildings, streets, consumers and units.

The method is pylovo's and ding0's (DOMAIN section 4), on the project's own geometry:

1. Connection points: every building (or parcel) with consumers or units in it, and every
   consumer or unit outside any; each hooks to the nearest street, and the street graph
   (networkx) is cut at the hooks.
2. Transformer areas: the hooks clustered on street distance (k-medoids, starting from as many
   areas as 630 kVA stations the coincident peak needs); an area whose coincident peak (or net
   feed-in) exceeds the largest transformer (with headroom), whose load moment exceeds
   ``Rules.max_load_moment_kwm`` (a first guess at the voltage drop) or whose farthest
   connection lies more than ``Rules.max_feeder_m`` along the streets from its middle, is split
   in two until none does. These first guesses err towards small areas; then neighbouring areas
   are merged while the merged area, sized by the power flow in the planning cases, holds every
   rule (loading, voltage band, drop and rise), stays within ``Rules.max_reach_m`` and the
   largest transformer, and costs less at ladder prices than the two apart (a station saved
   against the cable that joins them), as pylovo found merging small areas matched real grids.
3. The transformer sits at the street node with the smallest load-weighted street distance to
   its area's connections; the area's cables follow a Steiner tree over the street graph
   (networkx's approximation) from it to every hook.
4. Feeders are the tree's branches at the transformer; one whose coincident peak exceeds the
   largest cable is split into several feeders laid in the same trench.
5. Cables carry their route (street geometry), so lengths and the map are real; each
   connection gets a house connection cable from its hook.

Without streets the cables run straight, along a minimum spanning tree of the connections
(the same code on a Delaunay graph of the points), and the report says so. Cable types are a
first guess from each section's downstream coincident peak; :mod:`planner.grid.sizing` checks
and corrects them with the power flow.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import LineString, Point

from planner import PlannerError
from planner.grid.connections import UNIT_KINDS, Connection, connection_points
from planner.grid.equipment import Ladder, Rules, coincident_peak_kw, install_types, project_ladder
from planner.grid.street_graph import SNAP_M, _delaunay_graph, _hook, _kmedoids, _street_graph
from planner.model import Bus, Cable, ExternalGrid, Transformer

GRID_KINDS = ("switch", "external_grid", "transformer", "cable", "bus")
#: Consumers of the first-guess areas: a 630 kVA station per this much coincident peak (pylovo).
AREA_TARGET_KVA = 630.0


#: Areas split at this share of the largest transformer's rating: the planning cases' losses and
#: voltage drop add a few per cent to the power the station carries (without it, areas cut at
#: exactly the rating came out 101-102 % loaded in the sizing's power flow).
AREA_HEADROOM = 0.95
#: The ``source`` of what the layout builds: the map draws it dashed, as derived.
LAID_OUT = "derived: laid out by the planner (planner size-grid) along the streets"


class LayoutError(PlannerError):
    """A project the layout cannot work on; the message says why."""


@dataclass
class LayoutReport:
    """What the layout built."""

    connections: int = 0
    areas: list = field(default_factory=list)  # (transformer id, coincident peak kW, feed-in kW)
    feeders: int = 0
    cable_km: float = 0.0
    service_km: float = 0.0
    along_streets: bool = True
    notes: list = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text))[:40]


# ----------------------------------------------------------------------------- the layout
@dataclass
class _Site:
    """What every step of a layout works on: the connections, the street graph and its hooks,
    the street distances from every hook, and the planning figures of a set of hooks."""

    connections: list
    graph: object
    hooks: list
    component: np.ndarray
    n_comp: int
    distances: np.ndarray  # (n_hooks, n_nodes) street distance from each hook node
    hook_nodes: np.ndarray
    position: dict
    at_hook: dict
    nx_graph: object
    rules: Rules
    largest_kw: float

    def peak(self, hook_set) -> tuple[float, float]:
        """(coincident peak load, net feed-in) of the connections at these hooks [kW]."""
        cons = [c for h in hook_set for i in self.at_hook[int(h)] for c in self.connections[i].consumers]
        load = coincident_peak_kw(cons, self.rules)
        feed = sum(self.connections[i].generation_kw(self.rules) for h in hook_set for i in self.at_hook[int(h)])
        return load, max(0.0, feed - self.rules.feed_in_load_share * load)

    def weights(self, hook_set) -> np.ndarray:
        out = []
        for h in hook_set:
            load, feed = self.peak([h])
            out.append(max(load, feed, 1.0))
        return np.array(out)

    def rows(self, area) -> np.ndarray:
        return np.array([self.position[int(h)] for h in area])

    def area(self, hooks, comp) -> "_Area":
        """An area of these hooks: its station node, figures and reach."""
        hooks = np.asarray(sorted(int(h) for h in hooks))
        rows = self.rows(hooks)
        weights = self.weights(hooks)
        load, feed = self.peak(hooks)
        node = _station_node(self.distances[rows], weights, self.component == comp)
        to_station = self.distances[rows, node]
        moment = max(load, feed) / max(weights.sum(), 1e-9) * float(weights @ to_station)
        return _Area(hooks, node, load, feed, comp, float(to_station.max()), moment)


@dataclass
class _Area:
    hooks: np.ndarray
    node: int
    load: float
    feed: float
    comp: int
    reach: float  # farthest hook from the station along the streets [m]
    moment: float  # load moment [kW m]

    @property
    def key(self) -> frozenset:
        return frozenset(int(h) for h in self.hooks)


def lay_out(project, rules: Rules | None = None, ladder: Ladder | None = None, *,
            replace_grid: bool = False, merge: bool = True, progress=None) -> LayoutReport:
    """Lay a new grid into ``project`` (in place) and return what was built.

    Areas are first split wherever a first-guess rule asks (see the module docstring); then,
    with ``merge``, neighbouring areas are merged while the merged area, sized by the power flow
    (:func:`planner.grid.sizing.size_grid`, the planning cases), holds every rule, stays within
    ``Rules.max_reach_m`` and the largest transformer, and costs less than the two apart at
    ladder prices (one station fewer against the cable that joins them).

    Raises
    ------
    LayoutError
        When the project has a grid and ``replace_grid`` is false, or nothing to connect.
    """
    rules = rules or Rules()
    ladder = ladder or project_ladder(project)
    say = progress or (lambda text: None)
    if any(len(project.items(k)) for k in ("bus", "cable", "transformer")):
        if not replace_grid:
            raise LayoutError("the project has a grid already: size-grid reinforces it; to lay out a new one "
                              "in its place, ask for a new layout (--new-layout)")
        _remove_grid(project)
    connections, notes = connection_points(project)
    if not connections:
        raise LayoutError("nothing to connect: the project has no consumers or units with a place")
    report = LayoutReport(connections=len(connections), notes=notes)
    site = _prepare(project, connections, rules, ladder, report)
    install_types(project, ladder)
    areas = _split(site, ladder, report)
    if merge and len(areas) > 1:
        from planner.grid.layout_merge import merge_areas

        areas = merge_areas(project, site, areas, rules, ladder, report, say)
    _build(project, site, areas, rules, ladder, report)
    return report


def _prepare(project, connections, rules, ladder, report) -> _Site:
    """The street graph (or straight lines), hooks and distances of a layout."""
    import networkx as nx
    from scipy.sparse.csgraph import connected_components, dijkstra

    points = [c.point for c in connections]
    streets = [s.geometry for s in project.items("street").values() if s.geometry is not None]
    if streets:
        graph, segments, left_out = _street_graph(streets)
        hooks = _hook(graph, segments, points)
        if left_out:
            report.notes.append(f"{left_out} street piece(s) touch no other street and carry no cable (the "
                                f"largest connected street network does)")
    else:
        graph, hooks = _delaunay_graph(points)
        report.along_streets = False
        report.notes.append("the project has no streets: cables run straight between the connections "
                            "(a minimum spanning tree), not along streets")
    matrix = graph.csr()
    n_comp, component = connected_components(matrix, directed=False)
    largest = ladder.transformers[-1]
    largest_kw = largest.sn_mva * 1000.0 * rules.max_loading_percent / 100.0 * AREA_HEADROOM
    nx_graph = nx.Graph()
    for (a, b), w in graph.edges.items():
        nx_graph.add_edge(a, b, weight=w)
    hook_nodes = np.array(sorted(set(hooks)))
    at_hook: dict[int, list[int]] = {}
    for i, h in enumerate(hooks):
        at_hook.setdefault(h, []).append(i)
    distances = dijkstra(matrix, directed=False, indices=hook_nodes)  # (n_hooks, n_nodes)
    position = {int(h): i for i, h in enumerate(hook_nodes)}
    return _Site(connections, graph, hooks, component, n_comp, distances, hook_nodes, position, at_hook,
                 nx_graph, rules, largest_kw)


def _split(site: _Site, ladder: Ladder, report: LayoutReport) -> list[_Area]:
    """Areas by weighted k-medoids on street distance, split in two until each keeps the
    first-guess rules: the largest transformer (with headroom), ``Rules.max_feeder_m`` and the
    load moment."""
    rules = site.rules
    areas = []
    for comp in range(site.n_comp):
        members = site.hook_nodes[site.component[site.hook_nodes] == comp]
        if not len(members):
            continue
        sub = site.distances[np.ix_(site.rows(members), members)]
        load, feed = site.peak(members)
        k = max(1, math.ceil(max(load, feed) / AREA_TARGET_KVA))
        labels = _kmedoids(sub, site.weights(members), k)
        queue = [members[labels == c] for c in np.unique(labels)]
        while queue:
            hooks = queue.pop()
            area = site.area(hooks, comp)
            too_big = max(area.load, area.feed) > site.largest_kw
            if (too_big or area.reach > rules.max_feeder_m or area.moment > rules.max_load_moment_kwm) \
                    and len(hooks) > 1:
                sub = site.distances[np.ix_(site.rows(area.hooks), area.hooks)]
                labels = _kmedoids(sub, site.weights(area.hooks), 2)
                if len(np.unique(labels)) == 2:
                    queue.extend(area.hooks[labels == c] for c in (0, 1))
                    continue
            if too_big:
                report.notes.append(f"a connection point alone needs {max(area.load, area.feed):,.0f} kW, more than "
                                    f"the largest transformer ({ladder.transformers[-1].id}): sizing will report it")
            areas.append(area)
    return areas


def _build(project, site: _Site, areas: list[_Area], rules: Rules, ladder: Ladder, report: LayoutReport, *,
           numbered: bool = True) -> list[str]:
    """Buses, cables, transformers and upstream connections of every area into ``project``;
    returns each area's name (``area-N`` west to east when ``numbered``, else by position)."""
    import networkx as nx

    cable_guess = _cable_guess(ladder)
    order = sorted(range(len(areas)), key=lambda k: site.graph.coords[areas[k].node]) if numbered else \
        list(range(len(areas)))
    names = [""] * len(areas)
    for number, k in enumerate(order, start=1):
        area = areas[k]
        name = f"area-{number}" if numbered else f"trial{k}"
        names[k] = name
        terminals = sorted({int(h) for h in area.hooks} | {int(area.node)})
        tree = nx.Graph()
        tree.add_node(int(area.node))
        if len(terminals) > 1:
            # the street graph near the area: every shortest path between two of its hooks (or the
            # station) keeps within the area's reach of one of them, so the tree is the same as on
            # the whole town's graph, found in a fraction of the time
            near = site.distances[site.rows(area.hooks)].min(axis=0) <= area.reach + 1.0
            piece = site.nx_graph.subgraph(np.flatnonzero(near & (site.component == area.comp)).tolist())
            tree = nx.algorithms.approximation.steiner_tree(piece, terminals, weight="weight", method="mehlhorn")
        trafo_type = next((t for t in ladder.transformers if t.sn_mva * 1000.0 >= max(area.load, area.feed)),
                          ladder.transformers[-1])
        _, feeders = _build_area(project, name, site.graph, tree, int(area.node), area.hooks, site.at_hook,
                                 site.connections, rules, ladder, site.largest_kw, cable_guess, trafo_type, report)
        report.areas.append((f"{name}-trafo", area.load, area.feed))
        report.feeders += feeders
    return names


def _station_node(rows: np.ndarray, weights: np.ndarray, allowed: np.ndarray) -> int:
    """The node with the smallest load-weighted street distance to the area's hooks."""
    cost = weights @ np.where(np.isfinite(rows), rows, 1e12)
    cost = np.where(allowed, cost, np.inf)
    return int(np.argmin(cost))


def _cable_guess(ladder: Ladder):
    """The smallest type (and parallel count) whose rating carries a load [kW] at 0.4 kV."""
    def guess(kw: float) -> tuple[str, int]:
        for parallel in range(1, ladder.max_parallel + 1):
            for cable in ladder.cables:
                if ladder.cable_kw(cable.id, parallel) >= kw:
                    return cable.id, parallel
        return ladder.cables[-1].id, ladder.max_parallel
    return guess


def _build_area(project, name, graph, tree, root, area, at_hook, connections, rules, ladder, largest_cable_kw,
                cable_guess, trafo_type, report) -> tuple[str, int]:
    """Buses, cables, transformer and upstream connection of one area; returns (LV bus id, feeders)."""
    import networkx as nx

    x, y = graph.coords[root]
    mv, lv = f"{name}-mv", f"{name}-lv"
    project.add(Bus(id=mv, geometry=Point(x, y), vn_kv=trafo_type.vn_hv_kv, kind="mv", zone=name, source=LAID_OUT))
    project.add(Bus(id=lv, geometry=Point(x, y), vn_kv=trafo_type.vn_lv_kv, kind="busbar", zone=name, source=LAID_OUT))
    project.add(Transformer(id=f"{name}-trafo", geometry=Point(x, y), hv_bus=mv, lv_bus=lv, std_type=trafo_type.id,
                            source=LAID_OUT))
    project.add(ExternalGrid(id=f"{name}-upstream", geometry=Point(x, y), bus_id=mv, source=LAID_OUT))
    hooks = {int(h) for h in area}
    parent = {child: par for par, child in nx.bfs_edges(tree, root)} if tree.number_of_nodes() > 1 else {}
    children: dict[int, list[int]] = {}
    for child, par in parent.items():
        children.setdefault(par, []).append(child)

    def hook_load(h) -> tuple[list, float]:
        cons = [c for i in at_hook.get(h, []) for c in connections[i].consumers]
        gen = sum(connections[i].generation_kw(rules) for i in at_hook.get(h, []))
        return cons, gen

    def demand(hook_list) -> float:
        cons, gen = [], 0.0
        for h in hook_list:
            c, g = hook_load(h)
            cons += c
            gen += g
        load = coincident_peak_kw(cons, rules)
        return max(load, gen - rules.feed_in_load_share * load)

    # feeders: the branches at the root, split where one exceeds the largest cable
    groups = []
    for branch in children.get(root, []):
        below = [n for n in nx.dfs_preorder_nodes(tree.subgraph(_subtree(children, branch)), branch) if n in hooks]
        group: list[int] = []
        for h in below:
            if group and demand(group + [h]) > largest_cable_kw:
                groups.append(group)
                group = []
            group.append(h)
        if group:
            groups.append(group)
    bus_at: dict[tuple[int, int], str] = {}
    hook_bus: dict[int, str] = {root: lv}
    for g, group in enumerate(groups, start=1):
        nodes = set()
        for h in group:
            n = h
            while n != root:
                nodes.add(n)
                n = parent[n]
        sub_children = {n: [c for c in children.get(n, []) if c in nodes] for n in [root, *nodes]}
        keep = {n for n in nodes if n in group or len(sub_children[n]) != 1}

        def bus_of(n, g=g):
            if n == root:
                return lv
            key = (g, n)
            if key not in bus_at:
                bus_at[key] = f"{name}-f{g}-n{n}"
                bx, by = graph.coords[n]
                project.add(Bus(id=bus_at[key], geometry=Point(bx, by), vn_kv=0.4, zone=name, source=LAID_OUT))
                if n in group:
                    hook_bus[n] = bus_at[key]
            return bus_at[key]

        hooks_below: dict[int, list[int]] = {}
        for n in _postorder(sub_children, root):
            hooks_below[n] = ([n] if n in group else []) + [h for c in sub_children[n] for h in hooks_below[c]]
        stack = [(root, c) for c in sub_children[root]]
        while stack:
            start, first = stack.pop()
            path = [start, first]
            while path[-1] not in keep:
                (nxt,) = sub_children[path[-1]]
                path.append(nxt)
            end = path[-1]
            route = LineString([graph.coords[n] for n in path])
            kind, parallel = cable_guess(demand(hooks_below[end]))
            project.add(Cable(id=f"{name}-f{g}-c{end}", geometry=route, from_bus=bus_of(start), to_bus=bus_of(end),
                              std_type=kind, parallel=parallel, source=LAID_OUT))
            report.cable_km += route.length / 1000.0
            stack.extend((end, c) for c in sub_children[end])
    # house connections
    for h in sorted(hooks):
        at = hook_bus[h]
        hx, hy = graph.coords[h]
        for i in at_hook[h]:
            connection = connections[i]
            point = connection.point
            if point.distance(Point(hx, hy)) < SNAP_M:
                target = at
            else:
                target = f"{name}-{_slug(connection.id)}"
                project.add(Bus(id=target, geometry=point, vn_kv=0.4, zone=name, source=LAID_OUT))
                route = LineString([(hx, hy), (point.x, point.y)])
                kind, parallel = cable_guess(demand([h]) if len(at_hook[h]) == 1 else _one(connection, rules))
                project.add(Cable(id=f"{target}-service", geometry=route, from_bus=at, to_bus=target,
                                  std_type=kind, parallel=parallel, source=LAID_OUT))
                report.service_km += route.length / 1000.0
            _connect(project, connection, target)
    return lv, len(groups)


def _one(connection: Connection, rules: Rules) -> float:
    load = coincident_peak_kw(connection.consumers, rules)
    return max(load, connection.generation_kw(rules) - rules.feed_in_load_share * load)


def _subtree(children, top) -> set:
    out, stack = set(), [top]
    while stack:
        n = stack.pop()
        out.add(n)
        stack.extend(children.get(n, []))
    return out


def _postorder(children, root) -> list:
    out, stack = [], [(root, False)]
    while stack:
        n, done = stack.pop()
        if done:
            out.append(n)
            continue
        stack.append((n, True))
        stack.extend((c, False) for c in children.get(n, []))
    return out


def _connect(project, connection: Connection, bus_id: str) -> None:
    from dataclasses import replace

    for consumer in connection.consumers:
        project._put(replace(consumer, bus_id=bus_id))
    for kind, unit in connection.units:
        project._put(replace(unit, bus_id=bus_id))


def _remove_grid(project) -> None:
    from dataclasses import replace

    for kind in GRID_KINDS:
        for id_ in list(project.items(kind)):
            project._remove(kind, id_)
    for kind in ("consumer", *UNIT_KINDS):
        for entity in list(project.items(kind).values()):
            if entity.bus_id is not None:
                project._put(replace(entity, bus_id=None))
