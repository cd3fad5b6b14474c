"""CHP dispatch: heat balance every step, fuel = P_el / eta_el, store limits, modes."""

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.generation.chp import ETA_BOILER, CHPError, dispatch
from planner.generation.demand import heat_kw
from planner.model import CHPUnit, Consumer
from planner.weather import read_station


def chp(**kw):
    # DOMAIN.md's micro unit: 5 kW_el / 12.3 kW_th, sigma about 0.4
    values = dict(p_el_kw=5.0, eta_el=0.27, eta_th=0.664, min_load=0.5, store_kwh=60.0, boiler_kw=40.0)
    values.update(kw)
    return CHPUnit(id="k", geometry=Point(0, 0), **values)


@pytest.fixture(scope="module")
def demand():
    weather, _ = read_station("dwd-try2010-12")
    house = Consumer(id="mfh", annual_kwh=0.0, heat_profile="MFH", annual_heat_kwh=90_000.0,
                     geometry=Point(0, 0))
    return heat_kw([house], weather.temp_air, "Europe/Berlin")["mfh"]


def assert_heat_balance(result, demand):
    supply = result.q_chp_kw + result.q_boiler_kw + result.q_store_out_kw + result.q_unmet_kw
    use = demand + result.q_store_in_kw + result.q_dumped_kw
    np.testing.assert_allclose(supply.to_numpy(), use.to_numpy(), atol=1e-9)


@pytest.mark.parametrize("store", [0.0, 60.0, 300.0])
def test_heat_led_balance_and_limits(demand, store):
    unit = chp(store_kwh=store)
    result = dispatch(unit, demand)
    assert_heat_balance(result, demand)
    assert result.soc_kwh.min() >= 0 and result.soc_kwh.max() <= store + 1e-9
    q_th = 5.0 * 0.664 / 0.27
    on = result.q_chp_kw > 0
    assert (result.q_chp_kw[on] >= 0.5 * q_th - 1e-9).all() and result.q_chp_kw.max() <= q_th + 1e-9
    assert result.q_dumped_kw.sum() == pytest.approx(0.0)  # heat-led never wastes heat
    assert result.q_unmet_kw.sum() == pytest.approx(0.0)   # the boiler is big enough
    # fuel identities
    assert result.fuel_chp_kwh == pytest.approx(result.p_el_kw.sum() / 0.27)
    np.testing.assert_allclose(result.p_el_kw.to_numpy(), result.q_chp_kw.to_numpy() * 0.27 / 0.664)
    assert result.fuel_boiler_kwh == pytest.approx(result.q_boiler_kw.sum() / ETA_BOILER)
    assert result.co2_kg == pytest.approx((result.fuel_chp_kwh + result.fuel_boiler_kwh) * 0.202)


def test_a_store_means_longer_runs(demand):
    without = dispatch(chp(store_kwh=0.0), demand)
    with_store = dispatch(chp(store_kwh=300.0), demand)
    assert with_store.starts < without.starts
    assert with_store.full_load_hours(5.0) > 2000  # a CHP sized for the base load runs long
    # the store lets the unit cover more of the heat
    assert with_store.q_boiler_kw.sum() <= without.q_boiler_kw.sum()


def test_undersized_boiler_reports_unmet_heat(demand):
    result = dispatch(chp(boiler_kw=5.0, store_kwh=0.0), demand)
    assert result.q_unmet_kw.sum() > 0
    assert_heat_balance(result, demand)


def test_electricity_led(demand):
    index = demand.index
    power = pd.Series(np.where(index.hour % 2 == 0, 4.0, 1.0), index=index)  # 1 kW is below min load
    unit = chp(mode="electricity-led", store_kwh=20.0)
    result = dispatch(unit, demand, electricity_kw=power)
    assert_heat_balance(result, demand)
    expected = np.where(index.hour % 2 == 0, 4.0, 0.0)
    np.testing.assert_allclose(result.p_el_kw.to_numpy(), expected)
    with pytest.raises(CHPError, match="needs an electricity demand"):
        dispatch(unit, demand)


def test_bad_demand():
    index = pd.date_range("2019-01-01", periods=3, freq="h", tz="UTC")
    with pytest.raises(CHPError, match="must be finite and not negative"):
        dispatch(chp(), pd.Series([1.0, -1.0, 2.0], index=index))
