"""The street graph of a layout: streets noded at their crossings, cut where connections hook on;
straight Delaunay edges where there are no streets; weighted k-medoids on its distances."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString

#: Hooks closer than this to a street node use the node [m].
SNAP_M = 0.5


class _Graph:
    """Nodes (coordinates) and undirected weighted edges, growing as hooks cut them."""

    def __init__(self):
        self.coords: list[tuple[float, float]] = []
        self.index: dict[tuple[float, float], int] = {}
        self.edges: dict[tuple[int, int], float] = {}

    def node(self, x: float, y: float) -> int:
        key = (round(x, 2), round(y, 2))
        if key not in self.index:
            self.index[key] = len(self.coords)
            self.coords.append((float(x), float(y)))
        return self.index[key]

    def add_edge(self, a: int, b: int, length: float | None = None) -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b))
        if length is None:
            (xa, ya), (xb, yb) = self.coords[a], self.coords[b]
            length = math.hypot(xb - xa, yb - ya)
        self.edges[key] = max(float(length), 1e-3)

    def csr(self):
        from scipy.sparse import csr_matrix

        n = len(self.coords)
        if not self.edges:
            return csr_matrix((n, n))
        pairs = np.array(list(self.edges), dtype=np.int64)
        weights = np.array(list(self.edges.values()))
        rows = np.r_[pairs[:, 0], pairs[:, 1]]
        cols = np.r_[pairs[:, 1], pairs[:, 0]]
        return csr_matrix((np.r_[weights, weights], (rows, cols)), shape=(n, n))


def _street_graph(streets) -> tuple[_Graph, list[tuple[int, int]], int]:
    """The streets noded at their crossings, as a graph, keeping its largest connected network
    (footpaths and private ways that touch no other street would make islands of their own); its
    segments (node pairs); and how many street pieces were left out."""
    from scipy.sparse.csgraph import connected_components

    whole = _Graph()
    noded = shapely.union_all(np.asarray(streets, dtype=object))
    for part in shapely.get_parts(noded):
        if shapely.get_type_id(part) != 1:
            continue
        ids = [whole.node(x, y) for x, y in shapely.get_coordinates(part)]
        for a, b in zip(ids[:-1], ids[1:]):
            whole.add_edge(a, b)
    n, label = connected_components(whole.csr(), directed=False)
    pairs = list(whole.edges)
    length = np.bincount([label[a] for a, _ in pairs], weights=list(whole.edges.values()), minlength=n)
    main = int(np.argmax(length))
    graph, segments = _Graph(), []
    for a, b in pairs:
        if label[a] == main:
            u, v = graph.node(*whole.coords[a]), graph.node(*whole.coords[b])
            graph.add_edge(u, v, whole.edges[(a, b)])
            segments.append((u, v))
    left_out = sum(1 for c in range(n) if c != main and length[c] > 0)
    return graph, segments, left_out


def _hook(graph: _Graph, segments, points) -> list[int]:
    """Each point's hook node on its nearest street segment; segments are cut at the hooks."""
    lines = [LineString([graph.coords[a], graph.coords[b]]) for a, b in segments]
    tree = shapely.STRtree(lines)
    nearest = tree.query_nearest(points, all_matches=False, return_distance=False)[1]
    hooks = [0] * len(points)
    cuts: dict[int, list[tuple[float, int]]] = {}
    for i, s in enumerate(nearest):
        line = lines[s]
        along = line.project(points[i])
        a, b = segments[s]
        if along <= SNAP_M:
            hooks[i] = a
        elif along >= line.length - SNAP_M:
            hooks[i] = b
        else:
            spot = line.interpolate(along)
            node = graph.node(spot.x, spot.y)
            hooks[i] = node
            cuts.setdefault(s, []).append((along, node))
    for s, spots in cuts.items():
        a, b = segments[s]
        graph.edges.pop((min(a, b), max(a, b)), None)
        chain = [a] + [n for _, n in sorted(set(spots))] + [b]
        for u, v in zip(chain[:-1], chain[1:]):
            graph.add_edge(u, v)
    return hooks


def _delaunay_graph(points) -> tuple[_Graph, list[int]]:
    """Without streets: the connections themselves as nodes, Delaunay edges (which hold the
    minimum spanning tree) as straight 'streets'."""
    graph = _Graph()
    hooks = [graph.node(p.x, p.y) for p in points]
    nodes = sorted(set(hooks))
    xy = np.array([graph.coords[n] for n in nodes])
    if len(nodes) <= 3:
        for i in range(len(nodes)):
            for j in range(i + 1, len(nodes)):
                graph.add_edge(nodes[i], nodes[j])
        return graph, hooks
    from scipy.spatial import Delaunay, QhullError

    try:
        triangles = Delaunay(xy).simplices
        for tri in triangles:
            for i, j in ((0, 1), (1, 2), (0, 2)):
                graph.add_edge(nodes[tri[i]], nodes[tri[j]])
    except QhullError:  # all on a line
        order = np.lexsort((xy[:, 1], xy[:, 0]))
        for i, j in zip(order[:-1], order[1:]):
            graph.add_edge(nodes[i], nodes[j])
    return graph, hooks


# ----------------------------------------------------------------------------- clustering
def _kmedoids(distance: np.ndarray, weights: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Cluster labels of the rows of a square distance matrix (weighted k-medoids, alternating)."""
    n = len(distance)
    k = max(1, min(k, n))
    medoids = [int(np.argmin(distance @ weights))]
    while len(medoids) < k:  # farthest-first start, deterministic
        medoids.append(int(np.argmax(distance[:, medoids].min(axis=1))))
    for _ in range(100):
        labels = np.argmin(distance[:, medoids], axis=1)
        new = []
        for c in range(len(medoids)):
            members = np.flatnonzero(labels == c)
            if not len(members):
                continue
            cost = distance[np.ix_(members, members)] @ weights[members]
            new.append(int(members[np.argmin(cost)]))
        if sorted(new) == sorted(medoids):
            break
        medoids = new
    return np.argmin(distance[:, medoids], axis=1)


