"""The files of ``planner run``: summary.json, members.csv, statements, finance tables, Parquet series.

ARCHITECTURE.md fixes the names and columns; :func:`write_outputs` writes them into a folder
(``planner run`` hands it the staging folder of :func:`planner.io.run_folder.output_folder`,
so a run's files appear together or not at all).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from planner.io.table_files import write_csv, write_series
from planner.simulation.run import ScenarioResult
from planner.simulation.summary import summary_dict


def members_table(result) -> pd.DataFrame:
    """One row per member and scheme: energy [kWh], bill and savings against grid only [EUR].

    ``result`` is a :class:`ScenarioResult` or a run's :class:`~planner.simulation.stages.Settlement`
    (the balance and the schemes are all it reads).

    Shared energy is zero under the schemes where members trade only with the grid (grid only,
    net billing, net metering): nothing passes between members there.
    """
    b = result.balance
    year = {name: values.sum(axis=0) for name, values in b.monthly[1].items()}
    shared_in, shared_out, deficit, surplus = year["shared_in"], year["shared_out"], year["deficit"], year["surplus"]
    pooled = pd.DataFrame({
        "member_id": b.members, "demand_kwh": year["load"], "generation_kwh": year["generation"],
        "import_kwh": deficit - shared_in, "export_kwh": surplus - shared_out,
        "shared_in_kwh": shared_in, "shared_out_kwh": shared_out,
    })
    alone = pooled.assign(import_kwh=deficit, export_kwh=surplus, shared_in_kwh=0.0, shared_out_kwh=0.0)
    consumption = result.schemes["grid_only"].details.get("consumption_kwh")
    nobody_produces = alone.assign(generation_kwh=0.0, export_kwh=0.0,
                                   import_kwh=consumption if consumption is not None else year["load"],
                                   demand_kwh=consumption if consumption is not None else year["load"])
    energy = {"grid_only": nobody_produces, "net_billing": alone, "net_metering_monthly": alone,
              "net_metering_yearly": alone}
    baseline = result.schemes["grid_only"].member_bills()
    rows = []
    for name, scheme in result.schemes.items():
        bills = scheme.member_bills()
        frame = energy.get(name, pooled).copy()
        frame.insert(1, "scheme", name)
        frame["bill_eur"] = bills.to_numpy()
        frame["savings_eur"] = (baseline - bills).to_numpy()
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def write_outputs(result: ScenarioResult, folder: str | Path) -> Path:
    """``summary.json``, ``members.csv``, member statements and Parquet time series into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary_dict(result), indent=2, ensure_ascii=False))
    write_csv(members_table(result), folder / "members.csv", decimals=4)
    gen = result.generation
    write_series(gen.units_kw, folder / "units_kw.parquet", "float32")
    write_series(gen.consumers_kw, folder / "consumers_kw.parquet", "float32")
    if len(result.battery_kw.columns):
        write_series(result.battery_kw, folder / "batteries_kw.parquet")
    if result.shapley is not None:
        write_csv(result.shapley, folder / "shapley.csv", decimals=4)
    if result.unit_finance is not None:
        write_csv(result.unit_finance, folder / "unit_finance.csv", significant=6)
        write_csv(result.member_finance, folder / "member_finance.csv", significant=6)
    if result.measures is not None and len(result.measures):
        result.measures.to_csv(folder / "efficiency_measures.csv", index=False, float_format="%.4f")
    energy = result.generation.units_kw.sum() * result.step_h
    rows = [{"unit_id": uid, "member_id": member, "share": share, "energy_kwh": float(energy.get(uid, 0.0)) * share}
            for uid, split in result.ownership.items() for member, share in split.items()]
    pd.DataFrame(rows, columns=["unit_id", "member_id", "share", "energy_kwh"]).to_csv(
        folder / "ownership.csv", index=False, float_format="%.4f")
    write_csv(member_statements(result), folder / "member_statements.csv", decimals=4)
    if result.trafo_loading is not None:
        write_series(result.trafo_loading, folder / "transformers_loading.parquet")
    if result.grid_elements is not None:
        write_csv(result.grid_elements, folder / "grid_elements.csv", significant=6)
    if gen.added_kw is not None:
        loads = {}
        if gen.heat_pumps is not None:
            loads["heat_pumps_kw"] = gen.heat_pumps.electricity_kw.sum(axis=1)
        if gen.charging is not None:
            loads["charging_kw"] = gen.charging.charging_kw.sum(axis=1)
        write_series(pd.DataFrame(loads, index=gen.units_kw.index), folder / "new_loads_kw.parquet")
    if gen.heat_pumps is not None:
        write_csv(gen.heat_pumps.table().rename_axis("heat_pump_id").reset_index(), folder / "heat_pumps.csv",
                  significant=6)
    if gen.charging is not None:
        write_csv(gen.charging.table().rename_axis("charging_point_id").reset_index(), folder / "charging_points.csv",
                  significant=6)
    return folder


def member_statements(result: ScenarioResult) -> pd.DataFrame:
    """One row per member and month: energy (kWh) and what the member pays under every scheme (EUR).

    This is the statement a cooperative hands to each member: rows of one ``member_id``.
    """
    b = result.balance
    months, monthly = b.monthly
    labels = [str(m) for m in months]
    energy = {
        "demand_kwh": monthly["load"], "generation_kwh": monthly["generation"],
        "own_use_kwh": monthly["load"] - monthly["deficit"],  # min(G, L) = L - max(L - G, 0)
        "shared_in_kwh": monthly["shared_in"], "shared_out_kwh": monthly["shared_out"],
        "import_kwh": monthly["deficit"] - monthly["shared_in"],
        "export_kwh": monthly["surplus"] - monthly["shared_out"],
    }
    n_months, n = len(labels), len(b.members)
    frame = pd.DataFrame({"member_id": np.tile(b.members, n_months), "month": np.repeat(labels, n)})
    for name, values in energy.items():
        frame[name] = values.reshape(-1)
    for name, scheme in result.schemes.items():
        frame[f"{name}_eur"] = scheme.monthly().to_numpy().reshape(-1)
    return frame.sort_values(["member_id", "month"], kind="stable").reset_index(drop=True)
