"""Energy balance of a community per member and step (DOMAIN.md section 1).

Energies in kWh per step; arrays are ``(T, n_members)``. G_i is the generation
behind member i's meter, L_i its consumption; s_i = max(G_i - L_i, 0),
d_i = max(L_i - G_i, 0), S = sum s_i, D = sum d_i. Shared within the
community at a step: min(S, D); community import max(D - S, 0), export
max(S - D, 0), before grid losses.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Balance:
    """Per member and step (kWh) and the community totals derived from them."""

    index: pd.DatetimeIndex
    members: list[str]
    generation: np.ndarray  # G (T, n)
    load: np.ndarray  # L (T, n)

    @functools.cached_property
    def surplus(self) -> np.ndarray:
        """s_i = max(G_i - L_i, 0) per step and member [kWh]."""
        return np.maximum(self.generation - self.load, 0.0)

    @functools.cached_property
    def deficit(self) -> np.ndarray:
        """d_i = max(L_i - G_i, 0) per step and member [kWh]."""
        return np.maximum(self.load - self.generation, 0.0)

    @property
    def own_use(self) -> np.ndarray:
        """Generation used behind the member's own meter: min(G_i, L_i)."""
        return np.minimum(self.generation, self.load)

    @functools.cached_property
    def _totals(self) -> np.ndarray:
        from planner.community._kernels import step_totals

        out = np.empty((len(self.index), 2))
        step_totals(np.asarray(self.generation, dtype=float), np.asarray(self.load, dtype=float), 256, out)
        return out

    @functools.cached_property
    def total_surplus(self) -> np.ndarray:
        """S = sum of the members' surpluses per step [kWh] (no members-by-steps array made)."""
        return self._totals[:, 0]

    @functools.cached_property
    def total_deficit(self) -> np.ndarray:
        """D = sum of the members' deficits per step [kWh]."""
        return self._totals[:, 1]

    @functools.cached_property
    def monthly(self) -> tuple[pd.PeriodIndex, dict[str, np.ndarray]]:
        """Each member's energy per calendar month (wall-clock), in one pass: the months and
        ``{name: (months, n)}`` for ``load``, ``generation``, ``deficit``, ``surplus``,
        ``shared_in`` and ``shared_out`` (as :meth:`shared_in` and :meth:`shared_out`) [kWh]."""
        from planner.community._kernels import monthly_energy

        months, starts = calendar_months(self.index)
        out = np.zeros((6, len(starts), len(self.members)))
        monthly_energy(np.asarray(self.generation, dtype=float), np.asarray(self.load, dtype=float),
                       starts.astype(np.int64), self._totals, out)
        names = ("load", "generation", "deficit", "surplus", "shared_in", "shared_out")
        return months[starts], dict(zip(names, out))

    @property
    def shared(self) -> np.ndarray:
        """Energy passed between members at each step: min(S, D)."""
        return np.minimum(self.total_surplus, self.total_deficit)

    @property
    def community_import(self) -> np.ndarray:
        """max(D - S, 0) per step [kWh], before grid losses."""
        return np.maximum(self.total_deficit - self.total_surplus, 0.0)

    @property
    def community_export(self) -> np.ndarray:
        """max(S - D, 0) per step [kWh], before grid losses."""
        return np.maximum(self.total_surplus - self.total_deficit, 0.0)

    def shared_in(self) -> np.ndarray:
        """Each member's share of the community's shared energy, received: d_i * min(S, D) / D."""
        d = self.deficit
        total = d.sum(axis=1, keepdims=True)
        return np.divide(d * self.shared[:, None], total, out=np.zeros_like(d), where=total > 0)

    def shared_out(self) -> np.ndarray:
        """Each member's share of the shared energy, given: s_i * min(S, D) / S."""
        s = self.surplus
        total = s.sum(axis=1, keepdims=True)
        return np.divide(s * self.shared[:, None], total, out=np.zeros_like(s), where=total > 0)

    def kpis(self) -> dict[str, float]:
        """Community self-consumption and self-sufficiency of this balance's G and L.

        Only right where G is what units generate and L what members consume: with batteries
        in the balance (charging in L, discharging in G) use :func:`community_kpis`.
        """
        g = float(self.generation.sum())
        l_ = float(self.load.sum())
        return community_kpis(g, l_, float(self.community_import.sum()), float(self.community_export.sum()))


def calendar_months(index: pd.DatetimeIndex) -> tuple[pd.PeriodIndex, np.ndarray]:
    """Each step's calendar month on the community's wall clock (not UTC's), and the first step
    of each month."""
    local = index.tz_localize(None) if index.tz is not None else index
    months = local.to_period("M")
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]]) if len(months) else np.zeros(0, dtype=np.int64)
    return months, starts


def community_kpis(generation_kwh: float, demand_kwh: float, import_kwh: float, export_kwh: float,
                   curtailed_kwh: float = 0.0) -> dict[str, float]:
    """Self-consumption and self-sufficiency of a community (DOMAIN.md section 3).

    Parameters
    ----------
    generation_kwh : float
        What the units generated (a battery's discharge is not generation).
    demand_kwh : float
        What members consumed (a battery's charging is not demand).
    import_kwh, export_kwh : float
        The community's exchange with the upstream grid, batteries having acted.
    curtailed_kwh : float
        Generation thrown away (export limits).

    Returns
    -------
    dict
        ``self_consumption`` = 1 - (export + curtailed) / generation and ``self_sufficiency`` =
        1 - import / demand. Without storage these equal sum_t min(G, L) over sum G and sum L;
        with storage, energy a battery shifts counts as consumed locally and its losses as used.
    """
    return {
        "self_consumption": 1.0 - (export_kwh + curtailed_kwh) / generation_kwh if generation_kwh > 0 else 0.0,
        "self_sufficiency": 1.0 - import_kwh / demand_kwh if demand_kwh > 0 else 0.0,
    }


def member_balance(index: pd.DatetimeIndex, members: list[str], generation_kwh: pd.DataFrame,
                   load_kwh: pd.DataFrame) -> Balance:
    """A balance from per-member generation and load tables (columns: member ids; missing = 0)."""
    g = generation_kwh.reindex(index=index, columns=members, fill_value=0.0).to_numpy(dtype=float)
    l_ = load_kwh.reindex(index=index, columns=members, fill_value=0.0).to_numpy(dtype=float)
    return Balance(index=index, members=list(members), generation=g, load=l_)
