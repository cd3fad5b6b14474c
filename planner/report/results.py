"""A results folder read back: ``summary.json``, the member and finance tables, the time series."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import pandas as pd

from planner import PlannerError


class Results:
    """The files of one run, read when first asked for (a missing optional file gives None)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        try:
            self.summary = json.loads((self.folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PlannerError(f"{self.folder}: holds no readable run results (summary.json: {exc})") from None

    def _csv(self, name: str) -> pd.DataFrame | None:
        path = self.folder / name
        return pd.read_csv(path) if path.exists() else None

    def _parquet(self, name: str) -> pd.DataFrame | None:
        path = self.folder / name
        return pd.read_parquet(path) if path.exists() else None

    @cached_property
    def members(self) -> pd.DataFrame | None:
        return self._csv("members.csv")

    @cached_property
    def unit_finance(self) -> pd.DataFrame | None:
        return self._csv("unit_finance.csv")

    @cached_property
    def member_finance(self) -> pd.DataFrame | None:
        return self._csv("member_finance.csv")

    @cached_property
    def grid_elements(self) -> pd.DataFrame | None:
        return self._csv("grid_elements.csv")

    @cached_property
    def units_kw(self) -> pd.DataFrame | None:
        return self._parquet("units_kw.parquet")

    @cached_property
    def consumers_kw(self) -> pd.DataFrame | None:
        return self._parquet("consumers_kw.parquet")

    @cached_property
    def batteries_kw(self) -> pd.DataFrame | None:
        return self._parquet("batteries_kw.parquet")

    @cached_property
    def trafo_loading(self) -> pd.DataFrame | None:
        return self._parquet("transformers_loading.parquet")

    @cached_property
    def new_loads_kw(self) -> pd.DataFrame | None:
        """The community's heat pumps and charging points [kW] (columns heat_pumps_kw, charging_kw)."""
        return self._parquet("new_loads_kw.parquet")

    @cached_property
    def heat_pumps(self) -> pd.DataFrame | None:
        return self._csv("heat_pumps.csv")

    @cached_property
    def charging_points(self) -> pd.DataFrame | None:
        return self._csv("charging_points.csv")

    @property
    def step_h(self) -> float:
        return self.summary.get("resolution_minutes", 60) / 60.0
