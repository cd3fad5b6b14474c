"""The study's own assumptions, stored with the project: what the figures are computed with."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from planner.model.base import ValidationIssue

#: Germany's electricity mix 2023, 380 g/kWh (Umweltbundesamt 2024).
DEFAULT_EMISSION_SOURCE = ("Umweltbundesamt, Entwicklung der spezifischen Treibhausgas-Emissionen des deutschen "
                           "Strommix (2024): German mix 2023")


#: Settlement schemes a study may count its benefits under (planner.community.settlement's names).
BENEFIT_SCHEMES = ("sdr", "mmr", "bill_sharing", "bilateral+sdr", "net_billing", "net_metering_monthly",
                   "net_metering_yearly", "allocation_static", "allocation_dynamic")
#: How each scheme is called in text.
SCHEME_LABELS = {"grid_only": "grid only", "net_billing": "net billing", "net_metering_monthly": "monthly net metering",
                 "net_metering_yearly": "yearly net metering", "sdr": "the SDR pool", "mmr": "the MMR pool",
                 "bill_sharing": "bill sharing", "bilateral+sdr": "bilateral contracts and the SDR pool",
                 "allocation_static": "static allocation keys", "allocation_dynamic": "dynamic allocation keys"}


@dataclass(frozen=True)
class StudySettings:
    """Grid emission factor [kg CO2/kWh] and its source; upstream transmission and distribution
    losses as a share of energy used locally (typically 5-8 %); discount rate a year; horizon
    [years]; the cost catalogue (a CSV path, relative to the project file; empty: the shipped one)."""

    grid_emission_factor_kg_per_kwh: float = 0.380
    emission_factor_source: str = DEFAULT_EMISSION_SOURCE
    upstream_loss_factor: float = 0.05
    discount_rate: float = 0.04
    horizon_years: int = 20
    cost_catalogue: str | None = None
    #: The settlement scheme whose savings the finance, fairness and members' figures count.
    benefit_scheme: str = "sdr"
    #: The step a run takes by default [min]: 60, or 15 for a project with 15-minute load profiles.
    resolution_minutes: int = 60

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> "StudySettings":
        return cls(**raw)

    def validate(self) -> list[ValidationIssue]:
        out = []

        def number(name, low, high):
            value = getattr(self, name)
            if (not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value)
                    or not low <= value <= high):
                out.append(ValidationIssue("Study settings", name, f"{name} must be a number from {low:g} to {high:g}, "
                                                                   f"got {value!r}"))

        number("grid_emission_factor_kg_per_kwh", 0.0, 2.0)
        number("upstream_loss_factor", 0.0, 0.5)
        number("discount_rate", -0.05, 0.5)
        if not isinstance(self.horizon_years, int) or isinstance(self.horizon_years, bool) \
                or not 1 <= self.horizon_years <= 100:
            out.append(ValidationIssue("Study settings", "horizon_years",
                                       f"horizon_years must be a whole number from 1 to 100, got {self.horizon_years!r}"))
        if self.cost_catalogue is not None and not (isinstance(self.cost_catalogue, str) and self.cost_catalogue.strip()):
            out.append(ValidationIssue("Study settings", "cost_catalogue", "the cost catalogue must be a file name"))
        if self.benefit_scheme not in BENEFIT_SCHEMES:
            out.append(ValidationIssue("Study settings", "benefit_scheme",
                                       f"benefit_scheme must be one of {', '.join(BENEFIT_SCHEMES)}, "
                                       f"got {self.benefit_scheme!r}"))
        if self.resolution_minutes not in (15, 60) or isinstance(self.resolution_minutes, bool):
            out.append(ValidationIssue("Study settings", "resolution_minutes",
                                       f"resolution_minutes must be 60 or 15, got {self.resolution_minutes!r}"))
        if not isinstance(self.emission_factor_source, str):
            out.append(ValidationIssue("Study settings", "emission_factor_source", "the source must be text"))
        return out
