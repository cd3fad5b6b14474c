"""Each unit on its own lifetime, a straight-line residual value at the horizon; hand examples."""

import numpy as np
import pandas as pd
import pytest

from planner.economics.finance import npv
from planner.economics.investments import capital_flows, plan_finance, residual_value


def test_a_unit_is_bought_again_only_when_its_own_life_ends():
    chp = capital_flows(1000.0, 15, 20)
    assert chp[0] == -1000 and chp[15] == -1000
    assert chp[20] == pytest.approx(1000 * 10 / 15)  # bought in year 15: 10 of 15 years left
    assert np.count_nonzero(chp) == 3
    pv = capital_flows(1000.0, 25, 20)
    assert pv[0] == -1000 and pv[20] == pytest.approx(200.0) and np.count_nonzero(pv) == 2
    assert capital_flows(1000.0, 10, 20)[10] == -1000 and residual_value(1000.0, 10, 20) == 0.0
    assert residual_value(1000.0, 7, 20) == pytest.approx(1000 * 1 / 7)  # bought at 0, 7, 14


@pytest.mark.parametrize("lifetime", [2.9, 0, -3, True])
def test_a_lifetime_must_be_whole_years(lifetime):
    with pytest.raises(ValueError, match="whole number of years"):
        capital_flows(1000.0, lifetime, 20)


def _costs():
    return pd.DataFrame([
        {"unit_id": "pv", "kind": "pv_unit", "capex_eur": 10_000.0, "opex_eur_per_year": 100.0,
         "fuel_eur_per_year": 0.0, "heat_credit_eur_per_year": 0.0, "energy_kwh_per_year": 9_000.0,
         "lifetime_years": 25},
        {"unit_id": "chp", "kind": "chp_unit", "capex_eur": 30_000.0, "opex_eur_per_year": 1_000.0,
         "fuel_eur_per_year": 2_000.0, "heat_credit_eur_per_year": 2_500.0, "energy_kwh_per_year": 20_000.0,
         "lifetime_years": 15},
    ])


def test_a_household_with_its_own_pv_and_a_chp_share_never_buys_its_pv_again():
    owners = {"pv": {"anna": 1.0}, "chp": {"anna": 0.1, "coop": 0.9}}
    savings = pd.Series({"anna": 1_200.0, "coop": 3_000.0})
    units, members, community = plan_finance(_costs(), owners, savings, pd.Series(dtype=float), 0.0, 20, 0.04)
    anna = members.set_index("member_id").loc["anna"]
    # by hand: year 0 -10,000 - 3,000; year 15 -3,000 (the CHP share only); year 20 residuals
    # 2,000 (PV: 5 of 25 years) + 0.1 * 20,000 (CHP: 10 of 15 years); each year
    # 1,200 - 100 - 0.1 * 500 = 1,050
    flows = np.zeros(21)
    flows[0] = -13_000
    flows[1:] += 1_200 - 100 - 0.1 * (1_000 + 2_000 - 2_500)
    flows[15] -= 3_000
    flows[20] += 2_000 + 0.1 * 30_000 * 10 / 15
    assert anna.npv_eur == pytest.approx(npv(0.04, flows))
    assert anna.yearly_net_benefit_eur == pytest.approx(1_050)
    by_unit = units.set_index("unit_id")
    assert by_unit.loc["pv", "residual_eur"] == pytest.approx(2_000)
    assert community["residual_value_eur"] == pytest.approx(2_000 + 20_000)
    assert "residual value" in community["lifetimes"]


def test_per_unit_discounted_payback():
    owners = {"pv": {"anna": 1.0}, "chp": {"coop": 1.0}}
    savings = pd.Series({"anna": 1_000.0, "coop": 1_000.0})
    units, _, _ = plan_finance(_costs().iloc[:1], {"pv": owners["pv"]}, savings.iloc[:1],
                               pd.Series(dtype=float), 0.0, 20, 0.04)
    row = units.iloc[0]
    # the unit's value: the community's saving per kWh generated (1,000 EUR / 9,000 kWh), minus opex
    yearly = 1_000.0 - 100.0
    discounted = np.cumsum([-10_000] + [yearly / 1.04 ** y for y in range(1, 21)])
    year = int(np.argmax(discounted >= 0))
    expected = (year - 1) + -discounted[year - 1] / (yearly / 1.04 ** year)
    assert row.discounted_payback_years == pytest.approx(expected)
    assert row.simple_payback_years == pytest.approx(10_000 / yearly)
