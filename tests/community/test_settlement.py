"""Settlement schemes: the books close at every step, prices stay in bounds, hand examples hold."""

import numpy as np
import pandas as pd
import pytest

from planner.community.balance import Balance
from planner.community.comparison import all_schemes
from planner.community.settlement import (
    ContractTerms, allocation, bilateral, bill_sharing, grid_only, mmr, mmr_prices,
    net_billing, net_metering, sdr, sdr_prices,
)

PB, PS = 0.40, 0.08


def random_balance(T=24 * 60, n=6, seed=3):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2019-01-01", periods=T, freq="h", tz="Europe/Berlin")
    gen = rng.uniform(0, 3, (T, n)) * (rng.uniform(size=(1, n)) > 0.4)  # some members produce
    load = rng.uniform(0, 2, (T, n))
    load[:, -1] = 0.0  # a member with no load
    gen[:, -1] = 0.0  # ... and no generation
    return Balance(index, [f"m{i}" for i in range(n)], gen, load)


@pytest.fixture(scope="module")
def balance():
    return random_balance()


def test_books_close_for_every_scheme(balance):
    contracts = [ContractTerms("m0", "m1", 0.2, 1, 50.0, "k1"), ContractTerms("m2", "m1", 0.25, 2, None, "k2")]
    results = all_schemes(balance, PB, PS, contracts=contracts)
    assert len(results) == 10
    for name, result in results.items():
        assert result.books_gap() < 1e-9, name
        # a member with no generation and no load pays nothing
        assert result.member_bills()["m5"] == pytest.approx(0.0, abs=1e-12), name


def test_prices_between_export_and_import_price(balance):
    S, D = balance.total_surplus, balance.total_deficit
    for prices in (sdr_prices, mmr_prices):
        p_sell, p_buy = prices(S, D, PB, PS)
        assert (p_sell >= PS - 1e-12).all() and (p_sell <= PB + 1e-12).all()
        assert (p_buy >= PS - 1e-12).all() and (p_buy <= PB + 1e-12).all()


def test_sdr_at_balance_gives_the_export_price():
    p_sell, p_buy = sdr_prices(np.array([5.0, 2.0]), np.array([5.0, 4.0]), PB, PS)
    assert p_sell[0] == pytest.approx(PS) and p_buy[0] == pytest.approx(PS)
    # SDR = 0.5: p_s = pb ps / ((pb - ps) 0.5 + ps) = 0.032 / 0.24
    assert p_sell[1] == pytest.approx(0.032 / 0.24)
    assert p_buy[1] == pytest.approx(0.032 / 0.24 * 0.5 + 0.40 * 0.5)


def test_mmr_hand_example():
    p_sell, p_buy = mmr_prices(np.array([2.0, 6.0, 3.0]), np.array([4.0, 3.0, 3.0]), PB, PS)
    mid = 0.24
    assert p_sell[0] == pytest.approx(mid) and p_buy[0] == pytest.approx((mid * 2 + PB * 2) / 4)
    assert p_buy[1] == pytest.approx(mid) and p_sell[1] == pytest.approx((mid * 3 + PS * 3) / 6)
    assert p_sell[2] == p_buy[2] == pytest.approx(mid)


def test_net_metering_hand_example():
    # two months of hourly steps; member a: January net consumer (100 kWh net), February net producer
    index = pd.date_range("2019-01-01", periods=24 * 59, freq="h", tz="UTC")
    T = len(index)
    jan = index.month == 1
    load = np.zeros((T, 1))
    gen = np.zeros((T, 1))
    load[jan, 0] = 150.0 / jan.sum()
    gen[jan, 0] = 50.0 / jan.sum()
    gen[~jan, 0] = 80.0 / (~jan).sum()
    load[~jan, 0] = 20.0 / (~jan).sum()
    b = Balance(index, ["a"], gen, load)
    monthly = net_metering(b, PB, PS, "month").monthly()["a"].to_numpy()
    assert monthly == pytest.approx([100 * PB, -60 * PS])
    yearly = net_metering(b, PB, PS, "year").member_bills()["a"]
    assert yearly == pytest.approx(40 * PB)  # 170 kWh used, 130 made: 40 kWh net


def test_grid_only_and_net_billing_by_hand():
    index = pd.date_range("2019-06-01", periods=2, freq="h", tz="UTC")
    b = Balance(index, ["a", "b"], np.array([[3.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 2.0], [1.0, 0.5]]))
    assert grid_only(b, PB).member_bills().tolist() == pytest.approx([2 * PB, 2.5 * PB])
    assert net_billing(b, PB, PS).member_bills().tolist() == pytest.approx([PB - 2 * PS, 2.5 * PB])
    # SDR step 1: S = 2, D = 2: both at PS; step 2: no surplus: b and a buy at PB
    assert sdr(b, PB, PS).member_bills().tolist() == pytest.approx([-2 * PS + PB, 2 * PS + 0.5 * PB])
    # bill sharing step 1: no grid exchange, nothing to pay; shared energy is free
    assert bill_sharing(b, PB, PS).member_bills().tolist() == pytest.approx([PB, 0.5 * PB])


def test_contract_priority_and_cap():
    index = pd.date_range("2019-06-01", periods=3, freq="h", tz="UTC")
    gen = np.array([[4.0, 0, 0], [4.0, 0, 0], [4.0, 0, 0]])
    load = np.array([[0.0, 3.0, 3.0], [0.0, 3.0, 3.0], [0.0, 3.0, 3.0]])
    b = Balance(index, ["s", "x", "y"], gen, load)
    terms = [ContractTerms("s", "x", 0.20, 1, 5.0, "first"), ContractTerms("s", "y", 0.30, 2, None, "second")]
    result = bilateral(b, terms, PB, PS)
    # first: 3 kWh, then 2 up to its cap of 5; second takes what is left of the surplus: 1 + 2 + 3
    assert result.details["traded_kwh"] == {"first": 5.0, "second": 6.0}
    assert result.books_gap() < 1e-12
    # the last step's 1 kWh goes to the pool, where x still needs 3 kWh: SDR = 1/3
    p_sell = PB * PS / ((PB - PS) / 3 + PS)
    assert result.member_bills()["s"] == pytest.approx(-(5 * 0.20 + 6 * 0.30 + p_sell))


def test_allocation_keys(balance):
    dynamic = allocation(balance, PB, PS)
    A = dynamic.details["allocated_kwh_per_member"]
    assert (A <= balance.load.sum(axis=0) + 1e-9).all()
    assert A.sum() <= balance.generation.sum() + 1e-9
    assert dynamic.books_gap() < 1e-9
    keys = {m: 1 / 6 for m in balance.members}
    static = allocation(balance, PB, PS, keys)
    assert static.books_gap() < 1e-9
    with pytest.raises(ValueError, match="sum to 1"):
        allocation(balance, PB, PS, {"m0": 0.5})


def test_kpis_do_not_count_a_battery_twice():
    """One member, PV 10 kWh at noon, 10 kWh of demand at night, a battery that returns 9 of the 10.

    By hand: generation 10, demand 10, import 1, export 0, so self-consumption 1.0 and
    self-sufficiency 0.9. Counting charging as load and discharging as generation (G 19, L 20,
    local 19) would give 0.95.
    """
    from planner.community.balance import community_kpis

    index = pd.date_range("2024-06-01 12:00", periods=2, freq="12h", tz="UTC")
    with_battery = Balance(index, ["m"], np.array([[10.0], [9.0]]), np.array([[10.0], [10.0]]))
    kpi = community_kpis(10.0, 10.0, float(with_battery.community_import.sum()),
                         float(with_battery.community_export.sum()))
    assert kpi == {"self_consumption": pytest.approx(1.0), "self_sufficiency": pytest.approx(0.9)}
    # without storage the definition is DOMAIN's sum of min(G, L)
    plain = Balance(index, ["a", "b"], np.array([[6.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 2.0], [3.0, 0.0]]))
    g, l_ = plain.generation.sum(), plain.load.sum()
    local = np.minimum(plain.generation.sum(axis=1), plain.load.sum(axis=1)).sum()
    assert plain.kpis() == {"self_consumption": pytest.approx(local / g), "self_sufficiency": pytest.approx(local / l_)}


def test_grid_only_net_billing_and_net_metering_against_a_hand_calculation():
    """Their books close by construction (the grid side is the members' sum), so the bills are
    checked against numbers worked out by hand instead.

    Two members, three hours in January and one in February, buy 0.30, sell 0.10 EUR/kWh.
    Anna: generation 5, 0, 0, 4; load 1, 2, 1, 1.  Ben: no generation; load 2, 3, 0, 1.
    """
    index = pd.DatetimeIndex(["2024-01-31 10:00", "2024-01-31 20:00", "2024-01-31 21:00", "2024-02-15 12:00"],
                             tz="Europe/Berlin")
    g = np.array([[5.0, 0.0], [0.0, 0.0], [0.0, 0.0], [4.0, 0.0]])
    l_ = np.array([[1.0, 2.0], [2.0, 3.0], [1.0, 0.0], [1.0, 1.0]])
    b = Balance(index, ["anna", "ben"], g, l_)
    # grid only: everyone pays 0.30 for all its load
    assert grid_only(b, 0.30).member_bills().to_dict() == pytest.approx({"anna": 1.5, "ben": 1.8})
    # net billing: Anna exports 4 + 3 and imports 2 + 1 -> 0.9 - 0.7 = 0.2; Ben imports 6 -> 1.8
    assert net_billing(b, 0.30, 0.10).member_bills().to_dict() == pytest.approx({"anna": 0.2, "ben": 1.8})
    # monthly net metering: Anna January 4 - 5 = -1 (credit 0.10), February 1 - 4 = -3 (credit 0.30);
    # Ben January 5 (1.50), February 1 (0.30)
    monthly = net_metering(b, 0.30, 0.10, "month")
    assert monthly.member_bills().to_dict() == pytest.approx({"anna": -0.4, "ben": 1.8})
    assert monthly.monthly().loc[:, "anna"].tolist() == pytest.approx([-0.1, -0.3])
    # yearly: Anna 5 - 9 = -4 (credit 0.40), Ben 6 (1.80)
    assert net_metering(b, 0.30, 0.10, "year").member_bills().to_dict() == pytest.approx({"anna": -0.4, "ben": 1.8})


@pytest.mark.parametrize("one_tariff", [False, True])
@pytest.mark.parametrize("with_contracts", [False, True])
def test_compiled_schemes_equal_the_scheme_functions(one_tariff, with_contracts):
    """all_schemes' compiled loops give what the scheme functions give one by one: every member's
    monthly bill, every step's total and grid side, every detail. Quarter hours over the spring
    clock change and three month ends; members on their own tariffs with fixed charges and charges
    on shared energy; capped and uncapped contracts in priority order; a net metering credit."""
    from planner.community.settlement import MemberPrices

    rng = np.random.default_rng(11)
    T, n = 4 * 24 * 70, 9
    index = pd.date_range("2019-01-20", periods=T, freq="15min", tz="Europe/Berlin")
    gen = np.asfortranarray(rng.uniform(0, 3, (T, n)) * (rng.uniform(size=(1, n)) > 0.4))
    load = rng.uniform(0, 2, (T, n))
    gen[:, -1] = load[:, -1] = 0.0
    b = Balance(index, [f"m{i}" for i in range(n)], gen, load)
    baseline = Balance(index, b.members, np.zeros((T, n)), load * 1.1)
    if one_tariff:
        prices = MemberPrices.uniform(0.40, 0.08, T, n, 0.05)
    else:
        prices = MemberPrices(rng.uniform(0.3, 0.45, (T, n)), rng.uniform(0.05, 0.1, (T, n)),
                              rng.uniform(0.0, 0.1, (T, n)), rng.uniform(5, 10, n))
    contracts = [ContractTerms("m0", "m1", 0.2, 1, 50.0, "k1"), ContractTerms("m2", "m1", 0.25, 2, None, "k2"),
                 ContractTerms("m0", "m3", 0.21, 2, None, "")] if with_contracts else []
    reference = all_schemes(b, prices, contracts=contracts, baseline=baseline, net_metering_credit=0.03,
                            compiled=False)
    compiled = all_schemes(b, prices, contracts=contracts, baseline=baseline, net_metering_credit=0.03)
    assert list(compiled) == list(reference)
    for name, r in reference.items():
        c = compiled[name]
        assert list(c.monthly_cost.index) == list(r.monthly_cost.index), name
        np.testing.assert_allclose(c.monthly_cost.to_numpy(), r.monthly_cost.to_numpy(), rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(c.step_total, r.step_total, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(c.grid_net_cost, r.grid_net_cost, rtol=1e-10, atol=1e-12)
        assert set(c.details) == set(r.details), name
        for key, value in r.details.items():
            if isinstance(value, dict):
                assert c.details[key] == pytest.approx(value, rel=1e-10, abs=1e-9), (name, key)
            else:
                np.testing.assert_allclose(c.details[key], value, rtol=1e-10, atol=1e-12, err_msg=f"{name} {key}")
        assert c.books_gap() < 1e-9, name


def test_a_baseline_given_by_the_members_it_changes_is_the_same_baseline():
    """planner run gives the grid-only baseline by the batteries' owners only (their load before
    charging), not as a second members x steps array: the same bills, compiled and one by one."""
    rng = np.random.default_rng(5)
    T, n = 24 * 40, 6
    index = pd.date_range("2019-03-01", periods=T, freq="h", tz="Europe/Berlin")
    gen = np.asfortranarray(rng.uniform(0, 3, (T, n)))
    load = rng.uniform(0, 2, (T, n))
    b = Balance(index, [f"m{i}" for i in range(n)], gen, load)
    before = load.copy()
    before[:, [1, 4]] -= rng.uniform(0, 0.5, (T, 2))  # what two batteries charged
    full = Balance(index, b.members, np.zeros((T, n)), before)
    changed = pd.DataFrame(before[:, [4, 1]], index=index, columns=["m4", "m1"])
    for compiled in (True, False):
        by_balance = all_schemes(b, 0.40, 0.08, baseline=full, compiled=compiled)["grid_only"]
        by_members = all_schemes(b, 0.40, 0.08, baseline_load=changed, compiled=compiled)["grid_only"]
        np.testing.assert_allclose(by_members.monthly_cost.to_numpy(), by_balance.monthly_cost.to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(by_members.details["consumption_kwh"], before.sum(axis=0), rtol=1e-12)
    unchanged = all_schemes(b, 0.40, 0.08)["grid_only"]
    np.testing.assert_allclose(unchanged.details["consumption_kwh"], load.sum(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="not both"):
        all_schemes(b, 0.40, 0.08, baseline=full, baseline_load=changed)
