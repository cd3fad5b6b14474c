"""The quick answer before any project exists: what one PV array or one turbine makes at a place.

``planner assess pv|wind`` prints these results; the functions return plain dictionaries
(the CLI's ``--json`` output) and hold all the logic.
"""

from __future__ import annotations

import pandas as pd

from planner.model import PVUnit, Site, ValidationError, WindTurbine


def assessment_weather(latitude: float, longitude: float, path=None):
    """The weather for an assessment and what to say about it.

    Parameters
    ----------
    latitude, longitude : float
        The site [deg].
    path : str or path-like, optional
        A weather file; default: the bundled station for the site.

    Returns
    -------
    data : DataFrame
        One whole year in standard names (refused otherwise).
    meta : WeatherMeta
    about : dict
        ``name``, ``source``, ``distance_km``, ``warnings`` (distance, climate, position) and
        ``repairs`` (each with its count and first time); ``station_id`` for a bundled station.
    """
    from planner.weather import check_full_year, fit_warnings, nearest_station, read_station, read_weather
    from planner.weather.catalogue import distance_km

    if path:
        data, meta = read_weather(path)
        check_full_year(data, meta)
        warnings = fit_warnings(latitude, longitude, meta.latitude, meta.longitude)
        distance = None
        if not any("position" in w for w in warnings) and meta.latitude is not None:
            distance = distance_km(latitude, longitude, meta.latitude, meta.longitude)
        return data, meta, {"name": meta.name, "source": str(path), "distance_km": distance,
                            "warnings": warnings, "repairs": list(meta.repairs)}
    choice = nearest_station(latitude, longitude)
    data, meta = read_station(choice.station.id)
    check_full_year(data, meta)
    return data, meta, {"name": choice.station.name, "source": choice.station.source,
                        "station_id": choice.station.id, "distance_km": choice.distance_km,
                        "warnings": list(choice.warnings), "repairs": list(meta.repairs)}


def energy_result(power_kw: pd.Series, step_h: float, rated_kw: float, weather: dict, unit: dict) -> dict:
    """Annual and monthly energy [kWh] and full-load hours of a power series [kW]."""
    monthly = (power_kw * step_h).groupby(power_kw.index.month).sum().reindex(range(1, 13), fill_value=0.0)
    annual = float(monthly.sum())
    return {
        "annual_kwh": round(annual, 1),
        "full_load_hours": round(annual / rated_kw, 1),
        "monthly_kwh": [round(float(v), 1) for v in monthly],
        "weather": weather,
        "unit": unit,
    }


def _origin():
    from shapely.geometry import Point

    return Point(0.0, 0.0)


def _check_site(latitude: float, longitude: float) -> None:
    Site.at(latitude, longitude, timezone="UTC", crs="EPSG:32632")  # refuses impossible positions


def assess_pv(latitude: float, longitude: float, kwp: float, *, tilt_deg: float = 30.0, azimuth_deg: float = 180.0,
              losses_percent: float = 14.0, dc_ac_ratio: float = 1.1, weather=None) -> dict:
    """Annual and monthly energy of a PV array (PVWatts through pvlib) at a place.

    Parameters
    ----------
    latitude, longitude : float
        [deg], WGS 84.
    kwp : float
        Peak power [kWp].
    tilt_deg, azimuth_deg : float
        Orientation [deg]; azimuth clockwise from north, 180 = south.
    losses_percent : float
        System losses [%].
    dc_ac_ratio : float
        Inverter loading ratio.
    weather : str or path-like, optional
        A weather file (default: the bundled station for the site).

    Returns
    -------
    dict
        ``technology``, ``annual_kwh``, ``full_load_hours``, ``monthly_kwh`` (12), ``weather``,
        ``unit``.
    """
    from planner.generation.pv import pv_ac_kw

    _check_site(latitude, longitude)
    unit = PVUnit(id="assessed", name="assessed array", peak_kw=kwp, tilt_deg=tilt_deg, azimuth_deg=azimuth_deg,
                  losses_percent=losses_percent, dc_ac_ratio=dc_ac_ratio, geometry=_origin())
    issues = unit.validate()
    if issues:
        raise ValidationError(issues)
    data, meta, about = assessment_weather(latitude, longitude, weather)
    power = pv_ac_kw([unit], data, latitude, longitude, meta.elevation_m or 0.0)[unit.id]
    return {"technology": "pv", **energy_result(
        power, meta.resolution_minutes / 60.0, kwp, about,
        {"kwp": kwp, "tilt_deg": tilt_deg, "azimuth_deg": azimuth_deg, "losses_percent": losses_percent,
         "dc_ac_ratio": dc_ac_ratio})}


def assess_wind(latitude: float, longitude: float, turbine: str, hub_height_m: float, *,
                power_curve_csv=None, rated_kw: float | None = None, roughness_m: float = 0.1,
                weather=None) -> dict:
    """Annual and monthly energy of one wind turbine (windpowerlib) at a place.

    Parameters
    ----------
    turbine : str
        A windpowerlib library type (``E-53/800``), or ``custom`` with ``power_curve_csv``.
    hub_height_m : float
    power_curve_csv : path, optional
        Wind speed [m/s] and power [kW] columns, for a custom turbine.
    rated_kw : float, optional
        Default: the curve's maximum, or the library type's nominal power.
    roughness_m : float
        Roughness length of the surroundings [m].

    Returns
    -------
    dict
        As :func:`assess_pv`, plus ``capacity_factor``.
    """
    from planner.generation.wind import make_turbine, read_power_curve_csv, wind_ac_kw

    _check_site(latitude, longitude)
    curve = read_power_curve_csv(power_curve_csv) if power_curve_csv else None
    rated = rated_kw
    if rated is None:
        if curve:
            rated = max(float(pair.split(":")[1]) for pair in curve.split(";"))
        else:
            probe = WindTurbine(id="assessed", name="assessed turbine", turbine_type=turbine,
                                hub_height_m=max(hub_height_m, 1.0), rated_kw=1.0, geometry=_origin())
            rated = make_turbine(probe).nominal_power / 1000.0
    unit = WindTurbine(id="assessed", name="assessed turbine", turbine_type=turbine, hub_height_m=hub_height_m,
                       rated_kw=rated, power_curve=curve, geometry=_origin())
    issues = unit.validate()
    if issues:
        raise ValidationError(issues)
    data, meta, about = assessment_weather(latitude, longitude, weather)
    power = wind_ac_kw([unit], data, wind_height_m=meta.wind_height_m, roughness_m=roughness_m)[unit.id]
    result = {"technology": "wind", **energy_result(
        power, meta.resolution_minutes / 60.0, rated, about,
        {"turbine": turbine, "hub_height_m": hub_height_m, "rated_kw": rated, "roughness_m": roughness_m})}
    result["capacity_factor"] = round(result["full_load_hours"] / 8760.0, 4)
    return result
