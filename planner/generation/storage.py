"""Battery dispatch: charge from surplus, discharge into deficit, within power, energy and SoC limits.

The round-trip efficiency is split evenly between charging and discharging
(``eta_c = eta_d = sqrt(eta_rt)``): charging ``P`` for ``dt`` stores ``P dt eta_c``,
and delivering ``P`` for ``dt`` takes ``P dt / eta_d`` from the store. The
battery never charges from the grid and never discharges into export: it only
shifts the surplus it sees into later deficits, so it creates no energy.
A per-member battery sees its member's net power; a shared one sees the
community's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.model.units import Battery


@dataclass(frozen=True)
class BatteryDispatch:
    """Result of one battery over the steps (power in kW, energy in kWh)."""

    charge_kw: pd.Series
    discharge_kw: pd.Series
    soc_kwh: pd.Series  # stored energy at the end of each step
    soc_start_kwh: float
    step_h: float

    @property
    def loss_kwh(self) -> float:
        """Energy lost in conversion: charged minus delivered minus the change in store."""
        charged = self.charge_kw.sum() * self.step_h
        delivered = self.discharge_kw.sum() * self.step_h
        return float(charged - delivered - (self.soc_kwh.iloc[-1] - self.soc_start_kwh))

    def net_after_kw(self, net_kw: pd.Series) -> pd.Series:
        """The net power (surplus positive) left after the battery."""
        return net_kw - self.charge_kw + self.discharge_kw


def dispatch(battery: Battery, net_kw: pd.Series, soc_start: float | None = None) -> BatteryDispatch:
    """Dispatch ``battery`` against ``net_kw`` (generation minus load, surplus positive) [kW].

    ``soc_start`` is the state of charge at the start (share of capacity); by
    default the minimum, so the battery brings no energy of its own into the year.
    """
    index = net_kw.index
    step_h = (index[1] - index[0]).total_seconds() / 3600.0 if len(index) > 1 else 1.0
    eta = math.sqrt(battery.round_trip_efficiency)
    capacity = battery.capacity_kwh
    lo, hi = battery.soc_min * capacity, battery.soc_max * capacity
    soc = lo if soc_start is None else min(max(soc_start * capacity, lo), hi)
    start = soc
    net = net_kw.to_numpy(dtype=float)
    charge = np.zeros(len(net))
    discharge = np.zeros(len(net))
    level = np.zeros(len(net))
    power = battery.power_kw
    for t, p in enumerate(net):
        if p > 0:
            c = min(p, power, max(hi - soc, 0.0) / (eta * step_h))
            charge[t] = c
            soc += c * eta * step_h
        elif p < 0:
            d = min(-p, power, max(soc - lo, 0.0) * eta / step_h)
            discharge[t] = d
            soc -= d * step_h / eta
        soc = min(max(soc, lo), hi)  # rounding only
        level[t] = soc
    return BatteryDispatch(pd.Series(charge, index=index), pd.Series(discharge, index=index),
                           pd.Series(level, index=index), start, step_h)
