"""The sizing programme against cases solved by hand (closed forms), a binding transformer, and
goals that cannot be met.

The hand case: a day step and a night step, N days; 1 kW of demand in each step; 1 kWp of PV
yields 1 kW by day and nothing at night; import 0.30 EUR/kWh, export 0.05. PV costs c per kWp and
year, the battery b per kWh and year (power up to ten times its capacity, so energy binds). Night energy from PV through the
battery costs (c / eta^2 + b / eta) per kWh with eta = sqrt(round trip) (charging 1/eta^2 kWh
stores 1/eta kWh and delivers 1): below the import price the optimum is 1 kWp for the day plus
1/eta^2 kWp and a 1/eta kWh battery for the night; above it, 1 kWp and no battery.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planner.optimise.inputs import Inputs, OptimiseError, RoofGroup
from planner.optimise.model import Goals, solve, today

N = 30  # days


def hand_inputs(*, c_per_day=0.2, b_per_day=0.02, round_trip=1.0, max_kwp=10.0, rating=math.inf,
                buy=0.30, sell=0.05, export_limit=None, power_per_kwh=10.0) -> Inputs:
    T = 2 * N
    index = pd.date_range("2025-06-01", periods=T, freq="h", tz="UTC")
    pv = np.tile([1.0, 0.0], N)[:, None]
    return Inputs(
        index=index, step_h=1.0, areas=["a"], rating_kw=np.array([rating]),
        demand_kw=np.ones((T, 1)), existing_kw=np.zeros((T, 1)), orientations=[(30.0, 180.0)], pv_per_kwp=pv,
        groups=[RoofGroup("a", None, 30.0, 180.0, (("roof", max_kwp, 0.0, 0.0, None, None),), max_kwp)],
        hosting_kw={}, buy_eur_per_kwh=np.full(T, buy), sell_eur_per_kwh=np.full(T, sell),
        emission_kg_per_kwh=0.4, export_limit_kw=export_limit,
        pv_annual_eur_per_kwp=c_per_day * N, pv_capex_eur_per_kwp=1000.0,
        battery_annual_eur_per_kwh=b_per_day * N, battery_capex_eur_per_kwh=500.0,
        battery_round_trip=round_trip, battery_soc_min=0.0, battery_soc_max=1.0, battery_power_per_kwh=power_per_kwh,
        existing_battery_kwh=np.zeros(1), existing_battery_kw=np.zeros(1))


@pytest.mark.parametrize("round_trip", [1.0, 0.81])
def test_the_hand_case_s_closed_form(round_trip):
    eta = math.sqrt(round_trip)
    out = solve(hand_inputs(round_trip=round_trip))
    assert out.pv_kwp.sum() == pytest.approx(1.0 + 1.0 / eta**2, rel=1e-6)
    assert out.battery_kwh.sum() == pytest.approx(1.0 / eta, rel=1e-6)
    expected = N * (0.2 * (1.0 + 1.0 / eta**2) + 0.02 / eta)  # nothing imported, nothing exported
    assert out.cost_eur_per_year == pytest.approx(expected, rel=1e-6)
    assert out.import_kwh == pytest.approx(0.0, abs=1e-6)
    assert out.self_sufficiency == pytest.approx(1.0)


def test_a_dear_battery_is_not_built():
    """Night energy through the battery at 0.2 + 0.15 = 0.35 EUR/kWh, dearer than importing at 0.30."""
    out = solve(hand_inputs(b_per_day=0.15))
    assert out.pv_kwp.sum() == pytest.approx(1.0, rel=1e-6)
    assert out.battery_kwh.sum() == pytest.approx(0.0, abs=1e-6)
    assert out.cost_eur_per_year == pytest.approx(N * (0.2 + 0.30), rel=1e-6)
    assert out.self_sufficiency == pytest.approx(0.5)


@pytest.mark.parametrize("rating", [3.0, 5.0])
def test_the_transformer_limit_binds_and_moves_the_optimum(rating):
    """Export pays (0.25 EUR/kWh against PV at 0.1 per kWp and day): PV grows until the day's
    export fills the transformer; with a cheap battery for the night, x = rating + 2."""
    out = solve(hand_inputs(c_per_day=0.1, sell=0.25, rating=rating))
    assert out.pv_kwp.sum() == pytest.approx(rating + 2.0, rel=1e-6)
    assert out.battery_kwh.sum() == pytest.approx(1.0, rel=1e-6)
    assert out.max_flow_share[0] == pytest.approx(1.0, rel=1e-6)  # the transformer fully loaded


def test_the_export_limit_binds_like_a_transformer():
    out = solve(hand_inputs(c_per_day=0.1, sell=0.25, export_limit=2.0))
    assert out.pv_kwp.sum() == pytest.approx(4.0, rel=1e-6)


def test_a_budget_and_a_self_sufficiency_goal():
    # 1,200 EUR: the day's kWp first (1,000 EUR, saves 0.10 a day), then the rest on night energy,
    # a kWp with a kWh of battery for 1,500 EUR (saves 0.08 a day); a kWp alone would only export
    out = solve(hand_inputs(), Goals(budget_eur=1200.0))
    assert out.capex_eur == pytest.approx(1200.0, rel=1e-6)
    assert out.pv_kwp.sum() == pytest.approx(1.0 + 200.0 / 1500.0, rel=1e-6)
    assert out.battery_kwh.sum() == pytest.approx(200.0 / 1500.0, rel=1e-6)
    # a dear battery, yet 75 % self-sufficiency asks for half the nights from it
    out = solve(hand_inputs(b_per_day=0.15), Goals(min_self_sufficiency=0.75))
    assert out.self_sufficiency == pytest.approx(0.75, abs=1e-6)
    assert out.battery_kwh.sum() == pytest.approx(0.5, rel=1e-6)


def test_goals_that_cannot_be_met_say_which_and_what_can_be():
    with pytest.raises(OptimiseError, match=r"self-sufficiency of 100% cannot be met: at most 75\.0%.*every candidate roof at its full"):
        solve(hand_inputs(max_kwp=1.5), Goals(min_self_sufficiency=1.0))
    with pytest.raises(OptimiseError, match="CO2 cap"):
        solve(hand_inputs(max_kwp=1.0), Goals(co2_cap_t=0.0))
    with pytest.raises(OptimiseError, match="share from 0 to 1"):
        solve(hand_inputs(), Goals(min_self_sufficiency=1.5))
    with pytest.raises(OptimiseError, match="'cost' or 'co2'"):
        solve(hand_inputs(), Goals(goal="money"))
    # demand above the transformer with no roof to help
    inputs = hand_inputs(rating=0.5)
    inputs.groups = []
    inputs.orientations = []
    inputs.pv_per_kwp = np.zeros((inputs.steps, 0))
    with pytest.raises(OptimiseError, match="transformer area 'a'"):
        solve(inputs)


def test_today_is_the_community_without_additions():
    base = today(hand_inputs())
    assert base.pv_kwp.sum() == pytest.approx(0.0, abs=1e-9) and base.battery_kwh.sum() == pytest.approx(0.0, abs=1e-9)
    assert base.cost_eur_per_year == pytest.approx(N * 2 * 0.30, rel=1e-9)  # every kWh imported
    assert base.cost_eur_per_year >= solve(hand_inputs()).cost_eur_per_year


@pytest.mark.parametrize("p_per_day, kwh, extra_kw", [(0.03, 1.0, 0.5), (0.05, 2.0, 0.0), (None, 2.0, 0.0)])
def test_a_battery_s_power_is_bought_where_it_is_cheaper_than_capacity(p_per_day, kwh, extra_kw):
    """The hand case with the kWh price covering 0.5 kW per kWh (round trip 1): the night's 1 kWh
    needs E >= 1 kWh and P >= 1 kW (charged in the one day step, discharged in the night step).
    E kWh with 1 - 0.5 E kW bought on top cost b E + p (1 - 0.5 E) a day, linear in E from 1 to 2:
    p < 2 b buys 1 kWh and 0.5 kW, p > 2 b buys 2 kWh (its own 1 kW); without a price per kW
    (a catalogue without ``battery_power``) capacity is the only way to power."""
    from dataclasses import replace

    b = 0.02
    inputs = replace(hand_inputs(b_per_day=b, power_per_kwh=0.5),
                     battery_power_annual_eur_per_kw=None if p_per_day is None else p_per_day * N,
                     battery_power_capex_eur_per_kw=None if p_per_day is None else 900.0)
    out = solve(inputs)
    assert out.battery_kwh.sum() == pytest.approx(kwh, rel=1e-6)
    assert out.battery_kw.sum() == pytest.approx(1.0, rel=1e-6)  # 0.5 E + what is bought
    assert out.battery_kw.sum() - 0.5 * out.battery_kwh.sum() == pytest.approx(extra_kw, abs=1e-6)
    battery = b * kwh + (p_per_day or 0.0) * extra_kw
    assert out.cost_eur_per_year == pytest.approx(N * (0.2 * 2.0 + battery), rel=1e-6)
    assert out.capex_eur == pytest.approx(2.0 * 1000.0 + 500.0 * kwh + 900.0 * extra_kw, rel=1e-6)
    assert out.import_kwh == pytest.approx(0.0, abs=1e-6)


def test_a_battery_s_power_stays_within_two_kw_per_kwh():
    """Power at 0.001 EUR a day per kW, far cheaper than capacity. In hour steps the night's 1 kWh
    needs 1 kWh and 1 kW: 0.5 kW bought, no more. In quarter-hour steps (PV at 0.02 a day per kWp)
    the night's 0.25 kWh needs 1 kW, 4 kW per kWh: the cap of 2 kW per kWh binds, so the battery
    is 0.5 kWh (not 0.25) with 0.75 kW bought beyond its own 0.25 kW."""
    from dataclasses import replace

    inputs = replace(hand_inputs(b_per_day=0.02, power_per_kwh=0.5), battery_power_annual_eur_per_kw=0.001 * N,
                     battery_power_capex_eur_per_kw=10.0)
    out = solve(inputs)
    assert out.battery_kwh.sum() == pytest.approx(1.0, rel=1e-6)
    assert out.battery_kw.sum() == pytest.approx(1.0, rel=1e-6)
    quarter = replace(hand_inputs(c_per_day=0.02, b_per_day=0.02, power_per_kwh=0.5), step_h=0.25,
                      battery_power_annual_eur_per_kw=0.001 * N, battery_power_capex_eur_per_kw=10.0)
    out = solve(quarter)
    assert out.pv_kwp.sum() == pytest.approx(2.0, rel=1e-6)
    assert out.battery_kwh.sum() == pytest.approx(0.5, rel=1e-6)
    assert out.battery_kw.sum() == pytest.approx(1.0, rel=1e-6)
    assert out.cost_eur_per_year == pytest.approx(N * (0.02 * 2.0 + 0.02 * 0.5 + 0.001 * 0.75), rel=1e-6)


@pytest.mark.parametrize("round_trip", [1.0, 0.81])
def test_the_first_order_path_finds_the_closed_form_too(monkeypatch, round_trip):
    """A year of many steps goes to PDLP for the sizes (to 1e-4), then to the simplex for their
    dispatch: the hand case's closed form within that tolerance, its cost that of the sizes found
    (exact for them), and the path said in the notes."""
    from planner.optimise import model, solver

    monkeypatch.setattr(solver, "FIRST_ORDER_STEPS", 10)
    eta = math.sqrt(round_trip)
    out = solve(hand_inputs(round_trip=round_trip))
    assert any("first-order" in note for note in out.notes)
    assert 0.0 <= out.gap <= model.FIRST_ORDER_GAP
    assert out.pv_kwp.sum() == pytest.approx(1.0 + 1.0 / eta**2, rel=1e-3)
    assert out.battery_kwh.sum() == pytest.approx(1.0 / eta, rel=1e-3)
    expected = N * (0.2 * (1.0 + 1.0 / eta**2) + 0.02 / eta)
    assert out.cost_eur_per_year == pytest.approx(expected, rel=1e-3)
    # the cost is the sizes' own: their annuities plus the energy their exact dispatch buys and sells
    own = N * (0.2 * out.pv_kwp.sum() + 0.02 * out.battery_kwh.sum()) + out.energy_cost_eur
    assert out.cost_eur_per_year == pytest.approx(own, rel=1e-9)
    # a goal the sizes must meet exactly goes to the simplex, however long the year
    assert not any("first-order" in note for note in solve(hand_inputs(), Goals(budget_eur=5000.0)).notes)
