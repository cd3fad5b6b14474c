"""Standard names of quantities and their units, in one place.

Every column of a time series, every field of a model object and every key of a
result uses one of these names, with the unit given here. Non-SI units that
cross the API (kW, kWh, EUR) carry the unit in the name (``p_kw``).
"""

from __future__ import annotations

from typing import NamedTuple


class Quantity(NamedTuple):
    """A standard quantity: its name, unit and meaning."""
    name: str
    unit: str
    description: str


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        # weather (pvlib's names)
        Quantity("ghi", "W/m^2", "global horizontal irradiance"),
        Quantity("dni", "W/m^2", "direct normal irradiance"),
        Quantity("dhi", "W/m^2", "diffuse horizontal irradiance"),
        Quantity("temp_air", "degC", "air temperature at 2 m"),
        Quantity("wind_speed", "m/s", "wind speed at the measurement height"),
        Quantity("pressure", "Pa", "air pressure"),
        # power and energy
        Quantity("p_kw", "kW", "active power, positive when produced or consumed as named"),
        Quantity("q_kvar", "kvar", "reactive power"),
        Quantity("energy_kwh", "kWh", "energy"),
        Quantity("peak_kw", "kW", "peak (nameplate DC) power of a PV array"),
        Quantity("rated_kw", "kW", "rated electrical power"),
        Quantity("capacity_kwh", "kWh", "usable energy capacity of a store"),
        Quantity("annual_kwh", "kWh", "energy over one year"),
        Quantity("annual_heat_kwh", "kWh", "heat over one year"),
        # grid
        Quantity("vn_kv", "kV", "nominal voltage"),
        Quantity("vm_pu", "p.u.", "voltage magnitude"),
        Quantity("length_km", "km", "cable length"),
        Quantity("loading_percent", "%", "loading against the rating"),
        # money
        Quantity("price_eur_per_kwh", "EUR/kWh", "price of energy"),
        Quantity("cost_eur", "EUR", "cost"),
        # geometry
        Quantity("tilt_deg", "deg", "surface tilt from horizontal"),
        Quantity("azimuth_deg", "deg", "azimuth clockwise from north (180 = south)"),
        Quantity("hub_height_m", "m", "hub height above ground"),
    )
}


def unit_of(name: str) -> str:
    """Return the unit of the standard quantity ``name``."""
    return QUANTITIES[name].unit
