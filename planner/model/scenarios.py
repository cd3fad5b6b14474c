"""Scenarios: named variants of a project stored in the project file, as overrides of the base.

A scenario is a name, a description and overrides (``{"battery_kwh": 0}``), the same
parameters a sweep varies (:data:`PARAMETERS`; :mod:`planner.simulation.overrides` applies
them). This module says what a parameter means and which values it takes, so a project file's
scenarios are checked when the file is read, before anything runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.model.base import ValidationIssue
from planner.model.study import BENEFIT_SCHEMES


@dataclass(frozen=True)
class Parameter:
    """One thing a variant may change."""

    name: str
    doc: str
    kind: str  # "number", "integer", "bool", "choice" or "text"
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the low bound itself is not allowed
    choices: tuple = ()

    def check(self, value) -> str | None:
        """Why ``value`` is not allowed, or None."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"{self.name} is true or false, got {value!r}"
        if self.kind == "choice":
            return None if value in self.choices else \
                f"{self.name} is one of {', '.join(self.choices)}, got {value!r}"
        if self.kind == "text":
            return None if isinstance(value, str) and value.strip() else f"{self.name} is a name, got {value!r}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"{self.name} is a number{f' [{self.unit}]' if self.unit else ''}, got {value!r}"
        if self.kind == "integer" and value != int(value):
            return f"{self.name} is a whole number, got {value!r}"
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return f"{self.name} must be {'above' if self.low_open else 'at least'} {self.low:g}, got {value!r}"
        if self.high is not None and value > self.high:
            return f"{self.name} must be at most {self.high:g}, got {value!r}"
        return None


PARAMETERS: dict[str, Parameter] = {p.name: p for p in (
    Parameter("pv_share", "share of the households whose roof carries PV", "number", "share", 0.0, 1.0),
    Parameter("pv_scale", "every PV unit's peak power times this", "number", "factor", 0.0, 20.0, low_open=True),
    Parameter("battery_kwh", "the shared batteries' capacity in all (0: none; power keeps the C-rate)",
              "number", "kWh", 0.0, 1e6),
    Parameter("chp", "with or without the CHP units", "bool"),
    Parameter("heat_pump_share", "share of the households with a heat demand that heat with an air-source heat pump",
              "number", "share", 0.0, 1.0),
    Parameter("ev_share", "share of the households with an electric car and an 11 kW wallbox", "number", "share",
              0.0, 1.0),
    Parameter("ev_charging", "how every charging point charges", "choice",
              choices=("immediate", "reduced", "smart", "limit")),
    Parameter("phases", "PV units, batteries and charging points of at most 4.6 kW on one phase each: spread "
              "over L1-L3 (seeded), all on L1 (the worst case), or all three-phase", "choice",
              choices=("spread", "worst", "three-phase")),
    Parameter("chp_kw", "the CHP units' electrical power in all (shared in proportion)", "number", "kW",
              0.0, 1e5, low_open=True),
    Parameter("benefit_scheme", "the settlement scheme whose savings count as the members' benefit", "choice",
              choices=BENEFIT_SCHEMES),
    Parameter("import_price_factor", "every tariff's energy price (and time-of-use prices) times this",
              "number", "factor", 0.0, 10.0),
    Parameter("export_price_eur_per_kwh", "every tariff's export price", "number", "EUR/kWh", 0.0, 5.0),
    Parameter("discount_rate", "the study's discount rate a year", "number", "share", -0.05, 0.5),
    Parameter("horizon_years", "the study's horizon", "integer", "years", 1, 100),
    Parameter("grid_emission_factor_kg_per_kwh", "CO2 of a kWh from the grid", "number", "kg/kWh", 0.0, 2.0),
    Parameter("capex_factor_pv", "PV investment cost times this", "number", "factor", 0.0, 10.0),
    Parameter("capex_factor_battery", "battery investment cost times this", "number", "factor", 0.0, 10.0),
    Parameter("capex_factor_chp", "CHP investment cost times this", "number", "factor", 0.0, 10.0),
    Parameter("capex_factor_wind", "wind turbine investment cost times this", "number", "factor", 0.0, 10.0),
    Parameter("weather", "a bundled station id (dwd-try2010-12) or a weather file", "text"),
)}

#: The cost catalogue's technologies each capex factor scales.
CAPEX_TECHNOLOGIES = {"capex_factor_pv": ("pv_roof", "pv_ground"), "capex_factor_battery": ("battery", "battery_power"),
                      "capex_factor_chp": ("chp",), "capex_factor_wind": ("wind", "wind_small")}


def check(overrides: Mapping) -> list[str]:
    """Every problem with ``overrides``' names and values (empty when they may be applied)."""
    problems = []
    for name, value in overrides.items():
        parameter = PARAMETERS.get(name)
        if parameter is None:
            problems.append(f"unknown parameter '{name}'; known: {', '.join(PARAMETERS)}")
            continue
        why = parameter.check(value)
        if why:
            problems.append(why)
    return problems


@dataclass(frozen=True)
class Scenario:
    """A named variant of the project: the base with ``overrides``."""

    name: str
    overrides: dict = field(default_factory=dict)
    description: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "overrides": dict(self.overrides), "description": self.description}

    @classmethod
    def from_dict(cls, raw: dict) -> "Scenario":
        return cls(raw["name"], dict(raw.get("overrides") or {}), raw.get("description") or "")


def validate_scenarios(scenarios) -> list[ValidationIssue]:
    """Names present and distinct, overrides known and in range."""
    out, seen = [], set()
    for k, scenario in enumerate(scenarios, 1):
        where = f"Scenario {k}"
        if not isinstance(scenario.name, str) or not scenario.name.strip():
            out.append(ValidationIssue(where, "name", "a scenario needs a name"))
            continue
        if scenario.name in seen:
            out.append(ValidationIssue(where, "name", f"the name '{scenario.name}' is used twice"))
        seen.add(scenario.name)
        if not isinstance(scenario.overrides, Mapping):
            out.append(ValidationIssue(f"Scenario '{scenario.name}'", "overrides", "overrides must be an object"))
            continue
        for problem in check(scenario.overrides):
            out.append(ValidationIssue(f"Scenario '{scenario.name}'", "overrides", problem))
    return out


def parse_overrides(text: str) -> dict:
    """``"pv_share=0.5, chp=false, benefit_scheme=mmr"`` as overrides (values read as TOML reads
    them: true/false, numbers, else text); raises ValueError naming a pair without ``=``."""
    import tomllib

    out = {}
    for pair in (p.strip() for p in text.replace(";", ",").split(",")):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"'{pair}' is not KEY=VALUE")
        value = value.strip()
        try:
            out[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value
    return out


def format_overrides(overrides: Mapping) -> str:
    """The text :func:`parse_overrides` reads back."""
    def spell(v):
        return str(v).lower() if isinstance(v, bool) else (f"{v:g}" if isinstance(v, float) else str(v))
    return ", ".join(f"{k}={spell(v)}" for k, v in overrides.items())
