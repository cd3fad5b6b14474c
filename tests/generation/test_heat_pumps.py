"""Heat pumps: COP and curves from hplib's own functions, heat balance every step, sizing by hand."""

import hplib.hplib as hpl
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.generation.demand import heat_kw
from planner.generation.heat_pumps import (
    HeatPumpError, brine_temp_c, cop_series, heating_curve_c, simulate_heat_pumps,
)
from planner.model import Consumer, HeatPump
from planner.weather import read_station

TZ = "Europe/Berlin"


def pump(**kw):
    values = dict(id="hp", consumer_id="house", geometry=Point(0, 0))
    values.update(kw)
    return HeatPump(**values)


@pytest.fixture(scope="module")
def year():
    weather, _ = read_station("dwd-try2010-12")
    house = Consumer(id="house", annual_kwh=0.0, heat_profile="EFH", annual_heat_kwh=20_000.0, geometry=Point(0, 0))
    return weather.temp_air, heat_kw([house], weather.temp_air, TZ)


def constant(value, steps=48):
    index = pd.date_range("2025-01-06", periods=steps, freq="1h", tz="UTC")
    return pd.Series(float(value), index=index)


@pytest.mark.parametrize("source,group,t_in,t_amb", [("air", 1, None, None), ("ground", 2, "brine", None)])
@pytest.mark.parametrize("system", ["floor", "low_temperature_radiator"])
def test_cop_is_hplib_s_own_at_given_temperatures(source, group, t_in, t_amb, system):
    air = np.array([-10.0, -5.0, 0.0, 2.0, 7.0, 12.0])
    daily = np.array([-8.0, -4.0, 1.0, 3.0, 6.0, 10.0])
    cop, _ = cop_series(source, system, air, daily, design_temp_c=-12.0)
    # hplib itself: its generic regulated model of the group, its heating curve and brine temperature
    parameters = hpl.get_parameters("Generic", group_id=group, t_in=-7 if group == 1 else 0, t_out=52, p_th=10_000)
    heating = hpl.HeatingSystem(t_outside_min=-12.0, t_hs_set=[35, 28] if system == "floor" else [55, 45],
                                f_hs_exp=1.1 if system == "floor" else 1.3)
    flow = np.array([heating.calc_heating_dist_temp(t)[0] for t in daily])
    source_temp = air if source == "air" else np.array([heating.calc_brine_temp(t) for t in daily])
    expected = hpl.HeatPump(parameters).simulate(t_in_primary=source_temp, t_in_secondary=flow - 5.0, t_amb=air)["COP"]
    expected = np.where(expected > 1.0, expected, 1.0)
    np.testing.assert_allclose(cop, expected, rtol=1e-9)
    np.testing.assert_allclose(heating_curve_c(daily, system, -12.0), flow, rtol=1e-12)
    if source == "ground":
        np.testing.assert_allclose(brine_temp_c(daily), source_temp, rtol=1e-12)


def test_hand_case_capacity_backup_and_electricity():
    # A constant 2 degC: the design temperature, so floor heating runs at its design flow of 35 degC and
    # the heat pump at its rating point A2/W35: output = rated, electricity = heat / COP(A2/W35).
    temps = constant(2.0)
    cop_rating = hpl.HeatPump(hpl.get_parameters("Generic", group_id=1, t_in=-7, t_out=52, p_th=1000)).simulate(
        t_in_primary=2.0, t_in_secondary=30.0, t_amb=2.0)["COP"]
    demand = pd.DataFrame({"house": 3.0}, index=temps.index)
    result = simulate_heat_pumps([pump(heating_system="floor", rated_thermal_kw=2.0)], demand, temps, TZ)
    np.testing.assert_allclose(result.heat_kw["hp"], 2.0)
    np.testing.assert_allclose(result.backup_kw["hp"], 1.0)
    np.testing.assert_allclose(result.electricity_kw["hp"], 2.0 / cop_rating + 1.0)
    assert result.unmet_kw["hp"].sum() == 0.0
    # a back-up heater of 0.4 kW leaves 0.6 kW unmet, and says so
    small = simulate_heat_pumps([pump(heating_system="floor", rated_thermal_kw=2.0, backup_kw=0.4)], demand, temps, TZ)
    np.testing.assert_allclose(small.unmet_kw["hp"], 0.6)
    assert small.table().loc["hp", "unmet_kwh"] == pytest.approx(0.6 * 48)


@pytest.mark.parametrize("store", [0.0, 10.0, 80.0])
@pytest.mark.parametrize("source", ["air", "ground"])
def test_heat_delivered_equals_heat_demanded(year, store, source):
    temps, demand = year
    result = simulate_heat_pumps([pump(heat_source=source, store_kwh=store, bivalence_temp_c=-2.0)], demand, temps, TZ)
    to_building = result.heat_kw - result.store_in_kw + result.store_out_kw + result.backup_kw
    np.testing.assert_allclose(to_building["hp"] + result.unmet_kw["hp"], demand["house"], atol=1e-9)
    assert result.unmet_kw["hp"].max() == 0.0  # the back-up heater is as large as needed
    assert result.store_kwh["hp"].min() >= -1e-9 and result.store_kwh["hp"].max() <= store + 1e-9
    np.testing.assert_allclose(result.compressor_kw["hp"], result.heat_kw["hp"] / result.cop["hp"])
    # never more heat than the compressor's maximum input gives: rated output times COP over the rating COP
    group, rating = (1, (2.0, 30.0, 2.0)) if source == "air" else (2, (0.0, 30.0, -7.0))
    model = hpl.HeatPump(hpl.get_parameters("Generic", group_id=group, t_in=-7 if group == 1 else 0, t_out=52,
                                            p_th=1000))
    cop_rating = model.simulate(t_in_primary=rating[0], t_in_secondary=rating[1], t_amb=rating[2])["COP"]
    capacity = result.rated_thermal_kw["hp"] * result.cop["hp"] / cop_rating
    assert (result.heat_kw["hp"] <= capacity.where(result.cop["hp"] > 1.0, 0.0) + 1e-9).all()
    table = result.table().loc["hp"]
    assert table.heat_kwh == pytest.approx(20_000.0, rel=1e-6)  # the consumer's annual heat
    assert 2.0 < table.seasonal_cop < 7.0


def test_sized_to_the_load_at_the_bivalence_point(year):
    temps, demand = year
    hp = pump(bivalence_temp_c=-2.0)
    result = simulate_heat_pumps([hp], demand, temps, TZ)
    t_design = result.design["temp_c"]
    assert t_design == pytest.approx(temps.rolling(48).mean().min())
    q_design = demand["house"].max()
    load_at_bivalence = q_design * (20.0 - (-2.0)) / (20.0 - t_design)
    flow = heating_curve_c(np.array([-2.0]), hp.heating_system, t_design)
    parameters = hpl.get_parameters("Generic", group_id=1, t_in=-7, t_out=52, p_th=1000)
    model = hpl.HeatPump(parameters)
    cop_biv = model.simulate(t_in_primary=-2.0, t_in_secondary=flow[0] - 5.0, t_amb=-2.0)["COP"]
    cop_rating = model.simulate(t_in_primary=2.0, t_in_secondary=30.0, t_amb=2.0)["COP"]
    assert result.rated_thermal_kw["hp"] == pytest.approx(load_at_bivalence * cop_rating / cop_biv, rel=1e-9)
    # above the bivalence point the heat pump alone covers the load line; the back-up heater works in the cold
    warm = temps.to_numpy() > 5.0
    assert result.backup_kw["hp"].to_numpy()[warm].max() < 0.05 * q_design
    assert result.backup_kw["hp"].sum() > 0.0


def test_a_consumer_without_heat_is_refused():
    temps = constant(0.0)
    with pytest.raises(HeatPumpError, match="has no heat demand"):
        simulate_heat_pumps([pump(consumer_id="flat")], pd.DataFrame({"house": 1.0}, index=temps.index), temps, TZ)


def test_radiators_too_hot_for_air_at_the_bivalence_point_say_what_to_do():
    temps = constant(-12.0, steps=96)
    demand = pd.DataFrame({"house": 5.0}, index=temps.index)
    with pytest.raises(HeatPumpError, match="raise the bivalence point"):
        simulate_heat_pumps([pump(heating_system="radiator", bivalence_temp_c=-12.0)], demand, temps, TZ)
