"""On-bill financing of efficiency measures: repaid from the savings, tied to the meter.

The lender pays the measure; the member repays through the bill each year at most what the
measure saves that year, so the member is never worse off. The annuity of the term is the
target repayment; a year whose savings fall short leaves the rest on the balance (with
interest), which lengthens the term. When the occupant leaves, the balance stays with the
meter: the next occupant, who now has the savings, repays it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Repayment:
    """An on-bill repayment plan: yearly savings, the annuity, and what is repaid when."""
    years: list[int]
    payments_eur: list[float]
    balance_eur: list[float]  # at the end of each year
    savings_eur_per_year: float
    annuity_eur: float

    @property
    def repaid_after_years(self) -> int | None:
        """Years until the measure is repaid from its savings, or None when not within its term."""
        for year, balance in zip(self.years, self.balance_eur):
            if balance <= 1e-6:
                return year
        return None

    @property
    def total_paid_eur(self) -> float:
        """Everything repaid over the term [EUR]."""
        return float(sum(self.payments_eur))

    def balance_left_at(self, year: int) -> float:
        """What stays with the meter when the occupant leaves after ``year`` years."""
        if year <= 0:
            return self.balance_eur[0] + self.payments_eur[0] if self.years else 0.0
        return self.balance_eur[min(year, len(self.balance_eur)) - 1]


def annuity(principal: float, rate: float, years: int) -> float:
    """Yearly annuity of a loan [EUR]: principal * r / (1 - (1 + r)^-n); principal / n at r = 0."""
    if rate == 0:
        return principal / years
    return principal * rate / (1 - (1 + rate) ** -years)


def repayment_schedule(cost_eur: float, savings_kwh_per_year: float, price_eur_per_kwh: float,
                       term_years: int, rate: float, max_years: int = 40) -> Repayment:
    """Yearly repayments capped by the year's savings (``savings_kwh_per_year`` at ``price``)."""
    savings = savings_kwh_per_year * price_eur_per_kwh
    target = annuity(cost_eur, rate, term_years)
    balance = cost_eur
    years, payments, balances = [], [], []
    for year in range(1, max_years + 1):
        balance *= 1 + rate
        payment = min(target, savings, balance)
        balance -= payment
        years.append(year)
        payments.append(payment)
        balances.append(balance)
        if balance <= 1e-6:
            break
    return Repayment(years, payments, balances, savings, target)
