import numpy as np
import pytest

from planner.weather import nearest_station, stations, to_resolution, try_region_at
from planner.weather.catalogue import distance_km


def test_every_bundled_data_set_is_listed():
    ids = {s.id for s in stations()}
    assert {"tmy3-723170", "tmy3-703165", "tmy2-12839"} <= ids
    assert {f"dwd-try2010-{r:02d}" for r in range(1, 16)} <= ids


def test_german_site_takes_its_try_region():
    choice = nearest_station(48.457, 7.884)  # Schutterwald
    assert choice.station.id == "dwd-try2010-12" and "region 12" in choice.reason
    assert choice.distance_km == pytest.approx(distance_km(48.457, 7.884, 49 + 31 / 60, 8 + 33 / 60), rel=1e-9)
    assert choice.warnings == ()
    assert try_region_at(48.457, 7.884) == 12
    assert try_region_at(36.1, -79.9) is None


def test_greensboro_is_near():
    choice = nearest_station(36.07, -79.79)
    assert choice.station.id == "tmy3-723170" and choice.distance_km < 20 and not choice.warnings


def test_far_and_other_climate_are_warned():
    london = nearest_station(51.5, -0.12)
    assert london.distance_km > 400 and "bring a weather file" in london.warnings[0]
    sydney = nearest_station(-33.87, 151.21)
    assert any("another climate" in w for w in sydney.warnings)


def test_haversine_known_distance():
    # Paris to London, about 344 km
    assert distance_km(48.8566, 2.3522, 51.5074, -0.1278) == pytest.approx(343.5, abs=1.5)


def test_fifteen_minutes_keeps_irradiation_and_smooths_temperature(greensboro):
    hourly, _ = greensboro
    quarter = to_resolution(hourly, 15)
    assert len(quarter) == 4 * len(hourly)
    assert quarter.index.freqstr in ("15min", "15T") or (quarter.index[1] - quarter.index[0]).seconds == 900
    for column in ("ghi", "dni", "dhi"):  # energy kept exactly
        assert quarter[column].sum() / 4 == pytest.approx(hourly[column].sum(), rel=1e-12)
    # temperature is interpolated between hour midpoints: within the neighbours' range
    t = quarter.temp_air.to_numpy()[4:-4]
    assert np.abs(np.diff(t)).max() <= np.abs(np.diff(hourly.temp_air.to_numpy())).max() / 4 + 1e-9
    back = to_resolution(quarter, 60)
    np.testing.assert_allclose(back.ghi.to_numpy(), hourly.ghi.to_numpy())
