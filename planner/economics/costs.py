"""The cost catalogue: capex, opex and lifetime per technology, with sources.

Defaults live in ``resources/catalogue/costs.csv`` (installed as ``planner.resources``) (shown with their sources); a project or a
caller may pass its own table with the same columns.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from planner import PlannerError

#: The catalogue shipped with the planner (package data: found in a wheel and in a checkout alike).
DEFAULT_CATALOGUE = "catalogue/costs.csv"
COLUMNS = ["technology", "size_basis", "capex_eur_per_unit", "opex_share_per_year", "lifetime_years", "source"]
#: Discount rate (real, per year) for LCOE and NPV; editable.
DISCOUNT_RATE = 0.04
#: Price of natural gas for CHP fuel and the boilers it replaces [EUR/kWh, LHV], German households 2024.
GAS_PRICE_EUR_PER_KWH = 0.10
#: Units up to this rated power count as small wind turbines [kW].
SMALL_WIND_KW = 100.0
#: Lifetimes outside this range [years] are typing errors, not equipment.
LIFETIME_RANGE_YEARS = (1, 100)
#: A cost catalogue larger than this [bytes] is not a catalogue.
MAX_CATALOGUE_BYTES = 10_000_000


def default_catalogue_text() -> str:
    """The shipped catalogue's CSV text (``planner.resources``, via :mod:`importlib.resources`)."""
    from importlib.resources import files

    return files("planner.resources").joinpath(DEFAULT_CATALOGUE).read_text(encoding="utf-8")


def load_catalogue(path: str | Path | None = None) -> pd.DataFrame:
    """The cost catalogue: the shipped one, or a CSV of one's own with the same columns.

    Parameters
    ----------
    path : str or path-like, optional
        A CSV with the columns :data:`COLUMNS`, UTF-8. Default: the shipped catalogue.

    Returns
    -------
    DataFrame
        Indexed by ``technology``.

    Raises
    ------
    PlannerError
        Naming the file, and the technology and column where a value is wrong: a missing,
        empty, unreadable or non-UTF-8 file, a missing column, a duplicate technology, a
        capex or opex share that is not a finite number of at least 0 (opex share at most 1),
        a lifetime that is not a whole number of years from 1 to 100.
    """
    import io

    if path is None:
        name, text = "the shipped cost catalogue", default_catalogue_text()
    else:
        name = str(path)
        path = Path(path)
        try:
            if path.is_dir():
                raise PlannerError(f"{path}: is a folder, not a cost catalogue")
            if path.stat().st_size > MAX_CATALOGUE_BYTES:
                raise PlannerError(f"{path}: {path.stat().st_size / 1e6:,.0f} MB is far too large for a cost "
                                   f"catalogue (a CSV of a few rows)")
            raw = path.read_bytes()
        except FileNotFoundError:
            raise PlannerError(f"{path}: no cost catalogue there") from None
        except OSError as exc:
            raise PlannerError(f"{path}: cannot be read: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PlannerError(f"{path}: not UTF-8 text (byte {exc.start}); save the catalogue as UTF-8 CSV") from None
        if "\x00" in text:
            raise PlannerError(f"{path}: binary content, not a CSV cost catalogue")
    if not text.strip():
        raise PlannerError(f"{name}: the cost catalogue is empty")
    try:
        table = pd.read_csv(io.StringIO(text), dtype={"technology": str, "size_basis": str, "source": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise PlannerError(f"{name}: not a CSV cost catalogue: {' '.join(str(exc).split())[:150]}") from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise PlannerError(f"{name}: the cost catalogue lacks column{'s' * (len(missing) > 1)} {', '.join(missing)}")
    if not len(table):
        raise PlannerError(f"{name}: the cost catalogue has no rows")
    technology = table["technology"].fillna("").astype(str).str.strip()
    if (technology == "").any():
        raise PlannerError(f"{name}: row {int((technology == '').idxmax()) + 2} has no technology")
    duplicated = technology[technology.duplicated()]
    if len(duplicated):
        raise PlannerError(f"{name}: technology '{duplicated.iloc[0]}' appears twice")
    table["technology"] = technology
    limits = {"capex_eur_per_unit": (0.0, math.inf, "a finite number of at least 0"),
              "opex_share_per_year": (0.0, 1.0, "a share of capex from 0 to 1"),
              "lifetime_years": (*LIFETIME_RANGE_YEARS, "a whole number of years from "
                                 f"{LIFETIME_RANGE_YEARS[0]} to {LIFETIME_RANGE_YEARS[1]}")}
    for column, (low, high, what) in limits.items():
        raw_values = table[column]
        values = pd.to_numeric(raw_values, errors="coerce").astype(float)
        for row, value in enumerate(values):
            bad = not math.isfinite(value) or value < low or value > high
            if column == "lifetime_years" and not bad:
                bad = not float(value).is_integer()
            if bad:
                raise PlannerError(f"{name}: {column} of '{technology.iloc[row]}' must be {what}, "
                                   f"got {raw_values.iloc[row]!r}")
        table[column] = values
    table["lifetime_years"] = table["lifetime_years"].astype(int)
    return table.set_index("technology")


def check_catalogue_covers(project, catalogue: pd.DataFrame) -> None:
    """Refuse, before any simulation, a catalogue without a technology that a unit needs."""
    for kind in ("pv_unit", "wind_turbine", "chp_unit", "battery"):
        for unit in project.items(kind).values():
            parcel = project.items("parcel").get(unit.parcel_id) if unit.parcel_id else None
            technology, _ = technology_of(unit, parcel.land_use if parcel else None)
            if technology not in catalogue.index:
                raise PlannerError(f"the cost catalogue has no technology '{technology}' "
                                   f"(needed by {unit.describe()})")


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


#: The catalogue's ``battery`` price per kWh covers this much power per kWh of capacity [kW/kWh]
#: (home storage's usual two hours: 10 kWh with 5 kW, the placement rule's battery).
BATTERY_INCLUDED_KW_PER_KWH = 0.5


def battery_extra_kw(unit) -> float:
    """The power of a battery beyond what its kWh price includes (:data:`BATTERY_INCLUDED_KW_PER_KWH`),
    priced by the catalogue's optional ``battery_power`` row per kW (REopt prices a battery's kW and
    kWh apart; the catalogue's home-storage price per kWh has its inverter in it)."""
    return max(0.0, float(unit.power_kw) - BATTERY_INCLUDED_KW_PER_KWH * float(unit.capacity_kwh))


#: The columns of :func:`unit_costs`, there even for a community without units.
UNIT_COST_COLUMNS = ("unit_id", "kind", "technology", "size", "size_basis", "capex_eur", "opex_eur_per_year",
                     "fuel_eur_per_year", "heat_credit_eur_per_year", "energy_kwh_per_year", "lifetime_years",
                     "lcoe_eur_per_kwh", "source")


def unit_costs(rows: list[dict], catalogue: pd.DataFrame, rate: float = DISCOUNT_RATE,
               gas_price: float = GAS_PRICE_EUR_PER_KWH, boiler_efficiency: float = 0.9) -> pd.DataFrame:
    """Capex, opex, fuel, heat credit and LCOE per unit.

    ``rows``: dicts with ``unit_id``, ``kind``, ``technology``, ``size``, ``energy_kwh`` (a year),
    and for CHP ``fuel_kwh`` and ``heat_kwh``; for a battery ``extra_kw``, its power beyond what its
    kWh price includes, priced by the ``battery_power`` row where the catalogue has one (with the
    battery's upkeep and lifetime: one unit). A CHP's LCOE subtracts a heat credit: its heat
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
        source = c.source
        if r.get("extra_kw", 0.0) > 0 and "battery_power" in catalogue.index:
            power = catalogue.loc["battery_power"]
            capex += float(power.capex_eur_per_unit) * r["extra_kw"]
            lead = f"power beyond {BATTERY_INCLUDED_KW_PER_KWH:g} kW per kWh: "
            # the shipped row's source says so itself; a user's row may not
            said = str(power.source).lower().startswith("power beyond")
            source = f"{c.source}; {'' if said else lead}{power.source}"
        opex = capex * float(c.opex_share_per_year)
        fuel = r.get("fuel_kwh", 0.0) * gas_price
        credit = r.get("heat_kwh", 0.0) * gas_price / boiler_efficiency
        years = int(c.lifetime_years)
        value = None if r["kind"] == "battery" else lcoe(rate, capex, opex, r["energy_kwh"], years, fuel, None, credit)
        out.append({"unit_id": r["unit_id"], "kind": r["kind"], "technology": r["technology"], "size": r["size"],
                    "size_basis": c.size_basis, "capex_eur": capex, "opex_eur_per_year": opex,
                    "fuel_eur_per_year": fuel, "heat_credit_eur_per_year": credit, "energy_kwh_per_year": r["energy_kwh"],
                    "lifetime_years": years, "lcoe_eur_per_kwh": value, "source": source})
    return pd.DataFrame(out, columns=UNIT_COST_COLUMNS)  # the columns even where there is no unit
