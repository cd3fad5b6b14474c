"""Battery dispatch: energy conservation, limits, no energy from nothing."""

import math

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.generation.storage import dispatch
from planner.model import Battery


def battery(**kw):
    values = dict(capacity_kwh=10.0, power_kw=3.0, round_trip_efficiency=0.9, soc_min=0.1, soc_max=0.9)
    values.update(kw)
    return Battery(id="b", geometry=Point(0, 0), **values)


@pytest.fixture(params=["1h", "15min"])
def net(request):
    rng = np.random.default_rng(3)
    index = pd.date_range("2019-06-01", periods=2000, freq=request.param, tz="UTC")
    return pd.Series(rng.normal(0.0, 3.0, len(index)), index=index)


def test_energy_is_conserved(net):
    b = battery()
    result = dispatch(b, net)
    dt = result.step_h
    eta = math.sqrt(b.round_trip_efficiency)
    stored = result.charge_kw.sum() * dt * eta - result.discharge_kw.sum() * dt / eta
    assert stored == pytest.approx(result.soc_kwh.iloc[-1] - result.soc_start_kwh, abs=1e-9)
    assert result.loss_kwh >= 0
    # the loss is what the efficiencies take: (1 - eta) of the charge and (1/eta - 1) of the delivery
    expected = result.charge_kw.sum() * dt * (1 - eta) + result.discharge_kw.sum() * dt * (1 / eta - 1)
    assert result.loss_kwh == pytest.approx(expected, rel=1e-9)


def test_limits_hold(net):
    b = battery()
    result = dispatch(b, net)
    assert result.soc_kwh.min() >= b.soc_min * b.capacity_kwh - 1e-9
    assert result.soc_kwh.max() <= b.soc_max * b.capacity_kwh + 1e-9
    assert result.charge_kw.max() <= b.power_kw + 1e-12 and result.discharge_kw.max() <= b.power_kw + 1e-12
    # charges only from surplus, discharges only into deficit, never both at once
    assert (result.charge_kw <= net.clip(lower=0) + 1e-12).all()
    assert (result.discharge_kw <= (-net).clip(lower=0) + 1e-12).all()
    assert ((result.charge_kw > 0) & (result.discharge_kw > 0)).sum() == 0


def test_no_energy_from_nothing():
    index = pd.date_range("2019-01-01", periods=48, freq="h", tz="UTC")
    only_deficit = pd.Series(-2.0, index=index)
    result = dispatch(battery(), only_deficit)
    assert result.discharge_kw.sum() == 0 and result.soc_kwh.iloc[-1] == pytest.approx(1.0)
    # a full battery at the start gives back at most what it holds above the minimum, times eta_d
    full = dispatch(battery(), only_deficit, soc_start=0.9)
    assert full.discharge_kw.sum() == pytest.approx(8.0 * math.sqrt(0.9), rel=1e-12)


def test_shifts_surplus_to_the_evening():
    index = pd.date_range("2019-06-01", periods=24, freq="h", tz="UTC")
    net = pd.Series(np.where((index.hour >= 10) & (index.hour < 14), 4.0, -1.0), index=index)
    result = dispatch(battery(capacity_kwh=20.0, power_kw=5.0, soc_min=0.0, soc_max=1.0,
                              round_trip_efficiency=0.81), net)
    assert result.charge_kw.sum() == pytest.approx(16.0)          # all of the midday surplus
    # 14.4 kWh stored (eta_c = 0.9) would give 12.96 kWh back; the 10 evening hours need 10 kWh
    assert result.discharge_kw.sum() == pytest.approx(10.0)
    assert result.soc_kwh.iloc[-1] == pytest.approx(16.0 * 0.9 - 10.0 / 0.9)
    after = result.net_after_kw(net)
    assert after[(index.hour >= 10) & (index.hour < 14)].abs().max() == pytest.approx(0.0)
