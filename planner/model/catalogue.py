"""Equipment types a project defines for itself: cable and transformer parameters.

Cables and transformers name a type (``std_type``). pandapower's own library
holds a few (NAYY 4x50/4x120/4x150 SE; 0.25, 0.4 and 0.63 MVA 20/0.4 kV); a
project adds or overrides types here (imported grids bring theirs, as SimBench
does), with the source of the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from planner.model.base import Entity, quantity

CABLE_KINDS = ("cs", "ol")  # pandapower: cable system, overhead line
TAP_SIDES = ("hv", "lv")


@dataclass(frozen=True, kw_only=True)
class CableType(Entity):
    """Electrical data of a cable or line per km; the id is the type's name."""

    KIND: ClassVar[str] = "cable_type"
    LABEL: ClassVar[str] = "Cable type"

    r_ohm_per_km: float = quantity(label="resistance", unit="ohm/km", min=0)
    x_ohm_per_km: float = quantity(label="reactance", unit="ohm/km", min=0)
    c_nf_per_km: float = quantity(0.0, label="capacitance", unit="nF/km", min=0)
    g_us_per_km: float = quantity(0.0, label="conductance", unit="uS/km", min=0)
    max_i_ka: float = quantity(label="current rating", unit="kA", min=0, min_exclusive=True)
    kind: str = quantity("cs", label="kind", choices=CABLE_KINDS)
    q_mm2: float | None = quantity(None, label="conductor cross-section", unit="mm2", min=0,
                                   min_exclusive=True)
    r0_ohm_per_km: float | None = quantity(None, label="zero-sequence resistance", unit="ohm/km", min=0,
                                           doc="phase and neutral return; empty: derived from the positive "
                                               "sequence (see planner.grid.three_phase)")
    x0_ohm_per_km: float | None = quantity(None, label="zero-sequence reactance", unit="ohm/km", min=0)
    c0_nf_per_km: float | None = quantity(None, label="zero-sequence capacitance", unit="nF/km", min=0)
    price_eur_per_km: float | None = quantity(None, label="cable price (without trench)", unit="EUR/km", min=0,
                                              doc="a price puts the type on the sizing's ladder")
    source: str = quantity("", label="source of the figures")


@dataclass(frozen=True, kw_only=True)
class TransformerType(Entity):
    """Electrical data of a two-winding transformer; the id is the type's name."""

    KIND: ClassVar[str] = "transformer_type"
    LABEL: ClassVar[str] = "Transformer type"

    sn_mva: float = quantity(label="rated power", unit="MVA", min=0, min_exclusive=True)
    vn_hv_kv: float = quantity(label="rated high voltage", unit="kV", min=0, min_exclusive=True)
    vn_lv_kv: float = quantity(label="rated low voltage", unit="kV", min=0, min_exclusive=True)
    vk_percent: float = quantity(label="short-circuit voltage", unit="%", min=0, min_exclusive=True)
    vkr_percent: float = quantity(label="short-circuit voltage, real part", unit="%", min=0)
    pfe_kw: float = quantity(label="iron losses", unit="kW", min=0)
    i0_percent: float = quantity(label="no-load current", unit="%", min=0)
    shift_degree: float = quantity(0.0, label="phase shift", unit="deg")
    tap_side: str | None = quantity(None, label="tap side", choices=TAP_SIDES)
    tap_neutral: float = quantity(0.0, label="neutral tap")
    tap_min: float = quantity(0.0, label="lowest tap")
    tap_max: float = quantity(0.0, label="highest tap")
    tap_step_percent: float = quantity(0.0, label="tap step", unit="%", min=0)
    tap_step_degree: float = quantity(0.0, label="tap step angle", unit="deg")
    price_eur: float | None = quantity(None, label="transformer price", unit="EUR", min=0,
                                       doc="a price puts the type on the sizing's ladder")
    source: str = quantity("", label="source of the figures")

    def _check(self):
        out = []
        if self.vn_lv_kv >= self.vn_hv_kv:
            out.append(("vn_lv_kv", "the low voltage must be below the high voltage"))
        if self.vkr_percent > self.vk_percent:
            out.append(("vkr_percent", "the real part cannot exceed the short-circuit voltage"))
        if self.tap_min > self.tap_max:
            out.append(("tap_max", "the highest tap must not be below the lowest"))
        return out
