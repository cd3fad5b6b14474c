import pytest

from planner.model import Site, ValidationError, timezone_at, utm_crs


@pytest.mark.parametrize("lat, lon, epsg", [
    (48.457, 7.884, "EPSG:32632"),      # Schutterwald
    (36.1, -79.9, "EPSG:32617"),        # Greensboro, North Carolina
    (-33.87, 151.21, "EPSG:32756"),     # Sydney: southern hemisphere
    (60.39, 5.32, "EPSG:32632"),        # Bergen: the Norway exception (32V)
    (78.22, 15.65, "EPSG:32633"),       # Longyearbyen: the Svalbard exception (33X)
    (0.0, -180.0, "EPSG:32601"),
    (10.0, 179.99, "EPSG:32660"),
    (10.0, 180.0, "EPSG:32601"),        # wraps to -180
])
def test_utm_zone(lat, lon, epsg):
    assert utm_crs(lat, lon) == epsg


def test_utm_refuses_polar_latitudes():
    with pytest.raises(ValueError, match="UTM covers"):
        utm_crs(85.0, 0.0)


@pytest.mark.parametrize("lat, lon, tz", [
    (48.457, 7.884, "Europe/Berlin"),
    (36.1, -79.9, "America/New_York"),
    (25.8, -80.3, "America/New_York"),
    (55.2, -161.5, "America/Anchorage"),
])
def test_timezone_found_offline(lat, lon, tz):
    assert timezone_at(lat, lon) == tz


def test_site_at_fills_timezone_and_crs():
    site = Site.at(48.457, 7.884)
    assert (site.timezone, site.crs) == ("Europe/Berlin", "EPSG:32632")
    assert site.validate() == []


def test_site_rejects_bad_input():
    with pytest.raises(ValidationError, match="latitude must be between -90 and 90 deg, got 91 deg"):
        Site.at(91, 0)
    bad = Site(latitude=48, longitude=8, timezone="Mars/Olympus", crs="EPSG:4326")
    found = [str(i) for i in bad.validate()]
    assert "Site: time zone 'Mars/Olympus' is not an IANA time zone" in found
    assert any("is not projected" in m for m in found)
