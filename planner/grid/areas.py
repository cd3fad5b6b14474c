"""Transformer areas: which low-voltage buses each transformer feeds, and the area's rating."""

from __future__ import annotations

import math


def transformer_kva(project, trafo) -> float | None:
    """A transformer's rating [kVA] from the project's types, the sizing ladder or pandapower's
    standard types (None when its type is unknown)."""
    types = project.items("transformer_type")
    if trafo.std_type in types:
        return types[trafo.std_type].sn_mva * 1000.0 * trafo.parallel
    from planner.grid.equipment import default_ladder

    for t in default_ladder().transformers:
        if t.id == trafo.std_type:
            return t.sn_mva * 1000.0 * trafo.parallel
    from planner.grid import _pp as pp

    std = pp.create_empty_network().std_types["trafo"].get(trafo.std_type)
    return std["sn_mva"] * 1000.0 * trafo.parallel if std else None


def bus_areas(project) -> tuple[dict[str, str], dict[str, float]]:
    """{bus id: transformer area} over the low-voltage buses joined by cables and closed
    switches, and {area: rating [kVA]} (transformers feeding one area add up)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(b.id for b in project.items("bus").values() if b.in_service)
    switches = list(project.items("switch").values())
    opened = {s.element_id for s in switches if s.element_kind == "cable" and not s.closed}
    for cable in project.items("cable").values():
        if cable.in_service and cable.id not in opened:
            graph.add_edge(cable.from_bus, cable.to_bus)
    for switch in switches:
        if switch.closed and switch.element_kind == "bus":
            graph.add_edge(switch.bus_id, switch.element_id)
    area_of, rating = {}, {}
    for trafo in sorted(project.items("transformer").values(), key=lambda t: t.id):
        if not trafo.in_service or trafo.lv_bus not in graph:
            continue
        area = area_of.get(trafo.lv_bus, trafo.id)
        kva = transformer_kva(project, trafo)
        rating[area] = rating.get(area, 0.0) + (kva if kva is not None else math.inf)
        for bus in nx.node_connected_component(graph, trafo.lv_bus):
            area_of[bus] = area
    return area_of, rating
