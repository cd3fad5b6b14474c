"""Community indexes (DOMAIN.md section 3): fairness of benefits and CO2 avoided."""

from __future__ import annotations

import numpy as np

#: Grid emission factor [kg CO2/kWh]: Germany's electricity mix 2023, 380 g/kWh
#: (Umweltbundesamt, "Entwicklung der spezifischen Treibhausgas-Emissionen des deutschen
#: Strommix", 2024). Editable: pass another factor for another country or year.
GRID_EMISSION_FACTOR_KG_PER_KWH = 0.380
#: Natural gas [kg CO2/kWh of fuel, LHV]: 56.1 t/TJ (IPCC 2006).
GAS_EMISSION_FACTOR_KG_PER_KWH = 0.202
#: Efficiency of the gas boiler a CHP's heat replaces (LHV).
AVOIDED_BOILER_EFFICIENCY = 0.9


def gini(x) -> float | None:
    """Gini index of benefits: sum_ij |x_i - x_j| / (2 n^2 mean).

    All equal (zeros included) gives 0. ``None`` where the mean is not positive: the index
    measures shares of a positive total and says nothing about losses.
    """
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return None
    if np.allclose(x, x[0]):
        return 0.0
    mean = x.mean()
    if mean <= 0:
        return None
    # sum_ij |x_i - x_j| from the sorted values in O(n log n)
    s = np.sort(x)
    n = s.size
    total = 2.0 * np.sum((2 * np.arange(1, n + 1) - n - 1) * s)
    return float(total / (2.0 * n * n * mean))


def jain(x) -> float | None:
    """Jain's fairness index (sum x)^2 / (n sum x^2): 1 when all are equal, 1/n when one takes all.

    All zero counts as equal (1). With negative values it stays defined but mixes gains and
    losses; read it with the benefits by group.
    """
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return None
    squares = float(np.sum(x * x))
    if squares == 0:
        return 1.0
    return float(np.sum(x) ** 2 / (x.size * squares))


def co2_avoided_kg(import_avoided_kwh: float, chp_fuel_kwh: float = 0.0, chp_heat_kwh: float = 0.0,
                   grid_factor: float = GRID_EMISSION_FACTOR_KG_PER_KWH,
                   gas_factor: float = GAS_EMISSION_FACTOR_KG_PER_KWH,
                   boiler_efficiency: float = AVOIDED_BOILER_EFFICIENCY) -> float:
    """CO2 avoided = import avoided x EF_grid + heat no boiler made x EF_gas / eta_boiler - CHP fuel x EF_gas."""
    return (import_avoided_kwh * grid_factor + chp_heat_kwh * gas_factor / boiler_efficiency
            - chp_fuel_kwh * gas_factor)
