"""Electric vehicles: energy in before each departure, the strategies' schedules by hand, smart and
limited charging never worse than immediate for the transformer's peak."""

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.generation.demand import electricity_kw
from planner.generation.ev import LIMIT_SHARE, _charge, sessions_for, simulate_charging
from planner.model import ChargingPoint, Consumer

TZ = "Europe/Berlin"
INDEX = pd.date_range("2025-01-01", periods=8760, freq="1h", tz="UTC")


def point(id="cp", **kw):
    return ChargingPoint(id=id, consumer_id="house", geometry=Point(0, 0), **kw)


def test_hand_case_of_each_strategy():
    # one session from step 2 to step 8 (exclusive) that needs 25 kWh at 11 kW per hour steps
    start, end, energy = np.array([2]), np.array([8]), np.array([25.0])
    signal = np.array([0, 0, 5.0, 9.0, 1.0, 3.0, 0.5, 7.0, 0, 0])
    charged = np.zeros(1)
    immediate = _charge(start, end, energy, 11.0, 1.0, 0, np.inf, signal, charged, 10)
    np.testing.assert_allclose(immediate, [0, 0, 11, 11, 3, 0, 0, 0, 0, 0])
    assert charged[0] == pytest.approx(25.0)
    # smart: the lowest steps of the signal first (0.5 at step 6, 1 at 4, then 3 at 5)
    smart = _charge(start, end, energy, 11.0, 1.0, 1, np.inf, signal, charged, 10)
    np.testing.assert_allclose(smart, [0, 0, 0, 0, 11, 3, 11, 0, 0, 0])
    # limit 12 kW: as soon as possible into the headroom (7, 3, 11, 4 ... kW), in before departure
    limited = _charge(start, end, energy, 11.0, 1.0, 2, 12.0, signal, charged, 10)
    np.testing.assert_allclose(limited, [0, 0, 7, 3, 11, 4, 0, 0, 0, 0])
    assert (limited + signal)[2:8].max() <= 12.0 + 1e-12
    # a window too short: what it can, and the rest counted as missing
    short = _charge(np.array([2]), np.array([4]), np.array([30.0]), 11.0, 1.0, 0, np.inf, signal, charged, 10)
    assert short.sum() == pytest.approx(22.0) and charged[0] == pytest.approx(22.0)


@pytest.mark.parametrize("location", ["home", "work"])
@pytest.mark.parametrize("strategy", ["immediate", "reduced", "smart", "limit"])
def test_energy_is_in_before_each_departure(location, strategy):
    cp = point(location=location, strategy=strategy)
    rng = np.random.default_rng(3)
    result = simulate_charging([cp], INDEX, TZ, net_load_kw=rng.normal(0, 5, len(INDEX)),
                               area_load_kw={"t": rng.normal(50, 20, len(INDEX))}, area_of={"cp": "t"},
                               area_limit_kw={"t": 100.0})
    kw = result.charging_kw["cp"].to_numpy()
    sessions = result.sessions
    inside = np.zeros(len(INDEX), dtype=bool)
    power = cp.reduced_kw if strategy == "reduced" else cp.power_kw
    for row in sessions.itertuples():
        inside[row.start:row.end] = True
        # what the session charged lies in its window (one vehicle: sessions do not overlap)
        assert kw[row.start:row.end].sum() == pytest.approx(row.charged_kwh, abs=1e-9)
        possible = power * (row.end - row.start)
        assert row.charged_kwh == pytest.approx(min(row.required_kwh, possible), abs=1e-9)
    assert not kw[~inside].any(), "charging outside a session"
    assert kw.max() <= power + 1e-9
    # a year of driving: annual_km x consumption, within the draws' spread
    assert sessions.required_kwh.sum() == pytest.approx(cp.annual_km * cp.consumption_kwh_per_km, rel=0.15)
    assert (sessions.end > sessions.start).all()


def test_sessions_are_seeded_and_vehicles_differ():
    a = sessions_for(point(vehicles=3), INDEX, TZ)
    b = sessions_for(point(vehicles=3), INDEX, TZ)
    np.testing.assert_array_equal(a, b)
    first, second = a[a[:, 0] == 0], a[a[:, 0] == 1]
    assert len(first) and len(second) and not np.array_equal(first[:10, 1:], second[:10, 1:])
    other = sessions_for(point(id="elsewhere"), INDEX, TZ)
    assert not np.array_equal(other[:10], a[a[:, 0] == 0][:10])


@pytest.fixture(scope="module")
def street():
    """Sixty households on one transformer: their H0 demand is the area's load."""
    houses = [Consumer(id=f"h{k}", annual_kwh=3500.0, geometry=Point(0, 0)) for k in range(60)]
    return electricity_kw(houses, INDEX, TZ).sum(axis=1).to_numpy()


@pytest.mark.parametrize("strategy", ["smart", "limit"])
def test_smart_and_limited_never_worse_than_immediate_for_the_transformer_peak(street, strategy):
    def peak(strategy_name):
        points = [ChargingPoint(id=f"cp{k}", consumer_id=f"h{k}", strategy=strategy_name, geometry=Point(0, 0))
                  for k in range(30)]
        result = simulate_charging(points, INDEX, TZ, net_load_kw=street, area_load_kw={"t": street},
                                   area_of={p.id: "t" for p in points}, area_limit_kw={"t": 160.0})
        load = street + result.charging_kw.sum(axis=1).to_numpy()
        delivered = result.sessions.charged_kwh.sum() / result.sessions.required_kwh.sum()
        return load.max(), delivered

    immediate, delivered_immediate = peak("immediate")
    other, delivered_other = peak(strategy)
    assert other <= immediate + 1e-9
    assert delivered_other >= delivered_immediate - 1e-9  # and no less energy in the cars
    if strategy == "limit":
        assert other <= max(LIMIT_SHARE * 160.0, street.max()) + 1e-9
