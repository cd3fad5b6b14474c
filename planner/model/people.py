"""People and what they use: members, consumers, tariffs and contracts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shapely.geometry.base import BaseGeometry

from planner.model.base import Entity, phase_field, quantity

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
    #: With ``profile="measured"``: the project's load profile (a year's shape) scaled to annual_kwh.
    profile_id: str | None = quantity(None, label="load profile (measured)", ref="load_profile")
    annual_kwh: float = quantity(label="annual electricity demand", unit="kWh", min=0)
    heat_profile: str | None = quantity(None, label="heat profile", choices=HEAT_PROFILES)
    annual_heat_kwh: float = quantity(0.0, label="annual heat demand", unit="kWh", min=0)
    phase: str = phase_field()

    def _check(self):
        issues = []
        if self.annual_heat_kwh > 0 and self.heat_profile is None:
            issues.append(("heat_profile", "a heat profile is needed when annual heat demand is set"))
        if self.profile_id is not None and self.profile != "measured":
            issues.append(("profile", f"a load profile ('{self.profile_id}') is set: the electricity "
                                      f"profile must be 'measured' to use it"))
        return issues


#: Shortest and longest year a load profile may hold [days]: one whole year, leap or not.
PROFILE_DAYS = (365, 366)


@dataclass(frozen=True, kw_only=True)
class LoadProfile(Entity):
    """One year of a load's shape at a fixed step: a SimBench profile, a meter's year of readings.

    A consumer with ``profile="measured"`` and this profile's id follows its shape, scaled so
    that the simulated year holds the consumer's ``annual_kwh``. The year is laid onto the
    simulated one by weekday: the first step is midnight, local standard time, of a day of
    weekday ``first_weekday``; the simulated year starts on the first profile day of its own
    first day's weekday and wraps round at the end (see :mod:`planner.generation.demand`).
    ``values`` holds the numbers per step as a JSON list (any unit: only the shape counts).
    """

    KIND: ClassVar[str] = "load_profile"
    LABEL: ClassVar[str] = "Load profile"

    step_minutes: int = quantity(15, label="step", unit="min", min=1, max=60)
    first_weekday: int = quantity(0, label="weekday of the first step (0 = Monday)", min=0, max=6)
    values: str = quantity(label="values per step (JSON list)")

    def array(self):
        """The values as a float array (ValueError saying what is wrong)."""
        import json

        import numpy as np

        cached = self.__dict__.get("_array")
        if cached is not None:
            return cached
        try:
            data = json.loads(self.values)
        except (TypeError, ValueError):
            raise ValueError("values must be a JSON list of numbers") from None
        if not isinstance(data, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
            raise ValueError("values must be a JSON list of numbers")
        out = np.asarray(data, dtype=float)
        out.setflags(write=False)
        object.__setattr__(self, "_array", out)
        return out

    def _check(self):
        import numpy as np

        if 1440 % self.step_minutes:
            return [("step_minutes", f"the step must divide a day, got {self.step_minutes} min")]
        try:
            values = self.array()
        except ValueError as exc:
            return [("values", str(exc))]
        per_day = 1440 // self.step_minutes
        days = len(values) / per_day
        if len(values) % per_day or not PROFILE_DAYS[0] <= days <= PROFILE_DAYS[1]:
            return [("values", f"a load profile holds one year of {self.step_minutes}-minute steps "
                               f"({PROFILE_DAYS[0] * per_day} or {PROFILE_DAYS[1] * per_day} values), "
                               f"got {len(values)}")]
        if not np.isfinite(values).all():
            return [("values", "values must be finite numbers")]
        if (values < 0).any():
            return [("values", f"a load profile must not be negative (step {int(np.argmax(values < 0))})")]
        if not values.sum() > 0:
            return [("values", "a load profile must not be zero all year")]
        return []


@dataclass(frozen=True, kw_only=True)
class Tariff(Entity):
    """A supplier's tariff as a household meets it: price components, time of use, export pay.

    The import price of a kWh is ``(energy + grid fee + levies + taxes) * (1 + VAT)``; with a
    time-of-use schedule the energy component is the price of the hour's period. Schedules are
    as the US utility rate database stores them: one 12 x 24 table of period indexes for
    weekdays and one for weekends (rows months, columns hours of the local wall clock, from
    0), written as 12 rows separated by ``;`` of 24 indexes separated by ``,``; ``tou_prices``
    gives the energy price of each period, separated by ``;``.
    """

    KIND: ClassVar[str] = "tariff"
    LABEL: ClassVar[str] = "Tariff"

    import_price_eur_per_kwh: float = quantity(label="energy price (procurement and sales)", unit="EUR/kWh",
                                               min=0)
    export_price_eur_per_kwh: float = quantity(0.0, label="export price", unit="EUR/kWh", min=0)
    fixed_eur_per_year: float = quantity(0.0, label="fixed charge", unit="EUR/a", min=0)
    grid_fee_eur_per_kwh: float = quantity(0.0, label="grid fees with metering", unit="EUR/kWh", min=0)
    levies_eur_per_kwh: float = quantity(0.0, label="levies", unit="EUR/kWh", min=0)
    taxes_eur_per_kwh: float = quantity(0.0, label="taxes and concession fee", unit="EUR/kWh", min=0)
    vat_percent: float = quantity(0.0, label="VAT", unit="%", min=0, max=100)
    tou_weekday: str | None = quantity(None, label="time-of-use periods, weekdays (12 x 24)")
    tou_weekend: str | None = quantity(None, label="time-of-use periods, weekends (12 x 24)")
    tou_prices: str | None = quantity(None, label="energy price per period", unit="EUR/kWh")

    def import_price_components(self) -> dict[str, float]:
        """The flat components [EUR/kWh] before VAT (energy as the flat energy price)."""
        return {"energy": self.import_price_eur_per_kwh, "grid_fee": self.grid_fee_eur_per_kwh,
                "levies": self.levies_eur_per_kwh, "taxes": self.taxes_eur_per_kwh}

    def gross_import_price(self) -> float:
        """The flat import price a customer pays [EUR/kWh], VAT included (energy at its flat price)."""
        return sum(self.import_price_components().values()) * (1.0 + self.vat_percent / 100.0)

    def schedule(self) -> tuple[list[list[int]], list[list[int]], list[float]] | None:
        """The parsed time-of-use schedule (weekday table, weekend table, period prices), or None.

        Raises
        ------
        ValueError
            Naming what is malformed.
        """
        if not (self.tou_weekday or self.tou_weekend or self.tou_prices):
            return None
        if not (self.tou_weekday and self.tou_prices):
            raise ValueError("a time-of-use tariff needs weekday periods and period prices")
        try:
            prices = [float(p) for p in str(self.tou_prices).split(";")]
        except ValueError:
            raise ValueError(f"period prices must be numbers separated by ';', got {self.tou_prices!r}") from None
        if any(not (p >= 0 and p < float("inf")) for p in prices):
            raise ValueError("period prices must be finite and not negative")
        tables = []
        for name, text in (("weekday", self.tou_weekday), ("weekend", self.tou_weekend or self.tou_weekday)):
            rows = [r for r in str(text).split(";")]
            if len(rows) != 12:
                raise ValueError(f"the {name} periods need 12 rows (months), got {len(rows)}")
            table = []
            for m, row in enumerate(rows, start=1):
                try:
                    cells = [int(c) for c in row.split(",")]
                except ValueError:
                    raise ValueError(f"the {name} periods of month {m} must be whole numbers") from None
                if len(cells) != 24:
                    raise ValueError(f"the {name} periods of month {m} need 24 hours, got {len(cells)}")
                if any(not 0 <= c < len(prices) for c in cells):
                    raise ValueError(f"the {name} periods of month {m} name a period without a price "
                                     f"(periods 0 to {len(prices) - 1})")
                table.append(cells)
            tables.append(table)
        return tables[0], tables[1], prices

    def _check(self):
        issues = []
        try:
            self.schedule()
        except ValueError as exc:
            issues.append(("tou_weekday", str(exc)))
        gross = self.gross_import_price()
        if self.export_price_eur_per_kwh >= gross and not self.tou_prices:
            issues.append(("export_price_eur_per_kwh",
                           f"export price must be below the import price "
                           f"({self.export_price_eur_per_kwh:g} >= {gross:g} EUR/kWh)"))
        return issues


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


#: Tariffs to start from, with their sources (a project's own tariff wins).
TARIFF_PRESETS: dict[str, dict] = {
    "de-household-2025": dict(
        name="German household average 2025", import_price_eur_per_kwh=0.1604, grid_fee_eur_per_kwh=0.1095,
        levies_eur_per_kwh=0.0265, taxes_eur_per_kwh=0.0372, vat_percent=19.0, export_price_eur_per_kwh=0.0794,
        fixed_eur_per_year=150.0,
        source="BDEW Strompreisanalyse 2025 (household, 3,500 kWh/a: 39.7 ct/kWh with VAT); export: EEG 2023 "
               "feed-in tariff for rooftop PV up to 10 kWp from February 2025"),
}
