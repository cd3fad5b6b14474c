"""Each member's prices per step from its own tariff and the project's shared-energy setting.

DOMAIN.md section 8: the bill of member i in month m is its fixed charge plus
sum_t import_i(t) lambda_b,i(t) minus sum_t export_i(t) lambda_s,i(t), each member on its own
tariff. lambda_b,i(t) = (energy_i(t) + grid fee + levies + taxes) (1 + VAT), where energy_i(t)
is the tariff's flat energy price or, with a time-of-use schedule, the price of the period
that the site's wall clock is in (weekday or weekend table, month row, hour column), so
daylight saving moves the periods with the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.community.settlement import MemberPrices
from planner.model import Project, Tariff


@dataclass(frozen=True)
class TariffPlan:
    """The prices of a run and which tariff each member was billed on."""

    prices: MemberPrices
    tariff_of: dict[str, str]  # member id -> tariff id
    default_tariff: str

    def describe(self, project: Project) -> dict:
        """For summary.json: every tariff used, with its components and how many members."""
        counts = pd.Series(self.tariff_of).value_counts()
        out = {}
        for tariff_id, n in counts.items():
            t = project.get("tariff", tariff_id)
            out[tariff_id] = {
                "name": t.name, "members": int(n), "components_eur_per_kwh": t.import_price_components(),
                "vat_percent": t.vat_percent, "gross_import_price_eur_per_kwh": t.gross_import_price(),
                "export_price_eur_per_kwh": t.export_price_eur_per_kwh, "fixed_eur_per_year": t.fixed_eur_per_year,
                "time_of_use": t.tou_prices is not None, "source": t.source}
        return out


def default_tariff_id(project: Project) -> str:
    """The tariff of members that name none: the project's setting, else the first by id."""
    tariffs = project.items("tariff")
    if not tariffs:
        raise PlannerError("the project has no tariff: add one with its prices (energy, fees, export)")
    if project.default_tariff is not None:
        return project.default_tariff
    return sorted(tariffs)[0]


def import_price(tariff: Tariff, index: pd.DatetimeIndex, timezone: str) -> np.ndarray:
    """The tariff's gross import price at each step [EUR/kWh], time of use on the local wall clock."""
    schedule = tariff.schedule()
    fees = tariff.grid_fee_eur_per_kwh + tariff.levies_eur_per_kwh + tariff.taxes_eur_per_kwh
    vat = 1.0 + tariff.vat_percent / 100.0
    if schedule is None:
        return np.full(len(index), (tariff.import_price_eur_per_kwh + fees) * vat)
    weekday, weekend, prices = schedule
    local = index.tz_convert(timezone) if index.tz is not None else index
    months = local.month.to_numpy() - 1
    hours = local.hour.to_numpy()
    is_weekend = local.dayofweek.to_numpy() >= 5
    periods = np.where(is_weekend, np.asarray(weekend)[months, hours], np.asarray(weekday)[months, hours])
    return (np.asarray(prices)[periods] + fees) * vat


def member_prices(project: Project, members: list[str], index: pd.DatetimeIndex,
                  owner_tariff: dict[str, str] | None = None) -> TariffPlan:
    """Prices per member and step, on each member's own tariff.

    Parameters
    ----------
    project : Project
    members : list of str
        The balance's members, in order (pseudo-members such as the cooperative included).
    index : DatetimeIndex
        The steps (tz-aware).
    owner_tariff : dict, optional
        Tariff ids for members that are not project members (the cooperative).
    """
    default = default_tariff_id(project)
    tariffs = project.items("tariff")
    tz = project.site.timezone
    setting = project.shared_energy
    tariff_of = {}
    for m in members:
        member = project.items("member").get(m)
        tid = (member.tariff_id if member is not None and member.tariff_id in tariffs else None) \
            or (owner_tariff or {}).get(m) or default
        tariff_of[m] = tid
    cache = {}
    for tid in set(tariff_of.values()):
        t = tariffs[tid]
        cache[tid] = (import_price(t, index, tz), t.export_price_eur_per_kwh,
                      setting.charge_per_kwh(t.grid_fee_eur_per_kwh, t.levies_eur_per_kwh, t.taxes_eur_per_kwh,
                                             t.vat_percent),
                      t.fixed_eur_per_year * (1.0 + t.vat_percent / 100.0) / 12.0)
    T, n = len(index), len(members)
    fixed = np.array([cache[tariff_of[m]][3] if m in project.items("member") else 0.0  # the cooperative has no
                      for m in members], dtype=float)                                  # meter of its own
    if len(cache) == 1:  # one tariff for all: read-only views of one column, not (T, n) copies
        b, s, c, _ = next(iter(cache.values()))
        return TariffPlan(MemberPrices(*(np.broadcast_to(np.broadcast_to(np.asarray(x, dtype=float), (T,))[:, None],
                                                         (T, n)) for x in (b, s, c)), fixed), tariff_of, default)
    buy, sell, charge = np.empty((T, n)), np.empty((T, n)), np.empty((T, n))
    for j, m in enumerate(members):
        b, s, c, _ = cache[tariff_of[m]]
        buy[:, j], sell[:, j], charge[:, j] = b, s, c
    return TariffPlan(MemberPrices(buy, sell, charge, fixed), tariff_of, default)
