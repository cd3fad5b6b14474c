"""Weather: readers returning ``(DataFrame, WeatherMeta)`` in standard names, and the bundled stations."""

from planner.weather.catalogue import (
    Station, StationChoice, fit_warnings, nearest_station, read_station, station, station_warnings, stations,
    try_region_at,
)
from planner.weather.checks import COLUMNS, WeatherError, WeatherMeta, check_full_year, to_resolution
from planner.weather.readers import (
    TYPICAL_YEAR, read_csv_mapped, read_dwd_try, read_epw, read_pvgis_tmy, read_tmy2, read_tmy3,
    read_weather,
)

__all__ = [
    "COLUMNS", "Station", "StationChoice", "TYPICAL_YEAR", "WeatherError", "WeatherMeta", "check_full_year",
    "fit_warnings",
    "nearest_station", "read_csv_mapped", "read_dwd_try", "read_epw", "read_pvgis_tmy",
    "read_station", "read_tmy2", "read_tmy3", "read_weather", "station", "station_warnings", "stations",
    "to_resolution", "try_region_at",
]
