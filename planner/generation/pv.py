"""PV output from local weather: pvlib's PVWatts chain, computed once per orientation.

A unit that names a CEC module (pvlib's bundled library) is modelled with the
single-diode CEC model instead of ``pvwatts_dc``, and with a named CEC inverter
the Sandia inverter model; see :func:`_cec_ac_kw`.

The default chain is PVWatts' (as ``pvlib.modelchain.ModelChain.with_pvwatts``): Perez
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

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import PlannerError
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


def _plane(weather, sun, tilt_deg, azimuth_deg, temperature_model):
    """Effective irradiance on the modules and cell temperature for one orientation."""
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
    return effective, np.asarray(temp_cell, dtype=float)


def dc_per_kwp(weather: pd.DataFrame, sun: SolarGeometry, tilt_deg: float, azimuth_deg: float,
               temperature_model: str = "open_rack_glass_polymer") -> np.ndarray:
    """DC output of 1 kWp facing one way, PVWatts, before system losses [kW per kWp]."""
    import pvlib

    effective, temp_cell = _plane(weather, sun, tilt_deg, azimuth_deg, temperature_model)
    dc = pvlib.pvsystem.pvwatts_dc(effective, temp_cell, pdc0=1.0, gamma_pdc=GAMMA_PDC)
    return np.clip(np.nan_to_num(np.asarray(dc, dtype=float)), 0.0, None)


@functools.lru_cache(maxsize=2)
def cec_library(kind: str) -> pd.DataFrame:
    """pvlib's bundled CEC module (``"CECMod"``) or inverter (``"cecinverter"``) library."""
    import pvlib

    return pvlib.pvsystem.retrieve_sam(kind)


def _cec_parameters(unit: PVUnit):
    modules = cec_library("CECMod")
    if unit.module not in modules:
        raise PVError(f"{unit.describe()}: module '{unit.module}' is not in pvlib's CEC module library")
    inverter = None
    if unit.inverter is not None:
        inverters = cec_library("cecinverter")
        if unit.inverter not in inverters:
            raise PVError(f"{unit.describe()}: inverter '{unit.inverter}' is not in pvlib's CEC inverter library")
        inverter = inverters[unit.inverter]
    return modules[unit.module], inverter


def dc_per_module_w(weather, sun, tilt_deg, azimuth_deg, temperature_model, module) -> np.ndarray:
    """DC power at the maximum power point of one CEC module [W] (single-diode model, De Soto/CEC)."""
    import pvlib

    effective, temp_cell = _plane(weather, sun, tilt_deg, azimuth_deg, temperature_model)
    params = pvlib.pvsystem.calcparams_cec(
        effective, temp_cell, module["alpha_sc"], module["a_ref"], module["I_L_ref"], module["I_o_ref"],
        module["R_sh_ref"], module["R_s"], module["Adjust"])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # night: no light, NaN then 0
        mpp = pvlib.pvsystem.max_power_point(*params, method="newton")
    return np.clip(np.nan_to_num(np.asarray(mpp["p_mp"], dtype=float)), 0.0, None)


def _cec_ac_kw(unit: PVUnit, p_module_w: np.ndarray, module, inverter) -> np.ndarray:
    """A unit of CEC modules: as many modules as its peak power holds; CEC (Sandia) inverters
    sized by its DC/AC ratio and run at their nominal DC voltage (no string design yet), or
    PVWatts' inverter without a named one."""
    import pvlib

    n_modules = max(1, int(round(unit.peak_kw * 1000.0 / float(module["STC"]))))
    dc_w = p_module_w * n_modules * (1.0 - unit.losses_percent / 100.0)
    if inverter is None:
        return inverter_ac(dc_w / 1000.0, np.asarray(unit.peak_kw / unit.dc_ac_ratio))
    n_inverters = max(1, int(math.ceil(unit.peak_kw / unit.dc_ac_ratio * 1000.0 / float(inverter["Paco"]))))
    ac = pvlib.inverter.sandia(np.full_like(dc_w, float(inverter["Vdco"])), dc_w / n_inverters, inverter)
    return np.clip(np.nan_to_num(np.asarray(ac, dtype=float)), 0.0, None) * n_inverters / 1000.0


def inverter_ac(pdc_kw: np.ndarray, pac0_kw: np.ndarray) -> np.ndarray:
    """PVWatts inverter: AC output [kW] from DC input [kW], clipped at the AC rating ``pac0_kw``."""
    import pvlib

    pdc0 = pac0_kw / ETA_INV_NOM
    ac = pvlib.inverter.pvwatts(pdc_kw, pdc0, eta_inv_nom=ETA_INV_NOM)
    return np.clip(np.nan_to_num(np.asarray(ac, dtype=float)), 0.0, None)


class PVError(PlannerError):
    """A PV unit that cannot be modelled: unknown module or inverter."""


def _orientation_key(unit: PVUnit) -> tuple:
    return (round(unit.tilt_deg, 1), round(unit.azimuth_deg % 360.0, 1), unit.temperature_model,
            unit.module or "")


def pv_ac_kw(units: Sequence[PVUnit], weather: pd.DataFrame, latitude: float, longitude: float,
             altitude: float = 0.0, cache: dict | None = None) -> pd.DataFrame:
    """AC output of every PV unit [kW], one column per unit id, on the weather's index.

    Units sharing tilt and azimuth (to 0.1 deg) and temperature model share one
    irradiance computation. Energy of a step is ``p_kw`` times the step length. ``cache``
    (a dict kept for one weather and site) keeps the sun's positions and each orientation's
    output per kWp for the next call (a sweep's variants).
    """
    if not units:
        return pd.DataFrame(index=weather.index)
    cache = {} if cache is None else cache
    if "sun" not in cache:
        cache["sun"] = solar_geometry(weather, latitude, longitude, altitude)
    sun = cache["sun"]
    groups: dict[tuple, list[PVUnit]] = {}
    for unit in units:
        groups.setdefault(_orientation_key(unit), []).append(unit)
    columns = {}
    for (tilt, azimuth, model, module_name), members in groups.items():
        if module_name:
            module, _ = _cec_parameters(members[0])
            p_module = dc_per_module_w(weather, sun, tilt, azimuth, model, module)
            for unit in members:
                columns[unit.id] = _cec_ac_kw(unit, p_module, *_cec_parameters(unit))
            continue
        if any(u.inverter for u in members):
            raise PVError(f"{next(u for u in members if u.inverter).describe()}: a CEC inverter needs a "
                          f"CEC module as well")
        key = ("per_kwp", tilt, azimuth, model)
        if key not in cache:
            cache[key] = dc_per_kwp(weather, sun, tilt, azimuth, model)
        per_kwp = cache[key]
        peak = np.array([u.peak_kw for u in members])
        loss = np.array([1.0 - u.losses_percent / 100.0 for u in members])
        pac0 = peak / np.array([u.dc_ac_ratio for u in members])
        ac = inverter_ac(per_kwp[:, None] * (peak * loss)[None, :], pac0[None, :])
        for j, unit in enumerate(members):
            columns[unit.id] = ac[:, j]
    frame = pd.DataFrame(columns, index=weather.index)
    return frame[[u.id for u in units]]


def distinct_orientations(units: Sequence[PVUnit]) -> int:
    """The distinct (tilt, azimuth, model) groups whose irradiance is computed once."""
    return len({_orientation_key(u) for u in units})


def suggested_peak_kw(area_m2: float, usable_share: float = USABLE_SHARE,
                      w_per_m2: float = MODULE_W_PER_M2) -> float:
    """A peak power for a roof or parcel: area times usable share times module power density [kW]."""
    if area_m2 < 0 or not 0 <= usable_share <= 1 or w_per_m2 <= 0:
        raise ValueError("area must not be negative, usable share within 0..1, power density positive")
    return area_m2 * usable_share * w_per_m2 / 1000.0
