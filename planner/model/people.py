"""People and what they use: members, consumers, tariffs and contracts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shapely.geometry.base import BaseGeometry

from planner.model.base import Entity, quantity

MEMBER_KINDS = ("household", "business", "cooperative", "public", "farm")

#: BDEW standard load profiles as demandlib names them, and ``measured`` for an imported series.
ELECTRICITY_PROFILES = (
    "H0", "G0", "G1", "G2", "G3", "G4", "G5", "G6", "L0", "L1", "L2",
    "H25", "G25", "L25", "P25", "S25", "measured",
)
#: BDEW SigLinDe building types (demandlib ``HeatBuilding``): single/multi-family houses, trade.
HEAT_PROFILES = ("EFH", "MFH", "GHD")


@dataclass(frozen=True, kw_only=True)
class Member(Entity):
    """A participant of the community: a household, business, cooperative, public body or farm.

    Cooperative shares are open only to local residents; votes are one per member.
    """

    KIND: ClassVar[str] = "member"
    LABEL: ClassVar[str] = "Member"

    kind: str = quantity("household", label="kind", choices=MEMBER_KINDS)
    local_resident: bool = quantity(True, label="local resident")
    group: str | None = quantity(None, label="group")
    tariff_id: str | None = quantity(None, label="tariff", ref="tariff")


@dataclass(frozen=True, kw_only=True)
class Consumer(Entity):
    """A connection that consumes electricity (and heat) with a standard or measured profile."""

    KIND: ClassVar[str] = "consumer"
    LABEL: ClassVar[str] = "Consumer"
    GEOMETRY: ClassVar[str | None] = "Point"

    geometry: BaseGeometry | None = None
    member_id: str | None = quantity(None, label="member", ref="member")
    bus_id: str | None = quantity(None, label="grid bus", ref="bus")
    parcel_id: str | None = quantity(None, label="parcel", ref="parcel")
    profile: str = quantity("H0", label="electricity profile", choices=ELECTRICITY_PROFILES)
    annual_kwh: float = quantity(label="annual electricity demand", unit="kWh", min=0)
    heat_profile: str | None = quantity(None, label="heat profile", choices=HEAT_PROFILES)
    annual_heat_kwh: float = quantity(0.0, label="annual heat demand", unit="kWh", min=0)

    def _check(self):
        if self.annual_heat_kwh > 0 and self.heat_profile is None:
            return [("heat_profile", "a heat profile is needed when annual heat demand is set")]
        return []


@dataclass(frozen=True, kw_only=True)
class Tariff(Entity):
    """Prices of the upstream supplier: import price λb above export price λs."""

    KIND: ClassVar[str] = "tariff"
    LABEL: ClassVar[str] = "Tariff"

    import_price_eur_per_kwh: float = quantity(label="import price", unit="EUR/kWh", min=0)
    export_price_eur_per_kwh: float = quantity(0.0, label="export price", unit="EUR/kWh", min=0)
    fixed_eur_per_year: float = quantity(0.0, label="fixed charge", unit="EUR/a", min=0)

    def _check(self):
        if self.export_price_eur_per_kwh >= self.import_price_eur_per_kwh:
            return [("export_price_eur_per_kwh",
                     f"export price must be below the import price "
                     f"({self.export_price_eur_per_kwh:g} >= {self.import_price_eur_per_kwh:g} EUR/kWh)")]
        return []


@dataclass(frozen=True, kw_only=True)
class Contract(Entity):
    """A bilateral contract: a seller's surplus serves a buyer's deficit at a negotiated price."""

    KIND: ClassVar[str] = "contract"
    LABEL: ClassVar[str] = "Contract"

    seller_id: str = quantity(label="seller", ref="member")
    buyer_id: str = quantity(label="buyer", ref="member")
    price_eur_per_kwh: float = quantity(label="price", unit="EUR/kWh", min=0)
    priority: int = quantity(1, label="priority", min=1)
    cap_kwh: float | None = quantity(None, label="annual cap", unit="kWh", min=0)

    def _check(self):
        if self.seller_id == self.buyer_id:
            return [("buyer_id", "seller and buyer must be different members")]
        return []
