"""What a grid costs at ladder prices: conductors, trenches, transformers and their stations."""

from __future__ import annotations

import numpy as np

from planner.grid.equipment import Ladder, Rules


def cable_cost(ladder: Ladder, cable, rules: Rules) -> float:
    """Price of a cable's conductors (type price times parallel count times length) [EUR]."""
    price = next((c.price_eur_per_km for c in ladder.cables if c.id == cable.std_type), None)
    return (price or 0.0) * cable.parallel * cable.route_length_km()


def trench_cost(ladder: Ladder, km: float, rules: Rules) -> float:
    return ladder.trench_eur_per_km.get(rules.area, 0.0) * km


def trafo_price(ladder: Ladder, type_id: str) -> float:
    return next((t.price_eur or 0.0 for t in ladder.transformers if t.id == type_id), 0.0)


def grid_cost(project, ladder: Ladder, rules: Rules) -> float:
    """The whole grid at ladder prices [EUR]: conductors, trenches (the union of the routes, so a
    trench shared by feeders counts once), transformers and their stations."""
    import shapely

    cables = list(project.items("cable").values())
    total = sum(cable_cost(ladder, c, rules) for c in cables)
    routes = [c.geometry for c in cables if c.geometry is not None]
    if routes:
        total += trench_cost(ladder, shapely.union_all(np.asarray(routes, dtype=object)).length / 1000.0, rules)
    for t in project.items("transformer").values():
        total += trafo_price(ladder, t.std_type) * t.parallel + ladder.station_eur
    return total


def area_cost(project, ladder: Ladder, rules: Rules, prefix: str) -> float:
    """One transformer area's part of :func:`grid_cost`: its cables, trenches, transformer and
    station, the elements whose ids start with ``prefix`` (the layout names them so) [EUR]."""
    import shapely

    cables = [c for c in project.items("cable").values() if c.id.startswith(prefix)]
    total = sum(cable_cost(ladder, c, rules) for c in cables)
    routes = [c.geometry for c in cables if c.geometry is not None]
    if routes:
        total += trench_cost(ladder, shapely.union_all(np.asarray(routes, dtype=object)).length / 1000.0, rules)
    for t in project.items("transformer").values():
        if t.id.startswith(prefix):
            total += trafo_price(ladder, t.std_type) * t.parallel + ladder.station_eur
    return total
