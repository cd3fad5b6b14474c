"""Wind turbine output from local weather with windpowerlib.

Wind speed is carried from the measurement height to the hub with the
logarithmic profile and the roughness length of the surroundings (from the
parcel's land use, or given); air density follows from temperature and
pressure (barometric model, temperature with the linear gradient), and the
power curve is density-corrected. Turbines come from windpowerlib's bundled
library (``WindTurbine(turbine_type=...)``, offline) or from a user power curve,
which community wind needs: the library's smallest machines are 800 kW.

Several turbines on one site lose energy in each other's wakes: :func:`wind_with_wakes_kw`
takes their drawn positions and the wind direction of every step (Jensen model,
:mod:`planner.generation.wakes`); :func:`wind_farm_kw` runs windpowerlib's
``TurbineClusterModelChain`` with a constant wind-farm efficiency, for a farm whose
layout is not drawn.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.model.units import WindTurbine

#: Roughness length z0 [m] by land use (Davenport-Wieringa classification, rounded).
ROUGHNESS_BY_LAND_USE = {
    "water": 0.0002,
    "open": 0.03,
    "agricultural": 0.1,
    "residential": 0.5,
    "commercial": 0.5,
    "industrial": 0.5,
    "public": 0.5,
    "forest": 1.0,
    "other": 0.1,
}
DEFAULT_ROUGHNESS_M = 0.1
#: A wind site that lists no types offers windpowerlib's types with a power curve up to this
#: rating [kW] (planner optimise): community-scale turbines, not offshore ones.
DEFAULT_MAX_RATED_KW = 2500.0


class WindError(PlannerError):
    """A turbine that cannot be modelled: unknown type, bad power curve."""


def parse_power_curve(text: str, who: str = "power curve") -> pd.DataFrame:
    """``"v:p;v:p;..."`` (wind speed [m/s] to power [kW]) to windpowerlib's table (power in W)."""
    pairs = []
    for part in (p.strip() for p in text.replace("\n", ";").split(";")):
        if not part:
            continue
        try:
            speed, power = (float(x) for x in part.split(":"))
        except ValueError:
            raise WindError(f"{who}: '{part}' is not 'wind speed:power'") from None
        pairs.append((speed, power))
    return _curve_table(pairs, who)


def _curve_table(pairs, who) -> pd.DataFrame:
    if len(pairs) < 3:
        raise WindError(f"{who}: needs at least three points")
    curve = pd.DataFrame(pairs, columns=["wind_speed", "value"])
    if not curve.wind_speed.is_monotonic_increasing or curve.wind_speed.duplicated().any():
        raise WindError(f"{who}: wind speeds must increase")
    if (curve.wind_speed < 0).any() or (curve.value < 0).any():
        raise WindError(f"{who}: wind speeds and powers must not be negative")
    if not np.isfinite(curve.to_numpy()).all():
        raise WindError(f"{who}: holds a value that is not a finite number")
    curve["value"] = curve["value"] * 1000.0  # kW -> W
    return curve


def read_power_curve_csv(path) -> str:
    """A power curve from CSV (two columns: wind speed [m/s], power [kW]) as the model's text form."""
    path = Path(path)
    if not path.exists():
        raise WindError(f"{path}: no such file")
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise WindError(f"{path}: not a readable CSV file: {exc}") from None
    if raw.shape[1] < 2:
        raise WindError(f"{path}: needs two columns, wind speed [m/s] and power [kW]")
    speed = pd.to_numeric(raw.iloc[:, 0], errors="coerce")
    power = pd.to_numeric(raw.iloc[:, 1], errors="coerce")
    if speed.isna().any() or power.isna().any():
        raise WindError(f"{path}: a wind speed or power is not a number")
    _curve_table(list(zip(speed, power)), str(path))
    return ";".join(f"{v:g}:{p:g}" for v, p in zip(speed, power))


def turbine_types() -> list[str]:
    """windpowerlib's bundled turbine types that have a power curve."""
    from windpowerlib import get_turbine_types

    with _quiet():
        table = get_turbine_types(print_out=False)
    return sorted(table[table.has_power_curve.astype(bool)].turbine_type)


def make_turbine(unit: WindTurbine):
    """The windpowerlib turbine of a unit: from the library, or from its own power curve."""
    from windpowerlib import WindTurbine as WplTurbine

    if unit.turbine_type == "custom" or unit.power_curve:
        if not unit.power_curve:
            raise WindError(f"{unit.describe()}: turbine type 'custom' needs a power curve")
        curve = parse_power_curve(unit.power_curve, unit.describe())
        return WplTurbine(hub_height=unit.hub_height_m, nominal_power=unit.rated_kw * 1000.0,
                          power_curve=curve, rotor_diameter=unit.rotor_diameter_m)
    if unit.turbine_type not in turbine_types():
        raise WindError(f"{unit.describe()}: turbine type '{unit.turbine_type}' is not in windpowerlib's "
                        f"library with a power curve; give a power curve (type 'custom') instead")
    with _quiet():
        return WplTurbine(turbine_type=unit.turbine_type, hub_height=unit.hub_height_m)


@contextlib.contextmanager
def _quiet():
    """windpowerlib triggers pandas FutureWarnings that are not ours to act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def windpowerlib_weather(weather: pd.DataFrame, wind_height_m: float, roughness_m: float) -> pd.DataFrame:
    """Our weather in windpowerlib's form: columns (variable, height [m])."""
    columns = {
        ("wind_speed", wind_height_m): weather["wind_speed"].to_numpy(),
        ("temperature", 2.0): weather["temp_air"].to_numpy() + 273.15,
        ("pressure", 0.0): (weather["pressure"].to_numpy() if "pressure" in weather
                            else np.full(len(weather), 101_325.0)),
        ("roughness_length", 0.0): np.full(len(weather), roughness_m),
    }
    frame = pd.DataFrame(columns, index=weather.index)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["variable_name", "height"])
    return frame


def wind_ac_kw(units: Sequence[WindTurbine], weather: pd.DataFrame, *, wind_height_m: float = 10.0,
               roughness_m: dict[str, float] | float = DEFAULT_ROUGHNESS_M) -> pd.DataFrame:
    """Output of each turbine on its own (no wakes) [kW], one column per unit id."""
    from windpowerlib import ModelChain

    columns = {}
    for unit in units:
        z0 = roughness_m.get(unit.id, DEFAULT_ROUGHNESS_M) if isinstance(roughness_m, dict) else roughness_m
        chain = ModelChain(make_turbine(unit), wind_speed_model="logarithmic",
                           temperature_model="linear_gradient", density_model="barometric",
                           power_output_model="power_curve", density_correction=True)
        with _quiet():
            chain.run_model(windpowerlib_weather(weather, wind_height_m, z0))
        columns[unit.id] = np.clip(chain.power_output.to_numpy() / 1000.0, 0.0, None)
    return pd.DataFrame(columns, index=weather.index)


def _chain(unit: WindTurbine):
    from windpowerlib import ModelChain

    return ModelChain(make_turbine(unit), wind_speed_model="logarithmic", temperature_model="linear_gradient",
                      density_model="barometric", power_output_model="power_curve", density_correction=True)


def wind_with_wakes_kw(units: Sequence[WindTurbine], weather: pd.DataFrame, *, wind_height_m: float = 10.0,
                       roughness_m: dict[str, float] | float = DEFAULT_ROUGHNESS_M,
                       k: float | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Output of each turbine [kW] with the wakes of the others near it, and a report per farm.

    Turbines closer than :data:`~planner.generation.wakes.FARM_DISTANCE_DIAMETERS` rotor
    diameters form a farm; in a farm each turbine's hub wind is lowered by the Jensen model
    (:func:`~planner.generation.wakes.jensen_speeds`) from the drawn positions and the wind
    direction of each step, then its density-corrected power curve gives its output. Without
    a wind direction in the weather the loss is averaged over 36 directions (an even wind
    rose), and the report says so. A lone turbine has no wake loss.

    Returns
    -------
    power : DataFrame
        [kW], one column per unit id.
    farms : list of dict
        Per farm: ``units``, ``model``, ``free_kwh`` and ``waked_kwh`` per step length 1 h
        (multiply by the step in hours), ``loss_share``.
    """
    from windpowerlib.power_output import power_curve

    from planner.generation import wakes

    k = wakes.WAKE_DECAY_ONSHORE if k is None else k
    columns, farms_out = {}, []
    conditions = {}
    for unit in units:
        z0 = roughness_m.get(unit.id, DEFAULT_ROUGHNESS_M) if isinstance(roughness_m, dict) else roughness_m
        chain = _chain(unit)
        frame = windpowerlib_weather(weather, wind_height_m, z0)
        with _quiet():
            speed = np.asarray(chain.wind_speed_hub(frame), dtype=float)
            density = np.asarray(chain.density_hub(frame), dtype=float)
        conditions[unit.id] = (chain.power_plant, speed, density)

    def output(turbine, speed, density):
        curve = turbine.power_curve
        with _quiet():
            values = power_curve(pd.Series(speed), curve["wind_speed"], curve["value"],
                                 density=pd.Series(density), density_correction=True)
        return np.clip(np.asarray(values, dtype=float), 0.0, None) / 1000.0

    for unit in units:
        turbine, speed, density = conditions[unit.id]
        columns[unit.id] = output(turbine, speed, density)
    placed = [u for u in units if u.geometry is not None and not u.geometry.is_empty]
    if len(placed) >= 2:
        xy = np.array([[u.geometry.x, u.geometry.y] for u in placed])
        diameters = np.array([float(conditions[u.id][0].rotor_diameter or 0.0) for u in placed])
        for group in wakes.farms(xy, np.where(diameters > 0, diameters, 1.0)):
            if len(group) < 2:
                continue
            members = [placed[i] for i in group]
            if any(not conditions[u.id][0].rotor_diameter for u in members):
                raise WindError(f"{members[0].describe()}: wakes need every turbine's rotor diameter")
            free = np.stack([conditions[u.id][1] for u in members], axis=1)
            density = np.stack([conditions[u.id][2] for u in members], axis=1)

            def thrust(speed_tn, members=members, density=density):
                power = np.stack([output(conditions[u.id][0], speed_tn[:, j], density[:, j]) * 1000.0
                                  for j, u in enumerate(members)], axis=1)
                area = np.array([np.pi * (conditions[u.id][0].rotor_diameter / 2) ** 2 for u in members])
                return np.stack([wakes.thrust_coefficient(power[:, j], speed_tn[:, j], area[j], density[:, j])
                                 for j in range(len(members))], axis=1)

            args = (xy[group], np.array([u.hub_height_m for u in members]), diameters[group])
            if "wind_direction" in weather and weather["wind_direction"].notna().all():
                waked = wakes.jensen_speeds(*args, free, weather["wind_direction"].to_numpy(), thrust, k)
                power = np.stack([output(conditions[u.id][0], waked[:, j], density[:, j])
                                  for j, u in enumerate(members)], axis=1)
                model = f"Jensen (k = {k:g}), wind direction of every step"
            else:
                power = np.zeros_like(free)
                for direction in np.arange(0.0, 360.0, 10.0):
                    waked = wakes.jensen_speeds(*args, free, np.full(len(free), direction), thrust, k)
                    power += np.stack([output(conditions[u.id][0], waked[:, j], density[:, j])
                                       for j, u in enumerate(members)], axis=1) / 36.0
                model = f"Jensen (k = {k:g}), averaged over 36 directions: the weather has no wind direction"
            free_kwh = float(sum(columns[u.id].sum() for u in members))
            for j, u in enumerate(members):
                columns[u.id] = power[:, j]
            waked_kwh = float(power.sum())
            farms_out.append({"units": [u.id for u in members], "model": model, "free_kwh_per_step_hour": free_kwh,
                              "waked_kwh_per_step_hour": waked_kwh,
                              "loss_share": 1.0 - waked_kwh / free_kwh if free_kwh > 0 else 0.0})
    return pd.DataFrame(columns, index=weather.index), farms_out


def wind_farm_kw(units: Sequence[WindTurbine], weather: pd.DataFrame, *, efficiency: float = 0.9,
                 wind_height_m: float = 10.0, roughness_m: float = DEFAULT_ROUGHNESS_M) -> pd.Series:
    """Output of several turbines on one site with wake losses [kW] (constant farm efficiency)."""
    from windpowerlib import TurbineClusterModelChain, WindFarm

    if not 0 < efficiency <= 1:
        raise WindError(f"wind farm efficiency must be within 0 and 1, got {efficiency:g}")
    fleet = pd.DataFrame({"wind_turbine": [make_turbine(u) for u in units],
                          "number_of_turbines": [1] * len(units)})
    farm = WindFarm(fleet, efficiency=efficiency)
    chain = TurbineClusterModelChain(farm, wake_losses_model="wind_farm_efficiency",
                                     smoothing=False, density_correction=True,
                                     wind_speed_model="logarithmic", density_model="barometric",
                                     temperature_model="linear_gradient")
    with _quiet():
        chain.run_model(windpowerlib_weather(weather, wind_height_m, roughness_m))
    return pd.Series(np.clip(chain.power_output.to_numpy() / 1000.0, 0.0, None), index=weather.index)
