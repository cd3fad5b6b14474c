import pytest

from planner.economics.onbill import annuity, repayment_schedule


def test_savings_cover_the_annuity():
    s = repayment_schedule(2000, 400, 0.40, term_years=8, rate=0.03)
    assert s.annuity_eur == pytest.approx(2000 * 0.03 / (1 - 1.03 ** -8))
    assert s.savings_eur_per_year == pytest.approx(160.0)
    # the annuity (284.9) exceeds the savings (160): repayment capped, term lengthened
    assert all(p <= 160.0 + 1e-9 for p in s.payments_eur)
    assert s.repaid_after_years > 8
    assert s.total_paid_eur > 2000


def test_repaid_in_the_term_when_savings_suffice():
    s = repayment_schedule(1000, 1000, 0.40, term_years=5, rate=0.0)
    assert s.payments_eur == pytest.approx([200.0] * 5) and s.repaid_after_years == 5


def test_balance_stays_with_the_meter():
    s = repayment_schedule(2000, 400, 0.40, term_years=8, rate=0.03)
    left = s.balance_left_at(3)
    assert left == pytest.approx(s.balance_eur[2]) and 0 < left < 2000


def test_never_repaid_without_savings():
    s = repayment_schedule(1000, 0, 0.40, term_years=5, rate=0.05, max_years=10)
    assert s.repaid_after_years is None and s.total_paid_eur == 0.0


def test_annuity_zero_rate():
    assert annuity(1200, 0.0, 12) == 100
