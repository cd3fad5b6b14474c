"""CHP dispatch with a thermal store and a peak boiler (DOMAIN.md section 6).

Efficiencies are on the lower heating value. The unit's thermal rating is
``q_th = p_el * eta_th / eta_el`` (power-to-heat ratio ``sigma = eta_el / eta_th``);
its fuel is ``P_el / eta_el``.

Heat-led (default): with a store, the unit starts when the store falls below
:data:`SOC_ON` of its size and stops above :data:`SOC_OFF`, running at full load
and never overfilling the store (below minimum load it stops); the store
covers what the unit does not, the peak boiler the rest. Without a store the
unit follows the heat demand between minimum and full load.

Electricity-led: the unit follows a given electricity demand between minimum
and full load; its heat serves the demand, then the store; heat that finds no
use is reported as dumped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.model.units import CHPUnit

SOC_ON = 0.25
SOC_OFF = 0.90
#: Efficiency of the peak boiler (LHV), a condensing gas boiler.
ETA_BOILER = 0.95
#: CO2 per kWh of fuel (LHV) [kg/kWh]: natural gas 56.1 t/TJ (IPCC 2006) = 0.202; the biogenic
#: fuels count as zero at the stack, as national inventories do; hydrogen burns without CO2.
EMISSION_FACTOR_KG_PER_KWH = {"natural_gas": 0.202, "heating_oil": 0.266, "biogas": 0.0,
                              "biomethane": 0.0, "hydrogen": 0.0}


class CHPError(PlannerError):
    """A CHP dispatch that cannot run: missing demand, bad series."""


@dataclass(frozen=True)
class CHPDispatch:
    """Power and heat of one CHP unit with its store and boiler [kW]; energies [kWh]."""

    p_el_kw: pd.Series
    q_chp_kw: pd.Series
    q_boiler_kw: pd.Series
    q_store_in_kw: pd.Series
    q_store_out_kw: pd.Series
    q_dumped_kw: pd.Series
    q_unmet_kw: pd.Series
    soc_kwh: pd.Series
    step_h: float
    eta_el: float
    fuel: str
    starts: int

    @property
    def fuel_chp_kwh(self) -> float:
        """Fuel the engine burns over the period [kWh, LHV]: electricity over electrical efficiency."""
        return float(self.p_el_kw.sum() * self.step_h / self.eta_el)

    @property
    def fuel_boiler_kwh(self) -> float:
        """Fuel the peak boiler burns [kWh, LHV]."""
        return float(self.q_boiler_kw.sum() * self.step_h / ETA_BOILER)

    @property
    def co2_kg(self) -> float:
        """CO2 of the CHP's and the boiler's fuel (the boiler burns the same fuel)."""
        return (self.fuel_chp_kwh + self.fuel_boiler_kwh) * EMISSION_FACTOR_KG_PER_KWH[self.fuel]

    def full_load_hours(self, p_el_rated_kw: float) -> float:
        """Electricity made over rated electrical power [h]."""
        return float(self.p_el_kw.sum() * self.step_h / p_el_rated_kw)


def dispatch(unit: CHPUnit, heat_kw: pd.Series, electricity_kw: pd.Series | None = None,
             soc_start: float = 0.5) -> CHPDispatch:
    """Dispatch ``unit`` against the heat demand it serves [kW] (and, electricity-led, a power demand)."""
    index = heat_kw.index
    if len(index) < 2:
        raise CHPError(f"{unit.describe()}: needs at least two time steps")
    step_h = (index[1] - index[0]).total_seconds() / 3600.0
    demand = heat_kw.to_numpy(dtype=float)
    if (demand < 0).any() or not np.isfinite(demand).all():
        raise CHPError(f"{unit.describe()}: heat demand must be finite and not negative")
    q_th = unit.p_el_kw * unit.eta_th / unit.eta_el
    q_min = unit.min_load * q_th
    store = unit.store_kwh
    if unit.mode == "electricity-led":
        if electricity_kw is None:
            raise CHPError(f"{unit.describe()}: electricity-led dispatch needs an electricity demand")
        target = electricity_kw.reindex(index).to_numpy(dtype=float) * unit.eta_th / unit.eta_el
    else:
        target = None

    n = len(demand)
    chp, boiler, s_in, s_out, dumped, unmet, level = (np.zeros(n) for _ in range(7))
    soc = min(max(soc_start, 0.0), 1.0) * store
    running, starts = False, 0
    for t in range(n):
        q_d = demand[t]
        room = (store - soc) / step_h  # what the store can take this step [kW]
        if target is not None:
            q = min(max(target[t], 0.0), q_th)
            q = q if q >= q_min and q > 0 else 0.0
        elif store > 0:
            if running and soc >= SOC_OFF * store:
                running = False
            if not running and soc <= SOC_ON * store:
                running = True
                starts += 1
            q = min(q_th, q_d + room) if running else 0.0
            if running and q < q_min:
                q, running = 0.0, False
        else:
            q = min(q_d, q_th) if q_d >= q_min and q_d > 0 else 0.0
            if q > 0 and (t == 0 or chp[t - 1] == 0):
                starts += 1
        chp[t] = q
        if q >= q_d:
            surplus = q - q_d
            s_in[t] = min(surplus, room)
            dumped[t] = surplus - s_in[t]
        else:
            short = q_d - q
            s_out[t] = min(short, soc / step_h)
            rest = short - s_out[t]
            boiler[t] = min(rest, unit.boiler_kw)
            unmet[t] = rest - boiler[t]
        soc = min(max(soc + (s_in[t] - s_out[t]) * step_h, 0.0), store)
        level[t] = soc
    if target is not None:
        starts = int(((chp[1:] > 0) & (chp[:-1] == 0)).sum() + (chp[0] > 0))
    series = {name: pd.Series(values, index=index) for name, values in (
        ("q_chp_kw", chp), ("q_boiler_kw", boiler), ("q_store_in_kw", s_in),
        ("q_store_out_kw", s_out), ("q_dumped_kw", dumped), ("q_unmet_kw", unmet), ("soc_kwh", level))}
    return CHPDispatch(p_el_kw=pd.Series(chp * unit.eta_el / unit.eta_th, index=index), step_h=step_h,
                       eta_el=unit.eta_el, fuel=unit.fuel, starts=starts, **series)
