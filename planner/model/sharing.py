"""What energy shared inside the community pays: a project setting (DOMAIN.md section 8).

A kWh that passes from one member to another inside the community does not pay the
supplier's energy price (the members settle it among themselves), but it may pay grid fees,
levies and taxes, fully, in part or not at all, depending on who owns the grid and on the
country's rules. The setting says which share of each component of the receiving member's
tariff applies, whether VAT applies on them, and any incentive paid per shared kWh.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from planner.model.base import ValidationIssue


@dataclass(frozen=True)
class SharedEnergy:
    """Shares of the receiving member's tariff components that a shared kWh pays.

    Attributes
    ----------
    preset : str
        One of :data:`PRESETS`, or ``"custom"``.
    grid_fee_share, levies_share, taxes_share : float
        From 0 (not paid) to 1 (paid in full).
    vat : bool
        Whether VAT is charged on what shared energy pays.
    incentive_eur_per_kwh : float
        Paid per shared kWh to the member receiving it (a negative charge), such as Italy's
        premium for shared energy [EUR/kWh].
    source : str
        Where the figures come from.
    """

    preset: str = "public_grid_full"
    grid_fee_share: float = 1.0
    levies_share: float = 1.0
    taxes_share: float = 1.0
    vat: bool = True
    incentive_eur_per_kwh: float = 0.0
    source: str = ""

    @classmethod
    def from_preset(cls, name: str) -> "SharedEnergy":
        """One of :data:`PRESETS` by name (ValueError naming the known ones)."""
        if name not in PRESETS:
            raise ValueError(f"unknown shared-energy preset '{name}' (known: {', '.join(PRESETS)})")
        return PRESETS[name]

    def charge_per_kwh(self, grid_fee: float, levies: float, taxes: float, vat_percent: float) -> float:
        """What one shared kWh pays for a receiver on a tariff with these components [EUR/kWh]."""
        charge = self.grid_fee_share * grid_fee + self.levies_share * levies + self.taxes_share * taxes
        if self.vat:
            charge *= 1.0 + vat_percent / 100.0
        return charge - self.incentive_eur_per_kwh

    def describe(self) -> str:
        """One line: the shares and whether VAT applies."""
        return (f"{self.preset}: grid fees {self.grid_fee_share:.0%}, levies {self.levies_share:.0%}, taxes "
                f"{self.taxes_share:.0%}{', VAT on them' if self.vat else ''}"
                + (f", incentive {self.incentive_eur_per_kwh:g} EUR/kWh" if self.incentive_eur_per_kwh else ""))

    def as_dict(self) -> dict:
        """The setting as the project file stores it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "SharedEnergy":
        """The setting from the project file's object (unknown keys ignored)."""
        known = {k: values[k] for k in cls.__dataclass_fields__ if k in values}
        return cls(**known)

    def validate(self) -> list[ValidationIssue]:
        """Problems of the setting, each naming its field."""
        issues = []
        subject = "Shared energy setting"
        for name in ("grid_fee_share", "levies_share", "taxes_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                issues.append(ValidationIssue(subject, name, f"{name.replace('_', ' ')} must be from 0 to 1, "
                                                             f"got {value!r}"))
        value = self.incentive_eur_per_kwh
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            issues.append(ValidationIssue(subject, "incentive_eur_per_kwh",
                                          f"the incentive must be a finite amount of at least 0, got {value!r}"))
        if not isinstance(self.vat, bool):
            issues.append(ValidationIssue(subject, "vat", f"vat must be true or false, got {self.vat!r}"))
        if self.preset != "custom" and self.preset not in PRESETS:
            issues.append(ValidationIssue(subject, "preset", f"unknown preset '{self.preset}'"))
        return issues


#: The cases DOMAIN.md section 8 names, with their sources. Figures are defaults to show and change.
PRESETS: dict[str, SharedEnergy] = {
    "public_grid_full": SharedEnergy(
        "public_grid_full", 1.0, 1.0, 1.0, True, 0.0,
        "shared energy crosses the public grid and pays grid fees, levies and taxes as any supply does; "
        "Germany's energy sharing (section 42c EnWG, from June 2026) eases only supplier duties"),
    "community_grid": SharedEnergy(
        "community_grid", 0.0, 1.0, 1.0, True, 0.0,
        "the community owns its grid (a private network or customer installation): no public grid fees on "
        "energy that stays in it; levies and taxes as the law says (here: in full)"),
    "at_local_community": SharedEnergy(
        "at_local_community", 0.43, 0.0, 1.0, True, 0.0,
        "Austria, local renewable energy community (low voltage): grid usage price reduced by 57 % "
        "(E-Control, SNE-V), no renewables levy on shared energy (EAG); electricity levy as the law says"),
    "it_cacer": SharedEnergy(
        "it_cacer", 1.0, 1.0, 1.0, True, 0.118,
        "Italy, CACER: fees and levies in full, then a premium per shared kWh (MASE decree 414/2023, up to "
        "about 0.11 EUR/kWh for small plants, varying with the zonal price) and ARERA's refund of about "
        "0.008 EUR/kWh of network charges; order of magnitude, set your own"),
}
