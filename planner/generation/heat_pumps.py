"""Heat pumps: the electricity that heats a consumer's building, step by step, with hplib.

Performance (hplib, Schwarz et al., its generic regulated models by heat source: air/water
is group 1, brine/water group 2): the COP at each step from the source temperature (the air;
for a ground probe the brine temperature hplib's ``HeatingSystem.calc_brine_temp`` gives from
the day's mean air temperature), the flow temperature of the heating curve (hplib's
``HeatingSystem.calc_heating_dist_temp`` from the day's mean air temperature, the design
temperature and the distribution system's design flow temperature) and the air temperature.
The heat pump's water inlet is the flow temperature less hplib's 5 K spread, so it delivers
at the flow temperature. Domestic hot water, which the heat profile includes, is heated at
the same flow temperature (a simplification: a hot-water store at 50-55 degC costs COP).

Capacity: as hplib models a regulated heat pump, the compressor's electrical input is at
most its reference input ``P_el_ref``, so the heat output is at most ``P_el_ref * COP``; at part
load the COP is taken as at full load (hplib's COP does not depend on the load). A heat pump's
``rated_thermal_kw`` is its heat output at the rating point A2/W35 (air, EN 14511) or B0/W35
(ground, with hplib's air temperature of -7 degC for brine models), so its output at any step is
``rated * COP / COP_rating``. Where the COP falls to 1 or below, the heat pump is off and the
back-up heater takes over (hplib switches to its heating rod there too). hplib's generic
air/water model has a COP of about 2.9 at A-7/W35 and 1.4 at A-7/W52: with radiators at 70 degC
an air-source heat pump does little in frost.

Sizing (``rated_thermal_kw`` empty): the design heat load is the largest hourly heat demand
of the consumer's year; the design temperature is the lowest 48-hour mean air temperature of
the weather year (standing in for EN 12831's design outdoor temperature). Between them the
load is linear in the outdoor temperature down from 20 degC, and the heat pump is sized to
cover the load at the bivalence point with its heat output there (bivalent-parallel
operation): ``Q(T_biv) = Q_design * (20 - T_biv) / (20 - T_design)``, or the whole design load
when the bivalence point lies at or below the design temperature (monovalent).

Dispatch, each step: the heat pump meets the demand up to its output; with a thermal store
it runs on at full output while the store has room and the store covers what the heat pump
cannot; an electric back-up heater (efficiency 1) covers the rest, up to its power if one is
given (what is left then is reported as unmet). The store has no standing losses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from numba import njit

from planner import PlannerError
from planner.model.electrification import HEATING_SYSTEMS, HeatPump

#: hplib's generic regulated groups by heat source.
HPLIB_GROUP = {"air": 1, "ground": 2}
#: hplib's reference point of the generic models [degC]: source inlet and flow outlet (t_amb -7).
REFERENCE_POINT = {"air": (-7.0, 52.0), "ground": (0.0, 52.0)}
#: The rating point of ``rated_thermal_kw`` [degC]: source inlet, flow outlet, air.
RATING_POINT = {"air": (2.0, 35.0, 2.0), "ground": (0.0, 35.0, -7.0)}
#: hplib's heating curve: exponent of the distribution system (1.1 floor heating, 1.3 radiators).
HEATING_CURVE_EXPONENT = {"floor": 1.1, "low_temperature_radiator": 1.3, "radiator": 1.3}
#: Room temperature the heating curve and the heat load line start from [degC].
ROOM_TEMP_C = 20.0
#: hplib's spread between the heat pump's water inlet and outlet [K].
SPREAD_K = 5.0


class HeatPumpError(PlannerError):
    """A heat pump that cannot run: no heat demand to serve, temperatures out of hplib's range."""


@dataclass(frozen=True)
class HeatPumpResult:
    """What the heat pumps of a project did over the year (kW per step; columns: heat pump ids)."""

    electricity_kw: pd.DataFrame      # compressor plus back-up heater: what the meter sees
    compressor_kw: pd.DataFrame
    backup_kw: pd.DataFrame           # the back-up heater's electricity (= its heat)
    heat_kw: pd.DataFrame             # heat from the heat pump itself (to the building and the store)
    store_in_kw: pd.DataFrame         # heat from the heat pump into the store
    store_out_kw: pd.DataFrame        # heat from the store to the building
    store_kwh: pd.DataFrame           # the store's content at the end of each step
    unmet_kw: pd.DataFrame            # heat nobody delivered (a back-up heater too small)
    demand_kw: pd.DataFrame           # the building's heat demand
    cop: pd.DataFrame                 # the COP at each step (1 where the heat pump is off)
    rated_thermal_kw: dict[str, float]  # at hplib's reference point, as given or sized
    design: dict                      # design temperature, and per heat pump its design load
    step_h: float
    totals: pd.DataFrame | None = None  # per heat pump: heat, electricity, back-up, unmet [kWh], peak [kW]

    def table(self) -> pd.DataFrame:
        """Per heat pump: size, design load, heat, electricity, seasonal COP, back-up, unmet, peak."""
        t = self.totals if self.totals is not None else pd.DataFrame(
            columns=["heat_kwh", "electricity_kwh", "backup_kwh", "unmet_kwh", "peak_kw"])
        electricity = t.electricity_kwh
        return pd.DataFrame({
            "rated_thermal_kw": pd.Series(self.rated_thermal_kw, dtype=float),
            "design_load_kw": pd.Series(self.design.get("load_kw", {}), dtype=float),
            "heat_kwh": t.heat_kwh,
            "electricity_kwh": electricity,
            "seasonal_cop": (t.heat_kwh - t.unmet_kwh) / electricity.where(electricity > 0),
            "backup_kwh": t.backup_kwh,
            "unmet_kwh": t.unmet_kwh,
            "peak_kw": t.peak_kw,
        })


@lru_cache(maxsize=4)
def _parameters(heat_source: str):
    """hplib's generic regulated heat pump of a source (1 kW at its reference point) and its COP at
    the rating point of ``rated_thermal_kw``."""
    import hplib.hplib as hpl

    t_in, t_out = REFERENCE_POINT[heat_source]
    parameters = hpl.get_parameters("Generic", group_id=HPLIB_GROUP[heat_source], t_in=int(t_in), t_out=int(t_out),
                                    p_th=1000)
    r_in, r_out, r_amb = RATING_POINT[heat_source]
    rating = hpl.HeatPump(parameters).simulate(t_in_primary=r_in, t_in_secondary=r_out - SPREAD_K, t_amb=r_amb)
    return parameters, float(rating["COP"])


def heating_curve_c(daily_mean_c: np.ndarray, heating_system: str, design_temp_c: float) -> np.ndarray:
    """The flow temperature [degC] for a day's mean outdoor temperature: hplib's
    ``HeatingSystem.calc_heating_dist_temp`` (DIN V 4701-10), vectorised."""
    flow_max = HEATING_SYSTEMS[heating_system][0]
    exponent = HEATING_CURVE_EXPONENT[heating_system]
    t = np.asarray(daily_mean_c, dtype=float)
    ratio = np.clip((ROOM_TEMP_C - t) / (ROOM_TEMP_C - design_temp_c), 0.0, None)
    return np.where(t > ROOM_TEMP_C, ROOM_TEMP_C, ROOM_TEMP_C + ratio ** (1.0 / exponent) * (flow_max - ROOM_TEMP_C))


def brine_temp_c(daily_mean_c: np.ndarray) -> np.ndarray:
    """The ground probe's brine temperature [degC]: hplib's ``HeatingSystem.calc_brine_temp``."""
    t = np.asarray(daily_mean_c, dtype=float)
    return -0.0003 * t ** 3 + 0.0086 * t ** 2 + 0.3047 * t + 5.0647


def cop_series(heat_source: str, heating_system: str, temp_air_c: np.ndarray, daily_mean_c: np.ndarray,
               design_temp_c: float) -> tuple[np.ndarray, np.ndarray]:
    """COP and heat output per kW rated (at the reference point) at each step, by hplib's simulate.

    Where hplib's COP is 1 or below the heat pump is off: COP 1, output 0.
    """
    import hplib.hplib as hpl

    parameters, cop_rating = _parameters(heat_source)
    flow = heating_curve_c(daily_mean_c, heating_system, design_temp_c)
    source = np.asarray(temp_air_c, dtype=float) if heat_source == "air" else brine_temp_c(daily_mean_c)
    result = hpl.HeatPump(parameters).simulate(t_in_primary=source, t_in_secondary=flow - SPREAD_K,
                                               t_amb=np.asarray(temp_air_c, dtype=float))
    cop = np.asarray(result["COP"], dtype=float)
    on = cop > 1.0
    per_kw = np.where(on, cop / cop_rating, 0.0)  # P_el_ref * COP per kW rated (P_el_ref * COP_rating)
    return np.where(on, cop, 1.0), per_kw


def design_temp_c(temp_air: pd.Series) -> float:
    """The lowest 48-hour mean air temperature of the year [degC] (the design temperature's stand-in)."""
    hours = temp_air.resample("1h").mean() if len(temp_air) > 1 and \
        (temp_air.index[1] - temp_air.index[0]) < pd.Timedelta("1h") else temp_air
    return float(hours.rolling(48, min_periods=48).mean().min())


def daily_mean(temp_air: pd.Series, timezone: str) -> np.ndarray:
    """Each step's mean air temperature of its local calendar day."""
    local = temp_air.index.tz_convert(timezone)
    days = pd.Series(temp_air.to_numpy(), index=local).groupby(local.date).transform("mean")
    return days.to_numpy()


def simulate_heat_pumps(heat_pumps, heat_demand_kw: pd.DataFrame, temp_air: pd.Series, timezone: str, *,
                        details: bool = True) -> HeatPumpResult:
    """Run every heat pump of ``heat_pumps`` on its consumer's heat demand (``heat_demand_kw``
    columns: consumer ids) and the air temperature ``temp_air`` [degC] on the same steps.

    ``details=False`` keeps of the per-step series only the electricity (a run's; the others are
    then empty frames, the table's yearly figures are kept): 1,500 heat pumps' eleven series of
    a year would take over a gigabyte.
    """
    index = temp_air.index
    step_h = (index[1] - index[0]).total_seconds() / 3600.0
    ids = [hp.id for hp in heat_pumps]
    empty = pd.DataFrame(index=index)
    if not heat_pumps:
        return HeatPumpResult(*([empty] * 10), {}, {}, step_h)
    missing = [hp for hp in heat_pumps if hp.consumer_id not in heat_demand_kw.columns]
    if missing:
        hp = missing[0]
        raise HeatPumpError(f"{hp.describe()}: its consumer '{hp.consumer_id}' has no heat demand to serve "
                            f"(give the consumer a heat profile and an annual heat demand)")
    t_design = design_temp_c(temp_air)
    temps = temp_air.to_numpy(dtype=float)
    daily = daily_mean(temp_air, timezone)
    n, steps = len(heat_pumps), len(index)
    columns = heat_demand_kw.columns.get_indexer([hp.consumer_id for hp in heat_pumps])
    demand_all = np.ascontiguousarray(heat_demand_kw.to_numpy(dtype=float).T)  # (consumers, steps)
    kept = 10 if details else 1
    out = np.zeros((kept, n, steps))  # electricity first, then the details (see _SERIES)
    scratch = np.zeros((10, steps))
    sums = np.zeros((n, 5))  # heat demand, electricity, back-up, unmet, peak electricity
    rated, load = {}, {}
    curves: dict[tuple, tuple] = {}
    at_bivalence: dict[tuple, float] = {}
    for k, hp in enumerate(heat_pumps):
        key = (hp.heat_source, hp.heating_system)
        if key not in curves:
            curves[key] = cop_series(hp.heat_source, hp.heating_system, temps, daily, t_design)
        cop_k, per_kw = curves[key]
        demand = demand_all[columns[k]]
        design_load = float(demand.max())
        load[hp.id] = design_load
        if hp.rated_thermal_kw is not None:
            size = hp.rated_thermal_kw
        else:
            point = key + (hp.bivalence_temp_c,)
            if point not in at_bivalence:
                at_bivalence[point] = _per_kw_at(hp, t_design)
            size = _sized(hp, design_load, t_design, per_kw_at=at_bivalence[point])
        rated[hp.id] = size
        rows = out[:, k] if details else scratch
        _dispatch(demand, per_kw, cop_k, float(size), float(hp.store_kwh),
                  np.inf if hp.backup_kw is None else float(hp.backup_kw), step_h, rows)
        if not details:
            out[0, k] = rows[0]
        sums[k] = (demand.sum(), rows[0].sum(), rows[3].sum(), rows[8].sum(), rows[0].max())
    h = step_h
    totals = pd.DataFrame({"heat_kwh": sums[:, 0] * h, "electricity_kwh": sums[:, 1] * h, "backup_kwh": sums[:, 2] * h,
                           "unmet_kwh": sums[:, 3] * h, "peak_kw": sums[:, 4]}, index=ids)

    def frame(j):
        if j and not details:
            return empty
        return pd.DataFrame(out[j].T, index=index, columns=ids, copy=False)

    return HeatPumpResult(
        electricity_kw=frame(0), compressor_kw=frame(1), heat_kw=frame(2), backup_kw=frame(3),
        store_in_kw=frame(4), store_out_kw=frame(5), store_kwh=frame(6), demand_kw=frame(7), unmet_kw=frame(8),
        cop=frame(9), rated_thermal_kw=rated, design={"temp_c": t_design, "load_kw": load}, step_h=step_h,
        totals=totals)


def _per_kw_at(hp: HeatPump, t_design: float) -> float:
    """Heat output per kW rated at the bivalence point (or the design temperature, when lower)."""
    t = max(hp.bivalence_temp_c, t_design)
    _, per_kw = cop_series(hp.heat_source, hp.heating_system, np.array([t]), np.array([t]), t_design)
    return float(per_kw[0])


def _sized(hp: HeatPump, design_load_kw: float, t_design: float, per_kw_at: float) -> float:
    """The rated heat output that covers the heat load at the bivalence point."""
    if hp.bivalence_temp_c <= t_design:
        load = design_load_kw
    else:
        load = design_load_kw * (ROOM_TEMP_C - hp.bivalence_temp_c) / (ROOM_TEMP_C - t_design)
    if per_kw_at <= 0:
        raise HeatPumpError(f"{hp.describe()}: at its bivalence point ({hp.bivalence_temp_c:g} degC) the "
                            f"{hp.heat_source}-source heat pump has no output (COP <= 1 at the "
                            f"{hp.heating_system.replace('_', ' ')}'s flow temperature): raise the bivalence point")
    return max(load, 0.0) / per_kw_at


@njit(cache=True, nogil=True)
def _dispatch(demand, per_kw, cop, size, store_kwh, backup_max, step_h, out):
    """One heat pump, its store and back-up heater meeting ``demand`` step by step. ``out`` rows:
    electricity, compressor, heat pump heat, back-up, into the store, out of the store, store
    content, demand, unmet, COP (kW; content kWh)."""
    level = store_kwh  # the store starts full
    for t in range(len(demand)):
        d = demand[t]
        cap = per_kw[t] * size
        q = min(cap, d + (store_kwh - level) / step_h)
        short = max(d - q, 0.0)
        take = min(short, level / step_h)
        into = max(q - d, 0.0)
        level += (into - take) * step_h
        rest = short - take
        b = min(rest, backup_max)
        compressor = q / cop[t]
        out[0, t] = compressor + b
        out[1, t] = compressor
        out[2, t] = q
        out[3, t] = b
        out[4, t] = into
        out[5, t] = take
        out[6, t] = level
        out[7, t] = d
        out[8, t] = rest - b
        out[9, t] = cop[t]
