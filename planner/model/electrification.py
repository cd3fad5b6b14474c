"""New electric loads behind a member's meter: heat pumps and charging points for electric vehicles.

Both belong to a consumer (the meter they draw through): their electricity joins that
consumer's demand, so dispatch, settlement, the power flow and the report count it where the
consumer is. A heat pump serves its consumer's heat demand (the BDEW heat profile the CHP
units use); a charging point charges the vehicles of its consumer (a household's car at home,
or the cars parked at a workplace or public car park, whose own consumer is the operator's
meter). How they run is in :mod:`planner.generation.heat_pumps` and :mod:`planner.generation.ev`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shapely.geometry.base import BaseGeometry

from planner.model.base import Entity, phase_field, quantity

#: Heat sources, as hplib's generic regulated (inverter) models: air/water (group 1) and
#: brine/water with a ground probe (group 2).
HEAT_PUMP_SOURCES = ("air", "ground")
#: Heat distribution systems with their design flow and return temperatures [degC] (hplib's
#: HeatingSystem presets: floor heating, low-temperature radiators, radiators).
HEATING_SYSTEMS = {"floor": (35.0, 28.0), "low_temperature_radiator": (55.0, 45.0), "radiator": (70.0, 55.0)}
#: Where the vehicles charge: at home overnight, or parked at work or a public car park by day.
CHARGING_LOCATIONS = ("home", "work")
#: How a charging point charges (see planner.generation.ev).
CHARGING_STRATEGIES = ("immediate", "reduced", "smart", "limit")


@dataclass(frozen=True, kw_only=True)
class HeatPump(Entity):
    """An electric heat pump heating one consumer's building, with a back-up heater and an optional store."""

    KIND: ClassVar[str] = "heat_pump"
    LABEL: ClassVar[str] = "Heat pump"
    GEOMETRY: ClassVar[str | None] = "Point"

    geometry: BaseGeometry | None = None
    consumer_id: str = quantity(label="meter (consumer)", ref="consumer",
                                doc="whose heat it serves and whose meter it draws through")
    heat_source: str = quantity("air", label="heat source", choices=HEAT_PUMP_SOURCES)
    heating_system: str = quantity("low_temperature_radiator", label="heat distribution", choices=tuple(HEATING_SYSTEMS),
                                   doc="sets the flow temperature of the heating curve")
    rated_thermal_kw: float | None = quantity(
        None, label="rated heat output", unit="kW", min=0, min_exclusive=True,
        doc="at A2/W35 (air) or B0/W35 (ground), EN 14511; empty: sized to the building at the bivalence point")
    bivalence_temp_c: float = quantity(-7.0, label="bivalence point", unit="degC", min=-30, max=15,
                                       doc="down to this outdoor temperature the heat pump alone covers the "
                                           "heat load; below it the back-up heater helps")
    backup_kw: float | None = quantity(None, label="back-up heater", unit="kW", min=0,
                                       doc="electric heating rod; empty: as large as needed")
    store_kwh: float = quantity(0.0, label="thermal store", unit="kWh", min=0)
    phase: str = phase_field()


@dataclass(frozen=True, kw_only=True)
class ChargingPoint(Entity):
    """A charging point with its vehicles: one plug per vehicle, each charging at ``power_kw``."""

    KIND: ClassVar[str] = "charging_point"
    LABEL: ClassVar[str] = "Charging point"
    GEOMETRY: ClassVar[str | None] = "Point"

    geometry: BaseGeometry | None = None
    consumer_id: str = quantity(label="meter (consumer)", ref="consumer")
    location: str = quantity("home", label="location", choices=CHARGING_LOCATIONS,
                             doc="home: cars plugged in from the evening until the next departure; "
                                 "work: cars parked by day")
    vehicles: int = quantity(1, label="vehicles (plugs)", min=1, max=500)
    power_kw: float = quantity(11.0, label="power per plug", unit="kW", min=0, max=350, min_exclusive=True)
    strategy: str = quantity("immediate", label="charging strategy", choices=CHARGING_STRATEGIES,
                             doc="immediate: full power on arrival; reduced: at the reduced power; smart: "
                                 "in the community's surplus hours before departure; limit: in the hours "
                                 "of least load on its transformer before departure")
    reduced_kw: float = quantity(3.7, label="reduced power", unit="kW", min=0, min_exclusive=True)
    annual_km: float = quantity(13000.0, label="distance per vehicle", unit="km/a", min=0)
    consumption_kwh_per_km: float = quantity(0.18, label="consumption", unit="kWh/km", min=0, max=2,
                                             min_exclusive=True, doc="from the plug, charging losses included")
    phase: str = phase_field()

    def _check(self):
        if self.reduced_kw > self.power_kw:
            return [("reduced_kw", f"the reduced power must not exceed the plug's power "
                                   f"({self.reduced_kw:g} > {self.power_kw:g} kW)")]
        return []


def _rank(seed: int, consumer_id: str) -> str:
    import hashlib

    return hashlib.sha256(f"{seed}/{consumer_id}".encode()).hexdigest()


def households(project, kind: str) -> list:
    """The consumers a share of households is taken of: those of members of kind household, with a
    place (for heat pumps, only those with a heat demand to serve)."""
    members = project.items("member")
    out = [c for c in project.items("consumer").values()
           if c.member_id in members and members[c.member_id].kind == "household" and c.geometry is not None]
    if kind == "heat_pump":
        out = [c for c in out if c.heat_profile is not None and c.annual_heat_kwh > 0]
    return out


def equip_share(project, kind: str, share: float, *, seed: int = 0, only_add: bool = False,
                **fields) -> tuple[list[Entity], list[str]]:
    """Heat pumps or charging points (``kind``) for a seeded random ``share`` of the households.

    Households that have one already come first, the rest in a fixed pseudo-random order (a hash
    of the seed and the consumer's id), so a larger share always includes a smaller one's. Returns
    the devices to add (with ``fields`` set, at the consumer's place, one per household) and the
    ids of those to remove (households beyond the share; none with ``only_add``).
    """
    if kind not in ("heat_pump", "charging_point"):
        raise ValueError(f"kind is heat_pump or charging_point, got {kind!r}")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"the share lies between 0 and 1, got {share!r}")
    entity_type = HeatPump if kind == "heat_pump" else ChargingPoint
    existing: dict[str, list[str]] = {}
    for device in project.items(kind).values():
        if kind == "heat_pump" or device.location == "home":
            existing.setdefault(device.consumer_id, []).append(device.id)
    homes = households(project, kind)
    order = sorted(homes, key=lambda c: (c.id not in existing, _rank(seed, c.id)))
    target = round(share * len(homes))
    taken = set(project.items(kind))
    added, removed = [], []
    prefix = "hp" if kind == "heat_pump" else "cp"
    label = "Heat pump" if kind == "heat_pump" else "Wallbox"
    for position, consumer in enumerate(order):
        if position < target and consumer.id not in existing:
            new_id, n = f"{prefix}-{consumer.id}", 1
            while new_id in taken:
                n += 1
                new_id = f"{prefix}-{consumer.id}-{n}"
            taken.add(new_id)
            added.append(entity_type(id=new_id, name=f"{label} of {consumer.name or consumer.id}",
                                     consumer_id=consumer.id, geometry=consumer.geometry,
                                     source=f"assumed: a {share:.0%} share of households, seed {seed}", **fields))
        elif position >= target and consumer.id in existing and not only_add:
            removed.extend(existing[consumer.id])
    return added, removed
