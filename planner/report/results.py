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

    @cached_property
    def totals(self) -> tuple[pd.Series | None, pd.Series | None]:
        """The community's generation and demand per step [kW] (None, None without time series)."""
        return totals_of(self.units_kw, self.consumers_kw)

    @property
    def step_h(self) -> float:
        return self.summary.get("resolution_minutes", 60) / 60.0

    @classmethod
    def partial(cls, partial, folder: str | Path, needs=("generation", "settlement", "grid")) -> "Results":
        """A run's results before it ends, in memory (``partial``, a
        :class:`~planner.simulation.run.Generated`, :class:`~planner.simulation.run.Settled` or
        :class:`~planner.simulation.run.Flowed` run): the part of the summary it knows, the
        totals per step, once settled the members' and finance tables and once flowed the
        transformers' loading and the grid's worst elements, as their files will read back
        (written and read again, in memory). ``folder`` is where the run's files will be;
        ``needs`` which of the totals, the settled and the grid's tables to make (pages that need
        only some spare the others' time). Asking it for anything else (the grid's files before
        the power flow ended) is an error, never an empty answer."""
        from planner.simulation.summary import partial_summary

        out = _Partial.__new__(_Partial)
        out.folder = Path(folder)
        out.summary = json.loads(json.dumps(partial_summary(partial), ensure_ascii=False))  # as the file reads
        gen = partial.generation
        if "generation" in needs:  # the Parquet files keep float32: the sums as the files give them
            out.__dict__["totals"] = totals_of(gen.units_kw.astype("float32"), gen.consumers_kw.astype("float32"))
        if "settlement" in needs and getattr(partial, "settlement", None) is not None:
            from planner.io.run_outputs import members_table

            out.__dict__.update(members=_as_read(members_table(partial.settlement), decimals=4),
                                unit_finance=_as_read(partial.unit_finance, significant=6),
                                member_finance=_as_read(partial.member_finance, significant=6))
        grid = getattr(partial, "grid", None)
        if "grid" in needs and grid is not None and grid.figures:  # as planner.io.run_outputs writes them
            out.__dict__.update(
                trafo_loading=None if grid.trafo_loading is None else _series_as_read(grid.trafo_loading),
                grid_elements=None if grid.elements is None else _as_read(grid.elements, significant=6))
        return out


class _Partial(Results):
    """:meth:`Results.partial`: what it was not given is not known yet."""

    def _csv(self, name: str):
        raise PlannerError(f"{name} is not known before the run's power flow ends")

    _parquet = _csv


def totals_of(units: pd.DataFrame | None, consumers: pd.DataFrame | None):
    """The sum of the units' and of the consumers' columns per step (zeros where there are none)."""
    if units is None or consumers is None:
        return None, None
    generation = units.sum(axis=1) if len(units.columns) else pd.Series(0.0, index=consumers.index)
    demand = consumers.sum(axis=1) if len(consumers.columns) else pd.Series(0.0, index=units.index)
    return generation, demand


def _as_read(frame: pd.DataFrame, **rounding) -> pd.DataFrame:
    """``frame`` as its CSV file reads back (:func:`planner.io.table_files.write_csv`'s rounding)."""
    import io

    from planner.io.table_files import write_csv

    buffer = io.BytesIO()
    write_csv(frame, buffer, **rounding)
    buffer.seek(0)
    return pd.read_csv(buffer)


def _series_as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as its Parquet file reads back (:func:`planner.io.table_files.write_series`)."""
    import io

    from planner.io.table_files import write_series

    buffer = io.BytesIO()
    write_series(frame, buffer)
    buffer.seek(0)
    return pd.read_parquet(buffer)
