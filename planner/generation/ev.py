"""Electric vehicles: charging sessions from a seeded statistical trip model, and four ways to charge.

emobpy (DIW's trip-chain model) was not used: version 0.6.2 installs from the package index
(with plotly, cufflinks, wget and zenodo-get), but its consumption model downloads ERA5
weather from Zenodo when it runs (no offline path), and its mobility model was not timed
against 1,000 vehicles in a few seconds. Instead each vehicle's year is drawn from a small
statistical model. Its figures are our stated assumptions, anchored where we could to
Germany's mobility survey "Mobilitaet in Deutschland" (MiD 2017, infas/DLR for the BMVI:
85 % of people leave home on an average day) and the Federal Motor Transport Authority's
odometer statistics (KBA: 14,259 km per car in 2013; 13,000 km is the default here, set per
charging point); the times of day are assumptions of a commuter's day, not survey figures:

- a car is driven on a weekday with probability 0.85 and on a Saturday or Sunday with 0.6;
- the day's distance is log-normal (sigma 0.6 of its logarithm), its mean set so that the
  expected year adds up to the charging point's ``annual_km`` per vehicle;
- at home, a car leaves at 07:30 +- 1:00 h on weekdays (10:00 +- 2:00 h at weekends, normal,
  kept within 05:00-12:00) and comes back 9.5 +- 1.5 h later (5 +- 2 h at weekends, kept
  within 1-14 h); it is plugged in on arrival and charges the day's energy before it next
  leaves (a day without driving leaves it plugged in);
- at work (``location="work"``), a car arrives half an hour after leaving home on a weekday
  and stays 8.5 +- 1 h (kept within 4-11 h), charging that day's energy there.

Draws are seeded by the charging point's id and the vehicle's number: the same project gives
the same year. Times are rounded to the simulation's steps.

Strategies (DOMAIN: a charging point's ``strategy``):

- ``immediate``: full plug power from arrival until the energy is in;
- ``reduced``: the same at ``reduced_kw``;
- ``smart``: in the steps of the session where the community's net load (demand less
  generation) is lowest, i.e. its surplus largest, each vehicle in turn, the load updated by
  the vehicles before it (greedy valley filling), always before departure;
- ``limit``: as soon as possible but only into the headroom under its transformer's limit
  (:data:`LIMIT_SHARE` of the rating, the load of its area counted with the vehicles before
  it); what does not fit before departure goes into the area's least loaded steps of the session.

A session whose energy cannot be charged before departure at the plug's power charges what it
can; ``short_kwh`` says how much was missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from planner import PlannerError

#: Share of a transformer's rating the ``limit`` strategy keeps its area's load under.
LIMIT_SHARE = 0.8
P_DRIVE = {"weekday": 0.85, "weekend": 0.6}
SIGMA_KM = 0.6
HOME_DEPART_H = {"weekday": (7.5, 1.0), "weekend": (10.0, 2.0)}
HOME_AWAY_H = {"weekday": (9.5, 1.5), "weekend": (5.0, 2.0)}
WORK_STAY_H = (8.5, 1.0)
STRATEGY_CODE = {"immediate": 0, "reduced": 0, "smart": 1, "limit": 2}


class ChargingError(PlannerError):
    """Charging that cannot be simulated."""


@dataclass(frozen=True)
class EVResult:
    """What the charging points did over the year."""

    charging_kw: pd.DataFrame     # per charging point, all its vehicles [kW]
    sessions: pd.DataFrame        # one row per plug-in: point, vehicle, start, end (steps), energy asked, charged
    step_h: float
    notes: list

    def table(self) -> pd.DataFrame:
        """Per charging point: vehicles, sessions, energy charged and missed, peak power."""
        s = self.sessions
        grouped = s.groupby("charging_point")
        return pd.DataFrame({
            "vehicles": grouped["vehicle"].nunique(),
            "sessions": grouped.size(),
            "charged_kwh": grouped["charged_kwh"].sum(),
            "short_kwh": (grouped["required_kwh"].sum() - grouped["charged_kwh"].sum()).clip(lower=0.0),
            "peak_kw": self.charging_kw.max(),
        }).reindex(self.charging_kw.columns)


def _seed(point_id: str, vehicle: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{point_id}/{vehicle}".encode()).digest()[:8], "little")


def _day_starts(index: pd.DatetimeIndex, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """Step position of each local midnight within the index, and whether that day is a weekend."""
    local = index.tz_convert(timezone)
    new_day = np.r_[True, local.date[1:] != local.date[:-1]]
    starts = np.flatnonzero(new_day)
    weekend = local.dayofweek[starts] >= 5
    return starts, np.asarray(weekend)


def sessions_for(point, index: pd.DatetimeIndex, timezone: str, days=None) -> np.ndarray:
    """The charging sessions of one charging point's vehicles: rows (vehicle, start, end, energy kWh),
    start and end as step positions (end exclusive). ``days``: :func:`_day_starts` of the index."""
    step_h = (index[1] - index[0]).total_seconds() / 3600.0
    starts, weekend = days if days is not None else _day_starts(index, timezone)
    n_days, n_steps = len(starts), len(index)
    p_drive = np.where(weekend, P_DRIVE["weekend"], P_DRIVE["weekday"])
    if point.location == "work":
        p_drive = np.where(weekend, 0.0, p_drive)
    expected_days = p_drive.sum() * (365.0 / max(n_days, 1))
    mean_km = point.annual_km / expected_days if expected_days > 0 else 0.0
    mu = np.log(max(mean_km, 1e-9)) - SIGMA_KM ** 2 / 2.0
    rows = []
    for vehicle in range(point.vehicles):
        rng = np.random.default_rng(_seed(point.id, vehicle))
        drives = rng.random(n_days) < p_drive
        km = rng.lognormal(mu, SIGMA_KM, n_days) if mean_km > 0 else np.zeros(n_days)
        depart_mean = np.where(weekend, HOME_DEPART_H["weekend"][0], HOME_DEPART_H["weekday"][0])
        depart_sd = np.where(weekend, HOME_DEPART_H["weekend"][1], HOME_DEPART_H["weekday"][1])
        depart_h = np.clip(rng.normal(depart_mean, depart_sd), 5.0, 12.0)
        if point.location == "work":
            stay_h = np.clip(rng.normal(*WORK_STAY_H, n_days), 4.0, 11.0)
            begin_h = depart_h + 0.5
            start = starts + np.round(begin_h / step_h).astype(np.int64)
            end = starts + np.round((begin_h + stay_h) / step_h).astype(np.int64)
            days = np.flatnonzero(drives)
            start, end, energy = start[days], end[days], km[days] * point.consumption_kwh_per_km
        else:
            away_mean = np.where(weekend, HOME_AWAY_H["weekend"][0], HOME_AWAY_H["weekday"][0])
            away_sd = np.where(weekend, HOME_AWAY_H["weekend"][1], HOME_AWAY_H["weekday"][1])
            away_h = np.clip(rng.normal(away_mean, away_sd), 1.0, 14.0)
            days = np.flatnonzero(drives)
            leave = starts[days] + np.round(depart_h[days] / step_h).astype(np.int64)
            within = leave < n_steps  # a trip that starts after the year's last step is not of this year
            days, leave = days[within], leave[within]
            back = starts[days] + np.round((depart_h[days] + away_h[days]) / step_h).astype(np.int64)
            next_leave = np.r_[leave[1:], n_steps]  # plugged in until it next leaves
            start, end = np.minimum(back, next_leave - 1), next_leave
            energy = km[days] * point.consumption_kwh_per_km
        keep = (start < n_steps) & (end > start)
        rows.append(np.column_stack([np.full(int(keep.sum()), vehicle), start[keep], np.minimum(end[keep], n_steps),
                                     energy[keep]]))
    return np.concatenate(rows).astype(float) if rows else np.zeros((0, 4))


def simulate_charging(points, index: pd.DatetimeIndex, timezone: str, *, net_load_kw: np.ndarray | None = None,
                      area_load_kw: dict | None = None, area_of: dict | None = None,
                      area_limit_kw: dict | None = None) -> EVResult:
    """Charge every charging point's vehicles over ``index``.

    ``net_load_kw`` is the community's demand less generation at each step (for ``smart``);
    ``area_of`` maps a charging point's id to its transformer area, ``area_load_kw`` each area's
    load at each step and ``area_limit_kw`` its transformer rating [kVA] (for ``limit``). Without
    them ``limit`` follows the community's net load as ``smart`` does, and a note says so. Points
    are charged in turn, each seeing the charging of those before it.
    """
    step_h = (index[1] - index[0]).total_seconds() / 3600.0
    n_steps = len(index)
    community = np.zeros(n_steps) if net_load_kw is None else np.array(net_load_kw, dtype=float)
    areas = {k: np.array(v, dtype=float) for k, v in (area_load_kw or {}).items()}
    area_of = area_of or {}
    columns, series, tables, without_area = [], [], [], []
    days = _day_starts(index, timezone)
    for point in points:
        sessions = sessions_for(point, index, timezone, days)
        mode = STRATEGY_CODE[point.strategy]
        power = point.reduced_kw if point.strategy == "reduced" else point.power_kw
        area = area_of.get(point.id)
        signal, limit = community, np.inf
        if mode == 2:
            if area in areas:
                signal = areas[area]
                limit = LIMIT_SHARE * float((area_limit_kw or {}).get(area, np.inf))
            else:
                without_area.append(point.id)
                mode = 1
        charged = np.zeros(len(sessions))
        kw = _charge(sessions[:, 1].astype(np.int64), sessions[:, 2].astype(np.int64), sessions[:, 3].copy(),
                     float(power), float(step_h), int(mode), float(limit), signal, charged, n_steps)
        community += kw
        if area in areas:
            areas[area] += kw
        columns.append(point.id)
        series.append(kw)
        tables.append(np.column_stack([np.full(len(sessions), len(columns) - 1), sessions, charged]))
    notes = []
    if without_area:
        notes.append(f"{len(without_area)} charging point(s) with the 'limit' strategy stand in no transformer's "
                     f"area (no grid, or their consumer on no bus): they charge as 'smart' does, on the "
                     f"community's net load")
    charging = pd.DataFrame(np.stack(series).T if series else np.zeros((n_steps, 0)), index=index,
                            columns=columns)
    rows = np.concatenate(tables) if tables else np.zeros((0, 6))
    sessions_all = pd.DataFrame({
        "charging_point": np.asarray(columns, dtype=object)[rows[:, 0].astype(np.int64)] if len(rows) else [],
        "vehicle": rows[:, 1].astype(int), "start": rows[:, 2].astype(int), "end": rows[:, 3].astype(int),
        "required_kwh": rows[:, 4], "charged_kwh": rows[:, 5]})
    return EVResult(charging, sessions_all, step_h, notes)


@njit(cache=True, nogil=True)
def _charge(start, end, energy, power, step_h, mode, limit, signal, charged, n_steps):
    """Charge the sessions in turn; returns this point's kW per step (``signal`` is not changed).

    ``mode`` 0: as soon as possible; 1: the steps where ``signal`` plus this point's charging so
    far is lowest first; 2: as soon as possible while that stays under ``limit``, then as 1."""
    kw = np.zeros(n_steps)
    for k in range(len(start)):
        s, e = start[k], end[k]
        left = energy[k]
        mine = np.zeros(e - s)  # this session's own power at each step, at most the plug's
        if mode == 2:
            for t in range(s, e):
                if left <= 1e-9:
                    break
                c = min(power, left / step_h, limit - signal[t] - kw[t])
                if c > 0.0:
                    mine[t - s] += c
                    kw[t] += c
                    left -= c * step_h
        if mode == 0:
            for t in range(s, e):
                if left <= 1e-9:
                    break
                c = min(power, left / step_h)
                mine[t - s] += c
                kw[t] += c
                left -= c * step_h
        elif left > 1e-9:
            load = signal[s:e] + kw[s:e]
            order = np.argsort(load, kind="mergesort")
            for j in range(len(order)):
                if left <= 1e-9:
                    break
                t = s + order[j]
                c = min(power - mine[order[j]], left / step_h)
                if c > 0.0:
                    mine[order[j]] += c
                    kw[t] += c
                    left -= c * step_h
        charged[k] = energy[k] - max(left, 0.0)
    return kw
