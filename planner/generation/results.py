"""A project's generation and demand from its weather: the Qt-free function the runner, CLI and GUI call.

Which heat a CHP unit serves: the consumers within its heat network radius,
else those on its parcel, else its owner's. Wind turbines take the roughness length of their
parcel's land use (:data:`~planner.generation.wind.ROUGHNESS_BY_LAND_USE`),
0.1 m without a parcel; turbines near one another lose energy in each other's wakes, from
their drawn positions and the wind direction of every step
(:func:`~planner.generation.wind.wind_with_wakes_kw`, Jensen model); ``wind_farms`` says which
model made each farm's figures and its loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.generation import chp as chp_dispatch
from planner.generation.demand import electricity_kw, heat_kw, load_profile_kw
from planner.generation.pv import pv_ac_kw
from planner.generation.wind import DEFAULT_ROUGHNESS_M, ROUGHNESS_BY_LAND_USE, wind_with_wakes_kw
from planner.model import Project
from planner.weather import (
    WeatherMeta, check_full_year, fit_warnings, nearest_station, read_station, read_weather, station_warnings,
    to_resolution,
)


@dataclass(frozen=True)
class GenerationResult:
    """Time series of one project on one weather (power in kW, index: interval starts).

    Attributes
    ----------
    units_kw : DataFrame
        Electrical output per PV, wind and CHP unit (column = unit id).
    consumers_kw : DataFrame
        Electricity demand per consumer.
    heat_kw : DataFrame
        Heat demand per consumer that has one.
    chp : dict
        The full dispatch of each CHP unit (heat, store, boiler, fuel).
    weather : WeatherMeta
        Which weather was used.
    wind_farms : list of dict
        Turbines that share a site: units, the wake model used and the share of energy lost.
    heat_pumps, charging : HeatPumpResult, EVResult or None
        What the heat pumps and charging points did; their electricity is in ``consumers_kw``.
    added_kw : DataFrame
        Electricity the heat pumps and charging points add to each consumer's demand (columns:
        the consumers that have any): ``consumers_kw - added_kw`` is the demand without them.
    notes : list of str
        What the heat pumps and charging points could not do as asked.
    """

    units_kw: pd.DataFrame
    consumers_kw: pd.DataFrame
    heat_kw: pd.DataFrame
    chp: dict[str, chp_dispatch.CHPDispatch]
    weather: WeatherMeta
    rated_kw: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    wind_farms: list = field(default_factory=list)
    heat_pumps: object = None
    charging: object = None
    added_kw: pd.DataFrame | None = None
    notes: list = field(default_factory=list)

    def without_new_loads(self) -> pd.DataFrame:
        """Consumers' electricity demand without the heat pumps and charging points [kW]."""
        if self.added_kw is None or not len(self.added_kw.columns):
            return self.consumers_kw
        return self.consumers_kw.sub(self.added_kw.reindex(columns=self.consumers_kw.columns, fill_value=0.0))

    @property
    def step_h(self) -> float:
        """The step length [h]."""
        index = self.units_kw.index
        return (index[1] - index[0]).total_seconds() / 3600.0

    def unit_table(self) -> pd.DataFrame:
        """Per unit: kind, rated power, annual energy, full-load hours, capacity factor."""
        hours = len(self.units_kw) * self.step_h
        energy = self.units_kw.sum() * self.step_h
        rated = pd.Series(self.rated_kw).reindex(energy.index)
        return pd.DataFrame({
            "kind": pd.Series(self.kinds).reindex(energy.index),
            "rated_kw": rated,
            "annual_kwh": energy,
            "full_load_hours": energy / rated,
            "capacity_factor": energy / (rated * hours),
        })

    def consumer_table(self) -> pd.DataFrame:
        """Per consumer: annual electricity [kWh] (``added_kwh`` of it from heat pumps and charging
        points), peak electric demand [kW] and annual heat [kWh]."""
        added = (self.added_kw.sum() * self.step_h) if self.added_kw is not None else pd.Series(dtype=float)
        return pd.DataFrame({
            "annual_kwh": self.consumers_kw.sum() * self.step_h,
            "added_kwh": added.reindex(self.consumers_kw.columns, fill_value=0.0),
            "peak_kw": self.consumers_kw.max(),
            "annual_heat_kwh": (self.heat_kw.sum() * self.step_h).reindex(self.consumers_kw.columns,
                                                                          fill_value=0.0),
        })


def heat_served(unit, consumers, with_heat) -> list[str]:
    """Consumers whose heat a CHP unit serves: within its heat network radius, else on its parcel,
    else its owner's."""
    heated = [c for c in consumers if c.id in with_heat]
    if unit.heat_radius_m is not None:
        return [c.id for c in heated if c.geometry.distance(unit.geometry) <= unit.heat_radius_m]
    if unit.parcel_id:
        return [c.id for c in heated if c.parcel_id == unit.parcel_id]
    return [c.id for c in heated if unit.owner_id and c.member_id == unit.owner_id]


def project_weather(project: Project, resolution_minutes: int = 60) -> tuple[pd.DataFrame, WeatherMeta]:
    """The project's weather: its recorded station or file, else the bundled station for its site."""
    if project.weather is None:
        choice = nearest_station(project.site.latitude, project.site.longitude)
        data, meta = read_station(choice.station.id)
        meta.notes.extend(choice.warnings)
    elif project.weather.startswith(("dwd-", "tmy3-", "tmy2-")):
        data, meta = read_station(project.weather)
        meta.notes.extend(station_warnings(project.weather, project.site.latitude, project.site.longitude))
    else:
        data, meta = read_weather(project.weather)
        meta.notes.extend(fit_warnings(project.site.latitude, project.site.longitude, meta.latitude,
                                       meta.longitude))
    check_full_year(data, meta)
    if meta.resolution_minutes != resolution_minutes:
        data = to_resolution(data, resolution_minutes)
        meta.resolution_minutes = resolution_minutes
    return data, meta


class GenerationCache:
    """What variants of one project share and need compute only once: the weather, the
    consumers' demand profiles and each PV orientation's output per kWp (a sweep computes them
    for the base project, then sends the cache to its workers).

    Entries are keyed by everything they depend on (the weather setting, site, resolution, the
    consumers themselves), so a variant that changes any of these computes its own.
    """

    def __init__(self):
        self.store: dict = {}

    def get(self, key, compute):
        """The entry for ``key``, computed by ``compute()`` the first time."""
        if key not in self.store:
            self.store[key] = compute()
        return self.store[key]


def _project_profiles(consumers, profiles, index, timezone) -> dict:
    """Consumers' demand series [kW] from the project's load profiles (see ``load_profile_kw``)."""
    return {c.id: pd.Series(load_profile_kw(c, profiles[c.profile_id], index, timezone), index=index)
            for c in consumers}


def simulate_generation(project: Project, weather: pd.DataFrame | None = None,
                        meta: WeatherMeta | None = None, *, resolution_minutes: int = 60,
                        measured: dict | None = None, cache: GenerationCache | None = None,
                        transformer_areas: tuple[dict, dict] | None = None) -> GenerationResult:
    """Generation of every unit and demand of every consumer of ``project`` over a year.

    A consumer's efficiency measures lower its electricity demand by their yearly savings
    (the profile scaled, never below zero). A heat pump serves its consumer's heat (which no
    CHP unit then serves) and adds its electricity to the consumer's demand, as a charging point
    adds its vehicles' charging; charging points that charge ``smart`` follow the community's
    demand less its generation, those that keep under a ``limit`` their transformer area's, from
    ``transformer_areas`` ({bus id: area}, {area: rating kVA}; see
    :func:`planner.grid.areas.bus_areas`). ``cache`` keeps the weather, demand profiles and PV
    output per kWp for the next variant of the same project.
    """
    import copy

    cache = cache if cache is not None else GenerationCache()
    site = project.site
    where = (project.weather, site.latitude, site.longitude, site.timezone, resolution_minutes)
    if weather is None:
        weather, meta = cache.get(("weather", where), lambda: project_weather(project, resolution_minutes))
        meta = copy.deepcopy(meta)  # callers add notes to their own copy
    else:
        where = (id(weather),) + where
    items = project.items
    consumers = list(items("consumer").values())
    pv_units = list(items("pv_unit").values())
    turbines = list(items("wind_turbine").values())
    chp_units = list(items("chp_unit").values())

    profiles = items("load_profile")
    from_project = [c for c in consumers if c.profile == "measured" and c.profile_id in profiles]
    if measured:
        electric = electricity_kw(consumers, weather.index, site.timezone,
                                  measured={**_project_profiles(from_project, profiles, weather.index,
                                                                site.timezone), **measured})
    else:
        used = tuple(sorted({c.profile_id for c in from_project}))
        electric = cache.get(
            ("electricity", where, tuple(consumers), tuple(profiles[p] for p in used)),
            lambda: electricity_kw(consumers, weather.index, site.timezone, measured=_project_profiles(
                from_project, profiles, weather.index, site.timezone)))
    saved: dict[str, float] = {}
    for measure in items("efficiency_measure").values():
        saved[measure.consumer_id] = saved.get(measure.consumer_id, 0.0) + measure.savings_kwh_per_year
    if saved:
        electric = electric.copy()  # the cached profiles stay as they are
    for cid, kwh in saved.items():
        annual = float(electric[cid].sum() * (meta.resolution_minutes / 60.0))
        if annual > 0:
            electric[cid] = electric[cid] * max(annual - kwh, 0.0) / annual
    hourly = weather if meta.resolution_minutes == 60 else to_resolution(weather, 60)
    heat_hourly = cache.get(("heat", where, tuple(consumers)),
                            lambda: heat_kw(consumers, hourly["temp_air"], site.timezone))
    heat = heat_hourly if meta.resolution_minutes == 60 else heat_hourly.reindex(
        weather.index, method="ffill")

    frames = [pv_ac_kw(pv_units, weather, site.latitude, site.longitude, meta.elevation_m or 0.0,
                       cache=cache.get(("pv", where, meta.elevation_m), dict))]
    roughness = {}
    for t in turbines:
        parcel = items("parcel").get(t.parcel_id) if t.parcel_id else None
        roughness[t.id] = ROUGHNESS_BY_LAND_USE.get(parcel.land_use, DEFAULT_ROUGHNESS_M) if parcel \
            else DEFAULT_ROUGHNESS_M
    wind, wind_farms = wind_with_wakes_kw(turbines, weather, wind_height_m=meta.wind_height_m,
                                          roughness_m=roughness)
    frames.append(wind)
    heat_pumps = list(items("heat_pump").values())
    pumped = None
    added = {}
    if heat_pumps:
        from planner.generation.heat_pumps import simulate_heat_pumps

        pumped = simulate_heat_pumps(heat_pumps, heat, weather["temp_air"], site.timezone, details=False)
        for hp in heat_pumps:
            added[hp.consumer_id] = added.get(hp.consumer_id, 0.0) + pumped.electricity_kw[hp.id].to_numpy()
    heated_by_pump = {hp.consumer_id for hp in heat_pumps}
    dispatched = {}
    for unit in chp_units:
        served = heat_served(unit, consumers, [c for c in heat.columns if c not in heated_by_pump])
        if not served:
            raise PlannerError(f"{unit.describe()}: serves no heat demand (no consumer with heat in its heat "
                               f"network radius, on its parcel or of its owner"
                               f"{' that a heat pump does not heat' if heated_by_pump else ''})")
        demand = heat[served].sum(axis=1)
        own_power = electric[[c.id for c in consumers if c.id in served]].sum(axis=1) \
            if unit.mode == "electricity-led" else None
        dispatched[unit.id] = chp_dispatch.dispatch(unit, demand, electricity_kw=own_power)
    frames.append(pd.DataFrame({k: d.p_el_kw for k, d in dispatched.items()}, index=weather.index))
    units = pd.concat(frames, axis=1)
    if added:
        electric = electric.copy()  # the cached profiles stay as they are
        for cid, kw in added.items():
            electric[cid] = electric[cid].to_numpy() + kw
    points = list(items("charging_point").values())
    charged = None
    if points:
        charged = _charge(points, project, electric, units, weather.index, transformer_areas)
        electric = electric.copy() if not added else electric
        for point in points:
            kw = charged.charging_kw[point.id].to_numpy()
            electric[point.consumer_id] = electric[point.consumer_id].to_numpy() + kw
            added[point.consumer_id] = added.get(point.consumer_id, 0.0) + kw

    rated = {u.id: u.peak_kw for u in pv_units}
    rated.update({u.id: u.rated_kw for u in turbines})
    rated.update({u.id: u.p_el_kw for u in chp_units})
    kinds = {u.id: "pv" for u in pv_units} | {u.id: "wind" for u in turbines} | \
        {u.id: "chp" for u in chp_units}
    return GenerationResult(units_kw=units, consumers_kw=electric, heat_kw=heat, chp=dispatched,
                            weather=meta, rated_kw=rated, kinds=kinds,
                            wind_farms=[{k: v for k, v in f.items() if not k.endswith("per_step_hour")}
                                        for f in wind_farms],
                            heat_pumps=pumped, charging=charged,
                            added_kw=pd.DataFrame(added, index=weather.index) if added else None,
                            notes=list(charged.notes) if charged else [])


def _charge(points, project, electric: pd.DataFrame, units: pd.DataFrame, index, transformer_areas):
    """The charging points' year: the community's and each transformer area's load as the
    strategies see them (demand, heat pumps included, less generation)."""
    from planner.generation.ev import simulate_charging

    consumers = project.items("consumer")
    missing = [p for p in points if p.consumer_id not in electric.columns]
    if missing:
        raise PlannerError(f"{missing[0].describe()}: its consumer '{missing[0].consumer_id}' is not in the project")
    net = electric.to_numpy().sum(axis=1) - (units.to_numpy().sum(axis=1) if len(units.columns) else 0.0)
    area_load, area_of_point, rating = {}, {}, {}
    if transformer_areas is not None:
        area_of_bus, rating = transformer_areas
        wanted = {p.strategy for p in points}
        if "limit" in wanted:
            for cid, consumer in consumers.items():
                area = area_of_bus.get(consumer.bus_id)
                if area is not None:
                    load = area_load.setdefault(area, np.zeros(len(index)))
                    load += electric[cid].to_numpy()
            for kind in ("pv_unit", "wind_turbine", "chp_unit"):
                for uid, unit in project.items(kind).items():
                    area = area_of_bus.get(unit.bus_id)
                    if area in area_load and uid in units.columns:
                        area_load[area] -= units[uid].to_numpy()
        for p in points:
            area = area_of_bus.get(consumers[p.consumer_id].bus_id)
            if area is not None:
                area_of_point[p.id] = area
    return simulate_charging(points, index, project.site.timezone, net_load_kw=net,
                             area_load_kw=area_load, area_of=area_of_point,
                             area_limit_kw=rating)
