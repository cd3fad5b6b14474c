"""Generating and storing units: PV, wind turbines, CHP and batteries.

Every unit stands at a point, may lie on a parcel, may belong to a member and
feeds the grid at a bus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shapely.geometry.base import BaseGeometry

from planner.model.base import Entity, phase_field, quantity

#: pvlib SAPM temperature model parameter sets.
PV_TEMPERATURE_MODELS = ("open_rack_glass_polymer", "open_rack_glass_glass",
                         "close_mount_glass_glass", "insulated_back_glass_polymer")
CHP_MODES = ("heat-led", "electricity-led")
FUELS = ("natural_gas", "biogas", "biomethane", "hydrogen", "heating_oil")


@dataclass(frozen=True, kw_only=True)
class Unit(Entity):
    """Fields every unit has."""

    geometry: BaseGeometry | None = None
    parcel_id: str | None = quantity(None, label="parcel", ref="parcel")
    owner_id: str | None = quantity(None, label="owner", ref="member")
    bus_id: str | None = quantity(None, label="grid bus", ref="bus")
    phase: str = phase_field()

    GEOMETRY: ClassVar[str | None] = "Point"


@dataclass(frozen=True, kw_only=True)
class PVUnit(Unit):
    """A PV array with its inverter (PVWatts parameters by default)."""

    KIND: ClassVar[str] = "pv_unit"
    LABEL: ClassVar[str] = "PV unit"

    peak_kw: float = quantity(label="peak power", unit="kW", min=0, min_exclusive=True)
    tilt_deg: float = quantity(30.0, label="tilt", unit="deg", min=0, max=90)
    azimuth_deg: float = quantity(180.0, label="azimuth", unit="deg", min=0, max=360,
                                  doc="clockwise from north, 180 = south")
    losses_percent: float = quantity(14.0, label="system losses", unit="%", min=0, max=100,
                                     max_exclusive=True)
    dc_ac_ratio: float = quantity(1.1, label="inverter loading ratio (DC/AC)", min=0,
                                  min_exclusive=True)
    temperature_model: str = quantity("open_rack_glass_polymer", label="temperature model",
                                      choices=PV_TEMPERATURE_MODELS)
    module: str | None = quantity(None, label="CEC module")
    inverter: str | None = quantity(None, label="CEC inverter")


@dataclass(frozen=True, kw_only=True)
class WindTurbine(Unit):
    """A wind turbine from windpowerlib's library or with a user power curve."""

    KIND: ClassVar[str] = "wind_turbine"
    LABEL: ClassVar[str] = "Wind turbine"

    turbine_type: str = quantity(label="turbine type",
                                 doc="windpowerlib turbine type, or 'custom' for a user power curve")
    hub_height_m: float = quantity(label="hub height", unit="m", min=0, min_exclusive=True)
    rated_kw: float = quantity(label="rated power", unit="kW", min=0, min_exclusive=True)
    rotor_diameter_m: float | None = quantity(None, label="rotor diameter", unit="m", min=0,
                                              min_exclusive=True)
    power_curve: str | None = quantity(
        None, label="power curve", doc="wind speed [m/s] to power [kW] pairs, 'v:p;v:p;...'")


@dataclass(frozen=True, kw_only=True)
class CHPUnit(Unit):
    """A combined heat and power unit with a thermal store and a peak boiler (LHV efficiencies)."""

    KIND: ClassVar[str] = "chp_unit"
    LABEL: ClassVar[str] = "CHP unit"

    p_el_kw: float = quantity(label="electrical power", unit="kW", min=0, min_exclusive=True)
    eta_el: float = quantity(label="electrical efficiency", min=0, max=1, min_exclusive=True)
    eta_th: float = quantity(label="thermal efficiency", min=0, max=1)
    min_load: float = quantity(0.5, label="minimum load", min=0, max=1)
    store_kwh: float = quantity(0.0, label="thermal store", unit="kWh", min=0)
    boiler_kw: float = quantity(0.0, label="peak boiler", unit="kW", min=0)
    mode: str = quantity("heat-led", label="dispatch", choices=CHP_MODES)
    fuel: str = quantity("natural_gas", label="fuel", choices=FUELS)
    heat_radius_m: float | None = quantity(
        None, label="heat network radius", unit="m", min=0, min_exclusive=True,
        doc="serves the heat of every consumer within this distance (a local heat network); "
            "without it, the consumers on its parcel, else its owner's")

    def _check(self):
        if self.eta_el + self.eta_th > 1.0:
            return [("eta_th", f"electrical plus thermal efficiency must not exceed 1, got "
                               f"{self.eta_el + self.eta_th:g}")]
        return []


@dataclass(frozen=True, kw_only=True)
class Battery(Unit):
    """A battery, owned by one member or shared by the community."""

    KIND: ClassVar[str] = "battery"
    LABEL: ClassVar[str] = "Battery"

    capacity_kwh: float = quantity(label="capacity", unit="kWh", min=0, min_exclusive=True)
    power_kw: float = quantity(label="power", unit="kW", min=0, min_exclusive=True)
    round_trip_efficiency: float = quantity(0.9, label="round-trip efficiency", min=0, max=1,
                                            min_exclusive=True)
    soc_min: float = quantity(0.1, label="minimum state of charge", min=0, max=1)
    soc_max: float = quantity(0.9, label="maximum state of charge", min=0, max=1)
    shared: bool = quantity(False, label="shared by the community")

    def _check(self):
        if self.soc_min >= self.soc_max:
            return [("soc_max", f"maximum state of charge must be above the minimum "
                                f"({self.soc_max:g} <= {self.soc_min:g})")]
        return []


@dataclass(frozen=True, kw_only=True)
class WindSite(Entity):
    """A place drawn for wind turbines that are not built yet: ``planner optimise`` decides how
    many of which type stand there (none, or 1 to ``max_turbines``)."""

    KIND: ClassVar[str] = "wind_site"
    LABEL: ClassVar[str] = "Wind site"
    GEOMETRY: ClassVar[str | None] = "Point"

    geometry: BaseGeometry | None = None
    parcel_id: str | None = quantity(None, label="parcel", ref="parcel")
    owner_id: str | None = quantity(None, label="owner", ref="member")
    bus_id: str | None = quantity(None, label="grid bus", ref="bus",
                                  doc="where its turbines would feed in; empty: the nearest bus within 2 km")
    turbine_types: str | None = quantity(
        None, label="turbine types", doc="windpowerlib types to choose from, separated by ';' "
                                         "(empty: the library's types up to 2,500 kW)")
    max_turbines: int = quantity(1, label="at most turbines", min=1, max=20,
                                 doc="more than one stand in a row across the prevailing wind, four rotor "
                                     "diameters apart, their wakes computed")
    hub_height_m: float | None = quantity(None, label="hub height", unit="m", min=0, min_exclusive=True,
                                          doc="empty: each type's highest hub height in the library")
