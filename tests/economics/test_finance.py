import math

import pytest

from planner.economics.finance import investment, irr, lcoe, npv, payback_years


def test_npv_by_hand():
    assert npv(0.1, [-100, 60, 60]) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21)


def test_irr_of_known_cash_flows():
    # -100 now, 110 in a year: 10 %
    assert irr([-100, 110]) == pytest.approx(0.10, abs=1e-10)
    # -100, then 60 twice: (1+r)^2 * 100 = 60 (1+r) + 60  ->  r = 0.130662...
    r = (-(100 * 2 - 60) + math.sqrt((100 * 2 - 60) ** 2 + 4 * 100 * 20)) / (2 * 100)
    assert irr([-100, 60, 60]) == pytest.approx(r, abs=1e-10)
    assert npv(irr([-1000, 300, 300, 300, 300]), [-1000, 300, 300, 300, 300]) == pytest.approx(0, abs=1e-8)
    assert irr([100, 50]) is None and irr([-100, -50]) is None


def test_payback():
    assert payback_years([-100, 40, 40, 40]) == pytest.approx(2.5)
    assert payback_years([-100, 10, 10]) is None
    discounted = payback_years([-100, 60, 60], rate=0.1)
    assert discounted == pytest.approx(1 + (100 - 60 / 1.1) / (60 / 1.21))


def test_lcoe_by_hand():
    # 1,000 EUR now, 10 EUR/a, 1,000 kWh/a, 2 years at 5 %
    d1, d2 = 1.05, 1.05 ** 2
    expected = (1000 + 10 / d1 + 10 / d2) / (1000 / d1 + 1000 / d2)
    assert lcoe(0.05, 1000, 10, 1000, 2) == pytest.approx(expected)
    assert lcoe(0.0, 1000, 0, 100, 10) == pytest.approx(1.0)
    assert lcoe(0.05, 1000, 10, 0, 2) == math.inf


def test_investment_figures():
    inv = investment(1000, 150, 10, 0.04, replacements={5: 200})
    assert inv.cash_flows[5] == -50 and len(inv.cash_flows) == 11
    assert inv.npv == pytest.approx(npv(0.04, inv.cash_flows))
    assert inv.simple_payback_years is not None and inv.discounted_payback_years > inv.simple_payback_years
