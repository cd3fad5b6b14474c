"""PV output from local weather: pvlib's PVWatts chain, computed once per orientation.

The chain is PVWatts' (as ``pvlib.modelchain.ModelChain.with_pvwatts``): Perez
transposition with 0.2 albedo, the physical incidence-angle modifier on the
direct beam, SAPM cell temperature, ``pvwatts_dc`` with the standard module's
temperature coefficient, a flat system loss, and the PVWatts inverter sized
by the DC/AC ratio. Solar position is taken at the middle of each interval
(the weather's index labels interval starts).

Cost grows with the number of distinct orientations, not of units: irradiance,
cell temperature and DC output per kWp are computed once for every
(tilt, azimuth, temperature model); each unit then only scales that and passes
its inverter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.model.units import PVUnit

#: PVWatts' standard module: power temperature coefficient [1/degC].
GAMMA_PDC = -0.0037
#: PVWatts' nominal inverter efficiency.
ETA_INV_NOM = 0.96
ALBEDO = 0.2
#: Module power per module area for suggested sizes [W/m^2] (about 20 % efficient modules).
MODULE_W_PER_M2 = 200.0
#: Share of a roof or parcel that modules can use (setbacks, chimneys, shade).
USABLE_SHARE = 0.6


@dataclass(frozen=True)
class SolarGeometry:
    """Sun position and sky quantities at the interval midpoints, shared by all orientations."""

    apparent_zenith: np.ndarray
    zenith: np.ndarray
    azimuth: np.ndarray
    dni_extra: np.ndarray
    airmass: np.ndarray


def solar_geometry(weather: pd.DataFrame, latitude: float, longitude: float,
                   altitude: float = 0.0) -> SolarGeometry:
    """Solar position [deg] at each interval's middle, extraterrestrial DNI and relative airmass."""
    import pvlib

    step = weather.index[1] - weather.index[0]
    mid = weather.index + step / 2
    pressure = weather["pressure"].to_numpy() if "pressure" in weather else None
    position = pvlib.solarposition.get_solarposition(
        mid, latitude, longitude, altitude,
        pressure=pressure if pressure is not None else pvlib.atmosphere.alt2pres(altitude),
        temperature=weather["temp_air"].to_numpy())
    airmass = pvlib.atmosphere.get_relative_airmass(position["apparent_zenith"].to_numpy())
    return SolarGeometry(
        apparent_zenith=position["apparent_zenith"].to_numpy(),
        zenith=position["zenith"].to_numpy(),
        azimuth=position["azimuth"].to_numpy(),
        dni_extra=pvlib.irradiance.get_extra_radiation(mid).to_numpy(),
        airmass=np.asarray(airmass),
    )


def dc_per_kwp(weather: pd.DataFrame, sun: SolarGeometry, tilt_deg: float, azimuth_deg: float,
               temperature_model: str = "open_rack_glass_polymer") -> np.ndarray:
    """DC output of 1 kWp facing one way, before system losses [kW per kWp]."""
    import pvlib

    if "dni" in weather and "dhi" in weather:
        dni, dhi = weather["dni"].to_numpy(), weather["dhi"].to_numpy()
    else:  # only GHI measured: split it with the Erbs model
        split = pvlib.irradiance.erbs(weather["ghi"].to_numpy(), sun.zenith, weather.index)
        dni, dhi = np.asarray(split["dni"]), np.asarray(split["dhi"])
    poa = pvlib.irradiance.get_total_irradiance(
        tilt_deg, azimuth_deg, sun.apparent_zenith, sun.azimuth, dni, weather["ghi"].to_numpy(),
        dhi, dni_extra=sun.dni_extra, airmass=sun.airmass, albedo=ALBEDO, model="perez")
    aoi = pvlib.irradiance.aoi(tilt_deg, azimuth_deg, sun.apparent_zenith, sun.azimuth)
    iam = pvlib.iam.physical(aoi)
    effective = np.nan_to_num(np.asarray(poa["poa_direct"]) * iam + np.asarray(poa["poa_diffuse"]))
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][temperature_model]
    temp_cell = pvlib.temperature.sapm_cell(np.asarray(poa["poa_global"]), weather["temp_air"].to_numpy(),
                                            weather["wind_speed"].to_numpy(), **params)
    dc = pvlib.pvsystem.pvwatts_dc(effective, temp_cell, pdc0=1.0, gamma_pdc=GAMMA_PDC)
    return np.clip(np.nan_to_num(np.asarray(dc, dtype=float)), 0.0, None)


def inverter_ac(pdc_kw: np.ndarray, pac0_kw: np.ndarray) -> np.ndarray:
    """PVWatts inverter: AC output [kW] from DC input [kW], clipped at the AC rating ``pac0_kw``."""
    import pvlib

    pdc0 = pac0_kw / ETA_INV_NOM
    ac = pvlib.inverter.pvwatts(pdc_kw, pdc0, eta_inv_nom=ETA_INV_NOM)
    return np.clip(np.nan_to_num(np.asarray(ac, dtype=float)), 0.0, None)


def _orientation_key(unit: PVUnit) -> tuple[float, float, str]:
    return round(unit.tilt_deg, 1), round(unit.azimuth_deg % 360.0, 1), unit.temperature_model


def pv_ac_kw(units: Sequence[PVUnit], weather: pd.DataFrame, latitude: float, longitude: float,
             altitude: float = 0.0) -> pd.DataFrame:
    """AC output of every PV unit [kW], one column per unit id, on the weather's index.

    Units sharing tilt and azimuth (to 0.1 deg) and temperature model share one
    irradiance computation. Energy of a step is ``p_kw`` times the step length.
    """
    if not units:
        return pd.DataFrame(index=weather.index)
    sun = solar_geometry(weather, latitude, longitude, altitude)
    groups: dict[tuple, list[PVUnit]] = {}
    for unit in units:
        groups.setdefault(_orientation_key(unit), []).append(unit)
    columns = {}
    for (tilt, azimuth, model), members in groups.items():
        per_kwp = dc_per_kwp(weather, sun, tilt, azimuth, model)
        peak = np.array([u.peak_kw for u in members])
        loss = np.array([1.0 - u.losses_percent / 100.0 for u in members])
        pac0 = peak / np.array([u.dc_ac_ratio for u in members])
        ac = inverter_ac(per_kwp[:, None] * (peak * loss)[None, :], pac0[None, :])
        for j, unit in enumerate(members):
            columns[unit.id] = ac[:, j]
    frame = pd.DataFrame(columns, index=weather.index)
    return frame[[u.id for u in units]]


def distinct_orientations(units: Sequence[PVUnit]) -> int:
    return len({_orientation_key(u) for u in units})


def suggested_peak_kw(area_m2: float, usable_share: float = USABLE_SHARE,
                      w_per_m2: float = MODULE_W_PER_M2) -> float:
    """A peak power for a roof or parcel: area times usable share times module power density [kW]."""
    if area_m2 < 0 or not 0 <= usable_share <= 1 or w_per_m2 <= 0:
        raise ValueError("area must not be negative, usable share within 0..1, power density positive")
    return area_m2 * usable_share * w_per_m2 / 1000.0
