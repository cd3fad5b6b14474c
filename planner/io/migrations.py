"""Schema versions of the project file and the migrations between them.

A project file stores ``schema_version`` in its ``project`` table. Files of an
older version open through the chain of migrations below, each taking the
tables of version ``v`` to version ``v + 1``; files of a newer version are
refused. When the schema changes:

1. raise :data:`SCHEMA_VERSION`,
2. add a function to :data:`MIGRATIONS` under the old version number,
3. keep a file written by the old version in ``tests/data/`` (the tests open
   every ``project_v*.gpkg`` there), and rebuild the sample projects.

History
-------
1
    First version: a ``project`` key/value table and one layer per kind of object.
2
    Plain tables ``cable_types`` and ``transformer_types`` (equipment a project defines,
    such as the types an imported SimBench grid brings); version 1 files get them empty.
3
    Plain tables ``ownership_shares`` (members' shares of units) and ``efficiency_measures``
    (on-bill financed measures); version 2 files get them empty.
4
    Column ``heat_radius_m`` of ``chp_units`` (a CHP's local heat network); empty in older files.
5
    Tariffs as users meet them: columns ``grid_fee_eur_per_kwh``, ``levies_eur_per_kwh``,
    ``taxes_eur_per_kwh``, ``vat_percent`` (0 in older files, whose import price stays the
    energy price, so their bills do not change), time-of-use ``tou_weekday``, ``tou_weekend``,
    ``tou_prices`` and ``source`` (empty). Buildings: ``levels``, ``roof_shape``,
    ``roof_tilt_deg``, ``roof_azimuth_deg`` (empty). Upstream connections: ``max_export_kw``
    (empty: no limit). Settings ``shared_energy`` (absent: the default, full charges) and
    ``default_tariff`` (absent: the first tariff).
6
    Prices that put a project's equipment on the sizing ladder: ``price_eur_per_km`` of
    ``cable_types`` and ``price_eur`` of ``transformer_types`` (empty: not on the ladder), and
    ``hosting_capacity_kw`` of ``buses`` (empty until computed). Setting ``grid_investment``
    (absent: the community spends nothing on a grid of its own). Setting ``study`` (absent: the
    defaults the planner used before: 0.380 kg CO2/kWh, 5 % upstream losses, 4 %, 20 years, the
    shipped cost catalogue).
7
    Column ``source`` on every layer of objects (where the object comes from; ``derived: ...``
    or ``assumed: ...`` for what is not surveyed data; empty in older files). Plain table
    ``load_profiles`` (a year's load shape per row: ``step_minutes``, ``first_weekday``,
    ``values`` as a JSON list) and column ``profile_id`` of ``consumers`` (empty: a BDEW profile).
8
    Layers ``heat_pumps`` and ``charging_points`` (electrification; empty in older files).
9
    Column ``phase`` of ``consumers``, ``pv_units``, ``wind_turbines``, ``chp_units``,
    ``batteries``, ``heat_pumps`` and ``charging_points`` (``3ph``, ``L1``, ``L2``, ``L3``; older
    files: ``3ph``, the balanced connection they were computed with), and the zero-sequence data
    ``r0_ohm_per_km``, ``x0_ohm_per_km``, ``c0_nf_per_km`` of ``cable_types`` (empty: derived).
10
    Layer ``wind_sites`` (places drawn for wind turbines that ``planner optimise`` may build;
    empty in older files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

SCHEMA_VERSION = 10


@dataclass
class Tables:
    """The raw content of a project file: settings and one DataFrame per layer."""

    settings: dict[str, object]
    layers: dict[str, pd.DataFrame] = field(default_factory=dict)


def _v1_to_v2(tables: Tables) -> Tables:
    # The columns as version 2 defined them (kept here, not taken from today's model).
    tables.layers["cable_types"] = pd.DataFrame(columns=[
        "id", "name", "r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "g_us_per_km", "max_i_ka",
        "kind", "q_mm2", "source"])
    tables.layers["transformer_types"] = pd.DataFrame(columns=[
        "id", "name", "sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent", "vkr_percent", "pfe_kw",
        "i0_percent", "shift_degree", "tap_side", "tap_neutral", "tap_min", "tap_max",
        "tap_step_percent", "tap_step_degree", "source"])
    return tables


def _v2_to_v3(tables: Tables) -> Tables:
    tables.layers["ownership_shares"] = pd.DataFrame(columns=["id", "name", "unit_kind", "unit_id", "member_id",
                                                              "share"])
    tables.layers["efficiency_measures"] = pd.DataFrame(columns=[
        "id", "name", "consumer_id", "cost_eur", "savings_kwh_per_year", "term_years", "rate"])
    return tables


def _v3_to_v4(tables: Tables) -> Tables:
    frame = tables.layers["chp_units"]
    position = list(frame.columns).index("fuel") + 1 if "fuel" in frame.columns else len(frame.columns)
    frame.insert(position, "heat_radius_m", pd.Series([float("nan")] * len(frame), index=frame.index, dtype=float))
    return tables


def _add_columns(frame: pd.DataFrame, columns: dict[str, object]) -> None:
    for name, default in columns.items():
        if name not in frame.columns:
            dtype = float if isinstance(default, float) else object
            frame.insert(len(frame.columns) - (1 if "geometry" in frame.columns else 0), name,
                         pd.Series([default] * len(frame), index=frame.index, dtype=dtype))


def _v4_to_v5(tables: Tables) -> Tables:
    _add_columns(tables.layers["tariffs"], {"grid_fee_eur_per_kwh": 0.0, "levies_eur_per_kwh": 0.0,
                                            "taxes_eur_per_kwh": 0.0, "vat_percent": 0.0, "tou_weekday": None,
                                            "tou_weekend": None, "tou_prices": None, "source": None})
    _add_columns(tables.layers["buildings"], {"levels": float("nan"), "roof_shape": None,
                                              "roof_tilt_deg": float("nan"), "roof_azimuth_deg": float("nan")})
    _add_columns(tables.layers["external_grids"], {"max_export_kw": float("nan")})
    return tables


def _v5_to_v6(tables: Tables) -> Tables:
    _add_columns(tables.layers["cable_types"], {"price_eur_per_km": float("nan")})
    _add_columns(tables.layers["transformer_types"], {"price_eur": float("nan")})
    _add_columns(tables.layers["buses"], {"hosting_capacity_kw": float("nan")})
    return tables


def _v6_to_v7(tables: Tables) -> Tables:
    # The layers of objects as version 6 had them: all but settings and the equipment tables,
    # which carried their own ``source`` already.
    for name, frame in tables.layers.items():
        if "id" in frame.columns and "source" not in frame.columns:
            _add_columns(frame, {"source": None})
    tables.layers["load_profiles"] = pd.DataFrame(columns=["id", "name", "source", "step_minutes",
                                                           "first_weekday", "values"])
    _add_columns(tables.layers["consumers"], {"profile_id": None})
    return tables


def _empty_points(columns: list[str], crs) -> pd.DataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame({c: pd.Series([], dtype=object) for c in columns},
                            geometry=gpd.GeoSeries([], crs=crs))


def _v7_to_v8(tables: Tables) -> Tables:
    # The columns as version 8 defined them (kept here, not taken from today's model).
    crs = tables.settings.get("crs")
    tables.layers["heat_pumps"] = _empty_points([
        "id", "name", "source", "consumer_id", "heat_source", "heating_system", "rated_thermal_kw",
        "bivalence_temp_c", "backup_kw", "store_kwh"], crs)
    tables.layers["charging_points"] = _empty_points([
        "id", "name", "source", "consumer_id", "location", "vehicles", "power_kw", "strategy", "reduced_kw",
        "annual_km", "consumption_kwh_per_km"], crs)
    return tables


def _v8_to_v9(tables: Tables) -> Tables:
    for layer in ("consumers", "pv_units", "wind_turbines", "chp_units", "batteries", "heat_pumps", "charging_points"):
        _add_columns(tables.layers[layer], {"phase": "3ph"})
    _add_columns(tables.layers["cable_types"], {"r0_ohm_per_km": float("nan"), "x0_ohm_per_km": float("nan"),
                                                "c0_nf_per_km": float("nan")})
    return tables


def _v9_to_v10(tables: Tables) -> Tables:
    # The columns as version 10 defined them (kept here, not taken from today's model).
    tables.layers["wind_sites"] = _empty_points([
        "id", "name", "source", "parcel_id", "owner_id", "bus_id", "turbine_types", "max_turbines", "hub_height_m"],
        tables.settings.get("crs"))
    return tables


#: ``MIGRATIONS[v]`` turns the tables of version ``v`` into those of version ``v + 1``.
MIGRATIONS: dict[int, Callable[[Tables], Tables]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6,
                                                    6: _v6_to_v7, 7: _v7_to_v8, 8: _v8_to_v9, 9: _v9_to_v10}


def migrate(tables: Tables, version: int, *, migrations: dict | None = None,
            target: int = SCHEMA_VERSION) -> Tables:
    """Bring ``tables`` of schema ``version`` up to ``target``, one step at a time."""
    steps = MIGRATIONS if migrations is None else migrations
    while version < target:
        if version not in steps:
            raise ValueError(f"no migration from schema version {version} to {version + 1}")
        try:
            tables = steps[version](tables)
        except KeyError as exc:  # a layer the step works on is missing from the file
            raise ValueError(f"schema version {version} file lacks layer {exc.args[0]!r}") from None
        version += 1
        tables.settings["schema_version"] = version
    return tables
