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
        return np.maximum(self.generation - self.load, 0.0)

    @functools.cached_property
    def deficit(self) -> np.ndarray:
        return np.maximum(self.load - self.generation, 0.0)

    @property
    def own_use(self) -> np.ndarray:
        """Generation used behind the member's own meter: min(G_i, L_i)."""
        return np.minimum(self.generation, self.load)

    @functools.cached_property
    def total_surplus(self) -> np.ndarray:
        return self.surplus.sum(axis=1)

    @functools.cached_property
    def total_deficit(self) -> np.ndarray:
        return self.deficit.sum(axis=1)

    @property
    def shared(self) -> np.ndarray:
        """Energy passed between members at each step: min(S, D)."""
        return np.minimum(self.total_surplus, self.total_deficit)

    @property
    def community_import(self) -> np.ndarray:
        return np.maximum(self.total_deficit - self.total_surplus, 0.0)

    @property
    def community_export(self) -> np.ndarray:
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
        """Community self-consumption and self-sufficiency (DOMAIN.md section 3)."""
        g = float(self.generation.sum())
        l_ = float(self.load.sum())
        local = float(np.minimum(self.generation.sum(axis=1), self.load.sum(axis=1)).sum())
        return {
            "self_consumption": local / g if g > 0 else 0.0,
            "self_sufficiency": local / l_ if l_ > 0 else 0.0,
        }


def member_balance(index: pd.DatetimeIndex, members: list[str], generation_kwh: pd.DataFrame,
                   load_kwh: pd.DataFrame) -> Balance:
    """A balance from per-member generation and load tables (columns: member ids; missing = 0)."""
    g = generation_kwh.reindex(index=index, columns=members, fill_value=0.0).to_numpy(dtype=float)
    l_ = load_kwh.reindex(index=index, columns=members, fill_value=0.0).to_numpy(dtype=float)
    return Balance(index=index, members=list(members), generation=g, load=l_)
