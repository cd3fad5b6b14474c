"""Connection points of a grid layout (:mod:`planner.grid.layout`, step 1): consumers and units
grouped by the building, else the parcel, they stand in; each one outside any is a connection of
its own. Each connection gets one house connection cable."""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from shapely.geometry import Point

from planner.grid.equipment import Rules

UNIT_KINDS = ("pv_unit", "wind_turbine", "chp_unit", "battery")


@dataclass
class Connection:
    """A building, parcel or single object that gets one house connection."""

    id: str
    point: Point
    consumers: list = field(default_factory=list)
    units: list = field(default_factory=list)  # (kind, entity)

    def generation_kw(self, rules: Rules) -> float:
        """Feed-in of the planning case [kW]: PV at its share of peak, wind and CHP at rating."""
        total = 0.0
        for kind, unit in self.units:
            if kind == "pv_unit":
                total += min(rules.feed_in_pv_share * unit.peak_kw, unit.peak_kw / unit.dc_ac_ratio)
            elif kind == "wind_turbine":
                total += unit.rated_kw
            elif kind == "chp_unit":
                total += unit.p_el_kw
        return total


def connection_points(project) -> tuple[list[Connection], list[str]]:
    """Consumers and units grouped by the building (else parcel) they stand in; each one outside
    any is its own connection. Returns the connections and notes on what was left out."""
    buildings = [b for b in project.items("building").values() if b.geometry is not None]
    parcels = {p.id: p for p in project.items("parcel").values() if p.geometry is not None}
    b_tree = shapely.STRtree([b.geometry for b in buildings]) if buildings else None
    p_list = list(parcels.values())
    p_tree = shapely.STRtree([p.geometry for p in p_list]) if p_list else None
    groups: dict[str, Connection] = {}
    notes = []

    def place(entity, kind):
        point = entity.geometry
        key, where = None, None
        if point is not None and b_tree is not None:
            hits = b_tree.query(point, predicate="intersects")
            if len(hits):
                building = min((buildings[i] for i in hits), key=lambda b: b.geometry.area)
                key, where = f"building:{building.id}", building.geometry.representative_point()
        if key is None and point is not None and p_tree is not None:
            hits = p_tree.query(point, predicate="intersects")
            if len(hits):
                parcel = min((p_list[i] for i in hits), key=lambda p: p.geometry.area)
                key, where = f"parcel:{parcel.id}", parcel.geometry.representative_point()
        if key is None and point is None and getattr(entity, "parcel_id", None) in parcels:
            parcel = parcels[entity.parcel_id]
            key, where = f"parcel:{parcel.id}", parcel.geometry.representative_point()
        if key is None and point is not None:
            key, where = f"{kind}:{entity.id}", point
        if key is None:
            notes.append(f"{entity.describe()} has neither a place nor a parcel: not connected")
            return
        connection = groups.setdefault(key, Connection(key, where))
        if kind == "consumer":
            connection.consumers.append(entity)
        else:
            connection.units.append((kind, entity))

    for consumer in project.items("consumer").values():
        place(consumer, "consumer")
    for kind in UNIT_KINDS:
        for unit in project.items(kind).values():
            place(unit, kind)
    return list(groups.values()), notes
