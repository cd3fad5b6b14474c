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


UNIT_KINDS = ("pv_unit", "wind_turbine", "chp_unit", "battery")


@dataclass(frozen=True, kw_only=True)
class OwnershipShare(Entity):
    """A member's share of a unit. The shares of a unit add up to at most 1; the rest stays with
    the unit's owner. Shares of a unit the cooperative owns are cooperative shares: only local
    residents may hold them, and they cannot be passed to another member (a leaving member's
    share goes back to the cooperative)."""

    KIND: ClassVar[str] = "ownership_share"
    LABEL: ClassVar[str] = "Ownership share"

    unit_kind: str = quantity(label="unit kind", choices=UNIT_KINDS)
    unit_id: str = quantity(label="unit")
    member_id: str = quantity(label="member", ref="member")
    share: float = quantity(label="share", min=0, max=1, min_exclusive=True)


@dataclass(frozen=True, kw_only=True)
class EfficiencyMeasure(Entity):
    """An efficiency measure financed on the bill: repaid from its savings, tied to the meter.

    The savings lower the consumer's demand; the repayment each year is capped by the money the
    measure saves, and when the member leaves, what is left stays with the meter (the consumer),
    not with the person.
    """

    KIND: ClassVar[str] = "efficiency_measure"
    LABEL: ClassVar[str] = "Efficiency measure"

    consumer_id: str = quantity(label="meter (consumer)", ref="consumer")
    cost_eur: float = quantity(label="cost", unit="EUR", min=0, min_exclusive=True)
    savings_kwh_per_year: float = quantity(label="electricity saved", unit="kWh/a", min=0)
    term_years: int = quantity(10, label="term", unit="a", min=1)
    rate: float = quantity(0.03, label="interest rate", min=0, max=1)
