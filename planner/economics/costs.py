"""The cost catalogue: capex, opex and lifetime per technology, with sources.

Defaults live in ``resources/catalogue/costs.csv`` (shown with their sources); a project or a
caller may pass its own table with the same columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner import PlannerError

DEFAULT_CATALOGUE = Path(__file__).resolve().parents[2] / "resources" / "catalogue" / "costs.csv"
COLUMNS = ["technology", "size_basis", "capex_eur_per_unit", "opex_share_per_year", "lifetime_years", "source"]
#: Discount rate (real, per year) for LCOE and NPV; editable.
DISCOUNT_RATE = 0.04
#: Price of natural gas for CHP fuel and the boilers it replaces [EUR/kWh, LHV], German households 2024.
GAS_PRICE_EUR_PER_KWH = 0.10
#: Units up to this rated power count as small wind turbines [kW].
SMALL_WIND_KW = 100.0


def load_catalogue(path: str | Path | None = None) -> pd.DataFrame:
    path = Path(path) if path is not None else DEFAULT_CATALOGUE
    if not path.exists():
        raise PlannerError(f"{path}: no cost catalogue there")
    table = pd.read_csv(path)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise PlannerError(f"{path}: the cost catalogue lacks column{'s' * (len(missing) > 1)} {', '.join(missing)}")
    for column in ("capex_eur_per_unit", "opex_share_per_year", "lifetime_years"):
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any() or (values < 0).any():
            row = int(values.isna().idxmax() if values.isna().any() else (values < 0).idxmax())
            raise PlannerError(f"{path}: {column} of '{table.technology[row]}' must be a number, not negative")
        table[column] = values
    return table.set_index("technology")


def technology_of(unit, land_use: str | None = None) -> tuple[str, float]:
    """The catalogue row and the size (in its basis) of a unit (PV on open or farm land: ground-mounted)."""
    kind = unit.KIND
    if kind == "pv_unit":
        return ("pv_ground" if land_use in ("agricultural", "open") else "pv_roof"), unit.peak_kw
    if kind == "wind_turbine":
        return ("wind_small" if unit.rated_kw <= SMALL_WIND_KW else "wind"), unit.rated_kw
    if kind == "chp_unit":
        return "chp", unit.p_el_kw
    if kind == "battery":
        return "battery", unit.capacity_kwh
    raise ValueError(f"no cost technology for {unit.describe()}")


def unit_costs(rows: list[dict], catalogue: pd.DataFrame, rate: float = DISCOUNT_RATE,
               gas_price: float = GAS_PRICE_EUR_PER_KWH, boiler_efficiency: float = 0.9) -> pd.DataFrame:
    """Capex, opex, fuel, heat credit and LCOE per unit.

    ``rows``: dicts with ``unit_id``, ``kind``, ``technology``, ``size``, ``energy_kwh`` (a year),
    and for CHP ``fuel_kwh`` and ``heat_kwh``. A CHP's LCOE subtracts a heat credit: its heat
    valued at the gas a boiler would have burnt for it (``gas_price / boiler_efficiency``).
    Batteries get no LCOE (they store, they do not produce).
    """
    from planner.economics.finance import lcoe

    out = []
    for r in rows:
        if r["technology"] not in catalogue.index:
            raise PlannerError(f"the cost catalogue has no technology '{r['technology']}' (unit '{r['unit_id']}')")
        c = catalogue.loc[r["technology"]]
        capex = float(c.capex_eur_per_unit) * r["size"]
        opex = capex * float(c.opex_share_per_year)
        fuel = r.get("fuel_kwh", 0.0) * gas_price
        credit = r.get("heat_kwh", 0.0) * gas_price / boiler_efficiency
        years = int(c.lifetime_years)
        value = None if r["kind"] == "battery" else lcoe(rate, capex, opex, r["energy_kwh"], years, fuel, None, credit)
        out.append({"unit_id": r["unit_id"], "kind": r["kind"], "technology": r["technology"], "size": r["size"],
                    "size_basis": c.size_basis, "capex_eur": capex, "opex_eur_per_year": opex,
                    "fuel_eur_per_year": fuel, "heat_credit_eur_per_year": credit, "energy_kwh_per_year": r["energy_kwh"],
                    "lifetime_years": years, "lcoe_eur_per_kwh": value, "source": c.source})
    return pd.DataFrame(out)


def yearly_cash_flows(capex: float, yearly_net: float, lifetime: int, horizon: int) -> list[float]:
    """-capex in year 0, the yearly net in years 1..horizon, capex again when the lifetime ends inside it."""
    flows = [-capex] + [yearly_net] * horizon
    for year in range(lifetime, horizon, lifetime):
        flows[year] -= capex
    return flows
