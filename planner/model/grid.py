"""The community grid: buses, cables, transformers, switches and the upstream connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shapely.geometry.base import BaseGeometry

from planner.model.base import Entity, quantity

BUS_KINDS = ("node", "busbar", "mv")
SWITCH_ELEMENTS = ("cable", "bus")


@dataclass(frozen=True, kw_only=True)
class Bus(Entity):
    """A node of the grid."""

    KIND: ClassVar[str] = "bus"
    LABEL: ClassVar[str] = "Bus"
    GEOMETRY: ClassVar[str | None] = "Point"

    geometry: BaseGeometry | None = None
    vn_kv: float = quantity(0.4, label="nominal voltage", unit="kV", min=0, min_exclusive=True)
    kind: str = quantity("node", label="kind", choices=BUS_KINDS)
    zone: str | None = quantity(None, label="zone")
    in_service: bool = quantity(True, label="in service")
    hosting_capacity_kw: float | None = quantity(None, label="hosting capacity", unit="kW", min=0,
                                                 doc="the extra PV this bus could take before a grid limit "
                                                     "is hit (planner size-grid; empty until computed)")


@dataclass(frozen=True, kw_only=True)
class Cable(Entity):
    """A cable between two buses, laid along its route.

    ``length_km`` is ``None`` when the length is measured along the route in the
    project's CRS; a value overrides that (for a route drawn only roughly).
    """

    KIND: ClassVar[str] = "cable"
    LABEL: ClassVar[str] = "Cable"
    GEOMETRY: ClassVar[str | None] = "LineString"

    geometry: BaseGeometry | None = None
    from_bus: str = quantity(label="from bus", ref="bus")
    to_bus: str = quantity(label="to bus", ref="bus")
    std_type: str = quantity(label="cable type")
    length_km: float | None = quantity(None, label="length", unit="km", min=0, min_exclusive=True)
    parallel: int = quantity(1, label="parallel cables", min=1)
    in_service: bool = quantity(True, label="in service")

    def _check(self):
        if self.from_bus == self.to_bus:
            return [("to_bus", "a cable must connect two different buses")]
        return []

    def route_length_km(self) -> float:
        """Length in km: the given length, else the route's length in the projected CRS."""
        if self.length_km is not None:
            return self.length_km
        return self.geometry.length / 1000.0


@dataclass(frozen=True, kw_only=True)
class Transformer(Entity):
    """A two-winding transformer between the upstream (HV side) and the community bus."""

    KIND: ClassVar[str] = "transformer"
    LABEL: ClassVar[str] = "Transformer"
    GEOMETRY: ClassVar[str | None] = "Point"

    geometry: BaseGeometry | None = None
    hv_bus: str = quantity(label="high-voltage bus", ref="bus")
    lv_bus: str = quantity(label="low-voltage bus", ref="bus")
    std_type: str = quantity(label="transformer type")
    tap_pos: int = quantity(0, label="tap position")
    parallel: int = quantity(1, label="parallel transformers", min=1)
    in_service: bool = quantity(True, label="in service")

    def _check(self):
        if self.hv_bus == self.lv_bus:
            return [("lv_bus", "high- and low-voltage bus must differ")]
        return []


@dataclass(frozen=True, kw_only=True)
class ExternalGrid(Entity):
    """The connection to the upstream grid (the slack of the power flow)."""

    KIND: ClassVar[str] = "external_grid"
    LABEL: ClassVar[str] = "Upstream connection"
    GEOMETRY: ClassVar[str | None] = "Point"

    geometry: BaseGeometry | None = None
    bus_id: str = quantity(label="bus", ref="bus")
    vm_pu: float = quantity(1.0, label="voltage set point", unit="p.u.", min=0.8, max=1.2)
    max_export_kw: float | None = quantity(None, label="export limit", unit="kW", min=0,
                                           doc="the most the community may feed upstream; generation "
                                               "beyond it is curtailed (empty: no limit)")


@dataclass(frozen=True, kw_only=True)
class Switch(Entity):
    """A switch at a bus, to a cable end or to another bus; open switches separate feeders."""

    KIND: ClassVar[str] = "switch"
    LABEL: ClassVar[str] = "Switch"

    bus_id: str = quantity(label="bus", ref="bus")
    element_kind: str = quantity("cable", label="switched element", choices=SWITCH_ELEMENTS)
    element_id: str = quantity(label="switched element id")
    closed: bool = quantity(True, label="closed")


@dataclass(frozen=True)
class GridLayout:
    """The grid part of a project, as one read-only view."""

    buses: tuple[Bus, ...]
    cables: tuple[Cable, ...]
    transformers: tuple[Transformer, ...]
    external_grids: tuple[ExternalGrid, ...]
    switches: tuple[Switch, ...]

    def total_cable_length_km(self) -> float:
        """Cable length along the routes [km]."""
        return sum(c.route_length_km() * c.parallel for c in self.cables)


@dataclass(frozen=True)
class GridInvestment:
    """What the community spends on its own grid, set by ``planner size-grid`` when it builds or
    reinforces it, and counted in the community's finance by ``planner run``.

    ``capex_eur``: the grid (new layout) or its reinforcements at ladder prices;
    ``losses_kwh_per_year``: the year's cable and transformer losses (valued at the import price);
    ``lifetime_years``: 40, the lower end of German distribution cables' and stations' accounting
    lives (StromNEV, Anlage 1: 40-45 years), an editable assumption; ``opex_share_per_year``: 1 %
    of the capex a year for upkeep (an assumption).
    """

    capex_eur: float
    losses_kwh_per_year: float = 0.0
    lifetime_years: int = 40
    opex_share_per_year: float = 0.01
    source: str = ""

    def as_dict(self) -> dict:
        return {"capex_eur": self.capex_eur, "losses_kwh_per_year": self.losses_kwh_per_year,
                "lifetime_years": self.lifetime_years, "opex_share_per_year": self.opex_share_per_year,
                "source": self.source}

    @classmethod
    def from_dict(cls, raw: dict) -> "GridInvestment":
        return cls(**raw)

    def validate(self) -> list:
        from planner.model.base import ValidationIssue

        out = []
        for name in ("capex_eur", "losses_kwh_per_year", "opex_share_per_year"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0 or value == float("inf"):
                out.append(ValidationIssue("Grid investment", name, f"{name} must be a finite number of at least 0, "
                                                                   f"got {value!r}"))
        if not isinstance(self.lifetime_years, int) or isinstance(self.lifetime_years, bool) or self.lifetime_years < 1:
            out.append(ValidationIssue("Grid investment", "lifetime_years",
                                       f"lifetime_years must be a whole number of at least 1, got {self.lifetime_years!r}"))
        return out
